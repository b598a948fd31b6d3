// Copies and conversions: contiguous, clone, to(dtype), copy_, fill_, zero_.
#include <cstring>
#include <limits>
#include <type_traits>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/internal.h"
#include "ops/iter.h"
#include "ops/ops.h"

namespace tg {
namespace detail {
namespace {

// C++ leaves a float-to-integer conversion undefined for NaN, the infinities and values out of
// range; here they give int64's most negative value, as x86's truncating conversion (and so
// PyTorch on x86) does.
template <class Out, class In>
Out convert_element(In v) {
  if constexpr (std::is_same_v<Out, int64_t> && std::is_floating_point_v<In>) {
    if (!(v >= In(-0x1.0p63) && v < In(0x1.0p63))) return std::numeric_limits<int64_t>::min();
  }
  return static_cast<Out>(v);
}

}  // namespace

void copy_values(const Tensor& dst, const Tensor& src) {
  TG_CHECK(dst.shape() == src.shape(), "copy: shapes ", dst.shape(), " and ", src.shape(),
           " differ");
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous()) {
    const int64_t bytes = src.numel() * itemsize(src.dtype());
    char* d = static_cast<char*>(dst.raw_data());
    const char* s = static_cast<const char*>(src.raw_data());
    if (d < s + bytes && s < d + bytes) {  // overlapping views of one storage
      std::memmove(d, s, bytes);
      return;
    }
    // Large copies (clones, .grad accumulation) in parallel.
    detail::parallel_chunks(bytes, int64_t{1} << 19,
                            [&](int64_t b, int64_t e) { std::memcpy(d + b, s + b, e - b); });
    return;
  }
  TG_DISPATCH_ALL(dst.dtype(), "copy", [&] {
    using Out = scalar_t;
    TG_DISPATCH_ALL(src.dtype(), "copy", [&] {
      using In = scalar_t;
      Out* po = static_cast<Out*>(dst.raw_data());
      const In* pi = static_cast<const In*>(src.raw_data());
      StridedLoop<2> loop(dst.shape(), {dst.strides(), src.strides()});
      loop.run([&](const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st, int64_t n) {
        for (int64_t i = 0; i < n; ++i) po[off[0] + i * st[0]] = convert_element<Out>(pi[off[1] + i * st[1]]);
      });
    });
  });
}

std::vector<int> wrap_dims(IntArrayRef dims, int64_t ndim, const char* op, const Shape* shape) {
  std::vector<int> out;
  for (int64_t d : dims) {
    const int w = wrap_dim(d, ndim, op, shape);
    for (int prev : out)
      TG_CHECK(prev != w, op, ": dim ", d, " appears more than once in ", dims);
    out.push_back(w);
  }
  return out;
}

}  // namespace detail

Tensor Tensor::clone() const {
  TG_CHECK(defined(), "clone: the tensor is undefined");
  Tensor out = empty(shape(), dtype());
  detail::copy_values(out, *this);
  return autograd::record("CloneBackward", out, {*this}, {},
      [](const autograd::Ctx&, const TensorList& g) -> TensorList { return {g[0]}; });
}

Tensor Tensor::contiguous() const {
  TG_CHECK(defined(), "contiguous: the tensor is undefined");
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::to(DType target) const {
  TG_CHECK(defined(), "to: the tensor is undefined");
  if (dtype() == target) return *this;
  Tensor out = empty(shape(), target);
  detail::copy_values(out, *this);
  if (!is_floating(target) || !is_floating(dtype())) return out;  // casts to/from ints: no grad
  return autograd::record("ToCopyBackward", out, {*this}, {},
      [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        return {g[0].to(c.input_dtype(0))};
      });
}

Tensor& Tensor::copy_(const Tensor& src) {
  TG_CHECK(src.defined(), "copy_: the source is undefined");
  return detail::inplace(
      *this, "copy_",
      [&](const Tensor& s) {  // result = src broadcast to self's shape (self's values unused)
        return (src.to(s.dtype()) + zeros_like(s));
      },
      [&] {
        Tensor b = src.dim() == dim() && src.shape() == shape() ? src : src.expand(shape());
        detail::copy_values(*this, b);
      },
      &src);
}

Tensor& Tensor::fill_(Scalar value) {
  return detail::inplace(
      *this, "fill_", [&](const Tensor& s) { return zeros_like(s) + value; },
      [&] {
        Tensor filled = full({}, value, dtype()).expand(shape());
        detail::copy_values(*this, filled);
      });
}

Tensor& Tensor::zero_() { return fill_(0); }

}  // namespace tg
