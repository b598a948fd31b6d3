#include "optim/cosine_warm_restarts.h"

#include <cmath>
#include <limits>

namespace tg::optim {

namespace {

int64_t checked_mul(int64_t a, int64_t b) {
  TG_CHECK(b == 0 || a <= std::numeric_limits<int64_t>::max() / b,
           "CosineAnnealingWarmRestarts: the restart period overflows (", a, " * ", b, ")");
  return a * b;
}

int64_t checked_pow(int64_t base, int64_t exponent) {
  int64_t out = 1;
  for (int64_t i = 0; i < exponent; ++i) out = checked_mul(out, base);
  return out;
}

}  // namespace

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0,
                                                         int64_t T_mult, double eta_min)
    : LRScheduler(optimizer), T_0_(T_0), T_i_(T_0), T_mult_(T_mult), eta_min_(eta_min) {
  check_arguments();
  initial_step();
}

void CosineAnnealingWarmRestarts::check_arguments() const {
  TG_CHECK(T_0_ > 0, "CosineAnnealingWarmRestarts: expected a positive integer T_0, got ", T_0_);
  TG_CHECK(T_mult_ >= 1, "CosineAnnealingWarmRestarts: expected an integer T_mult >= 1, got ",
           T_mult_);
  TG_CHECK(T_i_ > 0, "CosineAnnealingWarmRestarts: T_i must be positive, got ", T_i_);
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  std::vector<double> lrs;
  const double T_i = static_cast<double>(T_i_);
  for (double base : base_lrs_)
    lrs.push_back(eta_min_ + (base - eta_min_) * (1 + std::cos(M_PI * T_cur_ / T_i)) / 2);
  return lrs;
}

void CosineAnnealingWarmRestarts::advance(const double* epoch_arg) {
  double epoch;
  if (epoch_arg == nullptr && last_epoch_ >= 0) {
    epoch = static_cast<double>(last_epoch_ + 1);
    T_cur_ = T_cur_ + 1;
    if (T_cur_ >= static_cast<double>(T_i_)) {
      T_cur_ = T_cur_ - static_cast<double>(T_i_);
      T_i_ = checked_mul(T_i_, T_mult_);
    }
  } else {
    epoch = epoch_arg == nullptr ? 0.0 : *epoch_arg;
    TG_CHECK(epoch >= 0 && epoch <= 9007199254740992.0,
             "CosineAnnealingWarmRestarts: expected a non-negative epoch, got ", epoch);
    const double T_0 = static_cast<double>(T_0_);
    if (epoch >= T_0) {
      if (T_mult_ == 1) {
        T_cur_ = std::fmod(epoch, T_0);
      } else {
        // PyTorch's int(math.log(x, T_mult)), i.e. log(x) / log(T_mult) truncated.
        const double m = static_cast<double>(T_mult_);
        const auto n =
            static_cast<int64_t>(std::log(epoch / T_0 * (m - 1) + 1) / std::log(m));
        const int64_t power = checked_pow(T_mult_, n);
        T_cur_ = epoch - static_cast<double>(checked_mul(T_0_, power - 1)) / (m - 1);
        T_i_ = checked_mul(T_0_, power);
      }
    } else {
      T_i_ = T_0_;
      T_cur_ = epoch;
    }
  }
  last_epoch_ = static_cast<int64_t>(std::floor(epoch));
  set_lrs(get_lr());
  last_lr_ = current_lrs();
}

void CosineAnnealingWarmRestarts::visit_state(SchedulerStateIO& io) {
  LRScheduler::visit_state(io);
  io.field("T_0", T_0_);
  io.field("T_i", T_i_);
  io.field("T_mult", T_mult_);
  io.field("eta_min", eta_min_);
  io.field("T_cur", T_cur_);
}

}  // namespace tg::optim
