// PolynomialLR (PyTorch 1.13): lr = base_lr * (1 - min(epoch, total_iters) / total_iters)^power,
// computed step by step in PyTorch's chainable form.
#pragma once
#include <cstdint>

#include "optim/lr_scheduler.h"

namespace tg::optim {

class PolynomialLR : public LRScheduler {
 public:
  explicit PolynomialLR(Optimizer& optimizer, int64_t total_iters = 5, double power = 1.0);
  const char* name() const override { return "PolynomialLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  void visit_state(SchedulerStateIO& io) override;
  // total_iters > 0 and a finite power >= 0 (PyTorch fails later, dividing by zero).
  void check_arguments() const override;

 private:
  int64_t total_iters_;
  double power_;
};

}  // namespace tg::optim
