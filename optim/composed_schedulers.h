// Schedulers made of other schedulers (PyTorch 1.13's SequentialLR and ChainedScheduler).
// They share the schedulers they drive; every one must belong to the same optimizer.
// state_dict() holds each driven scheduler's state under `schedulers`, in order.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "optim/lr_scheduler.h"

namespace tg::optim {

// Runs schedulers[0] until milestones[0], then schedulers[1] (restarted with step(0) at its
// milestone) until milestones[1], and so on: e.g. a LinearLR warmup, then a cosine decay.
// Construction undoes the constructor-time step of every scheduler and restarts the first
// from each group's initial_lr, as PyTorch does.
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);
  const char* name() const override { return "SequentialLR"; }
  const std::vector<std::shared_ptr<LRScheduler>>& schedulers() const noexcept {
    return schedulers_;
  }
  // PyTorch's keys: _milestones, last_epoch, _last_lr, and _schedulers as `schedulers`.
  SchedulerStateDict state_dict() const override;
  void load_state_dict(const SchedulerStateDict& state) override;

 protected:
  std::vector<double> get_lr() override { return current_lrs(); }
  // PyTorch's SequentialLR.step() takes no epoch: step(epoch) throws.
  void advance(const double* epoch) override;
  void visit_state(SchedulerStateIO& io) override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

// Steps every scheduler, in order, at each step(): their factors multiply (chainable forms
// only). Construction steps nothing.
class ChainedScheduler : public LRScheduler {
 public:
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  const char* name() const override { return "ChainedScheduler"; }
  const std::vector<std::shared_ptr<LRScheduler>>& schedulers() const noexcept {
    return schedulers_;
  }
  // PyTorch's keys: _last_lr, and _schedulers as `schedulers`.
  SchedulerStateDict state_dict() const override;
  void load_state_dict(const SchedulerStateDict& state) override;

 protected:
  std::vector<double> get_lr() override { return current_lrs(); }
  // PyTorch's ChainedScheduler.step() takes no epoch: step(epoch) throws.
  void advance(const double* epoch) override;
  void visit_state(SchedulerStateIO& io) override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

}  // namespace tg::optim
