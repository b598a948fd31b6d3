// L-BFGS, PyTorch 1.13's algorithm (torch.optim.LBFGS): step(closure) runs up to max_iter
// quasi-Newton iterations, re-evaluating the closure after each; with line_search_fn
// "strong_wolfe" each iteration's step length comes from a strong-Wolfe line search instead
// of the fixed lr. One parameter group only, as in PyTorch. Its state (the curvature
// history, the last direction and step) lives under the first parameter, as in PyTorch, and
// is saved and loaded with the optimizer.
//
//   tg::optim::LBFGS opt(model->parameters(), tg::optim::LBFGSOptions(1).history_size(10));
//   opt.step([&] { opt.zero_grad(); Tensor loss = criterion(model(x), y); loss.backward();
//                  return loss; });
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace tg::optim {

struct LBFGSOptions : public OptimizerCloneableOptions<LBFGSOptions> {
  LBFGSOptions(double lr = 1) : lr_(lr) {}  // NOLINT: implicit as in libtorch
  TG_ARG(double, lr);
  // Iterations per step() call.
  TG_ARG(int64_t, max_iter) = 20;
  // Closure evaluations per step() call (default max_iter * 5 / 4).
  TG_ARG(std::optional<int64_t>, max_eval) = std::nullopt;
  // Stop when every gradient element is at most this in magnitude.
  TG_ARG(double, tolerance_grad) = 1e-7;
  // Stop when the step or the loss changes by less than this.
  TG_ARG(double, tolerance_change) = 1e-9;
  // Curvature pairs kept.
  TG_ARG(int64_t, history_size) = 100;
  // std::nullopt (fixed step lr) or "strong_wolfe".
  TG_ARG(std::optional<std::string>, line_search_fn) = std::nullopt;

 public:
  double get_lr() const override { return lr_; }
  void set_lr(double lr) override { lr_ = lr; }
  // line_search_fn as 0 (none) or 1 (strong_wolfe); max_eval as -1 when unset.
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
};

struct LBFGSParamState : public OptimizerParamState {
  TG_ARG(int64_t, func_evals) = 0;
  TG_ARG(int64_t, n_iter) = 0;
  TG_ARG(Tensor, d);               // the last search direction (flat)
  TG_ARG(double, t) = 0;           // the last step length
  TG_ARG(std::vector<Tensor>, old_dirs);  // gradient differences y
  TG_ARG(std::vector<Tensor>, old_stps);  // steps s
  TG_ARG(std::vector<double>, ro);        // 1 / (y . s)
  TG_ARG(double, H_diag) = 1;
  TG_ARG(Tensor, prev_flat_grad);
  TG_ARG(double, prev_loss) = 0;
  TG_ARG(std::vector<double>, al);        // scratch of the two-loop recursion

 public:
  // Lists as "old_dirs.<k>", "old_stps.<k>", and "ro" / "al" as float64 vectors.
  std::map<std::string, Tensor> to_map() const override;
  void from_map(const std::map<std::string, Tensor>& values, const Tensor& param) override;
};

class LBFGS : public Optimizer {
 public:
  LBFGS(std::vector<OptimizerParamGroup> param_groups, LBFGSOptions defaults = {});
  LBFGS(std::vector<Tensor> params, LBFGSOptions defaults = {})
      : LBFGS(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))},
              defaults) {}
  // The closure is required: it must clear the gradients, compute the loss, call backward()
  // and return the loss. Returns the loss of its first evaluation.
  Tensor step(LossClosure closure) override;

 protected:
  std::unique_ptr<OptimizerParamState> make_state() const override;
  void check_options(const OptimizerOptions& options) const override;

 private:
  int64_t numel() const;
  Tensor gather_flat_grad() const;
  void add_grad(double t, const Tensor& d);
  std::vector<Tensor> clone_params() const;
  void set_params(const std::vector<Tensor>& values);
  // Loss and flat gradient at x + t * d (parameters restored to x afterwards).
  std::pair<double, Tensor> directional_evaluate(const LossClosure& closure,
                                                 const std::vector<Tensor>& x, double t,
                                                 const Tensor& d);
};

}  // namespace tg::optim
