#include "optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "optim/adam.h"
#include "optim/adamw.h"
#include "optim/rmsprop.h"
#include "optim/sgd.h"

namespace tg::optim {

// ---------------------------------------------------------------- LRScheduler
LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (auto& group : optimizer_.param_groups()) {
    if (!group.initial_lr()) group.set_initial_lr(group.options().lr());
    base_lrs_.push_back(*group.initial_lr());
  }
}

LRScheduler::LRScheduler(Optimizer& optimizer, const std::vector<double>& lrs)
    : optimizer_(optimizer) {
  auto& groups = optimizer_.param_groups();
  TG_CHECK(lrs.size() == groups.size(), "LRScheduler: got ", lrs.size(),
           " learning rates for ", groups.size(), " parameter groups");
  for (std::size_t i = 0; i < groups.size(); ++i) {
    groups[i].options().set_lr(lrs[i]);
    if (!groups[i].initial_lr()) groups[i].set_initial_lr(lrs[i]);
    base_lrs_.push_back(*groups[i].initial_lr());
  }
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() { advance(nullptr); }

void LRScheduler::step(double epoch) { advance(&epoch); }

void LRScheduler::advance(const double* epoch) {
  ++step_count_;
  std::vector<double> lrs;
  if (epoch == nullptr) {
    ++last_epoch_;
    lrs = get_lr();
  } else {
    last_epoch_ = whole_epoch(*epoch);
    auto closed = closed_form_lr();
    lrs = closed ? std::move(*closed) : get_lr();
  }
  set_lrs(lrs);
  last_lr_ = current_lrs();
}

int64_t LRScheduler::whole_epoch(double epoch) const {
  TG_CHECK(epoch >= 0 && epoch <= 9007199254740992.0 && std::floor(epoch) == epoch, name(),
           ": step(epoch) expects a whole epoch >= 0, got ", epoch);
  return static_cast<int64_t>(epoch);
}

void LRScheduler::set_lrs(const std::vector<double>& lrs) {
  auto& groups = optimizer_.param_groups();
  TG_CHECK(lrs.size() == groups.size(), name(), ": got ", lrs.size(), " learning rates for ",
           groups.size(), " parameter groups");
  for (std::size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lrs[i]);
}

std::vector<double> LRScheduler::current_lrs() const {
  std::vector<double> out;
  for (const auto& group : optimizer_.param_groups()) out.push_back(group.options().lr());
  return out;
}

void LRScheduler::visit_state(SchedulerStateIO& io) {
  io.field("base_lrs", base_lrs_);
  io.field("last_epoch", last_epoch_);
  io.field("_step_count", step_count_);
  io.field("_last_lr", last_lr_);
}

SchedulerStateDict LRScheduler::state_dict() const {
  // Saving only reads the fields: visit_state is shared with loading.
  auto* self = const_cast<LRScheduler*>(this);
  return state_dict_by_visit(name(), optimizer_.param_groups().size(),
                             [self](SchedulerStateIO& io) { self->visit_state(io); });
}

void LRScheduler::load_state_dict(const SchedulerStateDict& state) {
  load_state_dict_by_visit(name(), state, state_dict(), optimizer_.param_groups().size(),
                           [this](SchedulerStateIO& io) { visit_state(io); },
                           [this] { check_arguments(); });
}

// ---------------------------------------------------------------- StepLR
StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  check_arguments();
  initial_step();
}

void StepLR::check_arguments() const {
  TG_CHECK(step_size_ > 0, "StepLR: step_size must be positive, got ", step_size_);
}

std::optional<std::vector<double>> StepLR::closed_form_lr() const {
  std::vector<double> lrs;
  const double k = static_cast<double>(last_epoch_ / step_size_);
  for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, k));
  return lrs;
}

void StepLR::visit_state(SchedulerStateIO& io) {
  LRScheduler::visit_state(io);
  io.field("step_size", step_size_);
  io.field("gamma", gamma_);
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

// ---------------------------------------------------------------- MultiStepLR
MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());  // PyTorch keeps a Counter
  initial_step();
}

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() const {
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) -
                      milestones_.begin();
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, static_cast<double>(passed)));
  return lrs;
}

// PyTorch saves the Counter of milestones; here the sorted list, each repeated by its count.
void MultiStepLR::visit_state(SchedulerStateIO& io) {
  LRScheduler::visit_state(io);
  io.field("milestones", milestones_);
  io.field("gamma", gamma_);
  if (io.loading()) std::sort(milestones_.begin(), milestones_.end());
}

void MultiStepLR::check_arguments() const {}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  const auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return lrs;
  for (double& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(hits));
  return lrs;
}

// ---------------------------------------------------------------- ExponentialLR
ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer), gamma_(gamma) {
  initial_step();
}

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(base * std::pow(gamma_, static_cast<double>(last_epoch_)));
  return lrs;
}

void ExponentialLR::visit_state(SchedulerStateIO& io) {
  LRScheduler::visit_state(io);
  io.field("gamma", gamma_);
}

void ExponentialLR::check_arguments() const {}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

// ---------------------------------------------------------------- CosineAnnealingLR
CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  check_arguments();
  initial_step();
}

void CosineAnnealingLR::check_arguments() const {
  TG_CHECK(T_max_ > 0, "CosineAnnealingLR: T_max must be positive, got ", T_max_);
}

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() const {
  const double e = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(eta_min_ + (base - eta_min_) * (1 + std::cos(M_PI * e / T)) / 2);
  return lrs;
}

void CosineAnnealingLR::visit_state(SchedulerStateIO& io) {
  LRScheduler::visit_state(io);
  io.field("T_max", T_max_);
  io.field("eta_min", eta_min_);
}

std::vector<double> CosineAnnealingLR::get_lr() {
  // PyTorch's recursive form, operation for operation.
  std::vector<double> lrs = current_lrs();
  const double e = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
  if (last_epoch_ == 0) return lrs;
  for (std::size_t i = 0; i < lrs.size(); ++i) {
    if (step_count_ == 1 && last_epoch_ > 0) {
      lrs[i] = eta_min_ + (base_lrs_[i] - eta_min_) * (1 + std::cos(e * M_PI / T)) / 2;
    } else if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) {
      lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(M_PI / T)) / 2;
    } else {
      lrs[i] = (1 + std::cos(M_PI * e / T)) / (1 + std::cos(M_PI * (e - 1) / T)) *
                   (lrs[i] - eta_min_) +
               eta_min_;
    }
  }
  return lrs;
}

// ---------------------------------------------------------------- LinearLR
LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor,
                   int64_t total_iters)
    : LRScheduler(optimizer),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  check_arguments();
  initial_step();
}

void LinearLR::check_arguments() const {
  TG_CHECK(start_factor_ > 0 && start_factor_ <= 1,
           "LinearLR: start_factor must be in (0, 1], got ", start_factor_);
  TG_CHECK(end_factor_ >= 0 && end_factor_ <= 1, "LinearLR: end_factor must be in [0, 1], got ",
           end_factor_);
  TG_CHECK(total_iters_ > 0, "LinearLR: total_iters must be positive, got ", total_iters_);
}

std::optional<std::vector<double>> LinearLR::closed_form_lr() const {
  const double done = static_cast<double>(std::min(total_iters_, last_epoch_));
  const double factor = start_factor_ + (end_factor_ - start_factor_) * done /
                                            static_cast<double>(total_iters_);
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * factor);
  return lrs;
}

void LinearLR::visit_state(SchedulerStateIO& io) {
  LRScheduler::visit_state(io);
  io.field("start_factor", start_factor_);
  io.field("end_factor", end_factor_);
  io.field("total_iters", total_iters_);
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * start_factor_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  const double delta = end_factor_ - start_factor_;
  const double factor =
      1.0 + delta / (static_cast<double>(total_iters_) * start_factor_ +
                     static_cast<double>(last_epoch_ - 1) * delta);
  for (double& lr : lrs) lr = lr * factor;
  return lrs;
}

// ---------------------------------------------------------------- OneCycleLR
namespace {
enum GroupValue { kInitialLr = 0, kMaxLr, kMinLr, kMaxMomentum, kBaseMomentum };
}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options)
    : LRScheduler(optimizer), options_(options) {
  check_arguments();
  build_phases();
  base_lrs_.clear();
  for (auto& group : optimizer_.param_groups()) {
    const double initial_lr = options_.max_lr() / options_.div_factor();
    group.set_initial_lr(initial_lr);
    base_lrs_.push_back(initial_lr);
    group_values_.push_back({initial_lr, options_.max_lr(), initial_lr / options_.final_div_factor(),
                             options_.max_momentum(), options_.base_momentum()});
    if (options_.cycle_momentum()) set_momentum(group.options(), options_.max_momentum());
  }
  initial_step();
}

void OneCycleLR::check_arguments() const {
  const double total = static_cast<double>(options_.total_steps());
  TG_CHECK(options_.total_steps() > 0, "OneCycleLR: expected a positive total_steps, got ",
           options_.total_steps());
  TG_CHECK(options_.pct_start() >= 0 && options_.pct_start() <= 1,
           "OneCycleLR: expected pct_start in [0, 1], got ", options_.pct_start());
  TG_CHECK(options_.anneal_strategy() == "cos" || options_.anneal_strategy() == "linear",
           "OneCycleLR: anneal_strategy must be \"cos\" or \"linear\", got \"",
           options_.anneal_strategy(), "\"");
  TG_CHECK(options_.max_lr() >= 0, "OneCycleLR: max_lr must be >= 0, got ", options_.max_lr());
  // A phase of zero length would divide by zero in its interpolation (the learning rate
  // becomes NaN; PyTorch raises there), e.g. pct_start * total_steps == 1.
  std::vector<double> ends{options_.pct_start() * total - 1};
  if (options_.three_phase()) ends.push_back(2 * options_.pct_start() * total - 2);
  ends.push_back(total - 1);
  for (std::size_t k = 0; k < ends.size(); ++k) {
    const double start = k == 0 ? 0.0 : ends[k - 1];
    TG_CHECK(ends[k] != start, "OneCycleLR: pct_start (", options_.pct_start(),
             ") * total_steps (", options_.total_steps(), ") = ", options_.pct_start() * total,
             " makes phase ", k + 1, " zero steps long; choose another pct_start");
  }
  if (options_.cycle_momentum())  // throws if the optimizer has no momentum
    for (const auto& group : optimizer_.param_groups()) momentum_of(group.options());
}

void OneCycleLR::build_phases() {
  const double total = static_cast<double>(options_.total_steps());
  if (options_.three_phase()) {
    phases_ = {{options_.pct_start() * total - 1, kInitialLr, kMaxLr, kMaxMomentum, kBaseMomentum},
               {2 * options_.pct_start() * total - 2, kMaxLr, kInitialLr, kBaseMomentum,
                kMaxMomentum},
               {total - 1, kInitialLr, kMinLr, kMaxMomentum, kMaxMomentum}};
  } else {
    phases_ = {{options_.pct_start() * total - 1, kInitialLr, kMaxLr, kMaxMomentum, kBaseMomentum},
               {total - 1, kMaxLr, kMinLr, kBaseMomentum, kMaxMomentum}};
  }
}

bool OneCycleLR::uses_beta1() const {
  const auto& defaults = optimizer_.defaults();
  return dynamic_cast<const AdamOptions*>(&defaults) != nullptr ||
         dynamic_cast<const AdamWOptions*>(&defaults) != nullptr;
}

void OneCycleLR::visit_state(SchedulerStateIO& io) {
  LRScheduler::visit_state(io);
  io.field("total_steps", options_.total_steps());
  io.field("cycle_momentum", options_.cycle_momentum());
  if (options_.cycle_momentum()) {  // PyTorch sets use_beta1 only when cycling momentum
    bool use_beta1 = uses_beta1();
    io.field("use_beta1", use_beta1);
    TG_CHECK(use_beta1 == uses_beta1(), "OneCycleLR.load_state_dict: the state has use_beta1 = ",
             use_beta1, " but this optimizer (", optimizer_.name(),
             use_beta1 ? ") has no betas" : ") has betas");
  }
  if (io.loading()) build_phases();
}

double OneCycleLR::momentum_of(const OptimizerOptions& options) const {
  if (auto* o = dynamic_cast<const SGDOptions*>(&options)) return o->momentum();
  if (auto* o = dynamic_cast<const RMSpropOptions*>(&options)) return o->momentum();
  if (auto* o = dynamic_cast<const AdamOptions*>(&options)) return std::get<0>(o->betas());
  if (auto* o = dynamic_cast<const AdamWOptions*>(&options)) return std::get<0>(o->betas());
  throw Error("OneCycleLR: the optimizer must support momentum (SGD, RMSprop) or betas (Adam, "
              "AdamW) with cycle_momentum enabled");
}

void OneCycleLR::set_momentum(OptimizerOptions& options, double momentum) const {
  if (auto* o = dynamic_cast<SGDOptions*>(&options)) {
    o->momentum(momentum);
  } else if (auto* o = dynamic_cast<RMSpropOptions*>(&options)) {
    o->momentum(momentum);
  } else if (auto* o = dynamic_cast<AdamOptions*>(&options)) {
    o->betas(std::make_tuple(momentum, std::get<1>(o->betas())));
  } else if (auto* o = dynamic_cast<AdamWOptions*>(&options)) {
    o->betas(std::make_tuple(momentum, std::get<1>(o->betas())));
  }
}

std::vector<double> OneCycleLR::get_last_momentum() const {
  std::vector<double> out;
  for (const auto& group : optimizer_.param_groups()) out.push_back(momentum_of(group.options()));
  return out;
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy() == "cos") {
    const double cos_out = std::cos(M_PI * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
  TG_CHECK(last_epoch_ <= options_.total_steps(), "OneCycleLR: tried to step ", last_epoch_ + 1,
           " times; the specified number of total steps is ", options_.total_steps());
  const double step_num = static_cast<double>(last_epoch_);
  std::vector<double> lrs;
  auto& groups = optimizer_.param_groups();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& values = group_values_[g];
    double start_step = 0;
    double lr = 0, momentum = 0;
    for (std::size_t i = 0; i < phases_.size(); ++i) {
      const Phase& phase = phases_[i];
      if (step_num <= phase.end_step || i + 1 == phases_.size()) {
        const double pct = (step_num - start_step) / (phase.end_step - start_step);
        lr = anneal(values[phase.start_lr], values[phase.end_lr], pct);
        momentum = anneal(values[phase.start_momentum], values[phase.end_momentum], pct);
        break;
      }
      start_step = phase.end_step;
    }
    lrs.push_back(lr);
    if (options_.cycle_momentum()) set_momentum(groups[g].options(), momentum);
  }
  return lrs;
}

// ---------------------------------------------------------------- ReduceLROnPlateau
ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : optimizer_(optimizer), options_(options) {
  check_arguments();
  const std::size_t n_groups = optimizer_.param_groups().size();
  if (options_.min_lr().size() == 1) {
    min_lrs_.assign(n_groups, options_.min_lr()[0]);
  } else {
    TG_CHECK(options_.min_lr().size() == n_groups, "ReduceLROnPlateau: expected ", n_groups,
             " min_lrs, got ", options_.min_lr().size());
    min_lrs_ = options_.min_lr();
  }
  best_ = options_.mode() == "min" ? std::numeric_limits<double>::infinity()
                                   : -std::numeric_limits<double>::infinity();
  for (const auto& group : optimizer_.param_groups()) last_lr_.push_back(group.options().lr());
}

void ReduceLROnPlateau::check_arguments() const {
  TG_CHECK(options_.factor() < 1.0, "ReduceLROnPlateau: factor should be < 1.0, got ",
           options_.factor());
  TG_CHECK(options_.mode() == "min" || options_.mode() == "max",
           "ReduceLROnPlateau: mode must be \"min\" or \"max\", got \"", options_.mode(), "\"");
  TG_CHECK(options_.threshold_mode() == "rel" || options_.threshold_mode() == "abs",
           "ReduceLROnPlateau: threshold_mode must be \"rel\" or \"abs\", got \"",
           options_.threshold_mode(), "\"");
}

void ReduceLROnPlateau::visit_state(SchedulerStateIO& io) {
  io.field("factor", options_.factor());
  io.field("min_lrs", min_lrs_);
  io.field("patience", options_.patience());
  io.field("cooldown", options_.cooldown());
  io.field("cooldown_counter", cooldown_counter_);
  io.field("mode", options_.mode());
  io.field("threshold", options_.threshold());
  io.field("threshold_mode", options_.threshold_mode());
  io.field("best", best_);
  io.field("num_bad_epochs", num_bad_epochs_);
  // Derived from mode (PyTorch recomputes it on loading too).
  double mode_worse = options_.mode() == "min" ? std::numeric_limits<double>::infinity()
                                               : -std::numeric_limits<double>::infinity();
  io.field("mode_worse", mode_worse);
  io.field("eps", options_.eps());
  io.field("last_epoch", last_epoch_);
  io.field("_last_lr", last_lr_);
}

SchedulerStateDict ReduceLROnPlateau::state_dict() const {
  // Saving only reads the fields: visit_state is shared with loading.
  auto* self = const_cast<ReduceLROnPlateau*>(this);
  return state_dict_by_visit(name(), optimizer_.param_groups().size(),
                             [self](SchedulerStateIO& io) { self->visit_state(io); });
}

void ReduceLROnPlateau::load_state_dict(const SchedulerStateDict& state) {
  load_state_dict_by_visit(name(), state, state_dict(), optimizer_.param_groups().size(),
                           [this](SchedulerStateIO& io) { visit_state(io); },
                           [this] { check_arguments(); });
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const double threshold = options_.threshold();
  if (options_.mode() == "min" && options_.threshold_mode() == "rel") return a < best * (1. - threshold);
  if (options_.mode() == "min") return a < best - threshold;
  if (options_.threshold_mode() == "rel") return a > best * (threshold + 1.);
  return a > best + threshold;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (cooldown_counter_ > 0) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs during cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience()) {
    auto& groups = optimizer_.param_groups();
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const double old_lr = groups[i].options().lr();
      const double new_lr = std::max(old_lr * options_.factor(), min_lrs_[i]);
      if (old_lr - new_lr > options_.eps()) groups[i].options().set_lr(new_lr);
    }
    cooldown_counter_ = options_.cooldown();
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const auto& group : optimizer_.param_groups()) last_lr_.push_back(group.options().lr());
}

}  // namespace tg::optim
