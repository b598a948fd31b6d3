// A console progress bar for training loops.
//
// On a terminal (out is std::cout / std::cerr and that stream's fd is a tty) one line is
// redrawn in place with '\r', at most 10 times a second:
//   train [=========>        ] 312/938  loss 0.412  acc 85.1%  4210 img/s  ETA 0:12
// Anywhere else (a file, a pipe, an ostringstream, or force_plain) it prints a plain line each
// time another 10% is done, and a last line from finish():
//   train 94/938 (10%)  loss 0.412  acc 85.1%  4210 img/s  ETA 0:12
//   train 938/938 (100%)  loss 0.398  acc 88.0%  4180 img/s  time 0:15
// The rate and the ETA come from the average speed since construction (steady_clock).
//
//   tg::io::ProgressBar bar("epoch 1", loader.num_batches());
//   bar.set_rate_unit("img", batch_size);
//   for (...) { ...; bar.update(step + 1, {{"loss", fmt(loss)}, {"acc", fmt(acc) + "%"}}); }
//   bar.finish({{"loss", ...}});
#pragma once
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace tg::io {

class ProgressBar {
 public:
  // Each field prints as "name value" (just "value" when the name is empty).
  using Fields = std::vector<std::pair<std::string, std::string>>;

  // `total` steps (0 = unknown: no bar, percentage or ETA). Throws std::invalid_argument for a
  // negative total.
  ProgressBar(std::string label, int64_t total, std::ostream& out = std::cout,
              bool force_plain = false);
  ~ProgressBar();  // ends a half-drawn terminal line
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // The rate shows `items_per_step * done / seconds` as "<rate> <unit>/s" (default: "it", 1).
  void set_rate_unit(std::string unit, double items_per_step = 1.0);

  // `done` steps are complete (0 <= done; values past total are shown as total).
  void update(int64_t done, const Fields& fields = {});
  // Draws the final state (the last update's count) with the elapsed time instead of the ETA,
  // and ends the line. Later calls, and updates after it, do nothing.
  void finish(const Fields& fields = {});

  bool interactive() const { return interactive_; }

  // "m:ss" below an hour, "h:mm:ss" from then on.
  static std::string format_duration(double seconds);

 private:
  using Clock = std::chrono::steady_clock;
  std::string render(int64_t done, const Fields& fields, bool final, double elapsed) const;
  std::string rate_text(int64_t done, double elapsed) const;
  void draw_terminal_line(const std::string& line);

  std::string label_;
  int64_t total_;
  std::ostream& out_;
  bool interactive_ = false;
  int terminal_fd_ = -1;
  std::string unit_ = "it";
  double items_per_step_ = 1.0;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  bool drawn_ = false;       // something is on the current terminal line
  bool finished_ = false;
  size_t last_width_ = 0;    // of the line on screen, to blank leftovers when it shrinks
  int64_t last_done_ = 0;
  int last_decile_ = 0;      // plain mode: 10% steps already printed
  Clock::time_point last_plain_;  // plain mode with unknown total: time of the last line
};

}  // namespace tg::io
