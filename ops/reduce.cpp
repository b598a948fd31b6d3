// Reductions: sum, mean, prod, max/min/amax/amin/argmax/argmin, var/std, logsumexp, norm.
// Every kernel runs through detail::for_each_output (one writer per output, fixed order
// inside each group), so results are the same bits for any thread count.
#include "ops/reduce.h"

#include <cmath>

#include "autograd/node.h"
#include "autograd/profiler.h"
#include "ops/ops.h"
#include "ops/reduce_iter.h"

namespace tg {
namespace {

using autograd::Ctx;

void check_input(const char* op, const Tensor& t) {
  TG_CHECK(t.defined(), op, ": the input is undefined");
}

void check_floating(const char* op, const Tensor& t) {
  check_input(op, t);
  TG_CHECK(t.is_floating_point(), op, ": expected a floating tensor (float32 or float64), got ",
           dtype_name(t.dtype()), " of shape ", t.shape());
}

// The reduced dims of a plan as an explicit list (for the vjps' sum/mean calls).
std::vector<int64_t> reduced_dims(const detail::ReducePlan& plan) {
  std::vector<int64_t> dims;
  for (std::size_t d = 0; d < plan.reduced.size(); ++d)
    if (plan.reduced[d]) dims.push_back(static_cast<int64_t>(d));
  return dims;
}

// Min/max-like reductions have no identity: an empty group is an error.
void check_nonempty_groups(const char* op, const Tensor& t, const detail::ReducePlan& plan) {
  TG_CHECK(plan.group > 0 || plan.out_shape.numel() == 0, op,
           ": cannot reduce over a dimension of size 0 (input shape ", t.shape(),
           "): the operation has no identity");
}

// Runs reduce(first, sizes, strides) -> Out for every output element of `plan`.
template <class Out, class In, class F>
void reduce_each(const Tensor& t, const detail::ReducePlan& plan, const Tensor& out, F reduce) {
  Out* po = static_cast<Out*>(out.raw_data());
  detail::for_each_output<In>(t, plan, [&](int64_t o, const In* p, const Shape& s,
                                           const Shape& st) { po[o] = reduce(p, s, st); });
}

template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return v != v;
  else return false;
}

// Whether any value of a floating tensor satisfies `pred` (a data check the vjps use to
// pick a formula; not differentiable itself).
template <class Pred>
bool any_value(const Tensor& t, Pred pred) {
  Tensor c = t.detach().contiguous();
  bool found = false;
  TG_DISPATCH_FLOATING(c.dtype(), "reduce", [&] {
    const scalar_t* p = static_cast<const scalar_t*>(c.raw_data());
    for (int64_t i = 0, n = c.numel(); i < n && !found; ++i) found = pred(p[i]);
  });
  return found;
}
bool has_nan(const Tensor& t) { return any_value(t, [](auto v) { return v != v; }); }
bool has_zero(const Tensor& t) { return any_value(t, [](auto v) { return v == 0; }); }

Tensor zero_scalar(const Tensor& like) { return zeros({}, like.dtype()); }
Tensor one_scalar(const Tensor& like) { return ones({}, like.dtype()); }

// ---------------------------------------------------------------- prod

Tensor prod_impl(const char* op, const Tensor& t, IntArrayRef dims, bool keepdim);

// d prod / d x_j = product of the others, written so that it is also right to second order
// when a group holds zeros: y / x_j without zeros; with zeros, the zero entries are kept as
// factors (their sum is 0 in value but carries their derivative).
Tensor prod_backward(const Tensor& g, const Tensor& x, const Tensor& y, const Shape& keep,
                     const std::vector<int64_t>& dims) {
  Tensor gk = g.reshape(keep), yk = y.reshape(keep);
  if (!has_zero(x)) return gk * yk / x;
  const Tensor zero = zero_scalar(x), one = one_scalar(x);
  Tensor is_zero = eq(x, 0);
  Tensor x_safe = where(is_zero, one, x);
  Tensor zeros_in_group = sum(is_zero.to(kInt64), dims, /*keepdim=*/true);
  Tensor g_nonzeros = gk * prod_impl("prod", x_safe, dims, /*keepdim=*/true);
  Tensor zero_sum = sum(where(is_zero, x, zero), dims, /*keepdim=*/true);
  // One zero: it gets the product of the non-zeros; entry j gets x_zero * that / x_j.
  Tensor one_zero = where(is_zero, g_nonzeros, g_nonzeros * zero_sum / x_safe);
  // Two zeros: each gets the product of the non-zeros times the other zero; the rest hold
  // two zero factors, so they and all entries of groups with three or more zeros are 0 to
  // second order.
  Tensor two_zeros = where(is_zero, g_nonzeros * (zero_sum - x), zero);
  return where(eq(zeros_in_group, 0), gk * yk / x_safe,
               where(eq(zeros_in_group, 1), one_zero,
                     where(eq(zeros_in_group, 2), two_zeros, zero)));
}

Tensor prod_impl(const char* op, const Tensor& t, IntArrayRef dims, bool keepdim) {
  check_input(op, t);
  detail::ReducePlan plan(t, dims, keepdim, op);
  const DType out_dtype = t.is_floating_point() ? t.dtype() : kInt64;
  Tensor out = empty(plan.out_shape, out_dtype);
  TG_DISPATCH_ALL(t.dtype(), op, [&] {
    using Out = std::conditional_t<std::is_floating_point_v<scalar_t>, scalar_t, int64_t>;
    using Acc = typename detail::acc_type<Out>::type;
    reduce_each<Out, scalar_t>(t, plan, out, [](const scalar_t* p, const Shape& s, const Shape& st) {
      Acc acc = 1;
      detail::walk_reduced(p, s, st, [&](scalar_t v) { acc *= static_cast<Acc>(v); });
      return static_cast<Out>(acc);
    });
  });
  if (!t.is_floating_point()) return out;
  const Shape keep = plan.keep_shape;
  const std::vector<int64_t> red = reduced_dims(plan);
  return autograd::record("ProdBackward", out, {t}, {t, out},
      [keep, red](const Ctx& c, const TensorList& g) -> TensorList {
        return {prod_backward(g[0], c.saved(0), c.saved(1), keep, red)};
      });
}

// ---------------------------------------------------------------- extremes

// max/min over `dims`, gradient shared evenly among the elements equal to the result.
Tensor extreme(const char* op, const char* node_name, const Tensor& t, IntArrayRef dims,
               bool keepdim, bool is_max) {
  check_input(op, t);
  detail::ReducePlan plan(t, dims, keepdim, op);
  check_nonempty_groups(op, t, plan);
  Tensor out = empty(plan.out_shape, t.dtype());
  TG_DISPATCH_ALL(t.dtype(), op, [&] {
    reduce_each<scalar_t, scalar_t>(t, plan, out, [is_max](const scalar_t* p, const Shape& s,
                                                           const Shape& st) {
      scalar_t best = *p;
      detail::walk_reduced(p, s, st, [&](scalar_t v) {
        if (is_nan(best)) return;
        if (is_nan(v) || (is_max ? v > best : v < best)) best = v;
      });
      return best;
    });
  });
  const Shape keep = plan.keep_shape;
  const std::vector<int64_t> red = reduced_dims(plan);
  return autograd::record(node_name, out, {t}, {t, out},
      [keep, red](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor x = c.saved(0), y = c.saved(1).reshape(keep);
        Tensor hit = eq(x, y);
        if (has_nan(y)) hit = hit || (isnan(x) && isnan(y));
        Tensor weight = hit.to(g[0].dtype());
        return {g[0].reshape(keep) * weight / sum(weight, red, /*keepdim=*/true)};
      });
}

// Index (row-major over the reduced dims) of the first extreme of each group; NaN wins.
template <class T>
int64_t arg_extreme(const T* p, const Shape& s, const Shape& st, bool is_max) {
  T best = *p;
  int64_t best_index = 0, index = 0;
  detail::walk_reduced(p, s, st, [&](T v) {
    if (!is_nan(best) && (is_nan(v) || (is_max ? v > best : v < best))) {
      best = v;
      best_index = index;
    }
    ++index;
  });
  return best_index;
}

Tensor arg_extreme_op(const char* op, const Tensor& t, std::optional<int64_t> dim, bool keepdim,
                      bool is_max) {
  check_input(op, t);
  std::vector<int64_t> dims;
  if (dim) dims.push_back(*dim);
  detail::ReducePlan plan(t, dims, keepdim, op);
  check_nonempty_groups(op, t, plan);
  Tensor out = empty(plan.out_shape, kInt64);
  TG_DISPATCH_ALL(t.dtype(), op, [&] {
    reduce_each<int64_t, scalar_t>(t, plan, out, [is_max](const scalar_t* p, const Shape& s,
                                                          const Shape& st) {
      return arg_extreme(p, s, st, is_max);
    });
  });
  return out;
}

std::tuple<Tensor, Tensor> extreme_with_indices(const char* op, const char* node_name,
                                                const Tensor& t, int64_t dim, bool keepdim,
                                                bool is_max) {
  check_input(op, t);
  detail::ReducePlan plan(t, {dim}, keepdim, op);
  check_nonempty_groups(op, t, plan);
  Tensor values = empty(plan.out_shape, t.dtype());
  Tensor indices = empty(plan.out_shape, kInt64);
  TG_DISPATCH_ALL(t.dtype(), op, [&] {
    scalar_t* pv = static_cast<scalar_t*>(values.raw_data());
    int64_t* pi = static_cast<int64_t*>(indices.raw_data());
    detail::for_each_output<scalar_t>(t, plan, [&](int64_t o, const scalar_t* p, const Shape& s,
                                                   const Shape& st) {
      const int64_t i = arg_extreme(p, s, st, is_max);
      pi[o] = i;
      pv[o] = p[i * (s.size() ? st[0] : 0)];
    });
  });
  TensorList outs{values, indices};
  const Shape keep = plan.keep_shape;
  const int d = t.dim() == 0 ? 0 : wrap_dim(dim, t.dim(), op, &t.shape());
  // The gradient goes to the returned index: a one-hot mask along `dim`.
  autograd::record_multi(node_name, outs, {t}, {indices},
      [keep, d](const Ctx& c, const TensorList& g) -> TensorList {
        if (!g[0].defined()) return {Tensor()};
        const Shape& in_shape = c.input_shape(0);
        Tensor idx = c.saved(0).reshape(keep);
        if (in_shape.size() == 0) return {g[0]};
        Shape position_shape = Shape::filled(in_shape.size(), 1);
        position_shape[d] = in_shape[d];
        Tensor position = arange(in_shape[d]).view(position_shape);
        return {where(eq(position, idx), g[0].reshape(keep), zero_scalar(g[0]))};
      });
  return {outs[0], outs[1]};
}

// ---------------------------------------------------------------- var / std

// Sum of squared deviations from the mean, two-pass in the accumulation type.
template <class T>
typename detail::acc_type<T>::type squared_deviations(const T* p, const Shape& s, const Shape& st,
                                                      int64_t n) {
  using Acc = typename detail::acc_type<T>::type;
  Acc total = 0;
  detail::walk_reduced(p, s, st, [&](T v) { total += static_cast<Acc>(v); });
  const Acc mean = total / static_cast<Acc>(n);
  Acc ss = 0;
  detail::walk_reduced(p, s, st, [&](T v) {
    const Acc d = static_cast<Acc>(v) - mean;
    ss += d * d;
  });
  return ss;
}

Tensor variance_forward(const char* op, const Tensor& t, const detail::ReducePlan& plan,
                        double divisor, bool take_sqrt) {
  Tensor out = empty(plan.out_shape, t.dtype());
  const int64_t n = plan.group;
  TG_DISPATCH_FLOATING(t.dtype(), op, [&] {
    reduce_each<scalar_t, scalar_t>(t, plan, out, [&](const scalar_t* p, const Shape& s,
                                                      const Shape& st) {
      if (n == 0) return static_cast<scalar_t>(NAN);
      const double v = static_cast<double>(squared_deviations(p, s, st, n)) / divisor;
      return static_cast<scalar_t>(take_sqrt ? std::sqrt(v) : v);
    });
  });
  return out;
}

Tensor var_std(const char* op, const Tensor& t, IntArrayRef dims, bool unbiased, bool keepdim,
               bool is_std) {
  check_floating(op, t);
  detail::ReducePlan plan(t, dims, keepdim, op);
  const double divisor = std::max<double>(0.0, static_cast<double>(plan.group - (unbiased ? 1 : 0)));
  Tensor out = variance_forward(op, t, plan, divisor, is_std);
  const Shape keep = plan.keep_shape;
  const std::vector<int64_t> red = reduced_dims(plan);
  if (!is_std) {
    return autograd::record("VarBackward", out, {t}, {t},
        [keep, red, divisor](const Ctx& c, const TensorList& g) -> TensorList {
          Tensor x = c.saved(0);
          return {g[0].reshape(keep) * (x - mean(x, red, /*keepdim=*/true)) * (2.0 / divisor)};
        });
  }
  // d std = d var / (2 std); taken as 0 where std == 0, as PyTorch does.
  return autograd::record("StdBackward", out, {t}, {t, out},
      [keep, red, divisor](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor x = c.saved(0), y = c.saved(1).reshape(keep);
        Tensor is_zero = eq(y, 0);
        Tensor y_safe = where(is_zero, one_scalar(y), y);
        Tensor scale = where(is_zero, zero_scalar(y), g[0].reshape(keep) / (y_safe * divisor));
        return {scale * (x - mean(x, red, /*keepdim=*/true))};
      });
}

// ---------------------------------------------------------------- norm

enum class NormKind { Zero, One, Two, Inf, NegInf, General };

NormKind norm_kind(double p) {
  if (p == 0.0) return NormKind::Zero;
  if (p == 1.0) return NormKind::One;
  if (p == 2.0) return NormKind::Two;
  if (std::isinf(p)) return p > 0 ? NormKind::Inf : NormKind::NegInf;
  return NormKind::General;
}

template <class T>
T norm_of_group(const T* p, const Shape& s, const Shape& st, NormKind kind, double pw) {
  using Acc = typename detail::acc_type<T>::type;
  Acc acc = 0;
  switch (kind) {
    case NormKind::Zero:
      detail::walk_reduced(p, s, st, [&](T v) { acc += v != T(0) ? 1 : 0; });
      return static_cast<T>(acc);
    case NormKind::One:
      detail::walk_reduced(p, s, st, [&](T v) { acc += std::abs(static_cast<Acc>(v)); });
      return static_cast<T>(acc);
    case NormKind::Two:
      detail::walk_reduced(p, s, st, [&](T v) { acc += static_cast<Acc>(v) * static_cast<Acc>(v); });
      return static_cast<T>(std::sqrt(acc));
    case NormKind::Inf:
    case NormKind::NegInf: {
      const bool want_max = kind == NormKind::Inf;
      Acc best = std::abs(static_cast<Acc>(*p));
      detail::walk_reduced(p, s, st, [&](T v) {
        const Acc a = std::abs(static_cast<Acc>(v));
        if (best != best) return;
        if (a != a || (want_max ? a > best : a < best)) best = a;
      });
      return static_cast<T>(best);
    }
    case NormKind::General:
      detail::walk_reduced(p, s, st, [&](T v) { acc += std::pow(std::abs(static_cast<Acc>(v)), pw); });
      return static_cast<T>(std::pow(acc, 1.0 / pw));
  }
  return T(0);
}

Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& y, const Shape& keep,
                     const std::vector<int64_t>& dims, double p) {
  Tensor gk = g.reshape(keep), yk = y.reshape(keep);
  const Tensor zero = zero_scalar(x), one = one_scalar(x);
  switch (norm_kind(p)) {
    case NormKind::Zero:
      return zeros_like(x);
    case NormKind::One:
      return gk * sign(x);
    case NormKind::Two: {
      Tensor norm_zero = eq(yk, 0);
      return x * where(norm_zero, zero, gk / where(norm_zero, one, yk));
    }
    case NormKind::Inf:
    case NormKind::NegInf: {  // shared evenly by the elements whose |x| is the result
      Tensor weight = eq(abs(x), yk).to(x.dtype());
      return gk * sign(x) * weight / sum(weight, dims, /*keepdim=*/true);
    }
    case NormKind::General:
      break;
  }
  Tensor x_zero = eq(x, 0);
  Tensor abs_safe = where(x_zero, one, abs(x));
  if (p < 1.0) {  // |x|^(p-1) blows up at 0: PyTorch takes those entries as 0
    Tensor scaled = where(x_zero, zero, sign(x) * pow(abs_safe, p - 1.0));
    return scaled * gk * pow(yk, 1.0 - p);
  }
  Tensor scaled = sign(x) * pow(abs(x), p - 1.0);
  Tensor norm_zero = eq(yk, 0);
  return scaled * where(norm_zero, zero, gk / pow(where(norm_zero, one, yk), p - 1.0));
}

}  // namespace

// ---------------------------------------------------------------- sum / mean

Tensor sum(const Tensor& t, IntArrayRef dims, bool keepdim) {
  autograd::profiler::OpScope profile_scope("sum", {&t});
  TG_CHECK(t.defined(), "sum: the input is undefined");
  detail::ReducePlan plan(t, dims, keepdim, "sum");
  const DType out_dtype = is_floating(t.dtype()) ? t.dtype() : kInt64;
  Tensor out = empty(plan.out_shape, out_dtype);
  TG_DISPATCH_ALL(t.dtype(), "sum", [&] {
    using Out = std::conditional_t<std::is_floating_point_v<scalar_t>, scalar_t, int64_t>;
    using Acc = typename detail::acc_type<Out>::type;
    Out* po = static_cast<Out*>(out.raw_data());
    detail::for_each_output<scalar_t>(t, plan, [&](int64_t o, const scalar_t* p, const Shape& s,
                                                   const Shape& st) {
      detail::LaneSum<Acc> acc;
      detail::walk_reduced_runs(p, s, st, [&](const scalar_t* q, int64_t n, int64_t stride) {
        acc.add_run(q, n, stride);
      });
      po[o] = static_cast<Out>(acc.total());
    });
  });
  const Shape keep = plan.keep_shape;
  return autograd::record("SumBackward", out, {t}, {},
      [keep](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        return {g[0].reshape(keep).expand(c.input_shape(0))};
      });
}

Tensor sum(const Tensor& t) { return sum(t, {}, false); }

Tensor mean(const Tensor& t, IntArrayRef dims, bool keepdim) {
  autograd::profiler::OpScope profile_scope("mean", {&t});
  TG_CHECK(t.defined() && t.is_floating_point(), "mean: expected a floating tensor, got ",
           t.defined() ? dtype_name(t.dtype()) : "undefined");
  detail::ReducePlan plan(t, dims, keepdim, "mean");
  return sum(t, dims, keepdim) / static_cast<double>(plan.group);
}

Tensor mean(const Tensor& t) { return mean(t, {}, false); }

// ---------------------------------------------------------------- the rest

Tensor prod(const Tensor& t) { return prod_impl("prod", t, {}, false); }
Tensor prod(const Tensor& t, int64_t dim, bool keepdim) {
  return prod_impl("prod", t, {dim}, keepdim);
}

Tensor max(const Tensor& t) { return extreme("max", "MaxBackward", t, {}, false, true); }
Tensor min(const Tensor& t) { return extreme("min", "MinBackward", t, {}, false, false); }
std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim) {
  return extreme_with_indices("max", "MaxBackward", t, dim, keepdim, true);
}
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim) {
  return extreme_with_indices("min", "MinBackward", t, dim, keepdim, false);
}
Tensor amax(const Tensor& t, IntArrayRef dims, bool keepdim) {
  return extreme("amax", "AmaxBackward", t, dims, keepdim, true);
}
Tensor amin(const Tensor& t, IntArrayRef dims, bool keepdim) {
  return extreme("amin", "AminBackward", t, dims, keepdim, false);
}
Tensor argmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme_op("argmax", t, dim, keepdim, true);
}
Tensor argmin(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme_op("argmin", t, dim, keepdim, false);
}

Tensor var(const Tensor& t, IntArrayRef dims, bool unbiased, bool keepdim) {
  return var_std("var", t, dims, unbiased, keepdim, false);
}
Tensor std(const Tensor& t, IntArrayRef dims, bool unbiased, bool keepdim) {
  return var_std("std", t, dims, unbiased, keepdim, true);
}

Tensor logsumexp(const Tensor& t, IntArrayRef dims, bool keepdim) {
  check_floating("logsumexp", t);
  detail::ReducePlan plan(t, dims, keepdim, "logsumexp");
  Tensor out = empty(plan.out_shape, t.dtype());
  TG_DISPATCH_FLOATING(t.dtype(), "logsumexp", [&] {
    using Acc = typename detail::acc_type<scalar_t>::type;
    reduce_each<scalar_t, scalar_t>(t, plan, out, [](const scalar_t* p, const Shape& s,
                                                     const Shape& st) {
      Acc m = -INFINITY;
      detail::walk_reduced(p, s, st, [&](scalar_t v) { m = std::max<Acc>(m, v); });
      // An infinite maximum shifts by 0 as PyTorch: all -inf (or empty) gives -inf and a +inf
      // element gives +inf, where inf - inf in the shift would give NaN.
      if (std::isinf(m)) m = 0;
      Acc total = 0;
      detail::walk_reduced(p, s, st, [&](scalar_t v) { total += std::exp(static_cast<Acc>(v) - m); });
      return static_cast<scalar_t>(m + std::log(total));
    });
  });
  const Shape keep = plan.keep_shape;
  return autograd::record("LogsumexpBackward", out, {t}, {t, out},
      [keep](const Ctx& c, const TensorList& g) -> TensorList {
        return {g[0].reshape(keep) * exp(c.saved(0) - c.saved(1).reshape(keep))};
      });
}

Tensor norm(const Tensor& t, Scalar p, IntArrayRef dims, bool keepdim) {
  check_floating("norm", t);
  detail::ReducePlan plan(t, dims, keepdim, "norm");
  const double pw = p.to_double();
  TG_CHECK(!std::isnan(pw), "norm: p must be a number, got NaN");
  const NormKind kind = norm_kind(pw);
  if (kind == NormKind::Inf || kind == NormKind::NegInf) check_nonempty_groups("norm", t, plan);
  Tensor out = empty(plan.out_shape, t.dtype());
  TG_DISPATCH_FLOATING(t.dtype(), "norm", [&] {
    reduce_each<scalar_t, scalar_t>(t, plan, out, [&](const scalar_t* q, const Shape& s,
                                                      const Shape& st) {
      return norm_of_group(q, s, st, kind, pw);
    });
  });
  const Shape keep = plan.keep_shape;
  const std::vector<int64_t> red = reduced_dims(plan);
  return autograd::record("NormBackward", out, {t}, {t, out},
      [keep, red, pw](const Ctx& c, const TensorList& g) -> TensorList {
        return {norm_backward(g[0], c.saved(0), c.saved(1), keep, red, pw)};
      });
}

Tensor norm(const Tensor& t, Scalar p) { return norm(t, p, {}, false); }

Tensor Tensor::sum() const { return tg::sum(*this); }
Tensor Tensor::sum(IntArrayRef dims, bool keepdim) const { return tg::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return tg::mean(*this); }
Tensor Tensor::mean(IntArrayRef dims, bool keepdim) const { return tg::mean(*this, dims, keepdim); }
Tensor Tensor::max() const { return tg::max(*this); }
Tensor Tensor::min() const { return tg::min(*this); }
Tensor Tensor::amax(IntArrayRef dims, bool keepdim) const { return tg::amax(*this, dims, keepdim); }
Tensor Tensor::amin(IntArrayRef dims, bool keepdim) const { return tg::amin(*this, dims, keepdim); }
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const {
  return tg::argmax(*this, dim, keepdim);
}

}  // namespace tg
