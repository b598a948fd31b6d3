#include "optim/composed_schedulers.h"

#include <algorithm>
#include <functional>

namespace tg::optim {

namespace {

void check_schedulers(const char* who, const Optimizer* optimizer,
                      const std::vector<std::shared_ptr<LRScheduler>>& schedulers) {
  TG_CHECK(!schedulers.empty(), who, ": expected at least one scheduler");
  for (std::size_t i = 0; i < schedulers.size(); ++i) {
    TG_CHECK(schedulers[i] != nullptr, who, ": scheduler ", i, " is null");
    TG_CHECK(&schedulers[i]->optimizer() == optimizer, who, " expects all schedulers to belong "
             "to the same optimizer, but scheduler ", i, " (", schedulers[i]->name(),
             ") belongs to another one");
  }
}

Optimizer& first_optimizer(const std::vector<std::shared_ptr<LRScheduler>>& schedulers) {
  TG_CHECK(!schedulers.empty() && schedulers[0] != nullptr,
           "ChainedScheduler: expected at least one scheduler");
  return schedulers[0]->optimizer();
}

// Loads the composite's own fields (load_own) and each driven scheduler's state, all or
// nothing.
void load_composite(const char* who, const SchedulerStateDict& state,
                    const std::vector<std::shared_ptr<LRScheduler>>& schedulers,
                    const SchedulerStateDict& own_backup,
                    const std::function<void(const SchedulerStateDict&)>& load_own) {
  TG_CHECK(state.scheduler == who, who, ".load_state_dict: the state is a ", state.scheduler,
           "'s");
  TG_CHECK(state.schedulers.size() == schedulers.size(), who, ".load_state_dict: the state has ",
           state.schedulers.size(), " schedulers, this one drives ", schedulers.size());
  std::vector<SchedulerStateDict> backups;
  for (const auto& s : schedulers) backups.push_back(s->state_dict());
  try {
    load_own(state);
    for (std::size_t i = 0; i < schedulers.size(); ++i)
      schedulers[i]->load_state_dict(state.schedulers[i]);
  } catch (...) {
    load_own(own_backup);
    for (std::size_t i = 0; i < schedulers.size(); ++i) schedulers[i]->load_state_dict(backups[i]);
    throw;
  }
}

}  // namespace

// ---------------------------------------------------------------- SequentialLR
SequentialLR::SequentialLR(Optimizer& optimizer,
                           std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  check_schedulers("SequentialLR", &optimizer_, schedulers_);
  TG_CHECK(milestones_.size() == schedulers_.size() - 1, "SequentialLR expects one milestone "
           "fewer than schedulers, got ", schedulers_.size(), " schedulers and ",
           milestones_.size(), " milestones");
  TG_CHECK(std::is_sorted(milestones_.begin(), milestones_.end()),
           "SequentialLR: milestones must be sorted");
  last_epoch_ = 0;
  // Back to the initial learning rates; undo every scheduler's constructor-time step, then
  // restart the first.
  for (auto& group : optimizer_.param_groups()) group.options().set_lr(*group.initial_lr());
  for (auto& s : schedulers_) undo_step(*s);
  restart(*schedulers_[0]);
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::advance(const double* epoch) {
  TG_CHECK(epoch == nullptr, "SequentialLR: step(epoch) is not supported; call step()");
  ++last_epoch_;
  const auto idx = static_cast<std::size_t>(
      std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin());
  LRScheduler& scheduler = *schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_) {
    scheduler.step(0.0);
  } else {
    scheduler.step();
  }
  last_lr_ = scheduler.get_last_lr();
}

void SequentialLR::visit_state(SchedulerStateIO& io) {
  io.field("_milestones", milestones_);
  io.field("last_epoch", last_epoch_);
  io.field("_last_lr", last_lr_);
  if (io.loading())
    TG_CHECK(milestones_.size() == schedulers_.size() - 1 &&
                 std::is_sorted(milestones_.begin(), milestones_.end()),
             "SequentialLR.load_state_dict: expected ", schedulers_.size() - 1,
             " sorted milestones, got ", milestones_.size());
}

SchedulerStateDict SequentialLR::state_dict() const {
  SchedulerStateDict state = LRScheduler::state_dict();
  for (const auto& s : schedulers_) state.schedulers.push_back(s->state_dict());
  return state;
}

void SequentialLR::load_state_dict(const SchedulerStateDict& state) {
  load_composite("SequentialLR", state, schedulers_, LRScheduler::state_dict(),
                 [this](const SchedulerStateDict& s) { LRScheduler::load_state_dict(s); });
}

// ---------------------------------------------------------------- ChainedScheduler
ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : LRScheduler(first_optimizer(schedulers)), schedulers_(std::move(schedulers)) {
  check_schedulers("ChainedScheduler", &optimizer_, schedulers_);
  last_lr_ = current_lrs();
}

void ChainedScheduler::advance(const double* epoch) {
  TG_CHECK(epoch == nullptr, "ChainedScheduler: step(epoch) is not supported; call step()");
  for (auto& s : schedulers_) s->step();
  last_lr_ = current_lrs();
}

void ChainedScheduler::visit_state(SchedulerStateIO& io) { io.field("_last_lr", last_lr_); }

SchedulerStateDict ChainedScheduler::state_dict() const {
  SchedulerStateDict state = LRScheduler::state_dict();
  for (const auto& s : schedulers_) state.schedulers.push_back(s->state_dict());
  return state;
}

void ChainedScheduler::load_state_dict(const SchedulerStateDict& state) {
  load_composite("ChainedScheduler", state, schedulers_, LRScheduler::state_dict(),
                 [this](const SchedulerStateDict& s) { LRScheduler::load_state_dict(s); });
}

}  // namespace tg::optim
