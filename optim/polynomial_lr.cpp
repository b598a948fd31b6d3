#include "optim/polynomial_lr.h"

#include <algorithm>
#include <cmath>

namespace tg::optim {

PolynomialLR::PolynomialLR(Optimizer& optimizer, int64_t total_iters, double power)
    : LRScheduler(optimizer), total_iters_(total_iters), power_(power) {
  check_arguments();
  initial_step();
}

void PolynomialLR::check_arguments() const {
  TG_CHECK(total_iters_ > 0, "PolynomialLR: total_iters must be positive, got ", total_iters_);
  TG_CHECK(std::isfinite(power_) && power_ >= 0,
           "PolynomialLR: power must be a finite number >= 0, got ", power_);
}

std::vector<double> PolynomialLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0 || last_epoch_ > total_iters_) return lrs;
  const double T = static_cast<double>(total_iters_), e = static_cast<double>(last_epoch_);
  const double decay = std::pow((1.0 - e / T) / (1.0 - (e - 1) / T), power_);
  for (double& lr : lrs) lr = lr * decay;
  return lrs;
}

std::optional<std::vector<double>> PolynomialLR::closed_form_lr() const {
  const double T = static_cast<double>(total_iters_);
  const double done = static_cast<double>(std::min(total_iters_, last_epoch_));
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(1.0 - done / T, power_));
  return lrs;
}

void PolynomialLR::visit_state(SchedulerStateIO& io) {
  LRScheduler::visit_state(io);
  io.field("total_iters", total_iters_);
  io.field("power", power_);
}

}  // namespace tg::optim
