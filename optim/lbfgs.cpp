#include "optim/lbfgs.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "optim/state_checks.h"

namespace tg::optim {
namespace {

double dot(const Tensor& a, const Tensor& b) { return (a * b).sum().item<double>(); }
double abs_max(const Tensor& a) { return a.abs().max().item<double>(); }

// The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds
// (by default the interval between the points); their midpoint when the cubic has none.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  const double lo = bounds ? bounds->first : std::min(x1, x2);
  const double hi = bounds ? bounds->second : std::max(x1, x2);
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square < 0) return (lo + hi) / 2.;
  const double d2 = std::sqrt(d2_square);
  const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                  : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return std::min(std::max(min_pos, lo), hi);
}

struct LineSearchResult {
  double f;
  Tensor g;
  double t;
  int64_t evals;
};

// A line search satisfying the strong Wolfe conditions (Nocedal & Wright, algorithms 3.5 and
// 3.6): bracketing by cubic extrapolation, then zooming by cubic interpolation.
template <class Objective>
LineSearchResult strong_wolfe(Objective&& objective, double t, const Tensor& d, double f,
                              const Tensor& g, double gtd, double tolerance_change) {
  constexpr double c1 = 1e-4, c2 = 0.9;
  constexpr int64_t max_ls = 25;
  const double d_norm = abs_max(d);
  auto [f_new, g_new] = objective(t);
  int64_t evals = 1;
  double gtd_new = dot(g_new, d);
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Tensor g_prev = g;
  bool done = false;
  int64_t ls_iter = 0;
  std::vector<double> bracket, bracket_f, bracket_gtd;
  std::vector<Tensor> bracket_g;
  while (ls_iter < max_ls) {
    if (f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= f_prev)) {
      bracket = {t_prev, t};
      bracket_f = {f_prev, f_new};
      bracket_g = {g_prev, g_new};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {
      bracket = {t};
      bracket_f = {f_new};
      bracket_g = {g_new};
      done = true;
      break;
    }
    if (gtd_new >= 0) {
      bracket = {t_prev, t};
      bracket_f = {f_prev, f_new};
      bracket_g = {g_prev, g_new};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    const double min_step = t + 0.01 * (t - t_prev);
    const double max_step = t * 10;
    const double previous = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                          std::make_pair(min_step, max_step));
    t_prev = previous;
    f_prev = f_new;
    g_prev = g_new;
    gtd_prev = gtd_new;
    std::tie(f_new, g_new) = objective(t);
    ++evals;
    gtd_new = dot(g_new, d);
    ++ls_iter;
  }
  if (ls_iter == max_ls) {
    bracket = {0, t};
    bracket_f = {f, f_new};
    bracket_g = {g, g_new};
  }
  bool insufficient_progress = false;
  std::size_t low = bracket_f.front() <= bracket_f.back() ? 0 : 1;
  std::size_t high = 1 - low;
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1],
                          bracket_gtd[1]);
    const double top = std::max(bracket[0], bracket[1]);
    const double bottom = std::min(bracket[0], bracket[1]);
    const double eps = 0.1 * (top - bottom);
    if (std::min(top - t, t - bottom) < eps) {
      // Too close to an end of the bracket: move away from it, unless this is the first time.
      if (insufficient_progress || t >= top || t <= bottom) {
        t = std::abs(t - top) < std::abs(t - bottom) ? top - eps : bottom + eps;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    std::tie(f_new, g_new) = objective(t);
    ++evals;
    gtd_new = dot(g_new, d);
    ++ls_iter;
    if (f_new > f + c1 * t * gtd || f_new >= bracket_f[low]) {
      bracket[high] = t;
      bracket_f[high] = f_new;
      bracket_g[high] = g_new;
      bracket_gtd[high] = gtd_new;
      low = bracket_f[0] <= bracket_f[1] ? 0 : 1;
      high = 1 - low;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;
      } else if (gtd_new * (bracket[high] - bracket[low]) >= 0) {
        bracket[high] = bracket[low];
        bracket_f[high] = bracket_f[low];
        bracket_g[high] = bracket_g[low];
        bracket_gtd[high] = bracket_gtd[low];
      }
      bracket[low] = t;
      bracket_f[low] = f_new;
      bracket_g[low] = g_new;
      bracket_gtd[low] = gtd_new;
    }
  }
  return {bracket_f[low], bracket_g[low], bracket[low], evals};
}

}  // namespace

std::map<std::string, double> LBFGSOptions::to_map() const {
  return {{"lr", lr()},
          {"max_iter", static_cast<double>(max_iter())},
          {"max_eval", max_eval() ? static_cast<double>(*max_eval()) : -1.0},
          {"tolerance_grad", tolerance_grad()},
          {"tolerance_change", tolerance_change()},
          {"history_size", static_cast<double>(history_size())},
          {"line_search_fn", line_search_fn() ? 1.0 : 0.0}};
}

void LBFGSOptions::from_map(const std::map<std::string, double>& values) {
  lr(detail::read_option(values, "lr", "LBFGS"));
  max_iter(detail::read_int_option(values, "max_iter", "LBFGS"));
  const int64_t eval = detail::read_int_option(values, "max_eval", "LBFGS");
  max_eval(eval < 0 ? std::nullopt : std::optional<int64_t>(eval));
  tolerance_grad(detail::read_option(values, "tolerance_grad", "LBFGS"));
  tolerance_change(detail::read_option(values, "tolerance_change", "LBFGS"));
  history_size(detail::read_int_option(values, "history_size", "LBFGS"));
  line_search_fn(detail::read_option(values, "line_search_fn", "LBFGS") != 0
                     ? std::optional<std::string>("strong_wolfe")
                     : std::nullopt);
}

std::map<std::string, Tensor> LBFGSParamState::to_map() const {
  std::map<std::string, Tensor> out;
  out["func_evals"] = detail::scalar_state(static_cast<double>(func_evals()));
  out["n_iter"] = detail::scalar_state(static_cast<double>(n_iter()));
  out["t"] = detail::scalar_state(t());
  out["H_diag"] = detail::scalar_state(H_diag());
  out["prev_loss"] = detail::scalar_state(prev_loss());
  if (d().defined()) out["d"] = d().detach().clone();
  if (prev_flat_grad().defined()) out["prev_flat_grad"] = prev_flat_grad().detach().clone();
  for (std::size_t k = 0; k < old_dirs().size(); ++k) {
    out["old_dirs." + std::to_string(k)] = old_dirs()[k].detach().clone();
    out["old_stps." + std::to_string(k)] = old_stps()[k].detach().clone();
  }
  const auto n_ro = static_cast<int64_t>(ro().size());
  const auto n_al = static_cast<int64_t>(al().size());
  out["ro"] = tensor(ro(), {n_ro});
  out["al"] = tensor(al(), {n_al});
  return out;
}

void LBFGSParamState::from_map(const std::map<std::string, Tensor>& values, const Tensor& param) {
  const char* op = "LBFGS";
  func_evals(detail::read_int_state(values, "func_evals", op));
  n_iter(detail::read_int_state(values, "n_iter", op));
  t(detail::read_scalar_state(values, "t", op));
  H_diag(detail::read_scalar_state(values, "H_diag", op));
  prev_loss(detail::read_scalar_state(values, "prev_loss", op));
  auto vector_of = [&](const std::string& key) {
    auto it = values.find(key);
    TG_CHECK(it != values.end() && it->second.dim() == 1, op, ": load_state_dict: '", key,
             "' is missing or not a vector");
    return it->second.to(kFloat64).contiguous().to_vector<double>();
  };
  ro(vector_of("ro"));
  al(vector_of("al"));
  // Flat vectors: one length (all parameters' elements), the parameter's dtype.
  int64_t length = -1;
  auto flat = [&](const std::string& key, bool required) {
    auto it = values.find(key);
    if (it == values.end()) {
      TG_CHECK(!required, op, ": load_state_dict: the state has no '", key, "'");
      return Tensor();
    }
    TG_CHECK(it->second.dim() == 1 && (length < 0 || it->second.numel() == length), op,
             ": load_state_dict: '", key, "' has shape ", it->second.shape(),
             ", expected one flat vector of ", length < 0 ? std::string("every parameter's")
                                                            : std::to_string(length),
             " elements");
    length = it->second.numel();
    NoGradGuard no_grad;
    return it->second.detach().to(param.dtype()).clone();
  };
  d(flat("d", false));
  prev_flat_grad(flat("prev_flat_grad", false));
  std::vector<Tensor> dirs, stps;
  for (std::size_t k = 0; k < ro().size(); ++k) {
    dirs.push_back(flat("old_dirs." + std::to_string(k), true));
    stps.push_back(flat("old_stps." + std::to_string(k), true));
  }
  TG_CHECK(values.count("old_dirs." + std::to_string(ro().size())) == 0, op,
           ": load_state_dict: more curvature pairs than 'ro' entries");
  old_dirs(std::move(dirs));
  old_stps(std::move(stps));
}

LBFGS::LBFGS(std::vector<OptimizerParamGroup> param_groups, LBFGSOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<LBFGSOptions>(defaults), "LBFGS") {
  TG_CHECK(this->param_groups().size() == 1,
           "LBFGS: doesn't support per-parameter options (parameter groups), got ",
           this->param_groups().size(), " groups");
  finish_construction();
}

std::unique_ptr<OptimizerParamState> LBFGS::make_state() const {
  return std::make_unique<LBFGSParamState>();
}

void LBFGS::check_options(const OptimizerOptions& base) const {
  const auto& o = static_cast<const LBFGSOptions&>(base);
  TG_CHECK(o.lr() >= 0, "LBFGS: invalid learning rate ", o.lr(), " (must be >= 0)");
  TG_CHECK(o.max_iter() >= 1, "LBFGS: max_iter must be >= 1, got ", o.max_iter());
  TG_CHECK(!o.max_eval() || *o.max_eval() >= 1, "LBFGS: max_eval must be >= 1, got ",
           o.max_eval() ? *o.max_eval() : 0);
  TG_CHECK(o.history_size() >= 1, "LBFGS: history_size must be >= 1, got ", o.history_size());
  TG_CHECK(!o.line_search_fn() || *o.line_search_fn() == "strong_wolfe",
           "LBFGS: only 'strong_wolfe' is supported as line_search_fn, got '",
           o.line_search_fn().value_or(""), "'");
}

int64_t LBFGS::numel() const {
  int64_t n = 0;
  for (const Tensor& p : param_groups()[0].params()) n += p.numel();
  return n;
}

Tensor LBFGS::gather_flat_grad() const {
  TensorList parts;
  for (const Tensor& p : param_groups()[0].params())
    parts.push_back(p.grad().defined() ? p.grad().detach().to(p.dtype()).reshape({-1})
                                       : zeros({p.numel()}, p.dtype()));
  return cat(parts, 0);
}

void LBFGS::add_grad(double t, const Tensor& d) {
  int64_t offset = 0;
  for (Tensor& p : param_groups()[0].params()) {
    const int64_t n = p.numel();
    Tensor step = d.slice(0, offset, offset + n).reshape(p.shape());
    p.add_(step * t);
    offset += n;
  }
}

std::vector<Tensor> LBFGS::clone_params() const {
  std::vector<Tensor> out;
  for (const Tensor& p : param_groups()[0].params()) out.push_back(p.detach().clone());
  return out;
}

void LBFGS::set_params(const std::vector<Tensor>& values) {
  auto& params = param_groups()[0].params();
  for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(values[i]);
}

std::pair<double, Tensor> LBFGS::directional_evaluate(const LossClosure& closure,
                                                      const std::vector<Tensor>& x, double t,
                                                      const Tensor& d) {
  add_grad(t, d);
  const double loss = evaluate_closure(closure).item<double>();
  Tensor flat_grad = gather_flat_grad();
  set_params(x);
  return {loss, flat_grad};
}

Tensor LBFGS::step(LossClosure closure) {
  TG_CHECK(closure != nullptr, "LBFGS: step() needs a closure that computes the loss and its "
           "gradients");
  auto& group = param_groups()[0];
  const auto& o = static_cast<const LBFGSOptions&>(group.options());
  const double lr = o.lr();
  const int64_t max_iter = o.max_iter();
  const int64_t max_eval = o.max_eval() ? *o.max_eval() : max_iter * 5 / 4;
  const double tolerance_grad = o.tolerance_grad(), tolerance_change = o.tolerance_change();
  const auto history_size = static_cast<std::size_t>(o.history_size());

  auto& state = param_state<LBFGSParamState>(group.params()[0]);
  const int64_t total = numel();
  for (const Tensor* t : {&state.d(), &state.prev_flat_grad()})
    TG_CHECK(!t->defined() || t->numel() == total, "LBFGS: the state's vectors have ",
             t->numel(), " elements but the parameters have ", total);

  Tensor orig_loss = evaluate_closure(closure);
  TG_CHECK(orig_loss.defined() && orig_loss.numel() == 1,
           "LBFGS: the closure must return the loss (one value)");
  double loss = orig_loss.item<double>();
  int64_t current_evals = 1;
  state.func_evals(state.func_evals() + 1);

  NoGradGuard no_grad;
  Tensor flat_grad = gather_flat_grad();
  if (abs_max(flat_grad) <= tolerance_grad) return orig_loss;

  Tensor d = state.d();
  double t = state.t();
  std::vector<Tensor> old_dirs = state.old_dirs(), old_stps = state.old_stps();
  std::vector<double> ro = state.ro(), al = state.al();
  double H_diag = state.H_diag();
  Tensor prev_flat_grad = state.prev_flat_grad();
  double prev_loss = state.prev_loss();

  int64_t n_iter = 0;
  while (n_iter < max_iter) {
    ++n_iter;
    state.n_iter(state.n_iter() + 1);
    // The direction: steepest descent first, then the two-loop recursion.
    if (state.n_iter() == 1) {
      d = flat_grad.neg();
      old_dirs.clear();
      old_stps.clear();
      ro.clear();
      H_diag = 1;
    } else {
      Tensor y = flat_grad - prev_flat_grad;
      Tensor s = d * t;
      const double ys = dot(y, s);
      if (ys > 1e-10) {
        if (old_dirs.size() == history_size) {
          old_dirs.erase(old_dirs.begin());
          old_stps.erase(old_stps.begin());
          ro.erase(ro.begin());
        }
        old_dirs.push_back(y);
        old_stps.push_back(s);
        ro.push_back(1. / ys);
        H_diag = ys / dot(y, y);
      }
      const std::size_t num_old = old_dirs.size();
      if (al.size() < history_size) al.resize(history_size, 0.0);
      Tensor q = flat_grad.neg();
      for (std::size_t k = num_old; k-- > 0;) {
        al[k] = dot(old_stps[k], q) * ro[k];
        q = q + old_dirs[k] * (-al[k]);
      }
      Tensor r = q * H_diag;
      for (std::size_t k = 0; k < num_old; ++k) {
        const double be = dot(old_dirs[k], r) * ro[k];
        r = r + old_stps[k] * (al[k] - be);
      }
      d = r;
    }
    prev_flat_grad = flat_grad.clone();
    prev_loss = loss;
    // The step length: lr (scaled down on the very first iteration).
    if (state.n_iter() == 1) {
      t = std::min(1., 1. / flat_grad.abs().sum().item<double>()) * lr;
    } else {
      t = lr;
    }
    const double gtd = dot(flat_grad, d);
    if (gtd > -tolerance_change) break;  // not a descent direction

    int64_t ls_func_evals = 0;
    bool opt_cond = false;
    if (o.line_search_fn()) {
      const std::vector<Tensor> x_init = clone_params();
      auto objective = [&](double step) { return directional_evaluate(closure, x_init, step, d); };
      LineSearchResult ls = strong_wolfe(objective, t, d, loss, flat_grad, gtd, tolerance_change);
      loss = ls.f;
      flat_grad = ls.g;
      t = ls.t;
      ls_func_evals = ls.evals;
      add_grad(t, d);
      opt_cond = abs_max(flat_grad) <= tolerance_grad;
    } else {
      add_grad(t, d);
      if (n_iter != max_iter) {
        loss = evaluate_closure(closure).item<double>();
        flat_grad = gather_flat_grad();
        opt_cond = abs_max(flat_grad) <= tolerance_grad;
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    state.func_evals(state.func_evals() + ls_func_evals);

    if (n_iter == max_iter || current_evals >= max_eval || opt_cond) break;
    if (abs_max(d * t) <= tolerance_change) break;
    if (std::abs(loss - prev_loss) < tolerance_change) break;
  }
  state.d(d);
  state.t(t);
  state.old_dirs(old_dirs);
  state.old_stps(old_stps);
  state.ro(ro);
  state.al(al);
  state.H_diag(H_diag);
  state.prev_flat_grad(prev_flat_grad);
  state.prev_loss(prev_loss);
  return orig_loss;
}

}  // namespace tg::optim
