// Schedulers driven by user functions of the epoch (PyTorch's LambdaLR and MultiplicativeLR).
// One function for every group, or one per group. The functions are not part of
// state_dict() (PyTorch saves plain functions as None too): a loaded scheduler keeps the
// ones it was constructed with.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "optim/lr_scheduler.h"

namespace tg::optim {

// A factor as a function of the epoch (last_epoch()).
using LRLambda = std::function<double(int64_t epoch)>;

// lr = base_lr * lr_lambda(epoch).
class LambdaLR : public LRScheduler {
 public:
  LambdaLR(Optimizer& optimizer, LRLambda lr_lambda);
  LambdaLR(Optimizer& optimizer, std::vector<LRLambda> lr_lambdas);
  const char* name() const override { return "LambdaLR"; }

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<LRLambda> lr_lambdas_;
};

// lr = previous lr * lr_lambda(epoch), from epoch 1 on (epoch 0 keeps the initial lr).
class MultiplicativeLR : public LRScheduler {
 public:
  MultiplicativeLR(Optimizer& optimizer, LRLambda lr_lambda);
  MultiplicativeLR(Optimizer& optimizer, std::vector<LRLambda> lr_lambdas);
  const char* name() const override { return "MultiplicativeLR"; }

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<LRLambda> lr_lambdas_;
};

}  // namespace tg::optim
