#include "optim/nadam.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "optim/elementwise_update.h"
#include "optim/state_checks.h"

namespace tg::optim {

std::map<std::string, double> NAdamOptions::to_map() const {
  return {{"lr", lr()}, {"beta1", std::get<0>(betas())}, {"beta2", std::get<1>(betas())}, {"eps", eps()}, {"weight_decay", weight_decay()}, {"momentum_decay", momentum_decay()}};
}

void NAdamOptions::from_map(const std::map<std::string, double>& values) {
  lr(detail::read_option(values, "lr", "NAdam"));
  betas(std::make_tuple(detail::read_option(values, "beta1", "NAdam"),
                        detail::read_option(values, "beta2", "NAdam")));
  eps(detail::read_option(values, "eps", "NAdam"));
  weight_decay(detail::read_option(values, "weight_decay", "NAdam"));
  momentum_decay(detail::read_option(values, "momentum_decay", "NAdam"));
}

std::map<std::string, Tensor> NAdamParamState::to_map() const {
  std::map<std::string, Tensor> out;
  out["step"] = detail::scalar_state(static_cast<double>(step()));
  out["mu_product"] = detail::scalar_state(mu_product());
  if (exp_avg().defined()) out["exp_avg"] = exp_avg().detach().clone();
  if (exp_avg_sq().defined()) out["exp_avg_sq"] = exp_avg_sq().detach().clone();
  return out;
}

void NAdamParamState::from_map(const std::map<std::string, Tensor>& values, const Tensor& param) {
  step(detail::read_int_state(values, "step", "NAdam"));
  mu_product(detail::read_scalar_state(values, "mu_product", "NAdam"));
  exp_avg(detail::read_tensor_state(values, "exp_avg", param, true, "NAdam"));
  exp_avg_sq(detail::read_tensor_state(values, "exp_avg_sq", param, true, "NAdam"));
}

NAdam::NAdam(std::vector<OptimizerParamGroup> param_groups, NAdamOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<NAdamOptions>(defaults), "NAdam") {
  finish_construction();
}

std::unique_ptr<OptimizerParamState> NAdam::make_state() const {
  return std::make_unique<NAdamParamState>();
}

void NAdam::check_options(const OptimizerOptions& base) const {
  const auto& o = static_cast<const NAdamOptions&>(base);
  detail::check_adam_options("NAdam", o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()),
                             o.eps(), o.weight_decay());
  TG_CHECK(o.momentum_decay() >= 0, "NAdam: invalid momentum_decay ", o.momentum_decay(),
           " (must be >= 0)");
}

Tensor NAdam::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const NAdamOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    const double weight_decay = o.weight_decay(), eps = o.eps(), lr = o.lr();
    for (Tensor& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& state = param_state<NAdamParamState>(p);
      if (!state.exp_avg().defined()) {
        state.exp_avg(zeros_like(p));
        state.exp_avg_sq(zeros_like(p));
      }
      state.step(state.step() + 1);
      const double step = static_cast<double>(state.step());
      const double bias_correction2 = 1 - std::pow(beta2, step);
      const double mu = beta1 * (1. - 0.5 * std::pow(0.96, step * o.momentum_decay()));
      const double mu_next = beta1 * (1. - 0.5 * std::pow(0.96, (step + 1) * o.momentum_decay()));
      // PyTorch keeps the product in a float32 0-d tensor.
      const float product = static_cast<float>(state.mu_product()) * static_cast<float>(mu);
      const float product_next =
          product * static_cast<float>(mu) * static_cast<float>(mu_next);
      state.mu_product(product);
      const double grad_coef = -lr * (1. - mu) / (1. - static_cast<double>(product));
      const double avg_coef = -lr * mu_next / (1. - static_cast<double>(product_next));
      detail::update_elementwise<3, 1>(
          "NAdam", {p, state.exp_avg(), state.exp_avg_sq()}, {p.grad()},
          [&](auto zero, auto& out, auto& in, int64_t b, int64_t e) {
            using T = decltype(zero);
            const T wd = T(weight_decay), b1 = T(beta1), b2 = T(beta2);
            const T one_minus_b1 = T(1 - beta1), one_minus_b2 = T(1 - beta2);
            const T bc2 = T(bias_correction2), eps_t = T(eps);
            const T c_grad = T(grad_coef), c_avg = T(avg_coef);
            T* w = out[0];
            T* m = out[1];
            T* v = out[2];
            const T* g = in[0];
            for (int64_t i = b; i < e; ++i) {
              T grad = g[i];
              if (weight_decay != 0) grad = grad + wd * w[i];
              m[i] = m[i] * b1 + one_minus_b1 * grad;
              v[i] = v[i] * b2 + one_minus_b2 * grad * grad;
              const T denom = std::sqrt(v[i] / bc2) + eps_t;
              w[i] = w[i] + c_grad * grad / denom;
              w[i] = w[i] + c_avg * m[i] / denom;
            }
          });
    }
  }
  return loss;
}

}  // namespace tg::optim
