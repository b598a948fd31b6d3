// RAdam (rectified Adam, Liu et al. 2019), PyTorch 1.13's update rule: plain momentum SGD
// with bias correction while the variance estimate is unreliable (rho_t <= 5), rectified
// Adam afterwards.
#pragma once
#include <tuple>

#include "optim/adam.h"
#include "optim/optimizer.h"

namespace tg::optim {

struct RAdamOptions : public OptimizerCloneableOptions<RAdamOptions> {
  RAdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit as in libtorch
  TG_ARG(double, lr);
  TG_ARG(Betas, betas) = std::make_tuple(0.9, 0.999);
  TG_ARG(double, eps) = 1e-8;
  TG_ARG(double, weight_decay) = 0;

 public:
  double get_lr() const override { return lr_; }
  void set_lr(double lr) override { lr_ = lr; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
};

struct RAdamParamState : public OptimizerParamState {
  TG_ARG(int64_t, step) = 0;
  TG_ARG(Tensor, exp_avg);
  TG_ARG(Tensor, exp_avg_sq);

 public:
  std::map<std::string, Tensor> to_map() const override;
  void from_map(const std::map<std::string, Tensor>& values, const Tensor& param) override;
};

class RAdam : public Optimizer {
 public:
  RAdam(std::vector<OptimizerParamGroup> param_groups, RAdamOptions defaults = {});
  RAdam(std::vector<Tensor> params, RAdamOptions defaults = {})
      : RAdam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))},
              defaults) {}
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override;
  void check_options(const OptimizerOptions& options) const override;
};

}  // namespace tg::optim
