// Activations: elementwise kernels, the softmax kernel, and vjps written with ops.
#include "ops/activation.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/profiler.h"
#include "ops/internal.h"
#include "ops/iter.h"
#include "ops/kernels/vector_activation.h"
#include "ops/kernels/vector_exp.h"
#include "ops/ops.h"
#include "ops/reduce_iter.h"

namespace tg {
namespace {

using autograd::Ctx;

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kGeluTanhBeta = 0.79788456080286535588;  // sqrt(2 / pi)
constexpr double kGeluTanhKappa = 0.044715;

void check_defined(const char* op, const Tensor& x) {
  TG_CHECK(x.defined(), op, ": the input is undefined");
}

// Applies `f` elementwise to a floating tensor; other dtypes are rejected (as PyTorch does
// for these activations).
template <class F>
Tensor map_floating_only(const char* op, const Tensor& x, F f) {
  check_defined(op, x);
  TG_CHECK(x.is_floating_point(), op, ": expected a floating tensor (float32 or float64), got ",
           dtype_name(x.dtype()), " of shape ", x.shape());
  Tensor out = empty(x.shape(), x.dtype());
  TG_DISPATCH_FLOATING(x.dtype(), op, [&] {
    // f by value: its captures are then locals the loop can keep in registers.
    detail::unary_kernel<scalar_t, scalar_t>(out, x, [f](scalar_t v) { return f(v); });
  });
  return out;
}

// Applies `f` elementwise; integer tensors are promoted to float32 first (sigmoid, tanh).
template <class F>
Tensor map_promoting(const char* op, const Tensor& x, F f) {
  check_defined(op, x);
  TG_CHECK(x.dtype() != kBool, op, ": bool tensors are not supported");
  return map_floating_only(op, x.is_floating_point() ? x : x.to(kFloat32), f);
}

// Like map_floating_only, but float32 goes through the vector kernel `kind` (the same code
// for every element whatever the chunking, so the bits never depend on the thread count);
// float64 keeps the scalar libm formula `f`, whose accuracy gradcheck relies on.
template <class F>
Tensor map_vectorised(const char* op, const Tensor& x, kernels::Activation kind,
                      const kernels::ActivationParams& p, F f) {
  check_defined(op, x);
  if (x.dtype() != kFloat32) return map_floating_only(op, x, f);
  Tensor in = x.detach().contiguous();
  Tensor out = empty(x.shape(), kFloat32);
  const float* src = in.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  detail::parallel_chunks(x.numel(), detail::kDenseChunk, [&](int64_t b, int64_t e) {
    kernels::activation_forward(kind, p, src + b, dst + b, e - b);
  });
  return out;
}

// map_vectorised after promoting integer tensors to float32 (sigmoid, tanh).
template <class F>
Tensor map_vectorised_promoting(const char* op, const Tensor& x, kernels::Activation kind, F f) {
  check_defined(op, x);
  TG_CHECK(x.dtype() != kBool, op, ": bool tensors are not supported");
  return map_vectorised(op, x.is_floating_point() ? x : x.to(kFloat32), kind, {}, f);
}

Tensor zero_like_scalar(const Tensor& g) { return zeros({}, g.dtype()); }

// out[i] = f(g[i], a[i], b[i]) in one pass, for a first-order backward whose composed form
// is a chain of elementwise ops: the same arithmetic in the same order and type (so the
// bits do not change), without the temporaries. Only when grad mode is off (see
// fused_first_order_grad) and the three are dense and of one floating type and shape;
// otherwise undefined, and the caller composes the ops.
template <class F>
Tensor fused_pointwise_grad(const Tensor& g, const Tensor& a, const Tensor& b, F f) {
  if (GradMode::is_enabled() || !g.is_floating_point() || g.dtype() != a.dtype() ||
      g.dtype() != b.dtype() || g.shape() != a.shape() || g.shape() != b.shape() ||
      !g.is_contiguous() || !a.is_contiguous() || !b.is_contiguous()) {
    return Tensor();
  }
  Tensor out = empty(g.shape(), g.dtype());
  TG_DISPATCH_FLOATING(g.dtype(), "activation_backward", [&] {
    scalar_t* o = out.data_ptr<scalar_t>();
    const scalar_t* pg = g.data_ptr<scalar_t>();
    const scalar_t* pa = a.data_ptr<scalar_t>();
    const scalar_t* pb = b.data_ptr<scalar_t>();
    detail::parallel_chunks(g.numel(), detail::kDenseChunk, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) o[i] = f(pg[i], pa[i], pb[i]);
    });
  });
  return out;
}

// g * f'(x) in one vector pass, when no graph of the backward is being recorded (backward
// without create_graph runs with grad mode off, so the result needs no vjp of its own) and
// g and x are dense float32 of one shape. Otherwise an undefined tensor: the caller then
// composes differentiable ops, which double backward needs.
Tensor fused_first_order_grad(kernels::Activation kind, const Tensor& g, const Tensor& x,
                              const kernels::ActivationParams& p = {}) {
  if (GradMode::is_enabled() || !kernels::has_vector_backward(kind) ||
      g.dtype() != kFloat32 || x.dtype() != kFloat32 || g.shape() != x.shape() ||
      !g.is_contiguous() || !x.is_contiguous()) {
    return Tensor();
  }
  Tensor dx = empty(x.shape(), kFloat32);
  const float* px = x.data_ptr<float>();
  const float* pg = g.data_ptr<float>();
  float* pd = dx.data_ptr<float>();
  detail::parallel_chunks(x.numel(), detail::kDenseChunk, [&](int64_t b, int64_t e) {
    kernels::activation_backward(kind, p, px + b, pg + b, pd + b, e - b);
  });
  return dx;
}

// Sizes of the softmax loop: `outer` blocks of `channels` rows of `inner` contiguous values.
struct SoftmaxGeometry {
  int64_t outer = 1, channels = 1, inner = 1;
  SoftmaxGeometry(const Shape& shape, int dim) {
    for (int d = 0; d < shape.size(); ++d) {
      if (d < dim) outer *= shape[d];
      else if (d == dim) channels = shape[d];
      else inner *= shape[d];
    }
  }
};

// Largest value of a contiguous run (NaN is left to propagate through exp and the sum).
template <class T>
T row_max(const T* x, int64_t n) {
  T m[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};  // independent chains
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; ++k) m[k] = x[i + k] > m[k] ? x[i + k] : m[k];
  for (; i < n; ++i) m[0] = x[i] > m[0] ? x[i] : m[0];
  return std::max(std::max(m[0], m[1]), std::max(m[2], m[3]));
}

// Sum of a contiguous run in the accumulation type, in a fixed order.
template <class T>
typename detail::acc_type<T>::type row_sum(const T* y, int64_t n) {
  using Acc = typename detail::acc_type<T>::type;
  Acc s[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; ++k) s[k] += static_cast<Acc>(y[i + k]);
  for (; i < n; ++i) s[0] += static_cast<Acc>(y[i]);
  return (s[0] + s[1]) + (s[2] + s[3]);
}

// The shift that keeps exp in range: the maximum, or 0 when it is -inf (an all -inf slice
// then gives NaN as in PyTorch, rather than inf - inf in the shift itself). A +inf maximum
// stays: every element of its slice becomes NaN, as in PyTorch.
template <class T>
T finite_shift(T m) {
  return std::isinf(m) && m < 0 ? T(0) : m;
}

// Softmax (or log-softmax) of contiguous `in` into contiguous `out` along the middle axis of
// [outer, channels, inner]. Work is split into fixed units (one row when inner == 1, else a
// tile of `inner` columns of one outer block), each written by one task, so the bits never
// depend on the thread count. exp is vectorised; sums accumulate in double for float.
template <class T>
void softmax_kernel(const T* in, T* out, const SoftmaxGeometry& g, bool log) {
  using Acc = typename detail::acc_type<T>::type;
  const int64_t C = g.channels, inner = g.inner;
  constexpr int64_t kTile = 256;
  const int64_t tile = std::min(inner, kTile);
  const int64_t tiles_per_block = (inner + tile - 1) / tile;
  const int64_t units = g.outer * tiles_per_block;

  auto run_row = [&](int64_t o) {
    const T* x = in + o * C;
    T* y = out + o * C;
    const T shift = finite_shift(row_max(x, C));
    kernels::exp_minus(x, &shift, 0, y, C);
    const Acc total = row_sum(y, C);
    if (log) {
      const T log_total = static_cast<T>(std::log(total));
      for (int64_t c = 0; c < C; ++c) y[c] = (x[c] - shift) - log_total;  // small stays exact
    } else {
      const T scale = static_cast<T>(Acc(1) / total);
      for (int64_t c = 0; c < C; ++c) y[c] *= scale;
    }
  };

  auto run_tile = [&](int64_t unit, Acc* sum, T* shift) {
    const int64_t o = unit / tiles_per_block;
    const int64_t i0 = (unit % tiles_per_block) * tile;
    const int64_t n = std::min(tile, inner - i0);
    const T* x = in + o * C * inner + i0;
    T* y = out + o * C * inner + i0;
    for (int64_t i = 0; i < n; ++i) {
      shift[i] = -INFINITY;
      sum[i] = 0;
    }
    for (int64_t c = 0; c < C; ++c) {
      const T* xc = x + c * inner;
      for (int64_t i = 0; i < n; ++i) shift[i] = xc[i] > shift[i] ? xc[i] : shift[i];
    }
    for (int64_t i = 0; i < n; ++i) shift[i] = finite_shift(shift[i]);
    for (int64_t c = 0; c < C; ++c) {
      T* yc = y + c * inner;
      kernels::exp_minus(x + c * inner, shift, 1, yc, n);
      for (int64_t i = 0; i < n; ++i) sum[i] += static_cast<Acc>(yc[i]);
    }
    if (log) {
      T log_sum[kTile];
      for (int64_t i = 0; i < n; ++i) log_sum[i] = static_cast<T>(std::log(sum[i]));
      for (int64_t c = 0; c < C; ++c) {
        const T* xc = x + c * inner;
        T* yc = y + c * inner;
        for (int64_t i = 0; i < n; ++i) yc[i] = (xc[i] - shift[i]) - log_sum[i];
      }
    } else {
      T scale[kTile];
      for (int64_t i = 0; i < n; ++i) scale[i] = static_cast<T>(Acc(1) / sum[i]);
      for (int64_t c = 0; c < C; ++c) {
        T* yc = y + c * inner;
        for (int64_t i = 0; i < n; ++i) yc[i] *= scale[i];
      }
    }
  };

  auto run_range = [&](int64_t begin, int64_t end) {
    if (inner == 1) {
      for (int64_t u = begin; u < end; ++u) run_row(u);
      return;
    }
    Acc sum[kTile];
    T shift[kTile];
    for (int64_t u = begin; u < end; ++u) run_tile(u, sum, shift);
  };
  const int64_t unit_work = std::max<int64_t>(C * tile, 1);
  if (units < 2 || units * unit_work < (1 << 16)) {
    run_range(0, units);
    return;
  }
  const int64_t grain = std::max<int64_t>(1, (1 << 14) / unit_work);
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, units, grain),
                    [&](const tbb::blocked_range<int64_t>& r) { run_range(r.begin(), r.end()); },
                    tbb::simple_partitioner());
}

Tensor softmax_forward(const char* op, const Tensor& x, int64_t dim, bool log) {
  check_defined(op, x);
  TG_CHECK(x.is_floating_point(), op, ": expected a floating tensor (float32 or float64), got ",
           dtype_name(x.dtype()), " of shape ", x.shape());
  const int d = wrap_dim(dim, x.dim(), op, &x.shape());
  Tensor in = x.detach().contiguous();
  Tensor out = empty(x.shape(), x.dtype());
  if (x.numel() == 0) return out;
  const SoftmaxGeometry geometry(x.shape(), x.dim() == 0 ? 0 : d);
  TG_DISPATCH_FLOATING(x.dtype(), op, [&] {
    softmax_kernel<scalar_t>(static_cast<const scalar_t*>(in.raw_data()),
                             static_cast<scalar_t*>(out.raw_data()), geometry, log);
  });
  return out;
}

}  // namespace

namespace {

// The backward of relu and hardtanh: g where lo < v < hi and 0 elsewhere (PyTorch's
// threshold_backward and hardtanh_backward), as one branch-free pass when both are dense
// and of one type (where(mask, g, 0) costs a bool tensor and two passes). Linear in g, so
// its own vjp is itself; v only selects.
// With no upper bound (relu), v = +inf passes g, as in PyTorch; hardtanh's upper bound is
// strict even when it is +inf.
template <class T>
void window_mask_run(T* __restrict o, const T* __restrict g, const T* __restrict v, int64_t n,
                     T lo, T hi, bool upper) {
  if (!upper) {
    for (int64_t i = 0; i < n; ++i) {
      const T gv = g[i];
      o[i] = lo < v[i] ? gv : T(0);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const T gv = g[i];
    o[i] = (lo < v[i]) & (v[i] < hi) ? gv : T(0);
  }
}

// `name` is the op's name, `node` its autograd node's (both string literals); hi is ignored
// when !upper.
Tensor window_backward(const char* name, const char* node, const Tensor& grad, const Tensor& v,
                       double lo, double hi, bool upper) {
  autograd::profiler::OpScope profile_scope(name, {&grad, &v});
  if (!(grad.is_contiguous() && v.is_contiguous() && grad.shape() == v.shape() &&
        grad.dtype() == v.dtype() && grad.is_floating_point())) {
    Tensor mask = upper ? gt(v, lo) && lt(v, hi) : gt(v, lo);
    return where(mask, grad, zero_like_scalar(grad));
  }
  Tensor result = empty(grad.shape(), grad.dtype());
  TG_DISPATCH_FLOATING(grad.dtype(), name, [&] {
    scalar_t* o = result.data_ptr<scalar_t>();
    const scalar_t* g = grad.data_ptr<scalar_t>();
    const scalar_t* w = v.data_ptr<scalar_t>();
    const auto l = static_cast<scalar_t>(lo), h = static_cast<scalar_t>(hi);
    detail::parallel_chunks(grad.numel(), int64_t{1} << 16, [&](int64_t b, int64_t e) {
      window_mask_run(o + b, g + b, w + b, e - b, l, h, upper);
    });
  });
  return autograd::record(node, result, {grad}, {v},
      [name, node, lo, hi, upper](const Ctx& c, const TensorList& g) -> TensorList {
        return {window_backward(name, node, g[0], c.saved(0), lo, hi, upper)};
      });
}

// relu's backward from its output: g where out > 0.
Tensor relu_backward(const Tensor& grad, const Tensor& out) {
  return window_backward("threshold_backward", "ReluBackwardBackward", grad, out, 0.0, 0.0, false);
}

}  // namespace

Tensor relu(const Tensor& x) {
  autograd::profiler::OpScope profile_scope("relu", {&x});
  check_defined("relu", x);
  TG_CHECK(x.dtype() != kBool, "relu: bool tensors are not supported");
  Tensor out = empty(x.shape(), x.dtype());
  TG_DISPATCH_ALL(x.dtype(), "relu", [&] {
    if constexpr (!std::is_same_v<scalar_t, bool>) {
      detail::unary_kernel<scalar_t, scalar_t>(out, x, [](scalar_t v) {
        return (v != v || v > scalar_t(0)) ? v : scalar_t(0);  // NaN stays NaN
      });
    }
  });
  return autograd::record("ReluBackward", out, {x}, {out},
      [](const Ctx& c, const TensorList& g) -> TensorList {
        return {relu_backward(g[0], c.saved(0))};
      });
}

Tensor leaky_relu(const Tensor& x, Scalar negative_slope) {
  autograd::profiler::OpScope profile_scope("leaky_relu", {&x});
  const double slope = negative_slope.to_double();
  Tensor out = map_floating_only("leaky_relu", x, [slope](auto v) {
    using T = decltype(v);
    // The slope in the tensor's type, as PyTorch multiplies. The product is taken for every
    // element, so the choice is a select: GCC (trapping math) will not move a multiply out
    // of a branch, and the branch would mispredict on every other element.
    const T scaled = v * static_cast<T>(slope);
    return v > T(0) ? v : scaled;
  });
  return autograd::record("LeakyReluBackward", out, {x}, {x},
      [slope](const Ctx& c, const TensorList& g) -> TensorList {
        return {where(gt(c.saved(0), 0), g[0], g[0] * slope)};
      });
}

Tensor hardtanh(const Tensor& x, Scalar min_val, Scalar max_val) {
  autograd::profiler::OpScope profile_scope("hardtanh", {&x});
  const double lo = min_val.to_double(), hi = max_val.to_double();
  TG_CHECK(lo <= hi, "hardtanh: min_val (", lo, ") must not be greater than max_val (", hi, ")");
  check_defined("hardtanh", x);
  TG_CHECK(x.is_floating_point(), "hardtanh: expected a floating tensor (float32 or float64), got ",
           dtype_name(x.dtype()), " of shape ", x.shape());
  Tensor out = empty(x.shape(), x.dtype());
  TG_DISPATCH_FLOATING(x.dtype(), "hardtanh", [&] {
    // The bounds in the tensor's type, outside the loop; written as two selects without a
    // NaN test so that the loop vectorises (NaN compares false and passes through both).
    const scalar_t l = static_cast<scalar_t>(lo), h = static_cast<scalar_t>(hi);
    detail::unary_kernel<scalar_t, scalar_t>(out, x, [l, h](scalar_t v) {
      const scalar_t r = v < l ? l : v;
      return r > h ? h : r;
    });
  });
  // The slope is 1 strictly inside (lo, hi) and 0 elsewhere, boundaries included (PyTorch's
  // hardtanh_backward); the mask is a constant, so the vjp is linear in g and differentiable.
  return autograd::record("HardtanhBackward", out, {x}, {x},
      [lo, hi](const Ctx& c, const TensorList& g) -> TensorList {
        return {window_backward("hardtanh_backward", "HardtanhBackwardBackward", g[0], c.saved(0),
                                lo, hi, true)};
      });
}

Tensor relu6(const Tensor& x) { return hardtanh(x, 0.0, 6.0); }

Tensor elu(const Tensor& x, Scalar alpha) {
  const double a = alpha.to_double();
  kernels::ActivationParams params;
  params.alpha = static_cast<float>(a);
  Tensor out = map_vectorised("elu", x, kernels::Activation::kElu, params, [a](auto v) {
    using T = decltype(v);
    return v > T(0) ? v : static_cast<T>(a * std::expm1(v));
  });
  // For x <= 0, dy/dx = alpha * exp(x) = y + alpha: reading it off the saved output avoids
  // exp overflow in the unused branch (which would turn masked zeros into NaN in double
  // backward).
  return autograd::record("EluBackward", out, {x}, {x, out},
      [a](const Ctx& c, const TensorList& g) -> TensorList {
        auto slope = [a](auto gv, auto xv, auto yv) {
          using T = decltype(gv);
          const T scaled = gv * (yv + static_cast<T>(a));
          return xv > T(0) ? gv : scaled;
        };
        if (Tensor dx = fused_pointwise_grad(g[0], c.saved(0), c.saved(1), slope);
            dx.defined()) {
          return {dx};
        }
        return {where(gt(c.saved(0), 0), g[0], g[0] * (c.saved(1) + a))};
      });
}

Tensor normal_cdf(const Tensor& x) {
  Tensor out = map_promoting("normal_cdf", x, [](auto v) {
    using T = decltype(v);
    return static_cast<T>(0.5 * (1.0 + std::erf(static_cast<double>(v) * kInvSqrt2)));
  });
  return autograd::record("NormalCdfBackward", out, {x}, {x},
      [](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor v = c.saved(0);
        return {g[0] * exp(v * v * -0.5) * kInvSqrt2Pi};
      });
}

Tensor gelu(const Tensor& x, const std::string& approximate) {
  autograd::profiler::OpScope profile_scope("gelu", {&x});
  TG_CHECK(approximate == "none" || approximate == "tanh",
           "gelu: approximate must be \"none\" or \"tanh\", got \"", approximate, "\"");
  if (approximate == "none") {
    Tensor out = map_vectorised("gelu", x, kernels::Activation::kGeluErf, {}, [](auto v) {
      using T = decltype(v);
      return static_cast<T>(v * 0.5 * (1.0 + std::erf(static_cast<double>(v) * kInvSqrt2)));
    });
    return autograd::record("GeluBackward", out, {x}, {x},
        [](const Ctx& c, const TensorList& g) -> TensorList {
          Tensor v = c.saved(0);
          if (Tensor dx = fused_first_order_grad(kernels::Activation::kGeluErf, g[0], v);
              dx.defined()) {
            return {dx};
          }
          Tensor pdf = exp(v * v * -0.5) * kInvSqrt2Pi;
          return {g[0] * (normal_cdf(v) + v * pdf)};
        });
  }
  Tensor out = map_vectorised("gelu", x, kernels::Activation::kGeluTanh, {}, [](auto v) {
    using T = decltype(v);
    const T inner = static_cast<T>(kGeluTanhBeta) * (v + static_cast<T>(kGeluTanhKappa) * v * v * v);
    return static_cast<T>(T(0.5) * v * (T(1) + std::tanh(inner)));
  });
  return autograd::record("GeluBackward", out, {x}, {x},
      [](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor v = c.saved(0);
        if (Tensor dx = fused_first_order_grad(kernels::Activation::kGeluTanh, g[0], v);
            dx.defined()) {
          return {dx};
        }
        Tensor v2 = v * v;
        Tensor t = tanh((v + v2 * v * kGeluTanhKappa) * kGeluTanhBeta);
        Tensor d_inner = (v2 * (3.0 * kGeluTanhKappa) + 1.0) * kGeluTanhBeta;
        Tensor dy = (t + 1.0) * 0.5 + v * 0.5 * (1.0 - t * t) * d_inner;
        return {g[0] * dy};
      });
}

Tensor sigmoid(const Tensor& x) {
  autograd::profiler::OpScope profile_scope("sigmoid", {&x});
  Tensor out = map_vectorised_promoting("sigmoid", x, kernels::Activation::kSigmoid, [](auto v) {
    using T = decltype(v);
    return T(1) / (T(1) + std::exp(-v));
  });
  return autograd::record("SigmoidBackward", out, {x}, {out},
      [](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor y = c.saved(0);
        if (Tensor dx = fused_pointwise_grad(g[0], y, y, [](auto gv, auto yv, auto) {
              using T = decltype(gv);
              return (gv * yv) * (T(1) - yv);
            });
            dx.defined()) {
          return {dx};
        }
        return {g[0] * y * (1.0 - y)};
      });
}

Tensor tanh(const Tensor& x) {
  autograd::profiler::OpScope profile_scope("tanh", {&x});
  Tensor out = map_vectorised_promoting("tanh", x, kernels::Activation::kTanh,
                                        [](auto v) { return std::tanh(v); });
  return autograd::record("TanhBackward", out, {x}, {out},
      [](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor y = c.saved(0);
        if (Tensor dx = fused_pointwise_grad(g[0], y, y, [](auto gv, auto yv, auto) {
              using T = decltype(gv);
              return gv * (T(1) - yv * yv);
            });
            dx.defined()) {
          return {dx};
        }
        return {g[0] * (1.0 - y * y)};
      });
}

Tensor softplus(const Tensor& x, Scalar beta, Scalar threshold) {
  const double b = beta.to_double(), th = threshold.to_double();
  TG_CHECK(b != 0.0, "softplus: beta must be non-zero, got ", b);
  kernels::ActivationParams params;
  params.beta = static_cast<float>(b);
  params.threshold = static_cast<float>(th);
  auto scalar = [b, th](auto v) {
    using T = decltype(v);
    const T z = static_cast<T>(v * b);
    return z > static_cast<T>(th) ? v : static_cast<T>(std::log1p(std::exp(z)) / b);
  };
  Tensor out = map_vectorised("softplus", x, kernels::Activation::kSoftplus, params, scalar);
  return autograd::record("SoftplusBackward", out, {x}, {x},
      [b, th, params](const Ctx& c, const TensorList& g) -> TensorList {
        if (Tensor dx = fused_first_order_grad(kernels::Activation::kSoftplus, g[0], c.saved(0),
                                               params);
            dx.defined()) {
          return {dx};
        }
        Tensor z = c.saved(0) * b;
        return {where(gt(z, th), g[0], g[0] * sigmoid(z))};
      });
}

Tensor silu(const Tensor& x) {
  autograd::profiler::OpScope profile_scope("silu", {&x});
  Tensor out = map_vectorised("silu", x, kernels::Activation::kSilu, {}, [](auto v) {
    using T = decltype(v);
    return v / (T(1) + std::exp(-v));
  });
  return autograd::record("SiluBackward", out, {x}, {x},
      [](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor v = c.saved(0);
        if (Tensor dx = fused_first_order_grad(kernels::Activation::kSilu, g[0], v);
            dx.defined()) {
          return {dx};
        }
        Tensor s = sigmoid(v);
        return {g[0] * s * (v * (1.0 - s) + 1.0)};
      });
}

Tensor softmax(const Tensor& x, int64_t dim) {
  autograd::profiler::OpScope profile_scope("softmax", {&x});
  Tensor out = softmax_forward("softmax", x, dim, /*log=*/false);
  const int64_t d = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim(), "softmax", &x.shape());
  return autograd::record("SoftmaxBackward", out, {x}, {out},
      [d](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor y = c.saved(0);
        if (y.dim() == 0) return {g[0] * 0.0};  // a single element: constant 1
        return {y * (g[0] - sum(g[0] * y, {d}, /*keepdim=*/true))};
      });
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  autograd::profiler::OpScope profile_scope("log_softmax", {&x});
  Tensor out = softmax_forward("log_softmax", x, dim, /*log=*/true);
  const int64_t d = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim(), "log_softmax", &x.shape());
  return autograd::record("LogSoftmaxBackward", out, {x}, {out},
      [d](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor y = c.saved(0);
        if (y.dim() == 0) return {g[0] * 0.0};  // a single element: constant 0
        return {g[0] - exp(y) * sum(g[0], {d}, /*keepdim=*/true)};
      });
}

Tensor Tensor::relu() const { return tg::relu(*this); }
Tensor Tensor::sigmoid() const { return tg::sigmoid(*this); }
Tensor Tensor::tanh() const { return tg::tanh(*this); }
Tensor Tensor::softmax(int64_t dim) const { return tg::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return tg::log_softmax(*this, dim); }

Tensor& Tensor::relu_() {
  TG_CHECK(defined(), "relu_: the tensor is undefined");
  TG_CHECK(dtype() != kBool, "relu_: bool tensors are not supported");
  return detail::inplace(
      *this, "relu_", [](const Tensor& s) { return tg::relu(s); },
      [this] {
        TG_DISPATCH_ALL(dtype(), "relu_", [&] {
          if constexpr (!std::is_same_v<scalar_t, bool>) {
            detail::unary_kernel<scalar_t, scalar_t>(*this, *this, [](scalar_t v) {
              return (v != v || v > scalar_t(0)) ? v : scalar_t(0);
            });
          }
        });
      });
}

}  // namespace tg
