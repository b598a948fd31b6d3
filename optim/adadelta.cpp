#include "optim/adadelta.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "optim/elementwise_update.h"
#include "optim/state_checks.h"

namespace tg::optim {

std::map<std::string, double> AdadeltaOptions::to_map() const {
  return {{"lr", lr()}, {"rho", rho()}, {"eps", eps()}, {"weight_decay", weight_decay()}};
}

void AdadeltaOptions::from_map(const std::map<std::string, double>& values) {
  lr(detail::read_option(values, "lr", "Adadelta"));
  rho(detail::read_option(values, "rho", "Adadelta"));
  eps(detail::read_option(values, "eps", "Adadelta"));
  weight_decay(detail::read_option(values, "weight_decay", "Adadelta"));
}

std::map<std::string, Tensor> AdadeltaParamState::to_map() const {
  std::map<std::string, Tensor> out;
  out["step"] = detail::scalar_state(static_cast<double>(step()));
  if (square_avg().defined()) out["square_avg"] = square_avg().detach().clone();
  if (acc_delta().defined()) out["acc_delta"] = acc_delta().detach().clone();
  return out;
}

void AdadeltaParamState::from_map(const std::map<std::string, Tensor>& values, const Tensor& param) {
  step(detail::read_int_state(values, "step", "Adadelta"));
  square_avg(detail::read_tensor_state(values, "square_avg", param, true, "Adadelta"));
  acc_delta(detail::read_tensor_state(values, "acc_delta", param, true, "Adadelta"));
}

Adadelta::Adadelta(std::vector<OptimizerParamGroup> param_groups, AdadeltaOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdadeltaOptions>(defaults), "Adadelta") {
  finish_construction();
}

std::unique_ptr<OptimizerParamState> Adadelta::make_state() const {
  return std::make_unique<AdadeltaParamState>();
}

void Adadelta::check_options(const OptimizerOptions& base) const {
  const auto& o = static_cast<const AdadeltaOptions&>(base);
  TG_CHECK(o.lr() >= 0, "Adadelta: invalid learning rate ", o.lr(), " (must be >= 0)");
  TG_CHECK(o.rho() >= 0 && o.rho() <= 1, "Adadelta: invalid rho ", o.rho(),
           " (must be in [0, 1])");
  TG_CHECK(o.eps() >= 0, "Adadelta: invalid epsilon ", o.eps(), " (must be >= 0)");
  TG_CHECK(o.weight_decay() >= 0, "Adadelta: invalid weight_decay ", o.weight_decay(),
           " (must be >= 0)");
}

Tensor Adadelta::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const AdadeltaOptions&>(group.options());
    const double rho = o.rho(), weight_decay = o.weight_decay(), eps = o.eps(), lr = o.lr();
    for (Tensor& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& state = param_state<AdadeltaParamState>(p);
      if (!state.square_avg().defined()) {
        state.square_avg(zeros_like(p));
        state.acc_delta(zeros_like(p));
      }
      state.step(state.step() + 1);
      detail::update_elementwise<3, 1>(
          "Adadelta", {p, state.square_avg(), state.acc_delta()}, {p.grad()},
          [&](auto zero, auto& out, auto& in, int64_t b, int64_t e) {
            using T = decltype(zero);
            const T wd = T(weight_decay), rho_t = T(rho), one_minus_rho = T(1 - rho);
            const T eps_t = T(eps), neg_lr = T(-lr);
            T* w = out[0];
            T* sq = out[1];
            T* acc = out[2];
            const T* g = in[0];
            for (int64_t i = b; i < e; ++i) {
              T grad = g[i];
              if (weight_decay != 0) grad = grad + wd * w[i];
              sq[i] = sq[i] * rho_t + one_minus_rho * grad * grad;
              const T std = std::sqrt(sq[i] + eps_t);
              const T delta = std::sqrt(acc[i] + eps_t) / std * grad;
              acc[i] = acc[i] * rho_t + one_minus_rho * delta * delta;
              w[i] = w[i] + neg_lr * delta;
            }
          });
    }
  }
  return loss;
}

}  // namespace tg::optim
