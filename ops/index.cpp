// Index ops. The forward kernels are gathers. In the scatter-type kernels (index_add,
// scatter_add) every output element is written by one task, which adds its contributions
// in index order, so repeated indices accumulate deterministically without atomics.
#include "ops/index.h"
#include "ops/indexing.h"
#include "ops/naming.h"

#include <array>
#include <cmath>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/internal.h"
#include "ops/iter.h"
#include "ops/ops.h"
#include "ops/rows.h"

namespace tg {
namespace {

// Index ops treat a 0-d tensor as 1-d of size 1, as PyTorch does.
Shape shape_1d(const Tensor& t) { return t.dim() == 0 ? Shape{1} : t.shape(); }
Shape strides_1d(const Tensor& t) { return t.dim() == 0 ? Shape{1} : t.strides(); }

void check_index(const char* op, const Tensor& index) {
  TG_CHECK(index.defined(), op, ": the index is undefined");
  TG_CHECK(index.dtype() == kInt64, op, ": expected an int64 index, got ", index.dtype());
}

// Every value of (contiguous) `index` must lie in [0, size).
void check_bounds(const char* op, const Tensor& index, int64_t size, int dim) {
  const int64_t* p = index.data_ptr<int64_t>();
  for (int64_t i = 0, n = index.numel(); i < n; ++i)
    TG_CHECK(p[i] >= 0 && p[i] < size, op, ": index ", p[i], " is out of bounds for dimension ",
             dim, " with size ", size);
}

// (before, size, after) of `shape` around dim d: the element counts of the dims before d,
// of d, and after d.
struct Around {
  int64_t before = 1, size = 1, after = 1;
};
Around around(const Shape& shape, int d) {
  Around a;
  for (int i = 0; i < d; ++i) a.before *= shape[i];
  a.size = shape[d];
  for (int i = d + 1; i < shape.size(); ++i) a.after *= shape[i];
  return a;
}

// The vjp of scatter_add for src: g read back at the index positions. Where src is
// larger than the index, its extra elements took no part and get zero gradient.
Tensor scatter_add_src_grad(const Tensor& g, int d, const Tensor& index, const Shape& src_shape) {
  Tensor grad = gather(g, d, index);
  const Shape is = shape_1d(index), ss = src_shape.size() == 0 ? Shape{1} : src_shape;
  if (is != ss) {
    std::vector<int64_t> pads;  // (before, after) from the last dim, as pad() takes them
    for (int k = is.size() - 1; k >= 0; --k) {
      pads.push_back(0);
      pads.push_back(ss[k] - is[k]);
    }
    grad = pad(grad.reshape(is), pads);
  }
  return grad.reshape(src_shape);
}

}  // namespace

namespace kernels {
namespace {

// out[p, j, :] = in[p, index[j], :] over contiguous (before, size, after) blocks.
template <class T>
void index_select(const T* in, const int64_t* index, int64_t m, const Around& a, T* out) {
  detail::parallel_rows(a.before * m, a.after, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t p = row / m, j = row % m;
      std::copy_n(in + (p * a.size + index[j]) * a.after, a.after, out + row * a.after);
    }
  });
}

// out[p, index[j], :] += alpha * src[p, j, :], in gather form: the row out[p, k, :] is
// written by one task, which adds the source rows with index[j] == k in increasing j.
template <class T>
void index_add(T* out, const int64_t* index, int64_t m, const T* src, const Around& a, T alpha) {
  std::vector<int64_t> starts(a.size + 1, 0), readers(m);  // rows j reading each k
  for (int64_t j = 0; j < m; ++j) ++starts[index[j] + 1];
  for (int64_t k = 0; k < a.size; ++k) starts[k + 1] += starts[k];
  std::vector<int64_t> fill(starts.begin(), starts.end() - 1);
  for (int64_t j = 0; j < m; ++j) readers[fill[index[j]]++] = j;
  const int64_t per_row = a.after * std::max<int64_t>(1, m / std::max<int64_t>(a.size, 1));
  detail::parallel_rows(a.before * a.size, per_row, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t p = row / a.size, k = row % a.size;
      T* o = out + row * a.after;
      for (int64_t r = starts[k]; r < starts[k + 1]; ++r) {
        const T* s = src + (p * m + readers[r]) * a.after;
        for (int64_t e = 0; e < a.after; ++e) o[e] += alpha * s[e];
      }
    }
  });
}

// Calls f(offsets) for every line of `shape` along dim d (every position with coordinate
// d = 0), with each operand's offset for that position. Lines go to tasks whole.
template <int K, class F>
void for_each_line(const Shape& shape, int d, const std::array<Shape, K>& strides, F&& f) {
  const int n = shape.size();
  const int64_t len = shape[d], lines = len == 0 ? 0 : shape.numel() / len;
  detail::parallel_rows(lines, len, [&](int64_t begin, int64_t end) {
    for (int64_t line = begin; line < end; ++line) {
      std::array<int64_t, K> off{};
      int64_t rem = line;
      for (int i = n - 1; i >= 0; --i) {
        if (i == d) continue;
        const int64_t c = rem % shape[i];
        rem /= shape[i];
        for (int k = 0; k < K; ++k) off[k] += c * strides[k][i];
      }
      f(off);
    }
  });
}

}  // namespace
}  // namespace kernels

Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index) {
  TG_CHECK(t.defined(), "index_select: the input is undefined");
  check_index("index_select", index);
  TG_CHECK(index.dim() <= 1, "index_select: the index must be a vector (0-d or 1-d), got shape ",
           index.shape());
  const int d = wrap_dim(dim, t.dim(), "index_select", &t.shape());
  const Tensor idx = index.contiguous();
  const Around a = around(shape_1d(t), d);
  check_bounds("index_select", idx, a.size, d);
  Shape out_shape = t.shape();
  if (t.dim() == 0) {
    TG_CHECK(idx.numel() == 1, "index_select: a 0-d input takes exactly one index, got ",
             idx.numel());
  } else {
    out_shape[d] = idx.numel();
  }
  Tensor out = empty(out_shape, t.dtype());
  if (out.numel() > 0) {
    const Tensor in = t.detach().contiguous();
    TG_DISPATCH_ALL(t.dtype(), "index_select", [&] {
      kernels::index_select(in.data_ptr<scalar_t>(), idx.data_ptr<int64_t>(), idx.numel(), a,
                            out.data_ptr<scalar_t>());
    });
  }
  return autograd::record("IndexSelectBackward", out, {t}, {index},
      [d](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        return {index_add(zeros(c.input_shape(0), g[0].dtype()), d, c.saved(0), g[0])};
      });
}

Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source,
                 Scalar alpha) {
  TG_CHECK(t.defined() && source.defined(), "index_add: the input or the source is undefined");
  check_index("index_add", index);
  TG_CHECK(index.dim() <= 1, "index_add: the index must be a vector (0-d or 1-d), got shape ",
           index.shape());
  TG_CHECK(t.dtype() == source.dtype(), "index_add: self (", t.dtype(), ") and source (",
           source.dtype(), ") must have the same dtype");
  TG_CHECK(t.dtype() != kBool, "index_add: bool tensors are not supported");
  const int d = wrap_dim(dim, t.dim(), "index_add", &t.shape());
  const Tensor idx = index.contiguous();
  Shape expected = shape_1d(t);
  expected[d] = idx.numel();
  TG_CHECK(shape_1d(source) == expected, "index_add: source of shape ", source.shape(),
           " does not match self of shape ", t.shape(), " with dimension ", d, " of size ",
           idx.numel(), " (the number of indices)");
  const Around a = around(shape_1d(t), d);
  check_bounds("index_add", idx, a.size, d);
  Tensor out = empty(t.shape(), t.dtype());
  detail::copy_values(out, t.detach());
  if (source.numel() > 0) {
    const Tensor src = source.detach().contiguous();
    TG_DISPATCH_ALL(t.dtype(), "index_add", [&] {
      if constexpr (!std::is_same_v<scalar_t, bool>) {
        kernels::index_add(out.data_ptr<scalar_t>(), idx.data_ptr<int64_t>(), idx.numel(),
                           src.data_ptr<scalar_t>(), a, alpha.to<scalar_t>());
      }
    });
  }
  return autograd::record("IndexAddBackward", out, {t, source}, {index},
      [d, alpha](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        Tensor grad_source;
        if (c.needs(1)) {
          grad_source = index_select(g[0], d, c.saved(0)).reshape(c.input_shape(1));
          if (alpha.to_double() != 1.0) grad_source = grad_source * alpha;
        }
        return {c.needs(0) ? g[0] : Tensor(), grad_source};
      });
}

Tensor gather(const Tensor& t, int64_t dim, const Tensor& index) {
  TG_CHECK(t.defined(), "gather: the input is undefined");
  check_index("gather", index);
  const Shape ts = shape_1d(t), is = shape_1d(index);
  TG_CHECK(ts.size() == is.size(), "gather: the index must have as many dimensions as the "
           "input, got index shape ", index.shape(), " for input shape ", t.shape());
  const int d = wrap_dim(dim, t.dim(), "gather", &t.shape());
  for (int k = 0; k < is.size(); ++k)
    TG_CHECK(k == d || is[k] <= ts[k], "gather: index shape ", index.shape(), " must not "
             "exceed input shape ", t.shape(), " apart from dimension ", d);
  const Tensor idx = index.contiguous();
  check_bounds("gather", idx, ts[d], d);
  Tensor out = empty(index.shape(), t.dtype());
  if (out.numel() > 0) {
    const Shape ins = strides_1d(t), cs = contiguous_strides(is);
    TG_DISPATCH_ALL(t.dtype(), "gather", [&] {
      const scalar_t* in = static_cast<const scalar_t*>(t.raw_data());
      const int64_t* ix = idx.data_ptr<int64_t>();
      scalar_t* o = out.data_ptr<scalar_t>();
      const int64_t len = is[d], step = cs[d], in_step = ins[d];
      kernels::for_each_line<2>(is, d, {cs, ins}, [&](const std::array<int64_t, 2>& off) {
        for (int64_t j = 0; j < len; ++j)
          o[off[0] + j * step] = in[off[1] + ix[off[0] + j * step] * in_step];
      });
    });
  }
  return autograd::record("GatherBackward", out, {t}, {index},
      [d](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        return {scatter_add(zeros(c.input_shape(0), g[0].dtype()), d, c.saved(0), g[0])};
      });
}

Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  TG_CHECK(t.defined() && src.defined(), "scatter_add: the input or src is undefined");
  check_index("scatter_add", index);
  TG_CHECK(t.dtype() == src.dtype(), "scatter_add: self (", t.dtype(), ") and src (",
           src.dtype(), ") must have the same dtype");
  TG_CHECK(t.dtype() != kBool, "scatter_add: bool tensors are not supported");
  const Shape ts = shape_1d(t), is = shape_1d(index), ss = shape_1d(src);
  TG_CHECK(ts.size() == is.size() && ss.size() == is.size(), "scatter_add: index ",
           index.shape(), ", self ", t.shape(), " and src ", src.shape(),
           " must have the same number of dimensions");
  const int d = wrap_dim(dim, t.dim(), "scatter_add", &t.shape());
  for (int k = 0; k < is.size(); ++k)
    TG_CHECK(is[k] <= ss[k] && (k == d || is[k] <= ts[k]), "scatter_add: expected index ",
             index.shape(), " to be no larger than self ", t.shape(), " apart from dimension ",
             d, " and no larger than src ", src.shape());
  const Tensor idx = index.contiguous();
  check_bounds("scatter_add", idx, ts[d], d);
  Tensor out = empty(t.shape(), t.dtype());
  detail::copy_values(out, t.detach());
  if (idx.numel() > 0) {
    const Shape os = contiguous_strides(ts), cs = contiguous_strides(is), srs = strides_1d(src);
    TG_DISPATCH_ALL(t.dtype(), "scatter_add", [&] {
      if constexpr (!std::is_same_v<scalar_t, bool>) {
        const scalar_t* s = static_cast<const scalar_t*>(src.raw_data());
        const int64_t* ix = idx.data_ptr<int64_t>();
        scalar_t* o = out.data_ptr<scalar_t>();
        const int64_t len = is[d], step = cs[d], out_step = os[d], src_step = srs[d];
        // One line of out (all positions but dim d fixed) is written by one task only.
        kernels::for_each_line<3>(is, d, {os, cs, srs}, [&](const std::array<int64_t, 3>& off) {
          for (int64_t j = 0; j < len; ++j)
            o[off[0] + ix[off[1] + j * step] * out_step] += s[off[2] + j * src_step];
        });
      }
    });
  }
  return autograd::record("ScatterAddBackward", out, {t, src}, {index},
      [d](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        Tensor grad_src;
        if (c.needs(1)) grad_src = scatter_add_src_grad(g[0], d, c.saved(0), c.input_shape(1));
        return {c.needs(0) ? g[0] : Tensor(), grad_src};
      });
}

Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  TG_CHECK(t.defined() && src.defined(), "scatter: the input or src is undefined");
  check_index("scatter", index);
  Tensor hits;
  {
    NoGradGuard no_grad;
    hits = gt(scatter_add(zeros(t.shape(), kInt64), dim, index, ones(index.shape(), kInt64)), 0);
  }
  if (t.dtype() == kBool) {
    NoGradGuard no_grad;
    Tensor written = scatter_add(zeros(t.shape(), kInt64), dim, index, src.to(kInt64));
    return where(hits, gt(written, 0), t);
  }
  Tensor written = scatter_add(zeros_like(t), dim, index, src.to(t.dtype()));
  return where(hits, written, t);
}

Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, Scalar value) {
  TG_CHECK(t.defined(), "scatter: the input is undefined");
  check_index("scatter", index);
  Tensor hits;
  {
    NoGradGuard no_grad;
    hits = gt(scatter_add(zeros(t.shape(), kInt64), dim, index, ones(index.shape(), kInt64)), 0);
  }
  return masked_fill(t, hits, value);
}

Tensor nonzero(const Tensor& t) {
  TG_CHECK(t.defined(), "nonzero: the tensor is undefined");
  const std::vector<bool> v = t.to_vector<bool>();
  const Shape shape = t.shape();
  std::vector<int64_t> out;
  int64_t n = 0;
  Shape pos = Shape::filled(shape.size(), 0);
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (v[k]) {
      out.insert(out.end(), pos.begin(), pos.end());
      ++n;
    }
    for (int d = shape.size() - 1; d >= 0; --d) {  // odometer over the row-major positions
      if (++pos[d] < shape[d]) break;
      pos[d] = 0;
    }
  }
  Tensor r = zeros({n, static_cast<int64_t>(shape.size())}, kInt64);
  if (!out.empty()) std::copy(out.begin(), out.end(), r.data_ptr<int64_t>());
  return r;
}

Tensor masked_select(const Tensor& t, const Tensor& mask) {
  TG_CHECK(t.defined() && mask.defined(), "masked_select: the input or the mask is undefined");
  TG_CHECK(mask.dtype() == kBool, "masked_select: expected a bool mask, got ", mask.dtype());
  const Shape shape = detail::broadcast_shapes(t.shape(), mask.shape(), "masked_select");
  return t.expand(shape).index({mask.expand(shape)});
}

Tensor masked_fill(const Tensor& t, const Tensor& mask, Scalar value) {
  TG_CHECK(t.defined() && mask.defined(), "masked_fill: the input or the mask is undefined");
  TG_CHECK(mask.dtype() == kBool, "masked_fill: expected a bool mask, got ", mask.dtype());
  const Shape shape = detail::broadcast_shapes(t.shape(), mask.shape(), "masked_fill");
  detail::naming_op("masked_fill", t, [&] {  // a value the dtype cannot hold (NaN into int64)
    TG_DISPATCH_ALL(t.dtype(), "masked_fill", [&] { (void)value.to<scalar_t>(); });
    return 0;
  });
  Tensor out = empty(shape, t.dtype());
  TG_DISPATCH_ALL(t.dtype(), "masked_fill", [&] {
    const scalar_t v = value.to<scalar_t>();
    const scalar_t* x = static_cast<const scalar_t*>(t.raw_data());
    const bool* m = static_cast<const bool*>(mask.raw_data());
    scalar_t* o = out.data_ptr<scalar_t>();
    detail::StridedLoop<3> loop(shape, {out.strides(), detail::broadcast_strides(t, shape),
                                        detail::broadcast_strides(mask, shape)});
    loop.run([&](const std::array<int64_t, 3>& off, const std::array<int64_t, 3>& st, int64_t n) {
      for (int64_t i = 0; i < n; ++i)
        o[off[0] + i * st[0]] = m[off[2] + i * st[2]] ? v : x[off[1] + i * st[1]];
    });
  });
  return autograd::record("MaskedFillBackward", out, {t}, {mask},
      [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        Tensor kept = where(c.saved(0), zeros({}, g[0].dtype()), g[0]);
        return {sum_to(kept, c.input_shape(0))};
      });
}

Tensor& Tensor::masked_fill_(const Tensor& mask, Scalar value) {
  TG_CHECK(defined() && mask.defined(), "masked_fill_: the tensor or the mask is undefined");
  TG_CHECK(mask.dtype() == kBool, "masked_fill_: expected a bool mask, got ", mask.dtype());
  const Shape shape = detail::broadcast_shapes(this->shape(), mask.shape(), "masked_fill_");
  TG_CHECK(shape == this->shape(), "masked_fill_: a mask of shape ", mask.shape(),
           " broadcasts the tensor's shape ", this->shape(), " to ", shape,
           "; in place, the tensor's shape cannot change");
  return detail::inplace(
      *this, "masked_fill_", [&](const Tensor& s) { return tg::masked_fill(s, mask, value); },
      [&] {
        TG_DISPATCH_ALL(dtype(), "masked_fill_", [&] {
          const scalar_t v = value.to<scalar_t>();
          const bool* m = static_cast<const bool*>(mask.raw_data());
          scalar_t* o = static_cast<scalar_t*>(raw_data());
          detail::StridedLoop<2> loop(shape, {strides(), detail::broadcast_strides(mask, shape)});
          loop.run([&](const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st,
                       int64_t n) {
            for (int64_t i = 0; i < n; ++i)
              if (m[off[1] + i * st[1]]) o[off[0] + i * st[0]] = v;
          });
        });
      });
}

Tensor one_hot(const Tensor& t, int64_t num_classes) {
  TG_CHECK(t.defined() && t.dtype() == kInt64, "one_hot: expected an int64 index tensor, got ",
           t.defined() ? dtype_name(t.dtype()) : "an undefined tensor");
  TG_CHECK(num_classes >= -1, "one_hot: num_classes must be -1 (inferred) or non-negative, got ",
           num_classes);
  const Tensor idx = t.contiguous();
  const int64_t* p = idx.data_ptr<int64_t>();
  const int64_t n = idx.numel();
  int64_t largest = -1;
  for (int64_t i = 0; i < n; ++i) {
    TG_CHECK(p[i] >= 0, "one_hot: class values must be non-negative, got ", p[i]);
    largest = std::max(largest, p[i]);
  }
  if (num_classes == -1) {
    TG_CHECK(n > 0, "one_hot: cannot infer the number of classes from an empty tensor; pass "
             "num_classes");
    num_classes = largest + 1;
  }
  TG_CHECK(largest < num_classes, "one_hot: class value ", largest,
           " is not smaller than num_classes ", num_classes);
  Shape shape = t.shape();
  shape.push_back(num_classes);
  Tensor out = detail::naming_op("one_hot", t, [&] { return zeros(shape, kInt64); });
  int64_t* o = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) o[i * num_classes + p[i]] = 1;
  return out;
}

}  // namespace tg
