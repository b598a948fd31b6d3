// (b) Detection: a single-stage grid detector in the style of YOLO. A fully convolutional
// network maps the 64x64 canvas to an S x S grid (8 x 8 by default, 8 pixels per cell); each
// cell predicts
//   - objectness: is the centre of an item inside this cell? (a logit),
//   - a box: centre offset inside the cell (sigmoid), width and height as fractions of the
//     canvas (sigmoid),
//   - the class (10 logits).
// Training: binary cross entropy on objectness over all cells; for the cell responsible for an
// item (the one holding its centre) 1 - GIoU + RMSE on the box and cross entropy on the class.
// Inference: score = objectness probability x class probability; non-maximum suppression per
// class; then mAP@0.5 over the test canvases (average_precision.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>

#include "average_precision.h"
#include "detect.h"
#include "ops/boxes.h"

namespace detect {
namespace {

namespace nn = tg::nn;
using tg::Tensor;

constexpr int kSize = 64;
constexpr int64_t kClasses = 10;
constexpr int64_t kOutputs = 5 + kClasses;  // objectness, 4 box numbers, class logits

nn::Sequential conv_bn(int64_t in, int64_t out, int64_t dilation = 1) {
  return nn::Sequential(
      nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(dilation).dilation(dilation).bias(false)),
      nn::BatchNorm2d(out), nn::ReLU());
}

// 64 -> 8 cells: three conv + pool stages, two more convs (one dilated, so the receptive field
// covers a whole item from its centre cell), a 1x1 head.
nn::Sequential make_detector(int64_t grid) {
  nn::Sequential m;
  int64_t side = kSize, in = 1, width = 16;
  while (side > grid) {
    m->push_back(conv_bn(in, width));
    m->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2)));
    in = width, width = std::min<int64_t>(width * 2, 64), side /= 2;
  }
  m->push_back(conv_bn(in, 64));
  m->push_back(conv_bn(64, 64, 2));
  m->push_back(nn::Conv2d(nn::Conv2dOptions(64, kOutputs, 1)));
  return m;
}

// What the loss needs for one batch: objectness targets for every cell and, for each
// responsible cell, its flat index, grid position, box (x1, y1, x2, y2 fractions) and class.
struct Targets {
  Tensor objectness;  // [B * S * S]
  Tensor cells;       // int64 [P]
  Tensor gx, gy;      // [P]
  Tensor boxes;       // [P, 4]
  Tensor classes;     // int64 [P]
};

Targets make_targets(const std::vector<canvas::Canvas>& cs, int64_t grid) {
  const int64_t per = grid * grid;
  std::vector<float> obj(cs.size() * per, 0.0f), gx, gy, boxes;
  std::vector<int64_t> cells, classes;
  for (size_t b = 0; b < cs.size(); ++b)
    for (const canvas::Item& it : cs[b].items) {
      const double cx = (it.x + it.w / 2) / kSize, cy = (it.y + it.h / 2) / kSize;
      const auto i = std::min<int64_t>(grid - 1, static_cast<int64_t>(cy * grid));
      const auto j = std::min<int64_t>(grid - 1, static_cast<int64_t>(cx * grid));
      const int64_t cell = static_cast<int64_t>(b) * per + i * grid + j;
      if (obj[cell] != 0.0f) continue;  // two centres in one cell: the first one is learnt
      obj[cell] = 1.0f;
      cells.push_back(cell);
      gx.push_back(static_cast<float>(j));
      gy.push_back(static_cast<float>(i));
      for (double v : {it.x, it.y, it.x + it.w, it.y + it.h})
        boxes.push_back(static_cast<float>(v / kSize));
      classes.push_back(it.label);
    }
  const auto p = static_cast<int64_t>(cells.size());
  return {tg::tensor(obj, {static_cast<int64_t>(obj.size())}), tg::tensor(cells, {p}),
          tg::tensor(gx, {p}), tg::tensor(gy, {p}), tg::tensor(boxes, {p, 4}),
          tg::tensor(classes, {p})};
}

// head [B, 15, S, S] -> [B * S * S, 15], one row per cell.
Tensor rows(const Tensor& head) {
  return head.permute({0, 2, 3, 1}).reshape({-1, kOutputs});
}

// The box (x1, y1, x2, y2 fractions) predicted by cells at grid positions gx, gy.
Tensor decode(const Tensor& box_logits, const Tensor& gx, const Tensor& gy, int64_t grid) {
  Tensor t = tg::sigmoid(box_logits);
  const double g = static_cast<double>(grid);
  Tensor cxcywh = tg::stack({(gx + t.select(1, 0)) / g, (gy + t.select(1, 1)) / g,
                             t.select(1, 2), t.select(1, 3)}, 1);
  return tg::box_convert(cxcywh, "cxcywh", "xyxy");
}

struct Losses {
  Tensor objectness, box, cls;
};

Losses losses(const Tensor& head, const Targets& t, int64_t grid) {
  Tensor r = rows(head);
  // Few cells hold an item (about 2 of 64): their objectness errors weigh 4 times more.
  Tensor obj = tg::binary_cross_entropy_with_logits(r.select(1, 0), t.objectness, Tensor(),
                                                    tg::full({1}, 4.0));
  Tensor resp = tg::index_select(r, 0, t.cells);
  Tensor box = decode(resp.narrow(1, 1, 4), t.gx, t.gy, grid);
  Tensor box_loss = tg::giou_loss(box, t.boxes) +
                    tg::rmse_loss(tg::box_convert(box, "xyxy", "cxcywh"),
                                  tg::box_convert(t.boxes, "xyxy", "cxcywh"));
  Tensor cls = tg::cross_entropy(resp.narrow(1, 5, kClasses), t.classes);
  return {obj, box_loss, cls};
}

// Detections of one batch of canvases (images numbered from `first`), after NMS per class.
std::vector<Detection> detect_batch(const Tensor& head, int64_t first, int64_t grid,
                                    double nms_iou) {
  const int64_t n = head.size(0), per = grid * grid;
  Tensor r = rows(head);
  Tensor obj = tg::sigmoid(r.select(1, 0));
  Tensor prob = tg::softmax(r.narrow(1, 5, kClasses), 1);
  auto [best, label] = tg::max(prob, 1);
  Tensor score = obj * best;
  std::vector<float> cx(n * per), cy(n * per);
  for (int64_t k = 0; k < n * per; ++k)
    cx[k] = static_cast<float>(k % grid), cy[k] = static_cast<float>((k / grid) % grid);
  Tensor gx = tg::tensor(cx, {n * per}), gy = tg::tensor(cy, {n * per});
  Tensor boxes = decode(r.narrow(1, 1, 4), gx, gy, grid);
  std::vector<Detection> out;
  for (int64_t b = 0; b < n; ++b) {
    Tensor bs = score.narrow(0, b * per, per), bb = boxes.narrow(0, b * per, per);
    Tensor bl = label.narrow(0, b * per, per);
    const std::vector<float> sv = bs.contiguous().to_vector<float>();
    const std::vector<float> bv = bb.contiguous().to_vector<float>();
    const std::vector<int64_t> lv = bl.contiguous().to_vector<int64_t>();
    for (int64_t k : tg::batched_nms(bb, bs, bl, nms_iou).to_vector<int64_t>()) {
      if (sv[k] < 1e-3f) break;  // sorted by score: the rest are weaker still
      Detection d;
      d.image = first + b, d.label = lv[k], d.score = sv[k];
      for (int c = 0; c < 4; ++c) d.box[c] = bv[4 * k + c] * kSize;
      out.push_back(d);
    }
  }
  return out;
}

// A legend of the ten class colours with their names, two rows of five, at (x0, y0).
void legend(canvas::Picture& pic, int x0, int y0, int width) {
  const int w = width / 5;
  for (int c = 0; c < kClasses; ++c) {
    const int x = x0 + (c % 5) * w, y = y0 + (c / 5) * 22;
    pic.fill(x, y + 2, 24, 12, canvas::class_colour(c));
    pic.text(x + 30, y, tg::data::fashion_mnist_class_name(c), {0, 0, 0}, 2);
  }
}

void draw(const std::vector<canvas::Canvas>& cs, const std::vector<Detection>& dets,
          double min_score, const std::string& path) {
  const int cols = 6, rows = 3, zoom = 3, gap = 6, tile = kSize * zoom, key = 50;
  canvas::Picture pic(cols * (tile + gap) + gap, rows * (tile + gap) + gap + key);
  char caption[48];
  for (int k = 0; k < cols * rows && k < static_cast<int>(cs.size()); ++k) {
    const int x0 = gap + (k % cols) * (tile + gap), y0 = gap + (k / cols) * (tile + gap);
    pic.grey(x0, y0, cs[k].pixels.data(), kSize, zoom);
    for (const canvas::Item& it : cs[k].items)
      pic.box(x0, y0, zoom, it.x, it.y, it.w, it.h, {255, 255, 255}, 1, true);
    for (const Detection& d : dets)
      if (d.image == k && d.score >= min_score) {
        const canvas::Rgb c = canvas::class_colour(d.label);
        pic.box(x0, y0, zoom, d.box[0], d.box[1], d.box[2] - d.box[0], d.box[3] - d.box[1], c, 2);
        std::snprintf(caption, sizeof caption, "%s %.2f",
                      tg::data::fashion_mnist_class_name(d.label), d.score);
        const int tx = std::clamp(x0 + static_cast<int>(d.box[0] * zoom), x0,
                                  x0 + tile - canvas::Picture::text_width(caption));
        const int ty = std::max(y0 + 1, y0 + static_cast<int>(d.box[1] * zoom) - 9);
        pic.text(tx, ty, caption, c, 1);
      }
  }
  legend(pic, gap, rows * (tile + gap) + gap + 2, pic.width() - 2 * gap);
  pic.save(path);
}

}  // namespace

double run_detection(const Options& o, const Sources& s) {
  const double start = now_seconds();
  TG_CHECK(o.grid >= 1 && kSize % o.grid == 0 && (kSize / o.grid & (kSize / o.grid - 1)) == 0,
           "detect: --grid must divide 64 into a power-of-two cell size, got ", o.grid);
  tg::manual_seed(o.seed + 100);
  canvas::CanvasOptions co;
  co.min_items = 1, co.max_items = 3, co.min_side = 18, co.max_side = 32;
  canvas::Rng train_rng(o.seed * 2 + 101);
  const std::vector<canvas::Canvas> test =
      canvas::make_canvases(s.test, o.test_canvases, o.seed * 2 + 102, co);

  std::cout << "\n(b) detection: 1-3 items per canvas, " << o.grid << "x" << o.grid
            << " grid (objectness, box, class per cell), " << o.det_steps << " steps of "
            << o.batch_size << " canvases\n";
  nn::Sequential model = make_detector(o.grid);
  tg::optim::Adam opt(model->parameters(), tg::optim::AdamOptions(o.lr));
  tg::optim::CosineAnnealingLR schedule(opt, o.det_steps);
  double sum_obj = 0, sum_box = 0, sum_cls = 0;
  int64_t seen = 0;
  for (int64_t step = 1; step <= o.det_steps; ++step) {
    std::vector<canvas::Canvas> batch;
    for (int64_t i = 0; i < o.batch_size; ++i)
      batch.push_back(canvas::make_canvas(s.train, train_rng, co));
    const Targets t = make_targets(batch, o.grid);
    opt.zero_grad();
    Losses l = losses(model->forward(canvas::images(batch, canvas::range(0, o.batch_size))), t,
                      o.grid);
    (l.objectness + l.box + l.cls).backward();
    opt.step();
    schedule.step();
    sum_obj += l.objectness.item(), sum_box += l.box.item(), sum_cls += l.cls.item(), ++seen;
    if (step % 250 == 0 || step == o.det_steps) {
      std::cout << "  step " << std::setw(5) << step << std::fixed << std::setprecision(4)
                << "  objectness BCE " << sum_obj / seen << "  box 1-GIoU+RMSE "
                << sum_box / seen << "  class CE " << sum_cls / seen << "   (" << elapsed(start)
                << ")\n";
      sum_obj = sum_box = sum_cls = 0, seen = 0;
    }
  }

  model->eval();
  tg::NoGradGuard no_grad;
  std::vector<Detection> dets;
  std::vector<GroundTruth> truths;
  for (int64_t first = 0; first < o.test_canvases; first += 250) {
    const int64_t n = std::min<int64_t>(250, o.test_canvases - first);
    const Tensor head = model->forward(canvas::images(test, canvas::range(first, n)));
    const std::vector<Detection> d = detect_batch(head, first, o.grid, o.nms_iou);
    dets.insert(dets.end(), d.begin(), d.end());
  }
  int64_t objects = 0;
  for (size_t i = 0; i < test.size(); ++i)
    for (const canvas::Item& it : test[i].items) {
      truths.push_back({static_cast<int64_t>(i), it.label, {it.x, it.y, it.x + it.w, it.y + it.h}});
      ++objects;
    }
  // The ground truth scored as detections must give AP 1 for every class: a check of the
  // evaluation itself.
  std::vector<Detection> perfect;
  for (const GroundTruth& g : truths) perfect.push_back({g.image, g.label, 1.0, g.box});
  const double sanity = mean_average_precision(perfect, truths, kClasses).map;

  const ApReport r = mean_average_precision(dets, truths, kClasses, 0.5);
  std::cout << "  " << o.test_canvases << " test canvases, " << objects << " items, "
            << dets.size() << " detections after NMS (IoU " << o.nms_iou << ")\n";
  std::cout << "  AP@0.5 per class:\n";
  for (int64_t c = 0; c < kClasses; ++c)
    std::cout << "    " << std::left << std::setw(12) << tg::data::fashion_mnist_class_name(c)
              << std::right << std::setw(4) << r.counts[c] << " items   AP " << std::fixed
              << std::setprecision(3) << r.ap[c] << "\n";
  std::cout << "  mAP@0.5 = " << std::setprecision(3) << r.map
            << "   (ground truth as detections: " << sanity << ")\n";
  const std::string path = o.out_dir + "/detect_boxes.png";
  draw(test, dets, o.show_score, path);
  std::cout << "  wrote " << path << " (dashed white: true boxes; solid: detections with score >= "
            << o.show_score << ", coloured by class)   (" << elapsed(start) << ")\n";
  return r.map;
}

}  // namespace detect
