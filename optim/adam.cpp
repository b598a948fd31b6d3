#include "optim/adam.h"

#include <cmath>
#include <tuple>
#include <type_traits>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "optim/elementwise_update.h"
#include "optim/state_checks.h"

namespace tg::optim {

std::map<std::string, double> AdamOptions::to_map() const {
  return {{"lr", lr()}, {"beta1", std::get<0>(betas())}, {"beta2", std::get<1>(betas())},
          {"eps", eps()}, {"weight_decay", weight_decay()}, {"amsgrad", amsgrad() ? 1.0 : 0.0}};
}

void AdamOptions::from_map(const std::map<std::string, double>& values) {
  lr(detail::read_option(values, "lr", "Adam"));
  betas(std::make_tuple(detail::read_option(values, "beta1", "Adam"),
                        detail::read_option(values, "beta2", "Adam")));
  eps(detail::read_option(values, "eps", "Adam"));
  weight_decay(detail::read_option(values, "weight_decay", "Adam"));
  amsgrad(detail::read_option(values, "amsgrad", "Adam") != 0.0);
}

std::map<std::string, Tensor> AdamParamState::to_map() const {
  std::map<std::string, Tensor> out;
  out["step"] = detail::scalar_state(static_cast<double>(step()));
  if (exp_avg().defined()) out["exp_avg"] = exp_avg().detach().clone();
  if (exp_avg_sq().defined()) out["exp_avg_sq"] = exp_avg_sq().detach().clone();
  if (max_exp_avg_sq().defined()) out["max_exp_avg_sq"] = max_exp_avg_sq().detach().clone();
  return out;
}

void AdamParamState::from_map(const std::map<std::string, Tensor>& values, const Tensor& param) {
  step(detail::read_int_state(values, "step", "Adam"));
  exp_avg(detail::read_tensor_state(values, "exp_avg", param, true, "Adam"));
  exp_avg_sq(detail::read_tensor_state(values, "exp_avg_sq", param, true, "Adam"));
  max_exp_avg_sq(detail::read_tensor_state(values, "max_exp_avg_sq", param, false, "Adam"));
}

namespace detail {

void check_adam_options(const char* op, double lr, double beta1, double beta2, double eps,
                        double weight_decay) {
  TG_CHECK(lr >= 0, op, ": invalid learning rate ", lr, " (must be >= 0)");
  TG_CHECK(eps >= 0, op, ": invalid epsilon ", eps, " (must be >= 0)");
  TG_CHECK(beta1 >= 0 && beta1 < 1, op, ": invalid beta parameter at index 0: ", beta1,
           " (must be in [0, 1))");
  TG_CHECK(beta2 >= 0 && beta2 < 1, op, ": invalid beta parameter at index 1: ", beta2,
           " (must be in [0, 1))");
  TG_CHECK(weight_decay >= 0, op, ": invalid weight_decay ", weight_decay, " (must be >= 0)");
}

void adam_step(const char* op, Tensor& param, AdamParamState& state, double lr, double beta1,
               double beta2, double eps, double weight_decay, bool amsgrad, bool decoupled) {
  if (!state.exp_avg().defined()) {
    state.exp_avg(zeros_like(param));
    state.exp_avg_sq(zeros_like(param));
  }
  if (amsgrad && !state.max_exp_avg_sq().defined()) state.max_exp_avg_sq(zeros_like(param));
  state.step(state.step() + 1);
  // Scalar factors in double, as PyTorch computes them in Python floats.
  const double step = static_cast<double>(state.step());
  const double bias_correction1 = 1 - std::pow(beta1, step);
  const double bias_correction2 = 1 - std::pow(beta2, step);
  const double step_size = lr / bias_correction1;
  const double bias_correction2_sqrt = std::sqrt(bias_correction2);
  const double decay_factor = 1 - lr * weight_decay;

  auto kernel = [&](auto zero, auto& out, auto& in, int64_t b, int64_t e) {
    using T = decltype(zero);
    const T wd = T(weight_decay), b1 = T(beta1), b2 = T(beta2);
    const T one_minus_b1 = T(1 - beta1), one_minus_b2 = T(1 - beta2);
    const T bc2_sqrt = T(bias_correction2_sqrt), eps_t = T(eps), neg_step = T(-step_size);
    const T shrink = T(decay_factor);
    T* w = out[0];
    T* m = out[1];
    T* v = out[2];
    T* vmax = nullptr;
    if constexpr (std::tuple_size_v<std::decay_t<decltype(out)>> == 4) vmax = out[3];
    const T* g = in[0];
    for (int64_t i = b; i < e; ++i) {
      T grad = g[i];
      if (decoupled) {
        w[i] = w[i] * shrink;
      } else if (weight_decay != 0) {
        grad = grad + wd * w[i];
      }
      m[i] = m[i] * b1 + one_minus_b1 * grad;
      v[i] = v[i] * b2 + one_minus_b2 * grad * grad;
      T second = v[i];
      if (amsgrad) {
        if (vmax[i] < second) vmax[i] = second;
        second = vmax[i];
      }
      const T denom = std::sqrt(second) / bc2_sqrt + eps_t;
      w[i] = w[i] + neg_step * m[i] / denom;
    }
  };
  if (amsgrad) {
    update_elementwise<4, 1>(op, {param, state.exp_avg(), state.exp_avg_sq(),
                                  state.max_exp_avg_sq()},
                             {param.grad()}, kernel);
  } else {
    update_elementwise<3, 1>(op, {param, state.exp_avg(), state.exp_avg_sq()}, {param.grad()},
                             kernel);
  }
}

}  // namespace detail

Adam::Adam(std::vector<OptimizerParamGroup> param_groups, AdamOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdamOptions>(defaults), "Adam") {
  finish_construction();
}

void Adam::check_options(const OptimizerOptions& base) const {
  const auto& o = static_cast<const AdamOptions&>(base);
  detail::check_adam_options("Adam", o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()),
                             o.eps(), o.weight_decay());
}

std::unique_ptr<OptimizerParamState> Adam::make_state() const {
  return std::make_unique<AdamParamState>();
}

Tensor Adam::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const AdamOptions&>(group.options());
    for (Tensor& p : group.params()) {
      if (!p.grad().defined()) continue;
      detail::adam_step("Adam", p, param_state<AdamParamState>(p), o.lr(), std::get<0>(o.betas()),
                        std::get<1>(o.betas()), o.eps(), o.weight_decay(), o.amsgrad(),
                        /*decoupled=*/false);
    }
  }
  return loss;
}

}  // namespace tg::optim
