// Training curve (CSV and PNG) and the confusion matrix.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include <tapegrad.h>

namespace train {

struct EpochRecord {
  int64_t epoch;
  double train_loss, train_accuracy, test_loss, test_accuracy, seconds, images_per_second;
};
using History = std::vector<EpochRecord>;

std::string fixed(double value, int digits);
void write_history_csv(const std::string& path, const History& history);
void write_history_plot(const std::string& path, const History& history);
// Rows are true classes, columns predictions, with Fashion-MNIST's class names.
void print_confusion(std::ostream& os, const tg::Tensor& confusion);

}  // namespace train
