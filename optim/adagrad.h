// Adagrad, PyTorch's update rule.
#pragma once
#include "optim/optimizer.h"

namespace tg::optim {

struct AdagradOptions : public OptimizerCloneableOptions<AdagradOptions> {
  AdagradOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT: implicit as in libtorch
  TG_ARG(double, lr);
  // The step size is lr / (1 + (step - 1) * lr_decay).
  TG_ARG(double, lr_decay) = 0;
  TG_ARG(double, weight_decay) = 0;
  // Starting value of the running sum of squared gradients.
  TG_ARG(double, initial_accumulator_value) = 0;
  TG_ARG(double, eps) = 1e-10;

 public:
  double get_lr() const override { return lr_; }
  void set_lr(double lr) override { lr_ = lr; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
};

struct AdagradParamState : public OptimizerParamState {
  TG_ARG(int64_t, step) = 0;
  TG_ARG(Tensor, sum);

 public:
  std::map<std::string, Tensor> to_map() const override;
  void from_map(const std::map<std::string, Tensor>& values, const Tensor& param) override;
};

class Adagrad : public Optimizer {
 public:
  // As in PyTorch, every parameter's state (sum = initial_accumulator_value) exists from here.
  Adagrad(std::vector<OptimizerParamGroup> param_groups, AdagradOptions defaults = {});
  Adagrad(std::vector<Tensor> params, AdagradOptions defaults = {})
      : Adagrad(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))},
                defaults) {}
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override;
  void check_options(const OptimizerOptions& options) const override;

 private:
  AdagradParamState& state_of(const Tensor& param, const AdagradOptions& options);
};

}  // namespace tg::optim
