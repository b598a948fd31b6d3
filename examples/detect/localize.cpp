// (a) Localization: a CNN reads a 64x64 canvas holding one item and regresses its bounding box
// in the lecture's point + width + height form (x, y, w, h as fractions of the canvas).
// The losses compare boxes in that form (RMSE) or, after box_convert to corners, by overlap
// (1 - IoU, 1 - GIoU).
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>

#include "detect.h"
#include "ops/boxes.h"

namespace detect {
namespace {

namespace nn = tg::nn;
using tg::Tensor;

constexpr int kSize = 64;

nn::Sequential make_localizer() {
  auto block = [](int64_t in, int64_t out) {
    return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)),
                          nn::BatchNorm2d(out), nn::ReLU(),
                          nn::MaxPool2d(nn::MaxPool2dOptions(2)));
  };
  return nn::Sequential(block(1, 16), block(16, 32), block(32, 64), block(64, 64),  // 64 -> 4
                        nn::Flatten(), nn::Linear(64 * 4 * 4, 128), nn::ReLU(),
                        nn::Linear(128, 4), nn::Sigmoid());
}

// Targets [n, 4]: x, y, w, h of each canvas's item, as fractions of the canvas side.
Tensor targets(const std::vector<canvas::Canvas>& cs) {
  std::vector<float> v;
  for (const canvas::Canvas& c : cs) {
    const canvas::Item& it = c.items.front();
    for (double t : {it.x, it.y, it.w, it.h}) v.push_back(static_cast<float>(t / c.size));
  }
  return tg::tensor(v, {static_cast<int64_t>(cs.size()), 4});
}

Tensor xyxy(const Tensor& xywh) { return tg::box_convert(xywh, "xywh", "xyxy"); }

struct Losses {
  Tensor rmse, iou, giou;
};

Losses losses(const Tensor& pred, const Tensor& target) {
  return {tg::rmse_loss(pred, target), tg::iou_loss(xyxy(pred), xyxy(target)),
          tg::giou_loss(xyxy(pred), xyxy(target))};
}

Tensor objective(const std::string& name, const Losses& l) {
  if (name == "rmse") return l.rmse;
  if (name == "iou") return l.iou;
  if (name == "giou") return l.giou;
  if (name == "rmse+iou") return l.rmse + l.iou;
  if (name == "rmse+giou") return l.rmse + l.giou;
  throw tg::Error("detect: --loss must be rmse, iou, giou, rmse+iou or rmse+giou, got '" + name +
                  "'");
}

// Per-canvas IoU of predicted and true boxes (both xywh fractions).
std::vector<double> ious(const Tensor& pred, const Tensor& target) {
  Tensor iou = tg::rsub(tg::iou_loss(xyxy(pred), xyxy(target), tg::kNone), 1);
  return iou.to(tg::kFloat64).to_vector<double>();
}

struct Scores {
  double mean_iou = 0, hit_rate = 0, rmse_px = 0;
};

Scores score(const Tensor& pred, const Tensor& target) {
  Scores s;
  const std::vector<double> v = ious(pred, target);
  for (double x : v) s.mean_iou += x, s.hit_rate += x >= 0.5 ? 1 : 0;
  s.mean_iou /= static_cast<double>(v.size());
  s.hit_rate /= static_cast<double>(v.size());
  s.rmse_px = tg::rmse_loss(pred, target).item() * kSize;
  return s;
}

void print_scores(const char* what, const Scores& s) {
  std::cout << "  " << std::left << std::setw(34) << what << std::right << std::fixed
            << std::setprecision(3) << "mean IoU " << s.mean_iou << "   IoU >= 0.5: "
            << std::setprecision(1) << 100 * s.hit_rate << "%   RMSE " << std::setprecision(2)
            << s.rmse_px << " px\n";
}

void draw(const std::vector<canvas::Canvas>& cs, const Tensor& pred, const Tensor& target,
          const std::string& path) {
  const int cols = 6, rows = 3, zoom = 3, gap = 6, tile = kSize * zoom, key = 30;
  canvas::Picture pic(cols * (tile + gap) + gap, rows * (tile + gap) + gap + key);
  const std::vector<float> p = pred.to_vector<float>();
  const std::vector<double> iou = ious(pred, target);
  char caption[32];
  for (int k = 0; k < cols * rows && k < static_cast<int>(cs.size()); ++k) {
    const int x0 = gap + (k % cols) * (tile + gap), y0 = gap + (k / cols) * (tile + gap);
    pic.grey(x0, y0, cs[k].pixels.data(), kSize, zoom);
    const canvas::Item& it = cs[k].items.front();
    pic.box(x0, y0, zoom, it.x, it.y, it.w, it.h, {40, 220, 40});
    pic.box(x0, y0, zoom, p[4 * k] * kSize, p[4 * k + 1] * kSize, p[4 * k + 2] * kSize,
            p[4 * k + 3] * kSize, {255, 40, 40}, 2, true);
    std::snprintf(caption, sizeof caption, "IoU %.2f", iou[k]);
    pic.text(x0 + 4, y0 + 4, caption, {255, 255, 255}, 2);
  }
  const int y = rows * (tile + gap) + gap + 4;
  pic.fill(gap, y + 4, 30, 4, {40, 220, 40});
  pic.text(gap + 38, y, "true box", {0, 0, 0}, 2);
  pic.box(gap + 170, y + 4, 1, 0, 0, 30, 4, {255, 40, 40}, 2, true);
  pic.text(gap + 208, y, "predicted box (point + width + height)", {0, 0, 0}, 2);
  pic.save(path);
}

}  // namespace

double run_localization(const Options& o, const Sources& s) {
  const double start = now_seconds();
  tg::manual_seed(o.seed);
  canvas::CanvasOptions co;  // one item, side 20-44 pixels
  canvas::Rng train_rng(o.seed * 2 + 1);
  const std::vector<canvas::Canvas> test =
      canvas::make_canvases(s.test, o.test_canvases, o.seed * 2 + 2, co);
  const Tensor test_x = canvas::images(test, canvas::range(0, o.test_canvases));
  const Tensor test_y = targets(test);

  std::cout << "\n(a) localization: one item per 64x64 canvas, box = point + width + height, loss "
            << o.loss << ", " << o.loc_steps << " steps of " << o.batch_size << " canvases\n";
  nn::Sequential model = make_localizer();
  tg::optim::Adam opt(model->parameters(), tg::optim::AdamOptions(o.lr));
  tg::optim::CosineAnnealingLR schedule(opt, o.loc_steps);
  double sum_rmse = 0, sum_iou = 0, sum_giou = 0;
  int64_t seen = 0;
  for (int64_t step = 1; step <= o.loc_steps; ++step) {
    std::vector<canvas::Canvas> batch;
    for (int64_t i = 0; i < o.batch_size; ++i) batch.push_back(canvas::make_canvas(s.train, train_rng, co));
    const Tensor x = canvas::images(batch, canvas::range(0, o.batch_size));
    opt.zero_grad();
    Losses l = losses(model->forward(x), targets(batch));
    objective(o.loss, l).backward();
    opt.step();
    schedule.step();
    sum_rmse += l.rmse.item(), sum_iou += l.iou.item(), sum_giou += l.giou.item(), ++seen;
    if (step % 200 == 0 || step == o.loc_steps) {
      std::cout << "  step " << std::setw(5) << step << std::fixed << std::setprecision(4)
                << "  RMSE " << sum_rmse / seen << "  1-IoU " << sum_iou / seen << "  1-GIoU "
                << sum_giou / seen << "   (" << elapsed(start) << ")\n";
      sum_rmse = sum_iou = sum_giou = 0, seen = 0;
    }
  }

  model->eval();
  tg::NoGradGuard no_grad;
  const Tensor pred = model->forward(test_x);
  const Losses tl = losses(pred, test_y);
  std::cout << "  test losses: RMSE " << std::setprecision(4) << tl.rmse.item() << "  1-IoU "
            << tl.iou.item() << "  1-GIoU " << tl.giou.item() << "\n";
  // The trivial baseline: always answer the mean box of the training canvases.
  std::vector<canvas::Canvas> sample;
  canvas::Rng base_rng(o.seed * 2 + 3);
  for (int i = 0; i < 2000; ++i) sample.push_back(canvas::make_canvas(s.train, base_rng, co));
  const Tensor mean_box = targets(sample).mean({0}, true).expand({o.test_canvases, 4});
  print_scores("baseline (the mean training box):", score(mean_box, test_y));
  const Scores sc = score(pred, test_y);
  print_scores(("CNN on " + std::to_string(o.test_canvases) + " test canvases:").c_str(), sc);
  const std::string path = o.out_dir + "/detect_localization.png";
  draw(test, pred, test_y, path);
  std::cout << "  wrote " << path << " (green: true box, dashed red: predicted)   ("
            << elapsed(start) << ")\n";
  return sc.mean_iou;
}

}  // namespace detect
