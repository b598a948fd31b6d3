// A learning-rate scheduler's state, as PyTorch's scheduler.state_dict(): the same keys
// (last_epoch, base_lrs, _step_count, _last_lr and each scheduler's own fields such as gamma,
// T_cur or max_lrs), without what PyTorch keeps but cannot restore meaningfully (verbose,
// callables such as LambdaLR's lr_lambdas or CyclicLR's scale_fn, OneCycleLR's phase table,
// which the scheduler rebuilds from its construction options).
//
// Saving a training run's schedule next to its optimizer:
//
//   tg::save(optimizer, "opt.pt");   tg::save(scheduler, "sched.json");
//   ...                              // later: construct both as before, then
//   tg::load(optimizer, "opt.pt");   tg::load(scheduler, "sched.json");
//
// As in PyTorch, loading restores the scheduler, not the optimizer's learning rates (those
// come from the optimizer's own file, with each group's initial_lr), so load both, after
// constructing the scheduler.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tg::optim {

struct SchedulerStateDict {
  std::string scheduler;  // the class name: "StepLR", "CyclicLR", ...
  std::map<std::string, double> numbers;  // integers and bools (0/1) too
  std::map<std::string, std::vector<double>> lists;
  std::map<std::string, std::string> strings;
  std::vector<SchedulerStateDict> schedulers;  // SequentialLR's and ChainedScheduler's

  // JSON text (non-finite numbers as the strings "inf", "-inf", "nan") and back; from_json
  // throws tg::Error on anything that is not such a text.
  std::string to_json() const;
  static SchedulerStateDict from_json(const std::string& text);
};

// One pass over a scheduler's fields that either writes them into a state dict or reads
// them back (loading checks presence, integrality and per-group list lengths, and names the
// scheduler and key in its errors). Schedulers list their fields once, for both directions.
class SchedulerStateIO {
 public:
  // `groups` is the optimizer's number of parameter groups (per-group lists must match).
  SchedulerStateIO(SchedulerStateDict& dict, bool loading, std::size_t groups);
  bool loading() const noexcept { return loading_; }
  void field(const char* key, double& value);
  void field(const char* key, int64_t& value);
  void field(const char* key, bool& value);
  void field(const char* key, std::string& value);
  void field(const char* key, std::vector<double>& value, bool per_group = true);
  void field(const char* key, std::vector<int64_t>& value);

 private:
  double number(const char* key) const;
  SchedulerStateDict& dict_;
  bool loading_;
  std::size_t groups_;
};

// A scheduler's state_dict: `visit` called with a saving SchedulerStateIO (it only reads the
// scheduler's fields).
SchedulerStateDict state_dict_by_visit(const std::string& name, std::size_t groups,
                                       const std::function<void(SchedulerStateIO&)>& visit);
// Loads `state` through `visit`, then runs `check`; when either throws, the scheduler's fields
// are put back from `backup` (its state_dict before loading) and the error is rethrown.
void load_state_dict_by_visit(const std::string& name, const SchedulerStateDict& state,
                              const SchedulerStateDict& backup, std::size_t groups,
                              const std::function<void(SchedulerStateIO&)>& visit,
                              const std::function<void()>& check);

}  // namespace tg::optim
