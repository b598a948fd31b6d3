// ConstantLR (PyTorch 1.13): the learning rate times `factor` until epoch total_iters, then
// back to the base lr (a warmup at a constant fraction).
#pragma once
#include <cstdint>

#include "optim/lr_scheduler.h"

namespace tg::optim {

class ConstantLR : public LRScheduler {
 public:
  explicit ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3, int64_t total_iters = 5);
  const char* name() const override { return "ConstantLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  void visit_state(SchedulerStateIO& io) override;
  // factor in (0, 1] (PyTorch accepts 0, then divides by it at total_iters), total_iters >= 0.
  void check_arguments() const override;

 private:
  double factor_;
  int64_t total_iters_;
};

}  // namespace tg::optim
