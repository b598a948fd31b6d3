// Elementwise math: each op is its kernel (a lambda) plus a vjp written with ops.
#include "ops/unary.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "autograd/node.h"
#include "ops/internal.h"
#include "ops/iter.h"
#include "ops/ops.h"

namespace tg {
namespace {

// Applies `f` to a floating tensor (ints are promoted to float32 as PyTorch does).
template <class F>
Tensor map_floating(const char* op, const Tensor& x, F f) {
  TG_CHECK(x.defined(), op, ": the input is undefined");
  Tensor in = x.is_floating_point() ? x : x.to(kFloat32);
  Tensor out = empty(in.shape(), in.dtype());
  TG_DISPATCH_FLOATING(in.dtype(), op, [&] {
    detail::unary_kernel<scalar_t, scalar_t>(out, in, [&](scalar_t v) { return f(v); });
  });
  return out;
}

// Applies `f` keeping the dtype (no grad; used by sign/floor/...).
template <class F>
Tensor map_same(const char* op, const Tensor& x, F f) {
  TG_CHECK(x.defined(), op, ": the input is undefined");
  Tensor out = empty(x.shape(), x.dtype());
  TG_DISPATCH_ALL(x.dtype(), op, [&] {
    if constexpr (std::is_same_v<scalar_t, bool>) {
      detail::copy_values(out, x);
    } else {
      detail::unary_kernel<scalar_t, scalar_t>(out, x, [&](scalar_t v) { return static_cast<scalar_t>(f(v)); });
    }
  });
  return out;
}

using autograd::Ctx;

}  // namespace

Tensor exp(const Tensor& x) {
  Tensor out = map_floating("exp", x, [](auto v) { return std::exp(v); });
  return autograd::record("ExpBackward", out, {x}, {out},
      [](const Ctx& c, const TensorList& g) -> TensorList { return {g[0] * c.saved(0)}; });
}

Tensor log(const Tensor& x) {
  Tensor out = map_floating("log", x, [](auto v) { return std::log(v); });
  return autograd::record("LogBackward", out, {x}, {x},
      [](const Ctx& c, const TensorList& g) -> TensorList { return {g[0] / c.saved(0)}; });
}

Tensor log1p(const Tensor& x) {
  Tensor out = map_floating("log1p", x, [](auto v) { return std::log1p(v); });
  return autograd::record("Log1pBackward", out, {x}, {x},
      [](const Ctx& c, const TensorList& g) -> TensorList { return {g[0] / (c.saved(0) + 1.0)}; });
}

Tensor sqrt(const Tensor& x) {
  Tensor out = map_floating("sqrt", x, [](auto v) { return std::sqrt(v); });
  return autograd::record("SqrtBackward", out, {x}, {out},
      [](const Ctx& c, const TensorList& g) -> TensorList { return {g[0] / (c.saved(0) * 2.0)}; });
}

Tensor rsqrt(const Tensor& x) {
  Tensor out = map_floating("rsqrt", x, [](auto v) { return decltype(v)(1) / std::sqrt(v); });
  return autograd::record("RsqrtBackward", out, {x}, {out},
      [](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor y = c.saved(0);
        return {g[0] * pow(y, 3) * -0.5};
      });
}

Tensor abs(const Tensor& x) {
  TG_CHECK(x.defined(), "abs: the input is undefined");
  Tensor out = map_same("abs", x, [](auto v) {
    if constexpr (std::is_floating_point_v<decltype(v)>) return std::fabs(v);  // abs(-0.0) = +0
    else return v < 0 ? -v : v;
  });
  return autograd::record("AbsBackward", out, {x}, {x},
      [](const Ctx& c, const TensorList& g) -> TensorList { return {g[0] * sign(c.saved(0))}; });
}

Tensor sin(const Tensor& x) {
  Tensor out = map_floating("sin", x, [](auto v) { return std::sin(v); });
  return autograd::record("SinBackward", out, {x}, {x},
      [](const Ctx& c, const TensorList& g) -> TensorList { return {g[0] * cos(c.saved(0))}; });
}

Tensor cos(const Tensor& x) {
  Tensor out = map_floating("cos", x, [](auto v) { return std::cos(v); });
  return autograd::record("CosBackward", out, {x}, {x},
      [](const Ctx& c, const TensorList& g) -> TensorList { return {-g[0] * sin(c.saved(0))}; });
}

Tensor square(const Tensor& x) { return pow(x, 2); }
Tensor reciprocal(const Tensor& x) { return rdiv(x, 1.0); }

namespace {

// clamp, clamp_min and clamp_max; `op` names the one called in messages.
Tensor clamp_impl(const char* op, const Tensor& x, std::optional<Scalar> min,
                  std::optional<Scalar> max) {
  TG_CHECK(x.defined(), op, ": the input is undefined");
  TG_CHECK(min || max, op, ": at least one of min and max must be given");
  const bool floating_bound = (min && !min->is_integral()) || (max && !max->is_integral());
  if (x.dtype() == kInt64 && floating_bound) {
    // PyTorch's type promotion: an integer tensor with a floating-point bound is clamped as
    // float32 (clamp(int64 [1, 2, 3], -1.5, 1.5) is float [1, 1.5, 1.5]); a finite bound
    // beyond float32's range is refused, as there.
    for (const auto& bound : {min, max}) {
      if (!bound || bound->is_integral()) continue;
      const double b = bound->to_double();
      TG_CHECK(!std::isfinite(b) || std::fabs(b) <= std::numeric_limits<float>::max(),
               op, ": bound ", b, " cannot be converted to float32 without overflow (input of "
               "shape ", x.shape(), " and dtype int64 is clamped as float32)");
    }
    return clamp_impl(op, x.to(kFloat32), min, max);
  }
  const double lo = min ? min->to_double() : -INFINITY, hi = max ? max->to_double() : INFINITY;
  // Integer bounds of an integer tensor compare as int64: exact beyond 2^53, no conversion of
  // a double to int64.
  const int64_t lo_int = min && min->is_integral() ? min->to_int()
                                                   : std::numeric_limits<int64_t>::min();
  const int64_t hi_int = max && max->is_integral() ? max->to_int()
                                                   : std::numeric_limits<int64_t>::max();
  Tensor out = map_same(op, x, [lo, hi, lo_int, hi_int](auto v) {
    using T = decltype(v);
    if constexpr (std::is_same_v<T, int64_t>) {
      return std::min(std::max(v, lo_int), hi_int);
    } else {
      if (v != v) return v;  // NaN stays NaN
      if constexpr (std::is_floating_point_v<T>) {
        if (lo != lo || hi != hi) return static_cast<T>(NAN);  // a NaN bound gives NaN (PyTorch)
      }
      return static_cast<T>(std::min(std::max(static_cast<double>(v), lo), hi));
    }
  });
  return autograd::record("ClampBackward", out, {x}, {x},
      [lo, hi](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor v = c.saved(0);
        Tensor inside = ge(v, lo) && le(v, hi);
        return {where(inside, g[0], zeros({}, g[0].dtype()))};
      });
}

}  // namespace

Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max) {
  return clamp_impl("clamp", x, min, max);
}
Tensor clamp_min(const Tensor& x, Scalar min) { return clamp_impl("clamp_min", x, min, std::nullopt); }
Tensor clamp_max(const Tensor& x, Scalar max) { return clamp_impl("clamp_max", x, std::nullopt, max); }

Tensor sign(const Tensor& x) {
  return map_same("sign", x, [](auto v) { return (v > 0) - (v < 0); });
}
Tensor floor(const Tensor& x) { return map_same("floor", x, [](auto v) { return std::floor(v); }); }
Tensor ceil(const Tensor& x) { return map_same("ceil", x, [](auto v) { return std::ceil(v); }); }
Tensor round(const Tensor& x) {
  return map_same("round", x, [](auto v) { return std::nearbyint(v); });  // half to even
}

Tensor isnan(const Tensor& x) {
  Tensor out = empty(x.shape(), kBool);
  TG_DISPATCH_ALL(x.dtype(), "isnan", [&] {
    detail::unary_kernel<bool, scalar_t>(out, x, [](scalar_t v) { return v != v; });
  });
  return out;
}

Tensor isfinite(const Tensor& x) {
  Tensor out = empty(x.shape(), kBool);
  TG_DISPATCH_ALL(x.dtype(), "isfinite", [&] {
    detail::unary_kernel<bool, scalar_t>(out, x, [](scalar_t v) {
      if constexpr (std::is_floating_point_v<scalar_t>) return std::isfinite(v);
      else return true;
    });
  });
  return out;
}

Tensor Tensor::exp() const { return tg::exp(*this); }
Tensor Tensor::log() const { return tg::log(*this); }
Tensor Tensor::sqrt() const { return tg::sqrt(*this); }
Tensor Tensor::rsqrt() const { return tg::rsqrt(*this); }
Tensor Tensor::abs() const { return tg::abs(*this); }
Tensor Tensor::sin() const { return tg::sin(*this); }
Tensor Tensor::cos() const { return tg::cos(*this); }
Tensor Tensor::clamp(std::optional<Scalar> min, std::optional<Scalar> max) const {
  return tg::clamp(*this, min, max);
}
Tensor Tensor::clamp_min(Scalar min) const { return tg::clamp_min(*this, min); }

Tensor& Tensor::clamp_(std::optional<Scalar> min, std::optional<Scalar> max) {
  return detail::inplace(
      *this, "clamp_", [&](const Tensor& s) { return tg::clamp(s, min, max); },
      [&] { detail::copy_values(*this, tg::clamp(detach(), min, max)); });
}

}  // namespace tg
