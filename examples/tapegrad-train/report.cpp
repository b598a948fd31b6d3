#include "report.h"

#include <fstream>
#include <iomanip>
#include <sstream>

#include "data/atomic_file.h"
#include "data/fashion_mnist.h"
#include "data/plot.h"

namespace train {

std::string fixed(double value, int digits) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(digits) << value;
  return os.str();
}

void write_history_csv(const std::string& path, const History& history) {
  std::ostringstream f;
  f << "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,images_per_second\n";
  for (const EpochRecord& r : history)
    f << r.epoch << ',' << r.train_loss << ',' << r.train_accuracy << ',' << r.test_loss << ','
      << r.test_accuracy << ',' << r.seconds << ',' << r.images_per_second << '\n';
  tg::io::write_file_atomic(path, f.str(), "tapegrad-train: curve");
}

void write_history_plot(const std::string& path, const History& history) {
  std::vector<double> x, train_loss, test_loss, train_acc, test_acc;
  for (const EpochRecord& r : history) {
    x.push_back(static_cast<double>(r.epoch));
    train_loss.push_back(r.train_loss);
    test_loss.push_back(r.test_loss);
    train_acc.push_back(100.0 * r.train_accuracy);
    test_acc.push_back(100.0 * r.test_accuracy);
  }
  const tg::io::Colour blue{31, 119, 180}, red{214, 39, 40};
  tg::io::PlotPanel loss("loss per epoch",
                         {tg::io::PlotSeries("train", x, train_loss, blue, true),
                          tg::io::PlotSeries("test", x, test_loss, red, true)},
                         "epoch", "loss");
  tg::io::PlotPanel acc("accuracy per epoch",
                        {tg::io::PlotSeries("train", x, train_acc, blue, true),
                         tg::io::PlotSeries("test", x, test_acc, red, true)},
                        "epoch", "accuracy (%)");
  tg::io::plot_training_curves_png(path, {loss, acc});
}

void print_confusion(std::ostream& os, const tg::Tensor& confusion) {
  std::vector<int64_t> cm = confusion.to_vector<int64_t>();
  os << "confusion matrix (rows: true class, columns: predicted)\n";
  os << std::setw(13) << "";
  for (int j = 0; j < 10; ++j) os << std::setw(6) << j;
  os << "   recall\n";
  for (int i = 0; i < 10; ++i) {
    int64_t row = 0;
    for (int j = 0; j < 10; ++j) row += cm[i * 10 + j];
    os << std::setw(2) << i << ' ' << std::left << std::setw(10)
       << tg::data::fashion_mnist_class_name(i) << std::right;
    for (int j = 0; j < 10; ++j) os << std::setw(6) << cm[i * 10 + j];
    os << "   " << fixed(row ? 100.0 * static_cast<double>(cm[i * 10 + i]) / static_cast<double>(row) : 0.0, 1)
       << "%\n";
  }
}

}  // namespace train
