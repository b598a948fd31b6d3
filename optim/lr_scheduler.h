// Learning-rate schedulers with PyTorch's (Python) semantics: constructing a scheduler
// performs step 0 (setting the epoch-0 learning rate), and each step() advances one epoch
// using the same chainable formulas, so the sequences match PyTorch's bit for bit.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "optim/optimizer.h"
#include "optim/scheduler_state.h"

namespace tg::optim {

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Advances one epoch and writes the new learning rates into the optimizer's groups.
  void step();
  // PyTorch's step(epoch) (deprecated there, kept for SequentialLR and old code): jumps to
  // `epoch`, using the closed form where PyTorch has one (StepLR, MultiStepLR, ExponentialLR,
  // CosineAnnealingLR, LinearLR, PolynomialLR) and the chainable form otherwise. Only
  // CosineAnnealingWarmRestarts takes a fractional epoch; the others need a whole one >= 0.
  void step(double epoch);
  // The learning rates set by the last step, one per group.
  const std::vector<double>& get_last_lr() const noexcept { return last_lr_; }
  int64_t last_epoch() const noexcept { return last_epoch_; }
  const std::vector<double>& base_lrs() const noexcept { return base_lrs_; }
  Optimizer& optimizer() const noexcept { return optimizer_; }
  // The class name, as PyTorch's ("StepLR"); errors and saved states carry it.
  virtual const char* name() const = 0;

  // PyTorch's state_dict()/load_state_dict() (see optim/scheduler_state.h). Loading checks
  // the scheduler's name, every key and the group count, and the restored arguments as the
  // constructor does; a failed load throws tg::Error and leaves the scheduler as it was.
  virtual SchedulerStateDict state_dict() const;
  virtual void load_state_dict(const SchedulerStateDict& state);

 protected:
  // For schedulers that set the groups' learning rates before PyTorch's base constructor
  // runs (CyclicLR): each group's lr becomes lrs[i] first, so initial_lr defaults to it.
  LRScheduler(Optimizer& optimizer, const std::vector<double>& lrs);
  // The learning rates for epoch last_epoch() (already advanced), one per group.
  virtual std::vector<double> get_lr() = 0;
  // The closed form for step(epoch), where PyTorch has one.
  virtual std::optional<std::vector<double>> closed_form_lr() const { return std::nullopt; }
  // One step: PyTorch's _LRScheduler.step(epoch); epoch is null for a plain step().
  virtual void advance(const double* epoch);
  // Lists the fields of state_dict(); the base lists PyTorch's base_lrs, last_epoch,
  // _step_count and _last_lr. Overrides call the base first.
  virtual void visit_state(SchedulerStateIO& io);
  // Validates the arguments (after construction or a load); throws tg::Error.
  virtual void check_arguments() const {}
  // Derived constructors call this last (PyTorch's constructor-time step).
  void initial_step();
  // For schedulers that drive others (SequentialLR): PyTorch's `last_epoch -= 1` and
  // `_initial_step()` on another scheduler.
  static void undo_step(LRScheduler& other) { --other.last_epoch_; }
  static void restart(LRScheduler& other) { other.initial_step(); }
  std::vector<double> current_lrs() const;
  void set_lrs(const std::vector<double>& lrs);
  // Checks the epoch given to step(epoch) (a whole number >= 0) and returns it.
  int64_t whole_epoch(double epoch) const;

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;
  std::vector<double> last_lr_;
};

// lr * gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  const char* name() const override { return "StepLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  void visit_state(SchedulerStateIO& io) override;
  void check_arguments() const override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr * gamma at each milestone epoch (a milestone listed k times multiplies by gamma^k).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);
  const char* name() const override { return "MultiStepLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  void visit_state(SchedulerStateIO& io) override;
  void check_arguments() const override;

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

// lr * gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  const char* name() const override { return "ExponentialLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  void visit_state(SchedulerStateIO& io) override;
  void check_arguments() const override;

 private:
  double gamma_;
};

// Cosine annealing from the base lr to eta_min over T_max epochs (then back up, periodically).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0);
  const char* name() const override { return "CosineAnnealingLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  void visit_state(SchedulerStateIO& io) override;
  void check_arguments() const override;

 private:
  int64_t T_max_;
  double eta_min_;
};

// Linear ramp of the factor from start_factor to end_factor over total_iters epochs (warmup).
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           int64_t total_iters = 5);
  const char* name() const override { return "LinearLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  void visit_state(SchedulerStateIO& io) override;
  void check_arguments() const override;

 private:
  double start_factor_;
  double end_factor_;
  int64_t total_iters_;
};

struct OneCycleLROptions {
  OneCycleLROptions(double max_lr, int64_t total_steps)
      : max_lr_(max_lr), total_steps_(total_steps) {}
  // Peak learning rate (the same for every group).
  TG_ARG(double, max_lr);
  TG_ARG(int64_t, total_steps);
  // Fraction of the cycle spent increasing the learning rate.
  TG_ARG(double, pct_start) = 0.3;
  // "cos" or "linear".
  TG_ARG(std::string, anneal_strategy) = "cos";
  // Cycle momentum (SGD, RMSprop) or beta1 (Adam, AdamW) inversely to the learning rate.
  TG_ARG(bool, cycle_momentum) = true;
  TG_ARG(double, base_momentum) = 0.85;
  TG_ARG(double, max_momentum) = 0.95;
  // initial_lr = max_lr / div_factor; min_lr = initial_lr / final_div_factor.
  TG_ARG(double, div_factor) = 25.0;
  TG_ARG(double, final_div_factor) = 1e4;
  // Three phases (up, down to initial_lr, down to min_lr) instead of two.
  TG_ARG(bool, three_phase) = false;
};

// The 1cycle policy (Smith & Topin); steps once per batch.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);
  // The momentum (or beta1) set by the last step, one per group.
  std::vector<double> get_last_momentum() const;
  const char* name() const override { return "OneCycleLR"; }

 protected:
  std::vector<double> get_lr() override;
  // PyTorch's total_steps, cycle_momentum and use_beta1 (the phase table and annealing
  // function come from the construction options, as PyTorch's cannot be restored either).
  void visit_state(SchedulerStateIO& io) override;
  void check_arguments() const override;

 private:
  struct Phase {
    double end_step;
    int start_lr, end_lr, start_momentum, end_momentum;  // indexes into the per-group values
  };
  void build_phases();
  bool uses_beta1() const;
  double anneal(double start, double end, double pct) const;
  double momentum_of(const OptimizerOptions& options) const;
  void set_momentum(OptimizerOptions& options, double momentum) const;

  OneCycleLROptions options_;
  std::vector<Phase> phases_;
  // Per group: {initial_lr, max_lr, min_lr, max_momentum, base_momentum}.
  std::vector<std::vector<double>> group_values_;
};

// Cuts the learning rate by `factor` when a metric stops improving for `patience` epochs.
struct ReduceLROnPlateauOptions {
  // "min": lower is better; "max": higher is better.
  TG_ARG(std::string, mode) = "min";
  TG_ARG(double, factor) = 0.1;
  TG_ARG(int64_t, patience) = 10;
  TG_ARG(double, threshold) = 1e-4;
  // "rel": improvement relative to the best; "abs": absolute.
  TG_ARG(std::string, threshold_mode) = "rel";
  // Epochs to wait after a reduction before counting bad epochs again.
  TG_ARG(int64_t, cooldown) = 0;
  // Lower bound on each group's learning rate (one value for all, or one per group).
  TG_ARG(std::vector<double>, min_lr) = std::vector<double>{0.0};
  // Reductions smaller than this are skipped.
  TG_ARG(double, eps) = 1e-8;
};

class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  void step(double metric);
  const std::vector<double>& get_last_lr() const noexcept { return last_lr_; }
  int64_t last_epoch() const noexcept { return last_epoch_; }
  int64_t num_bad_epochs() const noexcept { return num_bad_epochs_; }
  double best() const noexcept { return best_; }
  const char* name() const { return "ReduceLROnPlateau"; }

  // PyTorch's keys: factor, min_lrs, patience, cooldown, cooldown_counter, mode, threshold,
  // threshold_mode, best, num_bad_epochs, mode_worse, eps, last_epoch, _last_lr.
  SchedulerStateDict state_dict() const;
  void load_state_dict(const SchedulerStateDict& state);

 private:
  void visit_state(SchedulerStateIO& io);
  void check_arguments() const;
  bool is_better(double a, double best) const;

  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  std::vector<double> min_lrs_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace tg::optim
