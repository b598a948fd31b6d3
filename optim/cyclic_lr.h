// CyclicLR (PyTorch 1.13): the learning rate cycles between base_lr and max_lr (Smith,
// "Cyclical Learning Rates for Training Neural Networks"), stepped once per batch; momentum
// cycles inversely between max_momentum and base_momentum.
//
// As in PyTorch 1.13, cycle_momentum (on by default) needs an optimizer with a `momentum`
// option (SGD, RMSprop): with Adam or AdamW it throws, and cycle_momentum(false) is needed
// (PyTorch 2.0 later added cycling Adam's beta1).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "optim/lr_scheduler.h"

namespace tg::optim {

struct CyclicLROptions {
  CyclicLROptions(double base_lr, double max_lr) : base_lr_({base_lr}), max_lr_({max_lr}) {}
  // One value for every group, or one per group.
  CyclicLROptions(std::vector<double> base_lr, std::vector<double> max_lr)
      : base_lr_(std::move(base_lr)), max_lr_(std::move(max_lr)) {}
  // The lower and upper boundaries of the cycle (becoming the groups' lr at construction).
  TG_ARG(std::vector<double>, base_lr);
  TG_ARG(std::vector<double>, max_lr);
  // Steps in the increasing and decreasing halves (down defaults to up).
  TG_ARG(int64_t, step_size_up) = 2000;
  TG_ARG(std::optional<int64_t>, step_size_down);
  // "triangular", "triangular2" (amplitude halved each cycle) or "exp_range" (amplitude
  // scaled by gamma^iteration); ignored when scale_fn is set.
  TG_ARG(std::string, mode) = "triangular";
  TG_ARG(double, gamma) = 1.0;
  // A custom amplitude scale in [0, 1], of the cycle number ("cycle") or of the iteration
  // ("iterations"), as scale_mode says. Not part of state_dict(), as in PyTorch.
  TG_ARG(std::function<double(double)>, scale_fn);
  TG_ARG(std::string, scale_mode) = "cycle";
  TG_ARG(bool, cycle_momentum) = true;
  TG_ARG(std::vector<double>, base_momentum) = {0.8};
  TG_ARG(std::vector<double>, max_momentum) = {0.9};
};

class CyclicLR : public LRScheduler {
 public:
  CyclicLR(Optimizer& optimizer, const CyclicLROptions& options);
  const char* name() const override { return "CyclicLR"; }

 protected:
  // The lr at batch last_epoch(); sets each group's momentum too when cycling it.
  std::vector<double> get_lr() override;
  void visit_state(SchedulerStateIO& io) override;
  void check_arguments() const override;

 private:
  double scale(double cycle) const;

  std::vector<double> max_lrs_;
  double total_size_;
  double step_ratio_;
  std::string mode_;
  double gamma_;
  std::function<double(double)> scale_fn_;
  std::string scale_mode_;
  bool cycle_momentum_;
  std::vector<double> base_momentums_;
  std::vector<double> max_momentums_;
};

}  // namespace tg::optim
