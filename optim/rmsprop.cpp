#include "optim/rmsprop.h"

#include <cmath>
#include <tuple>
#include <type_traits>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "optim/elementwise_update.h"
#include "optim/state_checks.h"

namespace tg::optim {

std::map<std::string, double> RMSpropOptions::to_map() const {
  return {{"lr", lr()}, {"alpha", alpha()}, {"eps", eps()}, {"weight_decay", weight_decay()},
          {"momentum", momentum()}, {"centered", centered() ? 1.0 : 0.0}};
}

void RMSpropOptions::from_map(const std::map<std::string, double>& values) {
  lr(detail::read_option(values, "lr", "RMSprop"));
  alpha(detail::read_option(values, "alpha", "RMSprop"));
  eps(detail::read_option(values, "eps", "RMSprop"));
  weight_decay(detail::read_option(values, "weight_decay", "RMSprop"));
  momentum(detail::read_option(values, "momentum", "RMSprop"));
  centered(detail::read_option(values, "centered", "RMSprop") != 0.0);
}

std::map<std::string, Tensor> RMSpropParamState::to_map() const {
  std::map<std::string, Tensor> out;
  out["step"] = detail::scalar_state(static_cast<double>(step()));
  if (square_avg().defined()) out["square_avg"] = square_avg().detach().clone();
  if (momentum_buffer().defined()) out["momentum_buffer"] = momentum_buffer().detach().clone();
  if (grad_avg().defined()) out["grad_avg"] = grad_avg().detach().clone();
  return out;
}

void RMSpropParamState::from_map(const std::map<std::string, Tensor>& values,
                                 const Tensor& param) {
  step(detail::read_int_state(values, "step", "RMSprop"));
  square_avg(detail::read_tensor_state(values, "square_avg", param, true, "RMSprop"));
  momentum_buffer(detail::read_tensor_state(values, "momentum_buffer", param, false, "RMSprop"));
  grad_avg(detail::read_tensor_state(values, "grad_avg", param, false, "RMSprop"));
}

RMSprop::RMSprop(std::vector<OptimizerParamGroup> param_groups, RMSpropOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<RMSpropOptions>(defaults), "RMSprop") {
  finish_construction();
}

void RMSprop::check_options(const OptimizerOptions& base) const {
  const auto& o = static_cast<const RMSpropOptions&>(base);
  TG_CHECK(o.lr() >= 0, "RMSprop: invalid learning rate ", o.lr(), " (must be >= 0)");
  TG_CHECK(o.eps() >= 0, "RMSprop: invalid epsilon ", o.eps(), " (must be >= 0)");
  TG_CHECK(o.momentum() >= 0, "RMSprop: invalid momentum ", o.momentum(), " (must be >= 0)");
  TG_CHECK(o.weight_decay() >= 0, "RMSprop: invalid weight_decay ", o.weight_decay(),
           " (must be >= 0)");
  TG_CHECK(o.alpha() >= 0, "RMSprop: invalid alpha ", o.alpha(), " (must be >= 0)");
}

std::unique_ptr<OptimizerParamState> RMSprop::make_state() const {
  return std::make_unique<RMSpropParamState>();
}

Tensor RMSprop::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const RMSpropOptions&>(group.options());
    const double lr = o.lr(), alpha = o.alpha(), eps = o.eps();
    const double weight_decay = o.weight_decay(), momentum = o.momentum();
    const bool centered = o.centered(), use_momentum = momentum > 0;
    for (Tensor& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& state = param_state<RMSpropParamState>(p);
      if (!state.square_avg().defined()) state.square_avg(zeros_like(p));
      if (use_momentum && !state.momentum_buffer().defined())
        state.momentum_buffer(zeros_like(p));
      if (centered && !state.grad_avg().defined()) state.grad_avg(zeros_like(p));
      state.step(state.step() + 1);

      // out = {param, square_avg, [momentum_buffer], [grad_avg]} in that order.
      auto kernel = [&](auto zero, auto& out, auto& in, int64_t b, int64_t e) {
        using T = decltype(zero);
        const T wd = T(weight_decay), a = T(alpha), one_minus_a = T(1 - alpha);
        const T eps_t = T(eps), mom = T(momentum), neg_lr = T(-lr);
        T* w = out[0];
        T* sq = out[1];
        T* buf = nullptr;
        T* gavg = nullptr;
        constexpr std::size_t n_out = std::tuple_size_v<std::decay_t<decltype(out)>>;
        if constexpr (n_out >= 3) {
          if (use_momentum) buf = out[2];
          else gavg = out[2];
        }
        if constexpr (n_out == 4) gavg = out[3];
        const T* g = in[0];
        for (int64_t i = b; i < e; ++i) {
          T grad = g[i];
          if (weight_decay != 0) grad = grad + wd * w[i];
          sq[i] = sq[i] * a + one_minus_a * grad * grad;
          T avg;
          if (centered) {
            gavg[i] = gavg[i] * a + one_minus_a * grad;
            avg = std::sqrt(sq[i] + T(-1) * gavg[i] * gavg[i]);
          } else {
            avg = std::sqrt(sq[i]);
          }
          avg = avg + eps_t;
          if (use_momentum) {
            buf[i] = buf[i] * mom + grad / avg;
            w[i] = w[i] + neg_lr * buf[i];
          } else {
            w[i] = w[i] + neg_lr * grad / avg;
          }
        }
      };
      const Tensor& grad = p.grad();
      if (use_momentum && centered) {
        detail::update_elementwise<4, 1>(
            "RMSprop", {p, state.square_avg(), state.momentum_buffer(), state.grad_avg()}, {grad},
            kernel);
      } else if (use_momentum) {
        detail::update_elementwise<3, 1>(
            "RMSprop", {p, state.square_avg(), state.momentum_buffer()}, {grad}, kernel);
      } else if (centered) {
        detail::update_elementwise<3, 1>("RMSprop", {p, state.square_avg(), state.grad_avg()},
                                         {grad}, kernel);
      } else {
        detail::update_elementwise<2, 1>("RMSprop", {p, state.square_avg()}, {grad}, kernel);
      }
    }
  }
  return loss;
}

}  // namespace tg::optim
