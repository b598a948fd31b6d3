// The two halves of the detect example: localization (one item, one regressed box) and
// detection (a grid detector, several items). Both read canvases from examples/common.
#pragma once
#include <cstdint>
#include <string>

#include "common/canvas.h"

namespace detect {

struct Options {
  std::string task = "all";  // all | localize | detect
  std::string data_dir = tg::data::default_fashion_mnist_root();
  std::string out_dir = "runs";
  uint64_t seed = 1;
  int threads = 0;
  int64_t batch_size = 32;
  double lr = 2e-3;
  int64_t test_canvases = 1000;
  int64_t limit_images = 0;  // use only the first N Fashion-MNIST images of each split
  // localization
  int64_t loc_steps = 1200;
  std::string loss = "rmse+giou";  // rmse | iou | giou | rmse+iou | rmse+giou
  // detection
  int64_t det_steps = 1500;
  int64_t grid = 8;
  double nms_iou = 0.5;
  double show_score = 0.3;  // detections drawn in the picture
};

struct Sources {
  canvas::Source train, test;
};

// Each prints its figures and writes its picture; returns the main figure (mean IoU, mAP).
double run_localization(const Options& o, const Sources& s);
double run_detection(const Options& o, const Sources& s);

// "12.3 s" since `start`.
std::string elapsed(double start_seconds);
double now_seconds();

}  // namespace detect
