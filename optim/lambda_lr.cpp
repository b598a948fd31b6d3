#include "optim/lambda_lr.h"

#include <utility>

namespace tg::optim {

namespace {

// PyTorch's handling of lr_lambda: one function repeated for every group, or one per group.
std::vector<LRLambda> per_group(const char* scheduler, const Optimizer& optimizer,
                                std::vector<LRLambda> lambdas) {
  const std::size_t groups = optimizer.param_groups().size();
  TG_CHECK(lambdas.size() == groups, scheduler, ": expected ", groups, " lr_lambdas (one per "
           "parameter group), got ", lambdas.size());
  for (std::size_t i = 0; i < lambdas.size(); ++i)
    TG_CHECK(static_cast<bool>(lambdas[i]), scheduler, ": lr_lambda ", i, " is empty");
  return lambdas;
}

std::vector<LRLambda> repeated(const Optimizer& optimizer, LRLambda lambda) {
  return std::vector<LRLambda>(optimizer.param_groups().size(), std::move(lambda));
}

}  // namespace

// ---------------------------------------------------------------- LambdaLR
LambdaLR::LambdaLR(Optimizer& optimizer, LRLambda lr_lambda)
    : LambdaLR(optimizer, repeated(optimizer, std::move(lr_lambda))) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<LRLambda> lr_lambdas)
    : LRScheduler(optimizer), lr_lambdas_(per_group("LambdaLR", optimizer, std::move(lr_lambdas))) {
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (std::size_t i = 0; i < base_lrs_.size(); ++i)
    lrs.push_back(base_lrs_[i] * lr_lambdas_[i](last_epoch_));
  return lrs;
}

// ---------------------------------------------------------------- MultiplicativeLR
MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, LRLambda lr_lambda)
    : MultiplicativeLR(optimizer, repeated(optimizer, std::move(lr_lambda))) {}

MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, std::vector<LRLambda> lr_lambdas)
    : LRScheduler(optimizer),
      lr_lambdas_(per_group("MultiplicativeLR", optimizer, std::move(lr_lambdas))) {
  initial_step();
}

std::vector<double> MultiplicativeLR::get_lr() {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ > 0)
    for (std::size_t i = 0; i < lrs.size(); ++i) lrs[i] = lrs[i] * lr_lambdas_[i](last_epoch_);
  return lrs;
}

}  // namespace tg::optim
