// Normalization ops: argument checks, the fused kernels of ops/kernels/norm.h, and vjps.
// A vjp has two equal forms. Without create_graph (grad mode off while it runs) it calls the
// fused backward kernel. With create_graph it recomputes the statistics from the saved input
// with ops, so the gradient is itself differentiable (the batch statistics depend on the
// input: saving them from the forward pass would make them constants to the second
// derivative).
#include "ops/norm.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/profiler.h"
#include "ops/internal.h"
#include "ops/kernels/norm.h"
#include "ops/ops.h"

namespace tg {
namespace {

using autograd::Ctx;

const void* data_or_null(const Tensor& t) { return t.defined() ? t.raw_data() : nullptr; }

// The three sizes of an [N, C, *] input: N, C and the product of the rest.
struct NCS {
  int64_t n = 1, c = 1, s = 1;
  explicit NCS(const Tensor& x) {
    n = x.size(0);
    c = x.size(1);
    for (int d = 2; d < x.dim(); ++d) s *= x.size(d);
  }
};

// Output and gradient buffers of a fused kernel call, typed for the dispatch.
template <class T>
T* ptr(const Tensor& t) {
  return t.defined() ? static_cast<T*>(t.raw_data()) : nullptr;
}

// The first-order gradients (dx, dweight, dbias) of a normalization from its fused backward
// kernel, for the inputs that need them. Used when no graph is being recorded (the usual
// backward); with create_graph the same values come from ops instead.
template <class Kernel>
TensorList fused_backward(const autograd::Ctx& c, const Tensor& grad, const Tensor& input,
                          const Tensor& weight, const Shape& affine_shape, Kernel kernel) {
  Tensor x = input.detach().contiguous();
  Tensor g = grad.detach().contiguous();
  Tensor w = weight.defined() ? weight.detach().contiguous() : Tensor();
  TensorList r(3);
  if (c.needs(0)) r[0] = empty(x.shape(), x.dtype());
  if (c.needs(1)) r[1] = empty(affine_shape, x.dtype());
  if (c.needs(2)) r[2] = empty(affine_shape, x.dtype());
  TG_DISPATCH_FLOATING(x.dtype(), "normalization backward", [&] {
    kernel(static_cast<const scalar_t*>(x.raw_data()), static_cast<const scalar_t*>(g.raw_data()),
           static_cast<const scalar_t*>(data_or_null(w)), ptr<scalar_t>(r[0]),
           ptr<scalar_t>(r[1]), ptr<scalar_t>(r[2]));
  });
  return r;
}

// ---------------------------------------------------------------- vjp helpers (ops only)

struct Normalized {
  Tensor xhat, rstd;
};

// (x - mean) / sqrt(var + eps) over `dims` (biased variance), with ops.
Normalized normalize_with_ops(const Tensor& x, IntArrayRef dims, double eps) {
  Tensor centered = x - mean(x, dims, true);
  Tensor rstd = rsqrt(mean(square(centered), dims, true) + eps);
  return {centered * rstd, rstd};
}

// The input gradient of normalization given the gradient w.r.t. xhat.
Tensor normalize_backward(const Tensor& gxhat, const Normalized& n, IntArrayRef dims) {
  return n.rstd * (gxhat - mean(gxhat, dims, true) - n.xhat * mean(gxhat * n.xhat, dims, true));
}

// A per-channel [C] tensor shaped [1, C, 1, ...] to broadcast against an [N, C, *] input.
Tensor per_channel(const Tensor& t, int64_t ndim) {
  Shape s = Shape::filled(static_cast<int>(ndim), 1);
  s[1] = t.numel();
  return t.reshape(s);
}

// Every dim but the channel dim 1.
std::vector<int64_t> all_but_channel(int64_t ndim) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < ndim; ++d) dims.push_back(d);
  return dims;
}

// ---------------------------------------------------------------- argument checks

void check_affine(const char* op, const char* what, const Tensor& input, const Tensor& t,
                  const Shape& want) {
  if (!t.defined()) return;
  TG_CHECK(t.is_floating_point() && t.dtype() == input.dtype(), op, ": expected ", what,
           " of dtype ", dtype_name(input.dtype()), " (the input's), got ",
           dtype_name(t.dtype()));
  TG_CHECK(t.shape() == want, op, ": expected ", what, " of shape ", want,
           " for input of shape ", input.shape(), ", got ", t.shape());
}

void check_input(const char* op, const Tensor& input, int64_t min_dim, const char* layout) {
  TG_CHECK(input.defined(), op, ": the input is undefined");
  TG_CHECK(input.is_floating_point(), op, ": expected a floating input (float32 or float64), "
           "got ", dtype_name(input.dtype()), " of shape ", input.shape());
  TG_CHECK(input.dim() >= min_dim, op, ": expected an input of shape ", layout, ", got ",
           input.shape());
}

void update_running_stat(const Tensor& running, const std::vector<double>& batch,
                         double momentum, double correction) {
  std::vector<double> r = running.contiguous().to_vector<double>();
  for (std::size_t i = 0; i < r.size(); ++i)
    r[i] = (1.0 - momentum) * r[i] + momentum * batch[i] * correction;
  Tensor updated = tensor(r, running.shape());
  detail::copy_values(running, updated);  // converts back to the running stat's dtype
  running.bump_version();
}

// Evaluation mode: a per-channel affine map with the running statistics as constants.
Tensor batch_norm_eval(const Tensor& input, const Tensor& mean, const Tensor& var,
                       const Tensor& weight, const Tensor& bias, double eps) {
  autograd::profiler::OpScope profile_scope("batch_norm", {&input});
  const NCS d(input);
  Tensor x = input.detach().contiguous();
  Tensor out = empty(x.shape(), x.dtype());
  TG_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    kernels::batch_norm_inference(static_cast<const scalar_t*>(x.raw_data()),
                                  static_cast<scalar_t*>(out.raw_data()), d.n, d.c, d.s,
                                  static_cast<const scalar_t*>(mean.raw_data()),
                                  static_cast<const scalar_t*>(var.raw_data()),
                                  static_cast<const scalar_t*>(data_or_null(weight)),
                                  static_cast<const scalar_t*>(data_or_null(bias)), eps);
  });
  const int64_t ndim = input.dim();
  return autograd::record("NativeBatchNormBackward", out, {input, weight, bias},
                          {input, weight, mean, var},
      [eps, ndim](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor x = c.saved(0), w = c.saved(1), mean = c.saved(2), var = c.saved(3);
        const std::vector<int64_t> dims = all_but_channel(ndim);
        Tensor rstd = per_channel(rsqrt(var + eps), ndim);
        TensorList r(3);
        if (c.needs(0)) r[0] = g[0] * (w.defined() ? rstd * per_channel(w, ndim) : rstd);
        if (c.needs(1)) r[1] = sum(g[0] * (x - per_channel(mean, ndim)) * rstd, dims);
        if (c.needs(2)) r[2] = sum(g[0], dims);
        return r;
      });
}

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  autograd::profiler::OpScope profile_scope("batch_norm", {&input});
  const char* op = "batch_norm";
  check_input(op, input, 2, "[N, C, *]");
  const int64_t channels = input.size(1);
  const Shape per_c{channels};
  check_affine(op, "weight", input, weight, per_c);
  check_affine(op, "bias", input, bias, per_c);
  check_affine(op, "running_mean", input, running_mean, per_c);
  check_affine(op, "running_var", input, running_var, per_c);
  TG_CHECK(running_mean.defined() == running_var.defined(), op, ": give both running_mean "
           "and running_var or neither");

  if (!training) {
    TG_CHECK(running_mean.defined(), op, ": running_mean and running_var must be defined in "
             "evaluation mode (training=false)");
    return batch_norm_eval(input, running_mean.detach().contiguous(),
                           running_var.detach().contiguous(), weight, bias, eps);
  }

  const int64_t per_channel_count = input.numel() / std::max<int64_t>(channels, 1);
  TG_CHECK(per_channel_count > 1, op, ": expected more than 1 value per channel when "
           "training, got input of shape ", input.shape());
  const NCS d(input);
  Tensor x = input.detach().contiguous();
  Tensor out = empty(x.shape(), x.dtype());
  // The batch statistics, kept for the first-order backward (it skips recomputing them).
  auto stats = std::make_shared<std::vector<double>>(2 * channels);
  std::vector<double>& mean_var = *stats;
  double* mean = mean_var.data();
  double* var = mean_var.data() + channels;
  TG_DISPATCH_FLOATING(x.dtype(), op, [&] {
    kernels::batch_norm_forward(static_cast<const scalar_t*>(x.raw_data()),
                                static_cast<scalar_t*>(out.raw_data()), d.n, d.c, d.s,
                                static_cast<const scalar_t*>(data_or_null(weight)),
                                static_cast<const scalar_t*>(data_or_null(bias)), eps, mean,
                                var);
  });
  if (running_mean.defined()) {
    const double n = static_cast<double>(per_channel_count);
    update_running_stat(running_mean, std::vector<double>(mean, mean + channels), momentum, 1.0);
    update_running_stat(running_var, std::vector<double>(var, var + channels), momentum,
                        n / (n - 1.0));  // unbiased
  }
  const int64_t ndim = input.dim();
  return autograd::record("NativeBatchNormBackward", out, {input, weight, bias}, {input, weight},
      [eps, ndim, d, stats](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor x = c.saved(0), w = c.saved(1);  // version-checked: x is as in the forward
        if (!GradMode::is_enabled()) {
          const double* mean = stats->data();
          const double* var = stats->data() + d.c;
          return fused_backward(c, g[0], x, w, Shape{d.c}, [&](auto px, auto pg, auto pw,
                                                              auto dx, auto dw, auto db) {
            kernels::batch_norm_backward(px, pg, pw, d.n, d.c, d.s, eps, dx, dw, db, mean, var);
          });
        }
        const std::vector<int64_t> dims = all_but_channel(ndim);
        const Normalized n = normalize_with_ops(x, dims, eps);
        TensorList r(3);
        if (c.needs(0))
          r[0] = normalize_backward(w.defined() ? g[0] * per_channel(w, ndim) : g[0], n, dims);
        if (c.needs(1)) r[1] = sum(g[0] * n.xhat, dims);
        if (c.needs(2)) r[2] = sum(g[0], dims);
        return r;
      });
}

Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  autograd::profiler::OpScope profile_scope("layer_norm", {&input});
  const char* op = "layer_norm";
  check_input(op, input, 1, "[*, normalized_shape]");
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  const Shape norm_shape(normalized_shape);
  bool matches = k >= 1 && k <= input.dim();
  for (int64_t i = 0; matches && i < k; ++i)
    matches = input.size(input.dim() - k + i) == normalized_shape[i];
  TG_CHECK(matches, op, ": normalized_shape ", norm_shape, " must be non-empty and match the "
           "input's last dims; input of shape ", input.shape());
  check_affine(op, "weight", input, weight, norm_shape);
  check_affine(op, "bias", input, bias, norm_shape);

  const int64_t row = norm_shape.numel();
  const int64_t rows = row == 0 ? 0 : input.numel() / row;
  Tensor x = input.detach().contiguous();
  Tensor out = empty(x.shape(), x.dtype());
  TG_DISPATCH_FLOATING(x.dtype(), op, [&] {
    kernels::layer_norm_forward(static_cast<const scalar_t*>(x.raw_data()),
                                static_cast<scalar_t*>(out.raw_data()), rows, row,
                                static_cast<const scalar_t*>(data_or_null(weight)),
                                static_cast<const scalar_t*>(data_or_null(bias)), eps);
  });
  const int64_t ndim = input.dim();
  return autograd::record("NativeLayerNormBackward", out, {input, weight, bias}, {input, weight},
      [eps, ndim, k, rows, row, norm_shape](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor x = c.saved(0), w = c.saved(1);
        if (!GradMode::is_enabled()) {
          return fused_backward(c, g[0], x, w, norm_shape, [&](auto px, auto pg, auto pw,
                                                              auto dx, auto dw, auto db) {
            kernels::layer_norm_backward(px, pg, pw, rows, row, eps, dx, dw, db);
          });
        }
        std::vector<int64_t> norm_dims, batch_dims;
        for (int64_t d = 0; d < ndim; ++d) (d < ndim - k ? batch_dims : norm_dims).push_back(d);
        const Normalized n = normalize_with_ops(x, norm_dims, eps);
        // Sums over the batch dims; none when the whole input is normalized (an empty dim
        // list would mean "all dims" to sum()).
        auto batch_sum = [&](const Tensor& t) {
          return batch_dims.empty() ? t : sum(t, batch_dims);
        };
        TensorList r(3);
        if (c.needs(0)) r[0] = normalize_backward(w.defined() ? g[0] * w : g[0], n, norm_dims);
        if (c.needs(1)) r[1] = batch_sum(g[0] * n.xhat);
        if (c.needs(2)) r[2] = batch_sum(g[0]);
        return r;
      });
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight,
                  const Tensor& bias, double eps) {
  autograd::profiler::OpScope profile_scope("group_norm", {&input});
  const char* op = "group_norm";
  check_input(op, input, 2, "[N, C, *]");
  const int64_t channels = input.size(1);
  TG_CHECK(num_groups > 0 && channels % num_groups == 0, op, ": expected the number of "
           "channels to be divisible by num_groups, got input of shape ", input.shape(),
           " and num_groups=", num_groups);
  check_affine(op, "weight", input, weight, Shape{channels});
  check_affine(op, "bias", input, bias, Shape{channels});

  const NCS d(input);
  Tensor x = input.detach().contiguous();
  Tensor out = empty(x.shape(), x.dtype());
  TG_DISPATCH_FLOATING(x.dtype(), op, [&] {
    kernels::group_norm_forward(static_cast<const scalar_t*>(x.raw_data()),
                                static_cast<scalar_t*>(out.raw_data()), d.n, d.c, d.s,
                                num_groups, static_cast<const scalar_t*>(data_or_null(weight)),
                                static_cast<const scalar_t*>(data_or_null(bias)), eps);
  });
  const int64_t ndim = input.dim();
  return autograd::record("NativeGroupNormBackward", out, {input, weight, bias}, {input, weight},
      [eps, ndim, num_groups, d](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor x = c.saved(0), w = c.saved(1);
        if (!GradMode::is_enabled()) {
          return fused_backward(c, g[0], x, w, Shape{d.c}, [&](auto px, auto pg, auto pw,
                                                              auto dx, auto dw, auto db) {
            kernels::group_norm_backward(px, pg, pw, d.n, d.c, d.s, num_groups, eps, dx, dw, db);
          });
        }
        const Shape& shape = x.shape();
        const int64_t rows = d.n * num_groups;
        const Shape grouped{d.n, num_groups, rows == 0 ? 0 : x.numel() / rows};
        const Normalized n = normalize_with_ops(x.reshape(grouped), {2}, eps);
        const std::vector<int64_t> dims = all_but_channel(ndim);
        TensorList r(3);
        if (c.needs(0)) {
          Tensor gxhat = w.defined() ? g[0] * per_channel(w, ndim) : g[0];
          r[0] = normalize_backward(gxhat.reshape(grouped), n, {2}).reshape(shape);
        }
        if (c.needs(1)) r[1] = sum(g[0] * n.xhat.reshape(shape), dims);
        if (c.needs(2)) r[2] = sum(g[0], dims);
        return r;
      });
}

}  // namespace tg
