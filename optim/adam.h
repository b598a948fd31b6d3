// Adam (with the AMSGrad variant), PyTorch's update rule. Weight decay here is L2 added to
// the gradient; AdamW (adamw.h) decouples it.
#pragma once
#include <tuple>

#include "optim/optimizer.h"

namespace tg::optim {

// (beta1, beta2): decay rates of the first and second moment averages.
using Betas = std::tuple<double, double>;

struct AdamOptions : public OptimizerCloneableOptions<AdamOptions> {
  AdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit as in libtorch
  TG_ARG(double, lr);
  TG_ARG(Betas, betas) = std::make_tuple(0.9, 0.999);
  TG_ARG(double, eps) = 1e-8;
  TG_ARG(double, weight_decay) = 0;
  TG_ARG(bool, amsgrad) = false;

 public:
  double get_lr() const override { return lr_; }
  void set_lr(double lr) override { lr_ = lr; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
};

struct AdamParamState : public OptimizerParamState {
  TG_ARG(int64_t, step) = 0;
  TG_ARG(Tensor, exp_avg);
  TG_ARG(Tensor, exp_avg_sq);
  TG_ARG(Tensor, max_exp_avg_sq);  // amsgrad only

 public:
  std::map<std::string, Tensor> to_map() const override;
  void from_map(const std::map<std::string, Tensor>& values, const Tensor& param) override;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<OptimizerParamGroup> param_groups, AdamOptions defaults = {});
  Adam(std::vector<Tensor> params, AdamOptions defaults = {})
      : Adam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override;
  void check_options(const OptimizerOptions& options) const override;
};

namespace detail {
// One Adam/AdamW step on `param`: L2 decay folded into the gradient, or (decoupled) the
// parameter shrunk by lr * weight_decay first.
void adam_step(const char* op, Tensor& param, AdamParamState& state, double lr, double beta1,
               double beta2, double eps, double weight_decay, bool amsgrad, bool decoupled);
void check_adam_options(const char* op, double lr, double beta1, double beta2, double eps,
                        double weight_decay);
}  // namespace detail

}  // namespace tg::optim
