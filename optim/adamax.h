// Adamax (Adam with the infinity norm, Kingma & Ba 2015), PyTorch 1.13's update rule.
#pragma once
#include <tuple>

#include "optim/adam.h"
#include "optim/optimizer.h"

namespace tg::optim {

struct AdamaxOptions : public OptimizerCloneableOptions<AdamaxOptions> {
  AdamaxOptions(double lr = 2e-3) : lr_(lr) {}  // NOLINT: implicit as in libtorch
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

struct AdamaxParamState : public OptimizerParamState {
  TG_ARG(int64_t, step) = 0;
  TG_ARG(Tensor, exp_avg);
  TG_ARG(Tensor, exp_inf);

 public:
  std::map<std::string, Tensor> to_map() const override;
  void from_map(const std::map<std::string, Tensor>& values, const Tensor& param) override;
};

class Adamax : public Optimizer {
 public:
  Adamax(std::vector<OptimizerParamGroup> param_groups, AdamaxOptions defaults = {});
  Adamax(std::vector<Tensor> params, AdamaxOptions defaults = {})
      : Adamax(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))},
              defaults) {}
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override;
  void check_options(const OptimizerOptions& options) const override;
};

}  // namespace tg::optim
