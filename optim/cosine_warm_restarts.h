// CosineAnnealingWarmRestarts (SGDR, PyTorch 1.13): cosine annealing from the base lr to
// eta_min over T_i epochs, restarting at the base lr; T_0 epochs before the first restart,
// each period T_mult times the previous one. step(epoch) accepts a fractional epoch (step
// once per batch with epoch + batch / batches_per_epoch).
#pragma once
#include <cstdint>

#include "optim/lr_scheduler.h"

namespace tg::optim {

class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult = 1,
                              double eta_min = 0);
  const char* name() const override { return "CosineAnnealingWarmRestarts"; }
  // Epochs since the last restart (fractional after a fractional step(epoch)).
  double T_cur() const noexcept { return T_cur_; }
  // The length of the current period.
  int64_t T_i() const noexcept { return T_i_; }

 protected:
  std::vector<double> get_lr() override;
  // PyTorch's own step(): T_cur advances by one (restarting past T_i) or, given an epoch,
  // is computed from it. Like PyTorch, _step_count stays 0.
  void advance(const double* epoch) override;
  void visit_state(SchedulerStateIO& io) override;
  void check_arguments() const override;

 private:
  int64_t T_0_;
  int64_t T_i_;
  int64_t T_mult_;
  double eta_min_;
  double T_cur_ = -1;
};

}  // namespace tg::optim
