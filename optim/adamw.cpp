#include "optim/adamw.h"

#include "autograd/grad_mode.h"

namespace tg::optim {

std::map<std::string, double> AdamWOptions::to_map() const {
  return {{"lr", lr()}, {"beta1", std::get<0>(betas())}, {"beta2", std::get<1>(betas())},
          {"eps", eps()}, {"weight_decay", weight_decay()}, {"amsgrad", amsgrad() ? 1.0 : 0.0}};
}

void AdamWOptions::from_map(const std::map<std::string, double>& values) {
  lr(detail::read_option(values, "lr", "AdamW"));
  betas(std::make_tuple(detail::read_option(values, "beta1", "AdamW"),
                        detail::read_option(values, "beta2", "AdamW")));
  eps(detail::read_option(values, "eps", "AdamW"));
  weight_decay(detail::read_option(values, "weight_decay", "AdamW"));
  amsgrad(detail::read_option(values, "amsgrad", "AdamW") != 0.0);
}

AdamW::AdamW(std::vector<OptimizerParamGroup> param_groups, AdamWOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdamWOptions>(defaults), "AdamW") {
  finish_construction();
}

void AdamW::check_options(const OptimizerOptions& base) const {
  const auto& o = static_cast<const AdamWOptions&>(base);
  detail::check_adam_options("AdamW", o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()),
                             o.eps(), o.weight_decay());
}

std::unique_ptr<OptimizerParamState> AdamW::make_state() const {
  return std::make_unique<AdamWParamState>();
}

Tensor AdamW::step(LossClosure closure) {
  Tensor loss = evaluate_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const AdamWOptions&>(group.options());
    for (Tensor& p : group.params()) {
      if (!p.grad().defined()) continue;
      detail::adam_step("AdamW", p, param_state<AdamWParamState>(p), o.lr(),
                        std::get<0>(o.betas()), std::get<1>(o.betas()), o.eps(),
                        o.weight_decay(), o.amsgrad(), /*decoupled=*/true);
    }
  }
  return loss;
}

}  // namespace tg::optim
