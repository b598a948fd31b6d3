#include "optim/clip_grad.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "ops/ops.h"

namespace tg::nn::utils {
namespace {

// The p-norm of one gradient, accumulated in double in index order.
double grad_norm(const Tensor& g, double p) {
  const Tensor c = g.detach().contiguous();
  return TG_DISPATCH_FLOATING(c.dtype(), "clip_grad_norm_", [&] {
    const scalar_t* x = static_cast<const scalar_t*>(c.raw_data());
    const int64_t n = c.numel();
    if (std::isinf(p)) {
      double m = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double a = std::abs(static_cast<double>(x[i]));
        if (std::isnan(a)) return a;
        m = std::max(m, a);
      }
      return m;
    }
    double acc = 0;
    if (p == 0) {
      for (int64_t i = 0; i < n; ++i) acc += x[i] != 0 ? 1.0 : 0.0;
      return acc;
    }
    for (int64_t i = 0; i < n; ++i) acc += std::pow(std::abs(static_cast<double>(x[i])), p);
    return p == 1 ? acc : std::pow(acc, 1.0 / p);
  });
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  std::vector<Tensor> grads;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;

  std::vector<double> norms;
  for (const Tensor& g : grads) norms.push_back(grad_norm(g, norm_type));
  double total = 0;
  if (std::isinf(norm_type)) {
    for (double n : norms) total = std::isnan(n) || std::isnan(total) ? NAN : std::max(total, n);
  } else if (norm_type == 0) {
    for (double n : norms) total += n;
  } else {
    // The norm of the per-gradient norms, as PyTorch computes it.
    for (double n : norms) total += std::pow(n, norm_type);
    total = std::pow(total, 1.0 / norm_type);
  }
  TG_CHECK(!error_if_nonfinite || std::isfinite(total), "clip_grad_norm_: the total norm of order ",
           norm_type, " for gradients from `parameters` is non-finite, so it cannot be clipped");

  const double clip_coef = std::min(max_norm / (total + 1e-6), 1.0);
  NoGradGuard no_grad;
  for (Tensor& g : grads) {
    Tensor handle = g;
    handle.mul_(clip_coef);  // always scaled, as in PyTorch (a factor of 1 when not clipped)
  }
  return total;
}

double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  TG_CHECK(clip_value >= 0, "clip_grad_value_: clip_value must be non-negative, got ", clip_value);
  NoGradGuard no_grad;
  for (const Tensor& p : parameters) {
    if (!p.defined() || !p.grad().defined()) continue;
    Tensor g = p.grad();
    g.clamp_(-clip_value, clip_value);
  }
}

void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

}  // namespace tg::nn::utils
