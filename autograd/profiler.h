// Op-level profiler: times every op's forward and every node's vjp during backward, with
// call counts and input shapes, like torch.autograd.profiler.profile.
//
//   tg::autograd::profile prof;                  // records from here...
//   loss = model(x); loss.backward(); opt.step();
//   prof.stop();                                 // ...to here (or to destruction)
//   std::cout << prof.table();                   // sorted by self time
//   prof.export_chrome_trace("trace.json");      // chrome://tracing, Perfetto
//
// When no profile is active the cost of an instrumented op is one relaxed atomic load.
#pragma once
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace tg {
class Tensor;
class Node;

namespace autograd {

// One timed region: an op's forward, or a node's vjp (pass "backward"). Times in
// nanoseconds from the start of the profile. Self time excludes nested regions.
struct ProfileEvent {
  std::string name;
  std::string pass;    // "forward" or "backward" (an op called inside a vjp is "backward")
  std::string shapes;  // input shapes, e.g. "[[32, 64, 8, 8], [64, 64, 3, 3]]"
  int64_t start_ns = 0;
  int64_t duration_ns = 0;
  int64_t self_ns = 0;
  int depth = 0;       // nesting level (0 = called by the user or by the engine)
  int thread = 0;      // small id of the thread that ran the region
};

// Events grouped by (name, pass[, shapes]), as PyTorch's key_averages().
struct ProfileSummary {
  std::string name;
  std::string pass;
  std::string shapes;  // empty unless grouped by input shape
  int64_t calls = 0;
  int64_t self_ns = 0;
  int64_t total_ns = 0;
};

namespace profiler {
namespace detail {
extern std::atomic<bool> active;
void begin(const char* name, const Tensor* const* inputs, std::size_t n_inputs);
void begin_backward(const Node& node);
void end();
}  // namespace detail

inline bool enabled() { return detail::active.load(std::memory_order_relaxed); }

// Times the enclosing block as one op when a profile is active. Ops open one at their entry.
class OpScope {
 public:
  OpScope(const char* name, std::initializer_list<const Tensor*> inputs) {
    if (enabled()) {
      detail::begin(name, inputs.begin(), inputs.size());
      on_ = true;
    }
  }
  explicit OpScope(const char* name) : OpScope(name, {}) {}
  ~OpScope() {
    if (on_) detail::end();
  }
  OpScope(const OpScope&) = delete;
  OpScope& operator=(const OpScope&) = delete;

 private:
  bool on_ = false;
};

// Same for the engine's call of a node's vjp.
class BackwardScope {
 public:
  explicit BackwardScope(const Node& node) {
    if (enabled()) {
      detail::begin_backward(node);
      on_ = true;
    }
  }
  ~BackwardScope() {
    if (on_) detail::end();
  }
  BackwardScope(const BackwardScope&) = delete;
  BackwardScope& operator=(const BackwardScope&) = delete;

 private:
  bool on_ = false;
};
}  // namespace profiler

// Records every op and vjp on every thread from construction until stop() or destruction.
// One profile at a time: a second one while the first records throws tg::Error.
class profile {
 public:
  explicit profile(bool record_shapes = true);
  ~profile();
  profile(const profile&) = delete;
  profile& operator=(const profile&) = delete;

  void stop();
  bool recording() const { return recording_; }
  // Every closed region in start order (call after stop(); while recording, a snapshot).
  std::vector<ProfileEvent> events() const;
  // Grouped by (name, pass), or (name, pass, shapes); sorted by self time, largest first.
  std::vector<ProfileSummary> key_averages(bool group_by_input_shape = false) const;
  // PyTorch-style table: name, pass, self %, self, total, average, calls[, shapes].
  // sort_by: "self" (default), "total" or "calls". row_limit <= 0 prints every row.
  std::string table(const std::string& sort_by = "self", int row_limit = 0,
                    bool group_by_input_shape = false) const;
  // Chrome trace format ("X" events, microseconds); throws tg::Error when it cannot write.
  void export_chrome_trace(const std::string& path) const;
  // Wall time between construction and stop() (or now), in nanoseconds.
  int64_t wall_ns() const;

 private:
  bool recording_ = false;
  int64_t wall_ns_ = 0;
  std::vector<ProfileEvent> events_;
};

}  // namespace autograd
}  // namespace tg
