// The op profiler: a thread-local stack of open regions, closed regions appended to the
// active profile's event list under a mutex (ops are microseconds or more, so the lock
// is not what is measured).
#include "autograd/profiler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <tuple>

#include "autograd/error.h"
#include "data/atomic_file.h"
#include "autograd/node.h"
#include "autograd/tensor.h"

namespace tg::autograd {
namespace profiler::detail {

std::atomic<bool> active{false};

namespace {

using Clock = std::chrono::steady_clock;

struct Session {
  std::mutex mutex;
  std::atomic<uint64_t> generation{0};  // bumped by every start, so regions of an old profile are dropped
  bool record_shapes = true;
  Clock::time_point origin;
  std::vector<ProfileEvent> events;
  std::atomic<int> next_thread{0};
};

Session& session() {
  static Session s;
  return s;
}

struct Open {
  const char* name;
  std::string node_name;  // backward regions: the node's name
  std::string shapes;
  bool backward;
  uint64_t generation;
  Clock::time_point start;
  int64_t child_ns = 0;
};

thread_local std::vector<Open> open_regions;

int thread_index() {
  thread_local int id = session().next_thread.fetch_add(1);
  return id;
}

void append_shape(std::ostringstream& os, const Shape& s) {
  os << '[';
  for (int i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << ']';
}

void push(const char* name, std::string node_name, std::string shapes, bool backward) {
  Session& s = session();
  bool inherited = !open_regions.empty() && open_regions.back().backward;
  open_regions.push_back(
      {name, std::move(node_name), std::move(shapes), backward || inherited, s.generation.load(std::memory_order_relaxed),
       Clock::now(), 0});
}

}  // namespace

void begin(const char* name, const Tensor* const* inputs, std::size_t n_inputs) {
  std::string shapes;
  if (session().record_shapes && n_inputs > 0) {
    std::ostringstream os;
    os << '[';
    for (std::size_t i = 0; i < n_inputs; ++i) {
      if (i) os << ", ";
      const Tensor* t = inputs[i];
      if (t && t->defined()) append_shape(os, t->shape());
      else os << "[]";
    }
    os << ']';
    shapes = os.str();
  }
  push(name, {}, std::move(shapes), false);
}

void begin_backward(const Node& node) {
  std::string shapes;
  if (session().record_shapes && !node.outputs.empty()) {
    std::ostringstream os;
    os << '[';
    for (std::size_t i = 0; i < node.outputs.size(); ++i) {
      if (i) os << ", ";
      append_shape(os, node.outputs[i].shape);
    }
    os << ']';
    shapes = os.str();
  }
  push(nullptr, node.name(), std::move(shapes), true);
}

void end() {
  if (open_regions.empty()) return;
  Clock::time_point now = Clock::now();
  Open r = std::move(open_regions.back());
  open_regions.pop_back();
  int64_t dur = std::chrono::duration_cast<std::chrono::nanoseconds>(now - r.start).count();
  if (!open_regions.empty()) open_regions.back().child_ns += dur;
  Session& s = session();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!active.load(std::memory_order_relaxed) || r.generation != s.generation.load()) return;
  ProfileEvent e;
  e.name = r.name ? std::string(r.name) : std::move(r.node_name);
  e.pass = r.backward ? "backward" : "forward";
  e.shapes = std::move(r.shapes);
  e.start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(r.start - s.origin).count();
  e.duration_ns = dur;
  e.self_ns = std::max<int64_t>(0, dur - r.child_ns);
  e.depth = static_cast<int>(open_regions.size());
  e.thread = thread_index();
  s.events.push_back(std::move(e));
}

}  // namespace profiler::detail

namespace {
using profiler::detail::Clock;
using profiler::detail::session;

std::string format_ms(int64_t ns) {
  char buf[32];
  double us = static_cast<double>(ns) / 1e3;
  if (us >= 1e3) std::snprintf(buf, sizeof buf, "%.3fms", us / 1e3);
  else std::snprintf(buf, sizeof buf, "%.3fus", us);
  return buf;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

profile::profile(bool record_shapes) {
  auto& s = session();
  std::lock_guard<std::mutex> lock(s.mutex);
  TG_CHECK(!profiler::detail::active.load(), "autograd::profile: another profile is already "
           "recording; stop it before starting a new one");
  s.events.clear();
  s.record_shapes = record_shapes;
  ++s.generation;
  s.origin = Clock::now();
  recording_ = true;
  profiler::detail::active.store(true, std::memory_order_release);
}

profile::~profile() { stop(); }

void profile::stop() {
  if (!recording_) return;
  auto& s = session();
  std::lock_guard<std::mutex> lock(s.mutex);
  profiler::detail::active.store(false, std::memory_order_release);
  wall_ns_ =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - s.origin).count();
  events_ = std::move(s.events);
  s.events.clear();
  std::stable_sort(events_.begin(), events_.end(),
                   [](const ProfileEvent& a, const ProfileEvent& b) {
                     return a.start_ns < b.start_ns;
                   });
  recording_ = false;
}

int64_t profile::wall_ns() const {
  if (!recording_) return wall_ns_;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - session().origin)
      .count();
}

std::vector<ProfileEvent> profile::events() const {
  if (!recording_) return events_;
  auto& s = session();
  std::lock_guard<std::mutex> lock(s.mutex);
  std::vector<ProfileEvent> copy = s.events;
  std::stable_sort(copy.begin(), copy.end(), [](const ProfileEvent& a, const ProfileEvent& b) {
    return a.start_ns < b.start_ns;
  });
  return copy;
}

std::vector<ProfileSummary> profile::key_averages(bool group_by_input_shape) const {
  std::map<std::tuple<std::string, std::string, std::string>, ProfileSummary> groups;
  for (const ProfileEvent& e : events()) {
    std::string shapes = group_by_input_shape ? e.shapes : std::string();
    ProfileSummary& g = groups[{e.name, e.pass, shapes}];
    g.name = e.name;
    g.pass = e.pass;
    g.shapes = shapes;
    ++g.calls;
    g.self_ns += e.self_ns;
    g.total_ns += e.duration_ns;
  }
  std::vector<ProfileSummary> out;
  out.reserve(groups.size());
  for (auto& kv : groups) out.push_back(std::move(kv.second));
  std::stable_sort(out.begin(), out.end(), [](const ProfileSummary& a, const ProfileSummary& b) {
    return a.self_ns > b.self_ns;
  });
  return out;
}

std::string profile::table(const std::string& sort_by, int row_limit,
                           bool group_by_input_shape) const {
  TG_CHECK(sort_by == "self" || sort_by == "total" || sort_by == "calls",
           "autograd::profile::table: sort_by must be \"self\", \"total\" or \"calls\", got \"",
           sort_by, "\"");
  std::vector<ProfileSummary> rows = key_averages(group_by_input_shape);
  if (sort_by != "self") {
    std::stable_sort(rows.begin(), rows.end(), [&](const ProfileSummary& a,
                                                   const ProfileSummary& b) {
      return sort_by == "total" ? a.total_ns > b.total_ns : a.calls > b.calls;
    });
  }
  int64_t self_sum = 0;
  for (const ProfileSummary& r : rows) self_sum += r.self_ns;
  std::size_t name_w = 4;
  for (const ProfileSummary& r : rows) name_w = std::max(name_w, r.name.size());
  name_w = std::min<std::size_t>(name_w, 40);
  std::ostringstream os;
  char line[512];
  std::snprintf(line, sizeof line, "%-*s  %-8s  %7s  %12s  %12s  %12s  %7s", int(name_w), "Name",
                "Pass", "Self %", "Self", "Total", "Avg", "Calls");
  std::string header = line;
  if (group_by_input_shape) header += "  Input shapes";
  std::string rule(header.size() < 100 ? header.size() : 100, '-');
  os << rule << '\n' << header << '\n' << rule << '\n';
  std::size_t shown = 0;
  for (const ProfileSummary& r : rows) {
    if (row_limit > 0 && shown == static_cast<std::size_t>(row_limit)) break;
    ++shown;
    double pct = self_sum > 0 ? 100.0 * static_cast<double>(r.self_ns) / self_sum : 0.0;
    std::string name = r.name.size() > name_w ? r.name.substr(0, name_w - 3) + "..." : r.name;
    std::snprintf(line, sizeof line, "%-*s  %-8s  %6.2f%%  %12s  %12s  %12s  %7lld", int(name_w),
                  name.c_str(), r.pass.c_str(), pct, format_ms(r.self_ns).c_str(),
                  format_ms(r.total_ns).c_str(),
                  format_ms(r.calls ? r.total_ns / r.calls : 0).c_str(),
                  static_cast<long long>(r.calls));
    os << line;
    if (group_by_input_shape) os << "  " << r.shapes;
    os << '\n';
  }
  os << rule << '\n';
  os << "Self time total: " << format_ms(self_sum) << "  (wall time profiled: "
     << format_ms(wall_ns()) << ")\n";
  return os.str();
}

void profile::export_chrome_trace(const std::string& path) const {
  std::ostringstream f;
  f << "{\"traceEvents\": [\n";
  std::vector<ProfileEvent> evs = events();
  for (std::size_t i = 0; i < evs.size(); ++i) {
    const ProfileEvent& e = evs[i];
    char times[96];
    std::snprintf(times, sizeof times, "\"ts\": %.3f, \"dur\": %.3f", e.start_ns / 1e3,
                  e.duration_ns / 1e3);
    f << "  {\"name\": \"" << json_escape(e.name) << "\", \"cat\": \"" << e.pass
      << "\", \"ph\": \"X\", " << times << ", \"pid\": 0, \"tid\": " << e.thread
      << ", \"args\": {\"Input dims\": \"" << json_escape(e.shapes) << "\"}}"
      << (i + 1 < evs.size() ? ",\n" : "\n");
  }
  f << "], \"displayTimeUnit\": \"ms\"}\n";
  // A fresh temporary file beside `path`, synced and renamed over it (data/atomic_file.h):
  // a reader never sees half a trace, and every failure is reported.
  io::write_file_atomic(path, f.str(), "autograd::profile::export_chrome_trace");
}

}  // namespace tg::autograd
