#include "optim/adagrad.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "optim/elementwise_update.h"
#include "optim/state_checks.h"

namespace tg::optim {

std::map<std::string, double> AdagradOptions::to_map() const {
  return {{"lr", lr()}, {"lr_decay", lr_decay()}, {"weight_decay", weight_decay()},
          {"initial_accumulator_value", initial_accumulator_value()}, {"eps", eps()}};
}

void AdagradOptions::from_map(const std::map<std::string, double>& values) {
  lr(detail::read_option(values, "lr", "Adagrad"));
  lr_decay(detail::read_option(values, "lr_decay", "Adagrad"));
  weight_decay(detail::read_option(values, "weight_decay", "Adagrad"));
  initial_accumulator_value(detail::read_option(values, "initial_accumulator_value", "Adagrad"));
  eps(detail::read_option(values, "eps", "Adagrad"));
}

std::map<std::string, Tensor> AdagradParamState::to_map() const {
  std::map<std::string, Tensor> out;
  out["step"] = detail::scalar_state(static_cast<double>(step()));
  if (sum().defined()) out["sum"] = sum().detach().clone();
  return out;
}

void AdagradParamState::from_map(const std::map<std::string, Tensor>& values,
                                 const Tensor& param) {
  step(detail::read_int_state(values, "step", "Adagrad"));
  sum(detail::read_tensor_state(values, "sum", param, true, "Adagrad"));
}

Adagrad::Adagrad(std::vector<OptimizerParamGroup> param_groups, AdagradOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdagradOptions>(defaults), "Adagrad") {
  finish_construction();
  NoGradGuard no_grad;
  for (auto& group : this->param_groups())
    for (const Tensor& p : group.params())
      state_of(p, static_cast<const AdagradOptions&>(group.options()));
}

AdagradParamState& Adagrad::state_of(const Tensor& param, const AdagradOptions& options) {
  auto& state = param_state<AdagradParamState>(param);
  if (!state.sum().defined())
    state.sum(full_like(param, options.initial_accumulator_value()));
  return state;
}

void Adagrad::check_options(const OptimizerOptions& base) const {
  const auto& o = static_cast<const AdagradOptions&>(base);
  TG_CHECK(o.lr() >= 0, "Adagrad: invalid learning rate ", o.lr(), " (must be >= 0)");
  TG_CHECK(o.lr_decay() >= 0, "Adagrad: invalid lr_decay ", o.lr_decay(), " (must be >= 0)");
  TG_CHECK(o.weight_decay() >= 0, "Adagrad: invalid weight_decay ", o.weight_decay(),
           " (must be >= 0)");
  TG_CHECK(o.initial_accumulator_value() >= 0, "Adagrad: invalid initial_accumulator_value ",
           o.initial_accumulator_value(), " (must be >= 0)");
  TG_CHECK(o.eps() >= 0, "Adagrad: invalid epsilon ", o.eps(), " (must be >= 0)");
}

std::unique_ptr<OptimizerParamState> Adagrad::make_state() const {
  return std::make_unique<AdagradParamState>();
}

Tensor Adagrad::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const AdagradOptions&>(group.options());
    const double weight_decay = o.weight_decay(), eps = o.eps();
    for (Tensor& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& state = state_of(p, o);
      state.step(state.step() + 1);
      const double clr = o.lr() / (1 + static_cast<double>(state.step() - 1) * o.lr_decay());
      detail::update_elementwise<2, 1>(
          "Adagrad", {p, state.sum()}, {p.grad()},
          [&](auto zero, auto& out, auto& in, int64_t b, int64_t e) {
            using T = decltype(zero);
            const T wd = T(weight_decay), eps_t = T(eps), neg_clr = T(-clr), one = T(1);
            T* w = out[0];
            T* sum = out[1];
            const T* g = in[0];
            for (int64_t i = b; i < e; ++i) {
              T grad = g[i];
              if (weight_decay != 0) grad = grad + wd * w[i];
              sum[i] = sum[i] + one * grad * grad;
              const T std = std::sqrt(sum[i]) + eps_t;
              w[i] = w[i] + neg_clr * grad / std;
            }
          });
    }
  }
  return loss;
}

}  // namespace tg::optim
