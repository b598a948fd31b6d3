// NAdam (Adam with Nesterov momentum, Dozat 2016), PyTorch 1.13's update rule, including its
// momentum-cache product: mu_product is kept in float32 as PyTorch's 0-d tensor, and the
// next-step product is mu_product * mu * mu_next (the current mu counted twice), as 1.13
// computes it.
#pragma once
#include <tuple>

#include "optim/adam.h"
#include "optim/optimizer.h"

namespace tg::optim {

struct NAdamOptions : public OptimizerCloneableOptions<NAdamOptions> {
  NAdamOptions(double lr = 2e-3) : lr_(lr) {}  // NOLINT: implicit as in libtorch
  TG_ARG(double, lr);
  TG_ARG(Betas, betas) = std::make_tuple(0.9, 0.999);
  TG_ARG(double, eps) = 1e-8;
  TG_ARG(double, weight_decay) = 0;
  TG_ARG(double, momentum_decay) = 4e-3;

 public:
  double get_lr() const override { return lr_; }
  void set_lr(double lr) override { lr_ = lr; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
};

struct NAdamParamState : public OptimizerParamState {
  TG_ARG(int64_t, step) = 0;
  TG_ARG(double, mu_product) = 1;
  TG_ARG(Tensor, exp_avg);
  TG_ARG(Tensor, exp_avg_sq);

 public:
  std::map<std::string, Tensor> to_map() const override;
  void from_map(const std::map<std::string, Tensor>& values, const Tensor& param) override;
};

class NAdam : public Optimizer {
 public:
  NAdam(std::vector<OptimizerParamGroup> param_groups, NAdamOptions defaults = {});
  NAdam(std::vector<Tensor> params, NAdamOptions defaults = {})
      : NAdam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))},
              defaults) {}
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override;
  void check_options(const OptimizerOptions& options) const override;
};

}  // namespace tg::optim
