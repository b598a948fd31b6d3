#include "optim/sgd.h"

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "optim/elementwise_update.h"

namespace tg::optim {

std::map<std::string, double> SGDOptions::to_map() const {
  return {{"lr", lr()}, {"momentum", momentum()}, {"dampening", dampening()},
          {"weight_decay", weight_decay()}, {"nesterov", nesterov() ? 1.0 : 0.0}};
}

void SGDOptions::from_map(const std::map<std::string, double>& values) {
  lr(detail::read_option(values, "lr", "SGD"));
  momentum(detail::read_option(values, "momentum", "SGD"));
  dampening(detail::read_option(values, "dampening", "SGD"));
  weight_decay(detail::read_option(values, "weight_decay", "SGD"));
  nesterov(detail::read_option(values, "nesterov", "SGD") != 0.0);
}

std::map<std::string, Tensor> SGDParamState::to_map() const {
  std::map<std::string, Tensor> out;
  if (momentum_buffer().defined()) out["momentum_buffer"] = momentum_buffer().detach().clone();
  return out;
}

void SGDParamState::from_map(const std::map<std::string, Tensor>& values, const Tensor& param) {
  momentum_buffer(detail::read_tensor_state(values, "momentum_buffer", param, false, "SGD"));
}

SGD::SGD(std::vector<OptimizerParamGroup> param_groups, SGDOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<SGDOptions>(defaults), "SGD") {
  finish_construction();
}

void SGD::check_options(const OptimizerOptions& base) const {
  const auto& o = static_cast<const SGDOptions&>(base);
  TG_CHECK(o.lr() >= 0, "SGD: invalid learning rate ", o.lr(), " (must be >= 0)");
  TG_CHECK(o.momentum() >= 0, "SGD: invalid momentum ", o.momentum(), " (must be >= 0)");
  TG_CHECK(o.weight_decay() >= 0, "SGD: invalid weight_decay ", o.weight_decay(),
           " (must be >= 0)");
  TG_CHECK(!o.nesterov() || (o.momentum() > 0 && o.dampening() == 0),
           "SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got momentum=",
           o.momentum(), ", dampening=", o.dampening());
}

std::unique_ptr<OptimizerParamState> SGD::make_state() const {
  return std::make_unique<SGDParamState>();
}

Tensor SGD::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const SGDOptions&>(group.options());
    const double lr = o.lr(), momentum = o.momentum(), dampening = o.dampening();
    const double weight_decay = o.weight_decay();
    const bool nesterov = o.nesterov();
    for (Tensor& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (momentum == 0) {
        detail::update_elementwise<1, 1>(
            "SGD", {p}, {p.grad()}, [&](auto zero, auto& out, auto& in, int64_t b, int64_t e) {
              using T = decltype(zero);
              const T wd = T(weight_decay), neg_lr = T(-lr);
              T* w = out[0];
              const T* g = in[0];
              for (int64_t i = b; i < e; ++i) {
                T d = g[i];
                if (weight_decay != 0) d = d + wd * w[i];
                w[i] = w[i] + neg_lr * d;
              }
            });
        continue;
      }
      auto& state = param_state<SGDParamState>(p);
      // The first step copies the gradient into the buffer, later steps blend it in.
      const bool first = !state.momentum_buffer().defined();
      if (first) state.momentum_buffer(zeros_like(p));
      detail::update_elementwise<2, 1>(
          "SGD", {p, state.momentum_buffer()}, {p.grad()},
          [&](auto zero, auto& out, auto& in, int64_t b, int64_t e) {
            using T = decltype(zero);
            const T wd = T(weight_decay), mom = T(momentum), keep = T(1 - dampening);
            const T neg_lr = T(-lr);
            T* w = out[0];
            T* buf = out[1];
            const T* g = in[0];
            for (int64_t i = b; i < e; ++i) {
              T d = g[i];
              if (weight_decay != 0) d = d + wd * w[i];
              buf[i] = first ? d : buf[i] * mom + keep * d;
              d = nesterov ? d + mom * buf[i] : buf[i];
              w[i] = w[i] + neg_lr * d;
            }
          });
    }
  }
  return loss;
}

}  // namespace tg::optim
