// segment: the lecture's semantic segmentation. A U-Net labels every pixel of a 64x64
// Fashion-MNIST canvas (1 to 3 items) with its item's class or background, trained with the
// lecture's two losses, soft Dice (1 - 2|A n B| / (|A| + |B|)) plus focal loss (cross entropy
// that down-weights well-classified pixels). Prints per-class and mean IoU and Dice on test
// canvases and writes input | truth | prediction pictures.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "common/canvas.h"
#include "unet.h"

namespace {

using tg::Tensor;
constexpr int64_t kClasses = 11;  // background + 10 Fashion-MNIST classes
constexpr int kSize = 64;

struct Options {
  std::string data_dir = tg::data::default_fashion_mnist_root();
  std::string out_dir = "runs";
  uint64_t seed = 1;
  int threads = 0;
  int64_t steps = 2000;
  int64_t batch_size = 16;
  double lr = 3e-3;
  int64_t width = 8;
  double gamma = 2.0;
  int64_t test_canvases = 500;
  int64_t limit_images = 0;
};

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

Tensor label_maps(const std::vector<canvas::Canvas>& cs, int64_t first, int64_t n) {
  std::vector<int64_t> v;
  v.reserve(n * kSize * kSize);
  for (int64_t i = first; i < first + n; ++i)
    v.insert(v.end(), cs[i].labels.begin(), cs[i].labels.end());
  return tg::tensor(v, {n, kSize, kSize});
}

const char* class_name(int64_t c) {
  return c == 0 ? "background" : tg::data::fashion_mnist_class_name(c - 1);
}

void draw(const std::vector<canvas::Canvas>& cs, const std::vector<int64_t>& pred,
          const std::string& path) {
  // Two groups of (input | truth | prediction) side by side, 4 rows, then a colour legend.
  const int zoom = 2, tile = kSize * zoom, gap = 4, group_gap = 16, rows = 4, head = 20, key = 50;
  const int group_w = 3 * tile + 2 * gap;
  canvas::Picture pic(2 * group_w + group_gap + 2 * gap, head + rows * (tile + gap) + gap + key);
  const char* titles[3] = {"input", "truth", "prediction"};
  for (int g = 0; g < 2; ++g)
    for (int t = 0; t < 3; ++t)
      pic.text(gap + g * (group_w + group_gap) + t * (tile + gap) + 4, 4, titles[t], {0, 0, 0}, 2);
  for (int k = 0; k < 2 * rows && k < static_cast<int>(cs.size()); ++k) {
    const int x0 = gap + (k / rows) * (group_w + group_gap);
    const int y0 = head + gap + (k % rows) * (tile + gap);
    const canvas::Canvas& c = cs[k];
    pic.grey(x0, y0, c.pixels.data(), kSize, zoom);
    pic.labels(x0 + tile + gap, y0, c.labels.data(), c.pixels.data(), kSize, zoom);
    pic.labels(x0 + 2 * (tile + gap), y0, pred.data() + k * kSize * kSize, c.pixels.data(), kSize,
               zoom);
  }
  const int y = head + rows * (tile + gap) + gap + 2, w = (pic.width() - 2 * gap) / 5;
  for (int c = 0; c < 10; ++c) {
    const int x = gap + (c % 5) * w, yy = y + (c / 5) * 22;
    pic.fill(x, yy + 2, 20, 12, canvas::class_colour(c));
    pic.text(x + 24, yy + 2, tg::data::fashion_mnist_class_name(c), {0, 0, 0}, 1);
  }
  pic.save(path);
}

int run(const Options& o) {
  const double start = now_seconds();
  if (o.threads > 0) tg::set_num_threads(o.threads);
  tg::manual_seed(o.seed);
  std::filesystem::create_directories(o.out_dir);
  const canvas::Source train = canvas::load_source(tg::data::Split::Train, o.data_dir, o.limit_images);
  const canvas::Source test_src = canvas::load_source(tg::data::Split::Test, o.data_dir, o.limit_images);
  canvas::CanvasOptions co;
  co.min_items = 1, co.max_items = 3, co.min_side = 18, co.max_side = 36;
  canvas::Rng train_rng(o.seed * 2 + 1);
  const std::vector<canvas::Canvas> test =
      canvas::make_canvases(test_src, o.test_canvases, o.seed * 2 + 2, co);

  segment::UNet model(1, kClasses, o.width);
  int64_t params = 0;
  for (const Tensor& p : model->parameters()) params += p.numel();
  std::cout << "segment: U-Net (width " << o.width << ", " << params << " parameters) on 64x64 "
            << "canvases of 1-3 Fashion-MNIST items, Dice + focal (gamma " << o.gamma << ") loss, "
            << o.steps << " steps of " << o.batch_size << ", " << tg::get_num_threads()
            << " threads, seed " << o.seed << "\n";
  tg::optim::Adam opt(model->parameters(), tg::optim::AdamOptions(o.lr));
  tg::optim::CosineAnnealingLR schedule(opt, o.steps);
  double sum_dice = 0, sum_focal = 0;
  int64_t seen = 0;
  for (int64_t step = 1; step <= o.steps; ++step) {
    std::vector<canvas::Canvas> batch;
    for (int64_t i = 0; i < o.batch_size; ++i) batch.push_back(canvas::make_canvas(train, train_rng, co));
    const Tensor x = canvas::images(batch, canvas::range(0, o.batch_size));
    const Tensor y = label_maps(batch, 0, o.batch_size);
    opt.zero_grad();
    const Tensor logits = model->forward(x);
    const Tensor dice = tg::dice_loss(logits, y);
    const Tensor focal = tg::focal_loss(logits, y, o.gamma);
    (dice + focal).backward();
    opt.step();
    schedule.step();
    sum_dice += dice.item(), sum_focal += focal.item(), ++seen;
    if (step % 100 == 0 || step == o.steps) {
      std::cout << "  step " << std::setw(5) << step << std::fixed << std::setprecision(4)
                << "  Dice loss " << sum_dice / seen << "  focal loss " << sum_focal / seen
                << "   (" << std::setprecision(1) << now_seconds() - start << " s)\n";
      sum_dice = sum_focal = 0, seen = 0;
    }
  }

  model->eval();
  tg::NoGradGuard no_grad;
  std::vector<int64_t> tp(kClasses, 0), fp(kClasses, 0), fn(kClasses, 0), pred_all;
  double test_dice = 0, test_focal = 0;
  int64_t batches = 0;
  for (int64_t first = 0; first < o.test_canvases; first += 100) {
    const int64_t n = std::min<int64_t>(100, o.test_canvases - first);
    const Tensor logits = model->forward(canvas::images(test, canvas::range(first, n)));
    const Tensor y = label_maps(test, first, n);
    test_dice += tg::dice_loss(logits, y).item(), test_focal += tg::focal_loss(logits, y, o.gamma).item();
    ++batches;
    const std::vector<int64_t> p = logits.argmax(1).contiguous().to_vector<int64_t>();
    const std::vector<int64_t> t = y.to_vector<int64_t>();
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i] == t[i]) {
        ++tp[t[i]];
      } else {
        ++fp[p[i]], ++fn[t[i]];
      }
    }
    pred_all.insert(pred_all.end(), p.begin(), p.end());
  }
  std::cout << "  test losses: Dice " << std::setprecision(4) << test_dice / batches << "  focal "
            << test_focal / batches << "\n";
  std::cout << "  per class on " << o.test_canvases << " test canvases (pixels):\n";
  double sum_iou = 0, sum_d = 0, items_iou = 0, items_d = 0;
  int64_t counted = 0, items = 0;
  for (int64_t c = 0; c < kClasses; ++c) {
    const int64_t denom = tp[c] + fp[c] + fn[c];
    const double iou = denom > 0 ? static_cast<double>(tp[c]) / denom : NAN;
    const double dice = denom > 0 ? 2.0 * tp[c] / (2.0 * tp[c] + fp[c] + fn[c]) : NAN;
    std::cout << "    " << std::left << std::setw(12) << class_name(c) << std::right
              << std::setw(8) << tp[c] + fn[c] << " px   IoU " << std::setprecision(3) << iou
              << "   Dice " << dice << "\n";
    if (denom == 0) continue;
    sum_iou += iou, sum_d += dice, ++counted;
    if (c > 0) items_iou += iou, items_d += dice, ++items;
  }
  int64_t correct = 0, total = 0;
  for (int64_t c = 0; c < kClasses; ++c) correct += tp[c], total += tp[c] + fn[c];
  std::cout << "  mean IoU " << sum_iou / counted << "   mean Dice " << sum_d / counted
            << "   (all " << counted << " classes);   items only: mean IoU " << items_iou / items
            << "   mean Dice " << items_d / items << "\n";
  std::cout << "  pixel accuracy " << static_cast<double>(correct) / total << "\n";
  const std::string path = o.out_dir + "/segment.png";
  draw(test, pred_all, path);
  std::cout << "  wrote " << path << " (input | truth | prediction, colour = class)\n";
  std::cout << "total time " << std::setprecision(1) << now_seconds() - start << " s\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Semantic segmentation of Fashion-MNIST canvases with a U-Net"};
  app.add_option("--steps", o.steps, "training steps")->capture_default_str();
  app.add_option("--batch-size", o.batch_size, "canvases per step")->capture_default_str();
  app.add_option("--lr", o.lr, "Adam learning rate (cosine-annealed)")->capture_default_str();
  app.add_option("--width", o.width, "U-Net channels at full resolution")->capture_default_str();
  app.add_option("--gamma", o.gamma, "focal loss exponent")->capture_default_str();
  app.add_option("--test-canvases", o.test_canvases, "test canvases (from the test images)")
      ->capture_default_str();
  app.add_option("--limit-images", o.limit_images,
                 "use only the first N Fashion-MNIST images of each split");
  app.add_option("--threads", o.threads, "worker threads (default: TG_NUM_THREADS or all cores)");
  app.add_option("--seed", o.seed, "seed of the weights and the canvases")->capture_default_str();
  app.add_option("--data-dir", o.data_dir, "Fashion-MNIST IDX files")->capture_default_str();
  app.add_option("--out-dir", o.out_dir, "where the picture goes")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "segment: " << e.what() << "\n";
    return 1;
  }
}
