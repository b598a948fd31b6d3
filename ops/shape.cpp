// View ops: new shape/strides over the same storage, each with a vjp that maps the
// gradient back to the input's shape.
#include "ops/shape.h"

#include <numeric>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/internal.h"
#include "ops/ops.h"

namespace tg {
namespace {

Tensor make_view(const Tensor& base, const Shape& shape, const Shape& strides, int64_t offset) {
  return as_strided_view(base, shape, strides, offset);
}

// Strides for viewing (shape, strides) as `target` without copying, if possible
// (dims are merged/split only across runs that are contiguous with each other).
bool view_strides(const Shape& shape, const Shape& strides, const Shape& target, Shape& out) {
  out = Shape::filled(target.size(), 1);
  if (shape.numel() == 0 || shape.size() == 0) {
    out = contiguous_strides(target);
    return true;
  }
  int view_d = target.size() - 1;
  int64_t chunk_base_stride = strides.size() ? strides.back() : 1;
  int64_t tensor_numel = 1, view_numel = 1;
  for (int d = shape.size() - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || target[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= target[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

}  // namespace

Shape infer_shape(IntArrayRef shape, int64_t numel, const char* op) {
  Shape out(shape);
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      TG_CHECK(infer < 0, op, ": only one dimension can be -1 in shape ", shape);
      infer = i;
    } else {
      TG_CHECK(out[i] >= 0, op, ": invalid size ", out[i], " in shape ", shape);
      TG_CHECK(!__builtin_mul_overflow(known, out[i], &known), op, ": shape ", shape,
               " has more elements than a 64-bit integer can count");
    }
  }
  if (infer >= 0) {
    TG_CHECK(known != 0 && numel % known == 0, op, ": shape ", shape,
             " is invalid for an input of ", numel, " elements");
    out[infer] = numel / known;
  }
  TG_CHECK(out.numel() == numel, op, ": shape ", shape, " is invalid for an input of ", numel,
           " elements");
  return out;
}

Tensor view(const Tensor& t, IntArrayRef shape) {
  TG_CHECK(t.defined(), "view: the tensor is undefined");
  Shape target = infer_shape(shape, t.numel(), "view");
  Shape strides;
  TG_CHECK(view_strides(t.shape(), t.strides(), target, strides), "view: shape ", target,
           " is not compatible with the input's size ", t.shape(), " and strides ", t.strides(),
           " (at least one dimension spans two contiguous subspaces); use reshape instead");
  Tensor out = make_view(t, target, strides, t.storage_offset());
  return autograd::record("ViewBackward", out, {t}, {},
      [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        return {g[0].reshape(c.input_shape(0))};
      });
}

Tensor reshape(const Tensor& t, IntArrayRef shape) {
  TG_CHECK(t.defined(), "reshape: the tensor is undefined");
  Shape target = infer_shape(shape, t.numel(), "reshape");
  Shape strides;
  if (view_strides(t.shape(), t.strides(), target, strides)) return view(t, target);
  return view(t.clone(), target);
}

Tensor permute(const Tensor& t, IntArrayRef dims) {
  TG_CHECK(t.defined(), "permute: the tensor is undefined");
  TG_CHECK(static_cast<int64_t>(dims.size()) == t.dim(), "permute: got ", dims.size(),
           " dims ", dims, " for a tensor with ", t.dim(), " dimensions");
  std::vector<int> d = detail::wrap_dims(dims, t.dim(), "permute", &t.shape());
  Shape shape, strides;
  for (int i : d) {
    shape.push_back(t.shape()[i]);
    strides.push_back(t.strides()[i]);
  }
  Tensor out = make_view(t, shape, strides, t.storage_offset());
  std::vector<int64_t> inverse(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) inverse[d[i]] = static_cast<int64_t>(i);
  return autograd::record("PermuteBackward", out, {t}, {},
      [inverse](const autograd::Ctx&, const TensorList& g) -> TensorList {
        return {g[0].permute(inverse)};
      });
}

Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1) {
  TG_CHECK(t.defined(), "transpose: the tensor is undefined");
  const int a = wrap_dim(dim0, t.dim(), "transpose", &t.shape()), b = wrap_dim(dim1, t.dim(), "transpose", &t.shape());
  std::vector<int64_t> perm(t.dim());
  std::iota(perm.begin(), perm.end(), 0);
  if (t.dim() == 0) return t;
  std::swap(perm[a], perm[b]);
  return permute(t, perm);
}

Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  TG_CHECK(t.defined(), "slice: the tensor is undefined");
  TG_CHECK(t.dim() > 0, "slice: cannot slice a 0-d tensor");
  const int d = wrap_dim(dim, t.dim(), "slice", &t.shape());
  TG_CHECK(step > 0, "slice: step must be positive, got ", step);
  const int64_t n = t.shape()[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape shape = t.shape(), strides = t.strides();
  shape[d] = (end - start + step - 1) / step;
  strides[d] *= step;
  Tensor out = make_view(t, shape, strides, t.storage_offset() + start * t.strides()[d]);
  return autograd::record("SliceBackward", out, {t}, {},
      [d, start, end, step](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        return {slice_backward(g[0], c.input_shape(0), d, start, end, step)};
      });
}

Tensor slice_backward(const Tensor& g, const Shape& shape, int64_t dim, int64_t start,
                      int64_t end, int64_t step) {
  Tensor out = zeros(shape, g.dtype());
  {
    NoGradGuard no_grad;
    detail::copy_values(out.detach().slice(dim, start, end, step), g);
  }
  return autograd::record("SliceBackwardBackward", out, {g}, {},
      [dim, start, end, step](const autograd::Ctx&, const TensorList& gg) -> TensorList {
        return {gg[0].slice(dim, start, end, step)};
      });
}

Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  TG_CHECK(t.defined() && t.dim() > 0, "narrow: expected a tensor with at least one dimension");
  const int d = wrap_dim(dim, t.dim(), "narrow", &t.shape());
  const int64_t n = t.shape()[d];
  if (start < 0) start += n;
  // length <= n - start: start + length could overflow
  TG_CHECK(start >= 0 && length >= 0 && start <= n && length <= n - start, "narrow: start ",
           start, " + length ", length, " exceeds dimension ", d, " of size ", n,
           " (input of shape ", t.shape(), ")");
  return slice(t, d, start, start + length, 1);
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  TG_CHECK(t.defined() && t.dim() > 0, "select: cannot select from a 0-d tensor");
  const int d = wrap_dim(dim, t.dim(), "select", &t.shape());
  const int64_t n = t.shape()[d];
  TG_CHECK(index >= -n && index < n, "select: index ", index, " is out of range for dimension ",
           d, " of size ", n);
  if (index < 0) index += n;
  return slice(t, d, index, index + 1, 1).squeeze(d);
}

Tensor expand(const Tensor& t, IntArrayRef shape) {
  TG_CHECK(t.defined(), "expand: the tensor is undefined");
  TG_CHECK(static_cast<int64_t>(shape.size()) >= t.dim(), "expand: the target shape ", shape,
           " has fewer dimensions than the tensor's shape ", t.shape());
  const int n = static_cast<int>(shape.size()), off = n - static_cast<int>(t.dim());
  Shape out_shape = Shape::filled(n, 0), strides = Shape::filled(n, 0);
  for (int i = 0; i < n; ++i) {
    const int j = i - off;
    const int64_t have = j >= 0 ? t.shape()[j] : 1;
    int64_t want = shape[i];
    if (want == -1) {
      TG_CHECK(j >= 0, "expand: -1 is not allowed for the new leading dimension ", i);
      want = have;
    }
    TG_CHECK(want >= 0, "expand: negative size ", want, " at dimension ", i, " of the target "
             "shape ", shape, " (tensor of shape ", t.shape(), ")");
    TG_CHECK(have == want || have == 1, "expand: the tensor's size ", have, " at dimension ", j,
             " must match the target size ", want, " (shape ", t.shape(), " -> ", shape, ")");
    out_shape[i] = want;
    strides[i] = (j >= 0 && have == want) ? t.strides()[j] : 0;
  }
  int64_t count = 1;
  for (int64_t s : out_shape)
    TG_CHECK(!__builtin_mul_overflow(count, s, &count), "expand: the target shape ", shape,
             " has more elements than a 64-bit integer can count (tensor of shape ", t.shape(), ")");
  if (out_shape == t.shape()) return t;
  Tensor out = make_view(t, out_shape, strides, t.storage_offset());
  return autograd::record("ExpandBackward", out, {t}, {},
      [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        return {sum_to(g[0], c.input_shape(0))};
      });
}

Tensor squeeze(const Tensor& t) {
  TG_CHECK(t.defined(), "squeeze: the tensor is undefined");
  Shape shape;
  for (int64_t s : t.shape())
    if (s != 1) shape.push_back(s);
  if (shape.size() == t.dim()) return t;
  return view(t, shape);
}

Tensor squeeze(const Tensor& t, int64_t dim) {
  TG_CHECK(t.defined(), "squeeze: the tensor is undefined");
  if (t.dim() == 0) return t;
  const int d = wrap_dim(dim, t.dim(), "squeeze", &t.shape());
  if (t.shape()[d] != 1) return t;
  Shape shape = t.shape(), strides = t.strides();
  shape.erase(d);
  strides.erase(d);
  Tensor out = make_view(t, shape, strides, t.storage_offset());
  return autograd::record("SqueezeBackward", out, {t}, {},
      [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        return {g[0].reshape(c.input_shape(0))};
      });
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  TG_CHECK(t.defined(), "unsqueeze: the tensor is undefined");
  const int d = wrap_dim(dim, t.dim() + 1, "unsqueeze", &t.shape());
  Shape shape = t.shape(), strides = t.strides();
  const int64_t st = d < t.dim() ? t.strides()[d] * t.shape()[d] : 1;
  shape.insert(d, 1);
  strides.insert(d, st);
  Tensor out = make_view(t, shape, strides, t.storage_offset());
  return autograd::record("UnsqueezeBackward", out, {t}, {},
      [d](const autograd::Ctx&, const TensorList& g) -> TensorList { return {g[0].squeeze(d)}; });
}

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  TG_CHECK(t.defined(), "flatten: the tensor is undefined");
  if (t.dim() == 0) return t.reshape({1});
  const int s = wrap_dim(start_dim, t.dim(), "flatten", &t.shape()), e = wrap_dim(end_dim, t.dim(), "flatten", &t.shape());
  TG_CHECK(s <= e, "flatten: start_dim ", start_dim, " comes after end_dim ", end_dim);
  if (s == e) return t;
  Shape shape;
  for (int i = 0; i < s; ++i) shape.push_back(t.shape()[i]);
  int64_t merged = 1;
  for (int i = s; i <= e; ++i) merged *= t.shape()[i];
  shape.push_back(merged);
  for (int i = e + 1; i < t.dim(); ++i) shape.push_back(t.shape()[i]);
  return reshape(t, shape);
}

Tensor unflatten(const Tensor& t, int64_t dim, IntArrayRef sizes) {
  TG_CHECK(t.defined(), "unflatten: the tensor is undefined");
  const int d = wrap_dim(dim, t.dim(), "unflatten", &t.shape());
  Shape inner = infer_shape(sizes, t.shape()[d], "unflatten");
  Shape shape;
  for (int i = 0; i < d; ++i) shape.push_back(t.shape()[i]);
  for (int64_t s : inner) shape.push_back(s);
  for (int i = d + 1; i < t.dim(); ++i) shape.push_back(t.shape()[i]);
  return reshape(t, shape);
}

// ---------------------------------------------------------------- Tensor methods

Tensor Tensor::view(IntArrayRef shape) const { return tg::view(*this, shape); }
Tensor Tensor::reshape(IntArrayRef shape) const { return tg::reshape(*this, shape); }
Tensor Tensor::permute(IntArrayRef dims) const { return tg::permute(*this, dims); }
Tensor Tensor::transpose(int64_t d0, int64_t d1) const { return tg::transpose(*this, d0, d1); }
Tensor Tensor::t() const {
  TG_CHECK(dim() <= 2, "t: expects a tensor with <= 2 dimensions, got ", dim());
  return dim() < 2 ? *this : tg::transpose(*this, 0, 1);
}
Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end, int64_t step) const {
  return tg::slice(*this, dim, start, end, step);
}
Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  return tg::narrow(*this, dim, start, length);
}
Tensor Tensor::select(int64_t dim, int64_t index) const { return tg::select(*this, dim, index); }
Tensor Tensor::expand(IntArrayRef shape) const { return tg::expand(*this, shape); }
Tensor Tensor::squeeze() const { return tg::squeeze(*this); }
Tensor Tensor::squeeze(int64_t dim) const { return tg::squeeze(*this, dim); }
Tensor Tensor::unsqueeze(int64_t dim) const { return tg::unsqueeze(*this, dim); }
Tensor Tensor::flatten(int64_t s, int64_t e) const { return tg::flatten(*this, s, e); }

}  // namespace tg
