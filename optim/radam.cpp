#include "optim/radam.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "optim/elementwise_update.h"
#include "optim/state_checks.h"

namespace tg::optim {

std::map<std::string, double> RAdamOptions::to_map() const {
  return {{"lr", lr()}, {"beta1", std::get<0>(betas())}, {"beta2", std::get<1>(betas())}, {"eps", eps()}, {"weight_decay", weight_decay()}};
}

void RAdamOptions::from_map(const std::map<std::string, double>& values) {
  lr(detail::read_option(values, "lr", "RAdam"));
  betas(std::make_tuple(detail::read_option(values, "beta1", "RAdam"),
                        detail::read_option(values, "beta2", "RAdam")));
  eps(detail::read_option(values, "eps", "RAdam"));
  weight_decay(detail::read_option(values, "weight_decay", "RAdam"));
}

std::map<std::string, Tensor> RAdamParamState::to_map() const {
  std::map<std::string, Tensor> out;
  out["step"] = detail::scalar_state(static_cast<double>(step()));
  if (exp_avg().defined()) out["exp_avg"] = exp_avg().detach().clone();
  if (exp_avg_sq().defined()) out["exp_avg_sq"] = exp_avg_sq().detach().clone();
  return out;
}

void RAdamParamState::from_map(const std::map<std::string, Tensor>& values, const Tensor& param) {
  step(detail::read_int_state(values, "step", "RAdam"));
  exp_avg(detail::read_tensor_state(values, "exp_avg", param, true, "RAdam"));
  exp_avg_sq(detail::read_tensor_state(values, "exp_avg_sq", param, true, "RAdam"));
}

RAdam::RAdam(std::vector<OptimizerParamGroup> param_groups, RAdamOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<RAdamOptions>(defaults), "RAdam") {
  finish_construction();
}

std::unique_ptr<OptimizerParamState> RAdam::make_state() const {
  return std::make_unique<RAdamParamState>();
}

void RAdam::check_options(const OptimizerOptions& base) const {
  const auto& o = static_cast<const RAdamOptions&>(base);
  detail::check_adam_options("RAdam", o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()),
                             o.eps(), o.weight_decay());
}

Tensor RAdam::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const RAdamOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    const double weight_decay = o.weight_decay(), eps = o.eps(), lr = o.lr();
    for (Tensor& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& state = param_state<RAdamParamState>(p);
      if (!state.exp_avg().defined()) {
        state.exp_avg(zeros_like(p));
        state.exp_avg_sq(zeros_like(p));
      }
      state.step(state.step() + 1);
      const double step = static_cast<double>(state.step());
      const double bias_correction1 = 1 - std::pow(beta1, step);
      const double bias_correction2 = 1 - std::pow(beta2, step);
      // The length of the approximated simple moving average, and its limit.
      const double rho_inf = 2 / (1 - beta2) - 1;
      const double rho_t = rho_inf - 2 * step * std::pow(beta2, step) / bias_correction2;
      const bool rectify = rho_t > 5.;
      const double rect = rectify ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                                              ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                                  : 0.0;
      detail::update_elementwise<3, 1>(
          "RAdam", {p, state.exp_avg(), state.exp_avg_sq()}, {p.grad()},
          [&](auto zero, auto& out, auto& in, int64_t b, int64_t e) {
            using T = decltype(zero);
            const T wd = T(weight_decay), b1 = T(beta1), b2 = T(beta2);
            const T one_minus_b1 = T(1 - beta1), one_minus_b2 = T(1 - beta2);
            const T bc1 = T(bias_correction1), bc2_sqrt = T(std::sqrt(bias_correction2));
            const T eps_t = T(eps), lr_t = T(lr), rect_t = T(rect), one = T(1);
            T* w = out[0];
            T* m = out[1];
            T* v = out[2];
            const T* g = in[0];
            for (int64_t i = b; i < e; ++i) {
              T grad = g[i];
              if (weight_decay != 0) grad = grad + wd * w[i];
              m[i] = m[i] * b1 + one_minus_b1 * grad;
              v[i] = v[i] * b2 + one_minus_b2 * grad * grad;
              const T corrected = m[i] / bc1;
              if (rectify) {
                // sqrt(bc2) / (sqrt(v) + eps), as PyTorch evaluates scalar / tensor.
                const T adaptive = one / (std::sqrt(v[i]) + eps_t) * bc2_sqrt;
                w[i] = w[i] - corrected * lr_t * adaptive * rect_t;
              } else {
                w[i] = w[i] - corrected * lr_t;
              }
            }
          });
    }
  }
  return loss;
}

}  // namespace tg::optim
