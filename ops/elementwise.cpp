// Binary elementwise ops: forward kernels and vjps side by side.
#include "ops/elementwise.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/profiler.h"
#include "ops/iter.h"
#include "ops/internal.h"
#include "ops/ops.h"

namespace tg {
namespace detail {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const int n = std::max(a.size(), b.size());
  Shape out = Shape::filled(n, 1);
  for (int i = 0; i < n; ++i) {
    const int ia = a.size() - n + i, ib = b.size() - n + i;
    const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    TG_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", a, " and ", b,
             " cannot be broadcast together (dim ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape broadcast_strides(const Tensor& t, const Shape& out) {
  Shape st = Shape::filled(out.size(), 0);
  const int off = out.size() - t.dim();
  for (int i = 0; i < t.dim(); ++i) st[off + i] = t.shape()[i] == 1 ? 0 : t.strides()[i];
  return st;
}

}  // namespace detail

namespace {

enum class BinaryKind { Add, Mul, Div, Pow, Max, Min };

// Integer power as PyTorch computes it: repeated squaring with two's-complement wrap-around,
// and for a negative exponent 1 (base 1), +-1 (base -1) or 0 (any other base, also 0).
template <class T>
T int_pow(T base, T exp) {
  if (exp < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exp & 1) ? T(-1) : T(1);
    return 0;
  }
  uint64_t result = 1, b = static_cast<uint64_t>(base);
  for (uint64_t e = static_cast<uint64_t>(exp); e; e >>= 1, b *= b)
    if (e & 1) result *= b;
  return static_cast<T>(result);
}

template <class T>
T apply_binary(BinaryKind kind, T x, T y, T alpha) {
  switch (kind) {
    case BinaryKind::Add:
      if constexpr (std::is_same_v<T, bool>) return x || (alpha && y);  // PyTorch: logical or
      else return x + alpha * y;
    case BinaryKind::Mul:
      if constexpr (std::is_same_v<T, bool>) return x && y;
      else return x * y;
    case BinaryKind::Div: return x / y;
    case BinaryKind::Pow:
      if constexpr (std::is_integral_v<T>) return int_pow(x, y);  // std::pow's inf/NaN: UB as T
      else return static_cast<T>(std::pow(x, y));
    case BinaryKind::Max: return (x != x || x > y) ? x : y;  // NaN propagates
    case BinaryKind::Min: return (x != x || x < y) ? x : y;
  }
  return x;
}

// Writes kind(a, b) into `out` (which has the broadcast shape; may alias a for in-place).
void binary_into(BinaryKind kind, const Tensor& out, const Tensor& a, const Tensor& b,
                 Scalar alpha) {
  TG_DISPATCH_ALL(out.dtype(), "binary op", [&] {
    if constexpr (std::is_same_v<scalar_t, bool>) {
      // PyTorch: add is a logical or, mul a logical and, maximum/minimum or/and.
      static const char* const names[] = {"add", "mul", "div", "pow", "maximum", "minimum"};
      TG_CHECK(kind != BinaryKind::Div && kind != BinaryKind::Pow, names[static_cast<int>(kind)],
               ": bool tensors are not supported (shapes ", a.shape(), " and ", b.shape(),
               "); convert with to(kInt64)");
      const bool al = alpha.to_double() != 0.0;
      detail::binary_kernel<bool, bool>(
          out, a, b, [kind, al](bool x, bool y) { return apply_binary(kind, x, y, al); });
    } else {
      const scalar_t al = alpha.to<scalar_t>();
      switch (kind) {  // one instantiation per kind keeps the inner loops branch-free
        case BinaryKind::Add:
          if (al == scalar_t(1)) {
            detail::binary_kernel<scalar_t, scalar_t>(out, a, b, [](scalar_t x, scalar_t y) { return x + y; });
          } else {
            detail::binary_kernel<scalar_t, scalar_t>(out, a, b, [al](scalar_t x, scalar_t y) { return x + al * y; });
          }
          break;
        case BinaryKind::Mul:
          detail::binary_kernel<scalar_t, scalar_t>(out, a, b, [](scalar_t x, scalar_t y) { return x * y; });
          break;
        default:
          detail::binary_kernel<scalar_t, scalar_t>(
              out, a, b, [kind](scalar_t x, scalar_t y) { return apply_binary(kind, x, y, scalar_t(1)); });
      }
    }
  });
}

struct Operands {
  Tensor a, b;
  Shape shape;
  DType dtype;
};

// Checks, promotes both operands to a common dtype (differentiably) and broadcasts.
Operands prepare(const char* op, const Tensor& a, const Tensor& b) {
  TG_CHECK(a.defined() && b.defined(), op, ": an operand is undefined");
  Operands r;
  r.dtype = promote_types(a.dtype(), b.dtype());
  r.a = a.dtype() == r.dtype ? a : a.to(r.dtype);
  r.b = b.dtype() == r.dtype ? b : b.to(r.dtype);
  r.shape = detail::broadcast_shapes(a.shape(), b.shape(), op);
  return r;
}

Tensor binary(const char* op, BinaryKind kind, const Operands& p, Scalar alpha = 1) {
  Tensor out = empty(p.shape, p.dtype);
  binary_into(kind, out, p.a, p.b, alpha);
  return out;
}

template <class F>
Tensor compare(const char* op, const Tensor& a, const Tensor& b, F f) {
  Operands p = prepare(op, a, b);
  Tensor out = empty(p.shape, kBool);
  TG_DISPATCH_ALL(p.dtype, op, [&] {
    detail::binary_kernel<bool, scalar_t>(out, p.a.detach(), p.b.detach(), f);
  });
  return out;
}

}  // namespace

Tensor wrap_scalar(Scalar value, const Tensor& like) {
  DType t = like.dtype();
  if (!is_floating(t)) t = value.is_integral() ? kInt64 : kFloat32;
  return scalar_tensor(value, t);
}

Tensor sum_to(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  const int lead = t.dim() - shape.size();
  TG_CHECK(lead >= 0, "sum_to: cannot reduce shape ", t.shape(), " to ", shape);
  std::vector<int64_t> dims;
  for (int i = 0; i < lead; ++i) dims.push_back(i);
  for (int i = 0; i < shape.size(); ++i) {
    TG_CHECK(shape[i] == 1 || shape[i] == t.shape()[lead + i], "sum_to: cannot reduce shape ",
             t.shape(), " to ", shape, " (dim ", i, ": ", t.shape()[lead + i], " vs ", shape[i], ")");
    if (shape[i] == 1 && t.shape()[lead + i] != 1) dims.push_back(lead + i);
  }
  Tensor r = dims.empty() ? t : t.sum(dims, /*keepdim=*/true);
  return r.view(shape);
}

Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  autograd::profiler::OpScope profile_scope("add", {&a, &b});
  Operands p = prepare("add", a, b);
  Tensor out = binary("add", BinaryKind::Add, p, alpha);
  return autograd::record("AddBackward", out, {p.a, p.b}, {},
      [alpha](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        const bool unit = alpha.to_double() == 1.0;
        return {c.needs(0) ? sum_to(g[0], c.input_shape(0)) : Tensor(),
                c.needs(1) ? sum_to(unit ? g[0] : g[0] * alpha, c.input_shape(1)) : Tensor()};
      });
}

Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  TG_CHECK(a.defined() && b.defined(), "sub: an operand is undefined");
  TG_CHECK(a.dtype() != kBool || b.dtype() != kBool, "sub: subtracting two bool tensors (shapes ",
           a.shape(), " and ", b.shape(), ") is not supported; use logical_xor or logical_not");
  (void)detail::broadcast_shapes(a.shape(), b.shape(), "sub");  // errors name sub, not add
  return add(a, b, Scalar(-alpha.to_double()));
}

Tensor mul(const Tensor& a, const Tensor& b) {
  autograd::profiler::OpScope profile_scope("mul", {&a, &b});
  Operands p = prepare("mul", a, b);
  Tensor out = binary("mul", BinaryKind::Mul, p);
  return autograd::record("MulBackward", out, {p.a, p.b}, {p.a, p.b},
      [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        return {c.needs(0) ? sum_to(g[0] * c.saved(1), c.input_shape(0)) : Tensor(),
                c.needs(1) ? sum_to(g[0] * c.saved(0), c.input_shape(1)) : Tensor()};
      });
}

Tensor div(const Tensor& a, const Tensor& b) {
  autograd::profiler::OpScope profile_scope("div", {&a, &b});
  Operands p = prepare("div", a, b);
  if (!is_floating(p.dtype)) {  // true division, as PyTorch: integers divide as float32
    p.a = p.a.to(kFloat32);
    p.b = p.b.to(kFloat32);
    p.dtype = kFloat32;
  }
  Tensor out = binary("div", BinaryKind::Div, p);
  return autograd::record("DivBackward", out, {p.a, p.b}, {p.a, p.b},
      [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        Tensor b = c.saved(1);
        return {c.needs(0) ? sum_to(g[0] / b, c.input_shape(0)) : Tensor(),
                c.needs(1) ? sum_to(-g[0] * c.saved(0) / (b * b), c.input_shape(1)) : Tensor()};
      });
}

Tensor neg(const Tensor& a) {
  TG_CHECK(a.defined(), "neg: the input is undefined");
  Tensor out = empty(a.shape(), a.dtype());
  TG_DISPATCH_ALL(a.dtype(), "neg", [&] {
    if constexpr (std::is_same_v<scalar_t, bool>) {
      throw Error("neg: bool tensors cannot be negated; use logical_not");
    } else {
      detail::unary_kernel<scalar_t, scalar_t>(out, a, [](scalar_t x) { return -x; });
    }
  });
  return autograd::record("NegBackward", out, {a}, {},
      [](const autograd::Ctx&, const TensorList& g) -> TensorList { return {-g[0]}; });
}

Tensor pow(const Tensor& base, const Tensor& exponent) {
  Operands p = prepare("pow", base, exponent);
  Tensor out = binary("pow", BinaryKind::Pow, p);
  return autograd::record("PowBackward", out, {p.a, p.b}, {p.a, p.b},
      [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        Tensor x = c.saved(0), e = c.saved(1);
        Tensor grad_x, grad_e;
        if (c.needs(0)) grad_x = sum_to(g[0] * e * pow(x, e - 1), c.input_shape(0));
        if (c.needs(1)) {
          // d(x^e)/de = x^e log x, taken as 0 where x == 0 and e >= 0 (PyTorch's convention).
          Tensor safe = where(eq(x, 0) && ge(e, 0), zeros_like(x), pow(x, e) * log(x));
          grad_e = sum_to(g[0] * safe, c.input_shape(1));
        }
        return {grad_x, grad_e};
      });
}

Tensor pow(const Tensor& base, Scalar exponent) {
  TG_CHECK(base.defined(), "pow: the base is undefined");
  const double e = exponent.to_double();
  Tensor ex = wrap_scalar(exponent, base);
  Operands p = prepare("pow", base, ex);
  Tensor out = empty(p.shape, p.dtype);
  TG_DISPATCH_ALL(p.dtype, "pow", [&] {
    if constexpr (std::is_same_v<scalar_t, bool>) {
      throw Error("pow: bool tensors are not supported");
    } else if constexpr (std::is_floating_point_v<scalar_t>) {
      const scalar_t es = static_cast<scalar_t>(e);
      if (e == 2.0) detail::unary_kernel<scalar_t, scalar_t>(out, p.a, [](scalar_t x) { return x * x; });
      else if (e == 0.5) detail::unary_kernel<scalar_t, scalar_t>(out, p.a, [](scalar_t x) { return std::sqrt(x); });
      else detail::unary_kernel<scalar_t, scalar_t>(out, p.a, [es](scalar_t x) { return std::pow(x, es); });
    } else {
      TG_CHECK(e >= 0, "pow: integers to negative integer powers are not allowed (base of dtype ",
               base.dtype(), " and shape ", base.shape(), ", exponent ", exponent, ")");
      binary_into(BinaryKind::Pow, out, p.a, p.b, 1);
    }
  });
  return autograd::record("PowBackward", out, {p.a}, {p.a},
      [exponent, e](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        if (e == 0.0) return {zeros_like(g[0])};
        Tensor x = c.saved(0);
        if (e == 1.0) return {g[0]};
        if (e == 2.0) return {g[0] * x * 2.0};
        return {g[0] * e * pow(x, Scalar(e - 1.0))};
      });
}

Tensor pow(Scalar base, const Tensor& exponent) {
  return pow(wrap_scalar(base, exponent).expand(exponent.shape()), exponent);
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  Operands p = prepare("maximum", a, b);
  Tensor out = binary("maximum", BinaryKind::Max, p);
  return autograd::record("MaximumBackward", out, {p.a, p.b}, {p.a, p.b},
      [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        Tensor x = c.saved(0), y = c.saved(1);
        // Ties share the gradient equally, as PyTorch does.
        Tensor wx = gt(x, y).to(g[0].dtype()) + eq(x, y).to(g[0].dtype()) * 0.5;
        return {c.needs(0) ? sum_to(g[0] * wx, c.input_shape(0)) : Tensor(),
                c.needs(1) ? sum_to(g[0] * (1.0 - wx), c.input_shape(1)) : Tensor()};
      });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  Operands p = prepare("minimum", a, b);
  Tensor out = binary("minimum", BinaryKind::Min, p);
  return autograd::record("MinimumBackward", out, {p.a, p.b}, {p.a, p.b},
      [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        Tensor x = c.saved(0), y = c.saved(1);
        Tensor wx = lt(x, y).to(g[0].dtype()) + eq(x, y).to(g[0].dtype()) * 0.5;
        return {c.needs(0) ? sum_to(g[0] * wx, c.input_shape(0)) : Tensor(),
                c.needs(1) ? sum_to(g[0] * (1.0 - wx), c.input_shape(1)) : Tensor()};
      });
}

namespace {
// o[i] = c[i] ? a[i * SA] : b[i * SB] for a run of n (SA, SB: 1 dense, 0 broadcast). Both
// sides are loaded before the select and nothing aliases, so the loop vectorises even on
// the SSE2 baseline.
template <class T, int SA, int SB>
void select_run(T* __restrict o, const uint8_t* __restrict c, const T* __restrict a,
                const T* __restrict b, int64_t n) {
  static_assert(sizeof(bool) == 1, "bool tensors are read as bytes");
  for (int64_t i = 0; i < n; ++i) {
    const T x = a[i * SA], y = b[i * SB];
    o[i] = c[i] != 0 ? x : y;
  }
}
}  // namespace

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  autograd::profiler::OpScope profile_scope("where", {&condition, &a, &b});
  TG_CHECK(condition.defined() && condition.dtype() == kBool, "where: condition must be a bool "
           "tensor, got ", condition.defined() ? dtype_name(condition.dtype()) : "undefined");
  Operands p = prepare("where", a, b);
  Shape shape = detail::broadcast_shapes(condition.shape(), p.shape, "where");
  Tensor ea = p.a.detach().expand(shape), eb = p.b.detach().expand(shape);
  Tensor ec = condition.expand(shape);
  Tensor out = empty(shape, p.dtype);
  TG_DISPATCH_ALL(p.dtype, "where", [&] {
    scalar_t* po = out.data_ptr<scalar_t>();
    const bool* pc = static_cast<const bool*>(ec.raw_data());
    const scalar_t* pa = static_cast<const scalar_t*>(ea.raw_data());
    const scalar_t* pb = static_cast<const scalar_t*>(eb.raw_data());
    detail::StridedLoop<4> loop(shape, {out.strides(), ec.strides(), ea.strides(), eb.strides()});
    loop.run([&](const std::array<int64_t, 4>& off, const std::array<int64_t, 4>& st, int64_t n) {
      scalar_t* o = po + off[0];
      const bool* c = pc + off[1];
      const scalar_t* x = pa + off[2];
      const scalar_t* y = pb + off[3];
      // Dense runs with at most one operand broadcast (relu's backward is where(x > 0, g, 0))
      // get branch-free loops the compiler vectorises (select_run); a branch per element
      // mispredicts on half of a relu's inputs.
      const auto* cb = reinterpret_cast<const uint8_t*>(c);
      if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 1) {
        select_run<scalar_t, 1, 1>(o, cb, x, y, n);
      } else if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 0) {
        select_run<scalar_t, 1, 0>(o, cb, x, y, n);
      } else if (st[0] == 1 && st[1] == 1 && st[2] == 0 && st[3] == 1) {
        select_run<scalar_t, 0, 1>(o, cb, x, y, n);
      } else {
        for (int64_t i = 0; i < n; ++i)
          o[i * st[0]] = c[i * st[1]] ? x[i * st[2]] : y[i * st[3]];
      }
    });
  });
  return autograd::record("WhereBackward", out, {p.a, p.b}, {condition},
      [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        Tensor cond = c.saved(0);
        Tensor zero = zeros({}, g[0].dtype());
        return {c.needs(0) ? sum_to(where(cond, g[0], zero), c.input_shape(0)) : Tensor(),
                c.needs(1) ? sum_to(where(cond, zero, g[0]), c.input_shape(1)) : Tensor()};
      });
}

Tensor where(const Tensor& condition, const Tensor& a, Scalar b) {
  return where(condition, a, wrap_scalar(b, a));
}

// ---------------------------------------------------------------- scalar forms

Tensor add(const Tensor& a, Scalar b) { return add(a, wrap_scalar(b, a)); }
Tensor sub(const Tensor& a, Scalar b) { return sub(a, wrap_scalar(b, a)); }
Tensor rsub(const Tensor& a, Scalar b) { return sub(wrap_scalar(b, a), a); }
Tensor mul(const Tensor& a, Scalar b) { return mul(a, wrap_scalar(b, a)); }
Tensor div(const Tensor& a, Scalar b) { return div(a, wrap_scalar(b, a)); }
Tensor rdiv(const Tensor& a, Scalar b) { return div(wrap_scalar(b, a), a); }

// ---------------------------------------------------------------- comparisons

Tensor eq(const Tensor& a, const Tensor& b) { return compare("eq", a, b, [](auto x, auto y) { return x == y; }); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare("ne", a, b, [](auto x, auto y) { return x != y; }); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare("lt", a, b, [](auto x, auto y) { return x < y; }); }
Tensor le(const Tensor& a, const Tensor& b) { return compare("le", a, b, [](auto x, auto y) { return x <= y; }); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare("gt", a, b, [](auto x, auto y) { return x > y; }); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare("ge", a, b, [](auto x, auto y) { return x >= y; }); }
Tensor eq(const Tensor& a, Scalar b) { return eq(a, wrap_scalar(b, a)); }
Tensor ne(const Tensor& a, Scalar b) { return ne(a, wrap_scalar(b, a)); }
Tensor lt(const Tensor& a, Scalar b) { return lt(a, wrap_scalar(b, a)); }
Tensor le(const Tensor& a, Scalar b) { return le(a, wrap_scalar(b, a)); }
Tensor gt(const Tensor& a, Scalar b) { return gt(a, wrap_scalar(b, a)); }
Tensor ge(const Tensor& a, Scalar b) { return ge(a, wrap_scalar(b, a)); }

Tensor logical_not(const Tensor& a) {
  Tensor out = empty(a.shape(), kBool);
  TG_DISPATCH_ALL(a.dtype(), "logical_not", [&] {
    detail::unary_kernel<bool, scalar_t>(out, a, [](scalar_t x) { return !static_cast<bool>(x); });
  });
  return out;
}
Tensor logical_and(const Tensor& a, const Tensor& b) {
  return compare("logical_and", a, b, [](auto x, auto y) { return static_cast<bool>(x) && static_cast<bool>(y); });
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return compare("logical_or", a, b, [](auto x, auto y) { return static_cast<bool>(x) || static_cast<bool>(y); });
}

bool equal(const Tensor& a, const Tensor& b) {
  TG_CHECK(a.defined() && b.defined(), "equal: an operand is undefined");
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  return eq(a, b).to_vector<bool>() == std::vector<bool>(static_cast<std::size_t>(a.numel()), true);
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  TG_CHECK(a.defined() && b.defined(), "allclose: an operand is undefined");
  if (a.shape() != b.shape()) return false;
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) return false;
    if (std::abs(x[i] - y[i]) > atol + rtol * std::abs(y[i])) return false;
  }
  return true;
}

// ---------------------------------------------------------------- operators

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator+(const Tensor& a, Scalar b) { return add(a, b); }
Tensor operator-(const Tensor& a, Scalar b) { return sub(a, b); }
Tensor operator*(const Tensor& a, Scalar b) { return mul(a, b); }
Tensor operator/(const Tensor& a, Scalar b) { return div(a, b); }
Tensor operator+(Scalar a, const Tensor& b) { return add(b, a); }
Tensor operator-(Scalar a, const Tensor& b) { return rsub(b, a); }
Tensor operator*(Scalar a, const Tensor& b) { return mul(b, a); }
Tensor operator/(Scalar a, const Tensor& b) { return rdiv(b, a); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator<(const Tensor& a, Scalar b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, Scalar b) { return le(a, b); }
Tensor operator>(const Tensor& a, Scalar b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, Scalar b) { return ge(a, b); }
Tensor operator!(const Tensor& a) { return logical_not(a); }
Tensor operator&&(const Tensor& a, const Tensor& b) { return logical_and(a, b); }
Tensor operator||(const Tensor& a, const Tensor& b) { return logical_or(a, b); }
Tensor& operator+=(Tensor& a, const Tensor& b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return a.div_(b); }
Tensor& operator+=(Tensor& a, Scalar b) { return a.add_(b); }
Tensor& operator*=(Tensor& a, Scalar b) { return a.mul_(b); }

// ---------------------------------------------------------------- in place

namespace detail {

// Runs an in-place op. With autograd recording, the op is computed out of place on a
// clone (which keeps the old history and protects values the vjp needs) and copied back;
// otherwise `direct` writes into self with no allocation.
Tensor& inplace(Tensor& self, const char* op, const std::function<Tensor(const Tensor&)>& compute,
                const std::function<void()>& direct, const Tensor* other) {
  autograd::profiler::OpScope profile_scope(op, {&self});
  TG_CHECK(self.defined(), op, ": the tensor is undefined");
  const bool other_rg = other && other->requires_grad();
  if (GradMode::is_enabled() && (self.requires_grad() || other_rg)) {
    TG_CHECK(!(self.is_leaf() && self.requires_grad()), op, ": a leaf tensor that requires grad "
             "(shape ", self.shape(), ") is used in an in-place operation; wrap the update in "
             "NoGradGuard or use the out-of-place op");
    TG_CHECK(!self.impl()->is_view, op, ": in-place operations on a view that takes part in "
             "autograd are not supported (shape ", self.shape(), "); use the out-of-place op");
    Tensor result = compute(self.clone());
    TG_CHECK(result.shape() == self.shape(), op, ": the result of shape ", result.shape(),
             " cannot be written into a tensor of shape ", self.shape());
    {
      NoGradGuard no_grad;
      copy_values(self, result.dtype() == self.dtype() ? result : result.to(self.dtype()));
    }
    self.bump_version();
    autograd::rebase_history(self, result);
    return self;
  }
  direct();
  self.bump_version();
  return self;
}

}  // namespace detail

namespace {

// PyTorch's canCast: no floating result into an integer or bool tensor, no integer into bool.
bool can_cast(DType from, DType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  return !(from != kBool && to == kBool);
}

Tensor& binary_inplace(Tensor& self, const char* op, BinaryKind kind, const Tensor& other,
                       Scalar alpha, Tensor (*functional)(const Tensor&, const Tensor&, Scalar)) {
  TG_CHECK(self.defined() && other.defined(), op, ": ", self.defined() ? "other" : "self",
           " is undefined");
  // Several elements of self in one memory location (an expanded tensor): the result would
  // depend on the order of the writes. PyTorch refuses the same.
  for (int64_t d = 0; d < self.dim(); ++d)
    TG_CHECK(self.stride(d) != 0 || self.size(d) <= 1, op, ": more than one element of the "
             "written-to tensor (shape ", self.shape(), ", strides ", self.strides(),
             ") refers to a single memory location; clone() it first");
  DType result = promote_types(self.dtype(), other.dtype());
  if (kind == BinaryKind::Div && !is_floating(result)) result = kFloat32;  // true division
  TG_CHECK(can_cast(result, self.dtype()), op, ": result type ", result, " can't be cast to "
           "the desired output type ", self.dtype(), " (self of shape ", self.shape(),
           ", other of dtype ", other.dtype(), " and shape ", other.shape(), ")");
  return detail::inplace(
      self, op, [&](const Tensor& s) { return functional(s, other, alpha); },
      [&] {
        TG_CHECK(detail::broadcast_shapes(self.shape(), other.shape(), op) == self.shape(), op,
                 ": the result of shape ", detail::broadcast_shapes(self.shape(), other.shape(), op),
                 " cannot be written into a tensor of shape ", self.shape());
        Tensor o = other.dtype() == self.dtype() ? other : other.to(self.dtype());
        binary_into(kind, self, self, o, alpha);
      },
      &other);
}

Tensor add3(const Tensor& a, const Tensor& b, Scalar alpha) { return add(a, b, alpha); }
Tensor mul3(const Tensor& a, const Tensor& b, Scalar) { return mul(a, b); }
Tensor div3(const Tensor& a, const Tensor& b, Scalar) { return div(a, b); }

}  // namespace

Tensor& Tensor::add_(const Tensor& other, Scalar alpha) {
  return binary_inplace(*this, "add_", BinaryKind::Add, other, alpha, add3);
}
Tensor& Tensor::add_(Scalar other) { return add_(wrap_scalar(other, *this)); }
Tensor& Tensor::sub_(const Tensor& other, Scalar alpha) {
  return add_(other, Scalar(-alpha.to_double()));
}
Tensor& Tensor::mul_(const Tensor& other) {
  return binary_inplace(*this, "mul_", BinaryKind::Mul, other, 1, mul3);
}
Tensor& Tensor::mul_(Scalar other) { return mul_(wrap_scalar(other, *this)); }
Tensor& Tensor::div_(const Tensor& other) {
  TG_CHECK(is_floating_point(), "div_: in-place true division needs a floating tensor, got ", dtype());
  return binary_inplace(*this, "div_", BinaryKind::Div, other, 1, div3);
}
Tensor& Tensor::div_(Scalar other) { return div_(wrap_scalar(other, *this)); }

Tensor Tensor::add(const Tensor& other, Scalar alpha) const { return tg::add(*this, other, alpha); }
Tensor Tensor::sub(const Tensor& other, Scalar alpha) const { return tg::sub(*this, other, alpha); }
Tensor Tensor::mul(const Tensor& other) const { return tg::mul(*this, other); }
Tensor Tensor::div(const Tensor& other) const { return tg::div(*this, other); }
Tensor Tensor::neg() const { return tg::neg(*this); }
Tensor Tensor::pow(const Tensor& exponent) const { return tg::pow(*this, exponent); }
Tensor Tensor::pow(Scalar exponent) const { return tg::pow(*this, exponent); }

}  // namespace tg
