#include "data/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace tg::io {
namespace {

constexpr double kRedrawInterval = 0.1;        // seconds between terminal redraws
constexpr double kUnknownTotalInterval = 10.0;  // seconds between plain lines without a total
constexpr int kMaxBarWidth = 30, kMinBarWidth = 10;

double seconds_between(std::chrono::steady_clock::time_point a,
                       std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

int terminal_columns(int fd) {
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* env = std::getenv("COLUMNS")) {
    int c = std::atoi(env);
    if (c > 0) return c;
  }
  return 80;
}

std::string join_fields(const ProgressBar::Fields& fields) {
  std::string s;
  for (const auto& [name, value] : fields) {
    s += "  ";
    s += name.empty() ? value : name + " " + value;
  }
  return s;
}

}  // namespace

ProgressBar::ProgressBar(std::string label, int64_t total, std::ostream& out, bool force_plain)
    : label_(std::move(label)), total_(total), out_(out) {
  if (total < 0) {
    throw std::invalid_argument("ProgressBar: total must be >= 0 (0 = unknown), got " +
                                std::to_string(total));
  }
  if (&out == &std::cout) terminal_fd_ = STDOUT_FILENO;
  else if (&out == &std::cerr || &out == &std::clog) terminal_fd_ = STDERR_FILENO;
  const char* term = std::getenv("TERM");
  bool dumb = term && std::string(term) == "dumb";
  interactive_ = !force_plain && !dumb && terminal_fd_ >= 0 && isatty(terminal_fd_);
  start_ = Clock::now();
  last_plain_ = start_;
}

ProgressBar::~ProgressBar() {
  if (interactive_ && drawn_ && !finished_) {
    out_ << '\n';
    out_.flush();
  }
}

void ProgressBar::set_rate_unit(std::string unit, double items_per_step) {
  if (!(items_per_step > 0) || !std::isfinite(items_per_step)) {
    throw std::invalid_argument("ProgressBar::set_rate_unit: items_per_step must be positive, "
                                "got " + std::to_string(items_per_step));
  }
  unit_ = std::move(unit);
  items_per_step_ = items_per_step;
}

std::string ProgressBar::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?:??";
  int64_t s = static_cast<int64_t>(std::llround(seconds));
  char buf[48];
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  }
  return buf;
}

std::string ProgressBar::rate_text(int64_t done, double elapsed) const {
  if (done <= 0 || elapsed <= 0) return "";
  double rate = done * items_per_step_ / elapsed;
  char buf[64];
  std::snprintf(buf, sizeof(buf), rate >= 100 ? "%.0f %s/s" : rate >= 10 ? "%.1f %s/s"
                                                                          : "%.2f %s/s",
                rate, unit_.c_str());
  return buf;
}

// The line without the bar; the terminal version inserts the bar after the label.
std::string ProgressBar::render(int64_t done, const Fields& fields, bool final,
                                double elapsed) const {
  std::string count = std::to_string(done);
  if (total_ > 0) count += "/" + std::to_string(total_);
  std::string tail = join_fields(fields);
  std::string rate = rate_text(done, elapsed);
  if (!rate.empty()) tail += "  " + rate;
  if (final) {
    tail += "  time " + format_duration(elapsed);
  } else if (total_ > 0) {
    double eta = done > 0 ? (total_ - done) * elapsed / done : -1;
    tail += "  ETA " + (done > 0 ? format_duration(eta) : std::string("-:--"));
  }
  if (!interactive_ && total_ > 0) {
    count += " (" + std::to_string(done * 100 / total_) + "%)";
  }
  return count + tail;
}

void ProgressBar::draw_terminal_line(const std::string& rest) {
  int columns = terminal_columns(terminal_fd_);
  std::string line = label_;
  if (total_ > 0) {
    int room = columns - 1 - static_cast<int>(label_.size() + rest.size()) - 4;
    int width = std::clamp(room, kMinBarWidth, kMaxBarWidth);
    int filled = static_cast<int>(std::min<int64_t>(last_done_, total_) * width / total_);
    std::string bar(static_cast<size_t>(width), ' ');
    std::fill(bar.begin(), bar.begin() + filled, '=');
    if (filled < width && filled > 0) bar[static_cast<size_t>(filled)] = '>';
    line += " [" + bar + "] ";
  } else {
    line += " ";
  }
  line += rest;
  if (columns > 1 && line.size() > static_cast<size_t>(columns - 1)) {
    line.resize(static_cast<size_t>(columns - 1));  // a wrapped line could not be redrawn
  }
  size_t width = line.size();
  if (width < last_width_) line.append(last_width_ - width, ' ');
  last_width_ = width;
  out_ << '\r' << line;
  out_.flush();
  drawn_ = true;
}

void ProgressBar::update(int64_t done, const Fields& fields) {
  if (done < 0) {
    throw std::invalid_argument("ProgressBar::update: done must be >= 0, got " +
                                std::to_string(done));
  }
  if (finished_) return;
  if (total_ > 0) done = std::min(done, total_);
  last_done_ = done;
  Clock::time_point now = Clock::now();
  double elapsed = seconds_between(start_, now);
  if (interactive_) {
    if (drawn_ && seconds_between(last_draw_, now) < kRedrawInterval) return;
    last_draw_ = now;
    draw_terminal_line(render(done, fields, false, elapsed));
    return;
  }
  bool print = false;
  if (total_ > 0) {
    int decile = static_cast<int>(done * 10 / total_);
    if (decile > last_decile_ && decile < 10) {  // 100% is finish()'s line
      last_decile_ = decile;
      print = true;
    }
  } else if (seconds_between(last_plain_, now) >= kUnknownTotalInterval) {
    last_plain_ = now;
    print = true;
  }
  if (print) {
    out_ << label_ << ' ' << render(done, fields, false, elapsed) << '\n';
    out_.flush();
  }
}

void ProgressBar::finish(const Fields& fields) {
  if (finished_) return;
  int64_t done = last_done_;  // a loop that stopped early says so
  double elapsed = seconds_between(start_, Clock::now());
  std::string rest = render(done, fields, true, elapsed);
  if (interactive_) {
    draw_terminal_line(rest);
    out_ << '\n';
  } else {
    out_ << label_ << ' ' << rest << '\n';
  }
  out_.flush();
  finished_ = true;
}

}  // namespace tg::io
