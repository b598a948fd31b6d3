#include "optim/constant_lr.h"

namespace tg::optim {

ConstantLR::ConstantLR(Optimizer& optimizer, double factor, int64_t total_iters)
    : LRScheduler(optimizer), factor_(factor), total_iters_(total_iters) {
  check_arguments();
  initial_step();
}

void ConstantLR::check_arguments() const {
  TG_CHECK(factor_ > 0 && factor_ <= 1, "ConstantLR: factor must be in (0, 1], got ", factor_);
  TG_CHECK(total_iters_ >= 0, "ConstantLR: total_iters must be >= 0, got ", total_iters_);
}

std::vector<double> ConstantLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * factor_;
  } else if (last_epoch_ == total_iters_) {
    for (double& lr : lrs) lr = lr * (1.0 / factor_);
  }
  return lrs;
}

std::optional<std::vector<double>> ConstantLR::closed_form_lr() const {
  const double done = last_epoch_ >= total_iters_ ? 1.0 : 0.0;
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * (factor_ + done * (1 - factor_)));
  return lrs;
}

void ConstantLR::visit_state(SchedulerStateIO& io) {
  LRScheduler::visit_state(io);
  io.field("factor", factor_);
  io.field("total_iters", total_iters_);
}

}  // namespace tg::optim
