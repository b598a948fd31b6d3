// detect: the lecture's object localization and detection on Fashion-MNIST canvases.
//   (a) localization: one item at a random position and scale on a 64x64 canvas; a CNN
//       regresses its box (point + width + height) with RMSE and 1 - IoU / 1 - GIoU losses;
//   (b) detection: 1 to 3 items per canvas; a single-stage grid detector predicts objectness,
//       a box and a class per cell, non-maximum suppression removes duplicates, and mAP@0.5 is
//       measured on test canvases.
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "detect.h"

namespace detect {

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

std::string elapsed(double start) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", now_seconds() - start);
  return buf;
}

}  // namespace detect

int main(int argc, char** argv) {
  detect::Options o;
  CLI::App app{"Object localization and detection on Fashion-MNIST canvases"};
  app.add_option("--task", o.task, "all | localize | detect")->capture_default_str();
  app.add_option("--loss", o.loss, "localization loss: rmse | iou | giou | rmse+iou | rmse+giou")
      ->capture_default_str();
  app.add_option("--loc-steps", o.loc_steps, "localization training steps")->capture_default_str();
  app.add_option("--det-steps", o.det_steps, "detection training steps")->capture_default_str();
  app.add_option("--batch-size", o.batch_size, "canvases per step")->capture_default_str();
  app.add_option("--lr", o.lr, "Adam learning rate (cosine-annealed)")->capture_default_str();
  app.add_option("--test-canvases", o.test_canvases, "test canvases (from the test images)")
      ->capture_default_str();
  app.add_option("--limit-images", o.limit_images,
                 "use only the first N Fashion-MNIST images of each split");
  app.add_option("--grid", o.grid, "detector grid cells per side (64 / grid pixels each)")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "worker threads (default: TG_NUM_THREADS or all cores)");
  app.add_option("--seed", o.seed, "seed of the weights and the canvases")->capture_default_str();
  app.add_option("--data-dir", o.data_dir, "Fashion-MNIST IDX files")->capture_default_str();
  app.add_option("--out-dir", o.out_dir, "where the pictures go")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    if (o.task != "all" && o.task != "localize" && o.task != "detect")
      throw tg::Error("detect: --task must be all, localize or detect, got '" + o.task + "'");
    if (o.threads > 0) tg::set_num_threads(o.threads);
    std::filesystem::create_directories(o.out_dir);
    const double start = detect::now_seconds();
    detect::Sources s{canvas::load_source(tg::data::Split::Train, o.data_dir, o.limit_images),
                      canvas::load_source(tg::data::Split::Test, o.data_dir, o.limit_images)};
    std::cout << "detect: Fashion-MNIST " << s.train.count() << " train / " << s.test.count()
              << " test images, " << tg::get_num_threads() << " threads, seed " << o.seed
              << "\n";
    if (o.task != "detect") detect::run_localization(o, s);
    if (o.task != "localize") detect::run_detection(o, s);
    std::cout << "total time " << detect::elapsed(start) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "detect: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
