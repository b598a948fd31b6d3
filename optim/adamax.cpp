#include "optim/adamax.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "optim/elementwise_update.h"
#include "optim/state_checks.h"

namespace tg::optim {

std::map<std::string, double> AdamaxOptions::to_map() const {
  return {{"lr", lr()}, {"beta1", std::get<0>(betas())}, {"beta2", std::get<1>(betas())}, {"eps", eps()}, {"weight_decay", weight_decay()}};
}

void AdamaxOptions::from_map(const std::map<std::string, double>& values) {
  lr(detail::read_option(values, "lr", "Adamax"));
  betas(std::make_tuple(detail::read_option(values, "beta1", "Adamax"),
                        detail::read_option(values, "beta2", "Adamax")));
  eps(detail::read_option(values, "eps", "Adamax"));
  weight_decay(detail::read_option(values, "weight_decay", "Adamax"));
}

std::map<std::string, Tensor> AdamaxParamState::to_map() const {
  std::map<std::string, Tensor> out;
  out["step"] = detail::scalar_state(static_cast<double>(step()));
  if (exp_avg().defined()) out["exp_avg"] = exp_avg().detach().clone();
  if (exp_inf().defined()) out["exp_inf"] = exp_inf().detach().clone();
  return out;
}

void AdamaxParamState::from_map(const std::map<std::string, Tensor>& values, const Tensor& param) {
  step(detail::read_int_state(values, "step", "Adamax"));
  exp_avg(detail::read_tensor_state(values, "exp_avg", param, true, "Adamax"));
  exp_inf(detail::read_tensor_state(values, "exp_inf", param, true, "Adamax"));
}

Adamax::Adamax(std::vector<OptimizerParamGroup> param_groups, AdamaxOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdamaxOptions>(defaults), "Adamax") {
  finish_construction();
}

std::unique_ptr<OptimizerParamState> Adamax::make_state() const {
  return std::make_unique<AdamaxParamState>();
}

void Adamax::check_options(const OptimizerOptions& base) const {
  const auto& o = static_cast<const AdamaxOptions&>(base);
  detail::check_adam_options("Adamax", o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()),
                             o.eps(), o.weight_decay());
}

Tensor Adamax::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const AdamaxOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    const double weight_decay = o.weight_decay(), eps = o.eps();
    for (Tensor& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& state = param_state<AdamaxParamState>(p);
      if (!state.exp_avg().defined()) {
        state.exp_avg(zeros_like(p));
        state.exp_inf(zeros_like(p));
      }
      state.step(state.step() + 1);
      const double clr = o.lr() / (1 - std::pow(beta1, static_cast<double>(state.step())));
      detail::update_elementwise<3, 1>(
          "Adamax", {p, state.exp_avg(), state.exp_inf()}, {p.grad()},
          [&](auto zero, auto& out, auto& in, int64_t b, int64_t e) {
            using T = decltype(zero);
            const T wd = T(weight_decay), b1 = T(beta1), b2 = T(beta2);
            const T one_minus_b1 = T(1 - beta1), eps_t = T(eps), neg_clr = T(-clr);
            T* w = out[0];
            T* m = out[1];
            T* u = out[2];
            const T* g = in[0];
            for (int64_t i = b; i < e; ++i) {
              T grad = g[i];
              if (weight_decay != 0) grad = grad + wd * w[i];
              m[i] = m[i] * b1 + one_minus_b1 * grad;
              const T decayed = u[i] * b2, current = std::abs(grad) + eps_t;
              // amax propagates NaN.
              u[i] = (std::isnan(decayed) || decayed > current) ? decayed : current;
              w[i] = w[i] + neg_clr * m[i] / u[i];
            }
          });
    }
  }
  return loss;
}

}  // namespace tg::optim
