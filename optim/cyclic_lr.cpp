#include "optim/cyclic_lr.h"

#include <cmath>

#include "optim/rmsprop.h"
#include "optim/sgd.h"

namespace tg::optim {

namespace {

// PyTorch's _format_param: one value for every group, or exactly one per group.
std::vector<double> per_group(const char* name, const Optimizer& optimizer,
                              const std::vector<double>& values) {
  const std::size_t groups = optimizer.param_groups().size();
  if (values.size() == 1) return std::vector<double>(groups, values[0]);
  TG_CHECK(values.size() == groups, "CyclicLR: expected ", groups, " values for ", name,
           " (one per parameter group) or one for all, got ", values.size());
  return values;
}

bool has_momentum(const OptimizerOptions& options) {
  return dynamic_cast<const SGDOptions*>(&options) != nullptr ||
         dynamic_cast<const RMSpropOptions*>(&options) != nullptr;
}

void set_momentum(OptimizerOptions& options, double momentum) {
  if (auto* o = dynamic_cast<SGDOptions*>(&options)) o->momentum(momentum);
  if (auto* o = dynamic_cast<RMSpropOptions*>(&options)) o->momentum(momentum);
}

double momentum_of(const OptimizerOptions& options) {
  if (auto* o = dynamic_cast<const SGDOptions*>(&options)) return o->momentum();
  return dynamic_cast<const RMSpropOptions&>(options).momentum();
}

}  // namespace

CyclicLR::CyclicLR(Optimizer& optimizer, const CyclicLROptions& options)
    : LRScheduler(optimizer, per_group("base_lr", optimizer, options.base_lr())),
      max_lrs_(per_group("max_lr", optimizer, options.max_lr())),
      mode_(options.mode()),
      gamma_(options.gamma()),
      scale_fn_(options.scale_fn()),
      scale_mode_(options.scale_fn() ? options.scale_mode()
                  : options.mode() == "exp_range" ? "iterations"
                                                  : "cycle"),
      cycle_momentum_(options.cycle_momentum()) {
  const int64_t up = options.step_size_up();
  const int64_t down = options.step_size_down().value_or(up);
  // PyTorch ignores scale_mode without a scale_fn; a misspelt one is refused here anyway.
  TG_CHECK(options.scale_mode() == "cycle" || options.scale_mode() == "iterations",
           "CyclicLR: scale_mode must be \"cycle\" or \"iterations\", got \"",
           options.scale_mode(), "\"");
  TG_CHECK(up > 0, "CyclicLR: step_size_up must be positive, got ", up);
  TG_CHECK(down >= 0, "CyclicLR: step_size_down must be >= 0, got ", down);
  total_size_ = static_cast<double>(up) + static_cast<double>(down);
  step_ratio_ = static_cast<double>(up) / total_size_;
  if (cycle_momentum_) {
    TG_CHECK(has_momentum(optimizer_.defaults()), "CyclicLR: the optimizer must support "
             "momentum with cycle_momentum enabled (SGD, RMSprop); ", optimizer_.name(),
             " has none (PyTorch 1.13 does not cycle betas): use cycle_momentum(false)");
    const auto base = per_group("base_momentum", optimizer, options.base_momentum());
    auto& groups = optimizer_.param_groups();
    for (std::size_t i = 0; i < groups.size(); ++i) set_momentum(groups[i].options(), base[i]);
    for (const auto& group : groups) base_momentums_.push_back(momentum_of(group.options()));
    max_momentums_ = per_group("max_momentum", optimizer, options.max_momentum());
  }
  check_arguments();
  const std::vector<double> base_lrs = per_group("base_lr", optimizer, options.base_lr());
  initial_step();
  base_lrs_ = base_lrs;  // PyTorch sets them after its constructor-time step
}

void CyclicLR::check_arguments() const {
  TG_CHECK(scale_fn_ || mode_ == "triangular" || mode_ == "triangular2" || mode_ == "exp_range",
           "CyclicLR: mode must be \"triangular\", \"triangular2\" or \"exp_range\" when no "
           "scale_fn is given, got \"", mode_, "\"");
  TG_CHECK(scale_mode_ == "cycle" || scale_mode_ == "iterations",
           "CyclicLR: scale_mode must be \"cycle\" or \"iterations\", got \"", scale_mode_, "\"");
  TG_CHECK(total_size_ > 0 && step_ratio_ > 0 && step_ratio_ <= 1,
           "CyclicLR: bad cycle (total_size ", total_size_, ", step_ratio ", step_ratio_, ")");
  if (cycle_momentum_)
    for (const auto& group : optimizer_.param_groups())
      TG_CHECK(has_momentum(group.options()), "CyclicLR: the optimizer must support momentum "
               "with cycle_momentum enabled (SGD, RMSprop); ", optimizer_.name(), " has none");
}

double CyclicLR::scale(double x) const {
  if (scale_fn_) return scale_fn_(x);
  if (mode_ == "triangular") return 1.;
  if (mode_ == "triangular2") return 1 / std::pow(2., x - 1);
  return std::pow(gamma_, x);
}

std::vector<double> CyclicLR::get_lr() {
  const double e = static_cast<double>(last_epoch_);
  const double cycle = std::floor(1 + e / total_size_);
  const double x = 1. + e / total_size_ - cycle;
  const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  const double s = scale(scale_mode_ == "cycle" ? cycle : e);
  std::vector<double> lrs;
  for (std::size_t i = 0; i < base_lrs_.size(); ++i) {
    const double base_height = (max_lrs_[i] - base_lrs_[i]) * scale_factor;
    lrs.push_back(base_lrs_[i] + base_height * s);
  }
  if (cycle_momentum_) {
    auto& groups = optimizer_.param_groups();
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const double base_height = (max_momentums_[i] - base_momentums_[i]) * scale_factor;
      set_momentum(groups[i].options(), max_momentums_[i] - base_height * s);
    }
  }
  return lrs;
}

void CyclicLR::visit_state(SchedulerStateIO& io) {
  LRScheduler::visit_state(io);
  io.field("max_lrs", max_lrs_);
  io.field("total_size", total_size_);
  io.field("step_ratio", step_ratio_);
  io.field("mode", mode_);
  io.field("gamma", gamma_);
  io.field("scale_mode", scale_mode_);
  io.field("cycle_momentum", cycle_momentum_);
  if (cycle_momentum_) {  // PyTorch has these only when cycling momentum
    io.field("base_momentums", base_momentums_);
    io.field("max_momentums", max_momentums_);
  }
}

}  // namespace tg::optim
