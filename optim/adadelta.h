// Adadelta (Zeiler 2012), PyTorch 1.13's update rule.
#pragma once
#include <tuple>

#include "optim/adam.h"
#include "optim/optimizer.h"

namespace tg::optim {

struct AdadeltaOptions : public OptimizerCloneableOptions<AdadeltaOptions> {
  AdadeltaOptions(double lr = 1.0) : lr_(lr) {}  // NOLINT: implicit as in libtorch
  TG_ARG(double, lr);
  TG_ARG(double, rho) = 0.9;
  TG_ARG(double, eps) = 1e-6;
  TG_ARG(double, weight_decay) = 0;

 public:
  double get_lr() const override { return lr_; }
  void set_lr(double lr) override { lr_ = lr; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
};

struct AdadeltaParamState : public OptimizerParamState {
  TG_ARG(int64_t, step) = 0;
  TG_ARG(Tensor, square_avg);
  TG_ARG(Tensor, acc_delta);

 public:
  std::map<std::string, Tensor> to_map() const override;
  void from_map(const std::map<std::string, Tensor>& values, const Tensor& param) override;
};

class Adadelta : public Optimizer {
 public:
  Adadelta(std::vector<OptimizerParamGroup> param_groups, AdadeltaOptions defaults = {});
  Adadelta(std::vector<Tensor> params, AdadeltaOptions defaults = {})
      : Adadelta(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))},
              defaults) {}
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override;
  void check_options(const OptimizerOptions& options) const override;
};

}  // namespace tg::optim
