// Tensor creation: empty/zeros/ones/full/arange/linspace/eye, from values, from memory.
#include <tbb/scalable_allocator.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "autograd/parallel.h"
#include "autograd/tensor.h"

namespace tg {
namespace {

Tensor make(IntArrayRef shape, DType dtype) {
  for (std::size_t i = 0; i < shape.size(); ++i)
    TG_CHECK(shape[i] >= 0, "empty: negative dimension ", shape[i], " in shape ", shape);
  auto impl = make_tensor_impl();
  impl->shape = Shape(shape);
  impl->strides = contiguous_strides(impl->shape);
  impl->dtype = dtype;
  impl->storage = make_storage(impl->shape.numel() * itemsize(dtype));
  return Tensor(std::move(impl));
}

void fill(const Tensor& t, Scalar value) {
  TG_DISPATCH_ALL(t.dtype(), "fill", [&] {
    scalar_t* p = static_cast<scalar_t*>(t.raw_data());
    const scalar_t v = value.to<scalar_t>();
    const int64_t n = t.numel();
    // Large fills (ones_like seeds, zeroed gradients) in parallel.
    detail::parallel_chunks(n, int64_t{1} << 17,
                            [&](int64_t b, int64_t e) { std::fill(p + b, p + e, v); });
  });
}

Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad) t.requires_grad_(true);
  return t;
}

}  // namespace

Tensor empty(IntArrayRef shape, TensorOptions options) {
  return finish(make(shape, options.dtype), options);
}

Tensor zeros(IntArrayRef shape, TensorOptions options) {
  Tensor t = make(shape, options.dtype);
  std::memset(t.raw_data(), 0, t.numel() * itemsize(t.dtype()));
  return finish(t, options);
}

Tensor ones(IntArrayRef shape, TensorOptions options) { return full(shape, 1, options); }

Tensor full(IntArrayRef shape, Scalar value, TensorOptions options) {
  Tensor t = make(shape, options.dtype);
  fill(t, value);
  return finish(t, options);
}

Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor full_like(const Tensor& t, Scalar value) { return full(t.shape(), value, t.dtype()); }
Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype()); }

Tensor scalar_tensor(Scalar value, TensorOptions options) { return full({}, value, options); }

Tensor arange(Scalar end, TensorOptions options) { return arange(0, end, 1, options); }

Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options) {
  const double s = start.to_double(), e = end.to_double(), st = step.to_double();
  TG_CHECK(st != 0, "arange: step must be nonzero");
  TG_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "arange: the range [", s, ", ", e,
           ") cannot be covered with step ", st);
  const int64_t n = static_cast<int64_t>(std::ceil((e - s) / st));
  Tensor t = make({n}, options.dtype);
  TG_DISPATCH_ALL(options.dtype, "arange", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(s + st * static_cast<double>(i));
  });
  return finish(t, options);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
  TG_CHECK(steps >= 0, "linspace: steps must be non-negative, got ", steps);
  Tensor t = make({steps}, options.dtype);
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  TG_DISPATCH_FLOATING(options.dtype, "linspace", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    // Like PyTorch: the second half counts back from `end` so both ends are exact.
    const int64_t half = steps / 2;
    for (int64_t i = 0; i < steps; ++i)
      p[i] = static_cast<scalar_t>(i < half ? start + step * i : end - step * (steps - 1 - i));
  });
  return finish(t, options);
}

Tensor eye(int64_t n, std::optional<int64_t> m, TensorOptions options) {
  const int64_t cols = m.value_or(n);
  TG_CHECK(n >= 0 && cols >= 0, "eye: sizes must be non-negative, got ", n, " x ", cols);
  Tensor t = zeros({n, cols}, options.dtype);
  TG_DISPATCH_ALL(options.dtype, "eye", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    for (int64_t i = 0; i < std::min(n, cols); ++i) p[i * cols + i] = scalar_t(1);
  });
  return finish(t, options);
}

template <class T>
Tensor tensor(const std::vector<T>& values, IntArrayRef shape) {
  using Stored = std::conditional_t<std::is_same_v<T, int>, int64_t, T>;
  std::vector<int64_t> dims = shape.vec();
  if (shape.empty() && values.size() != 1) dims = {static_cast<int64_t>(values.size())};
  Tensor t = make(dims, dtype_of<Stored>::value);
  TG_CHECK(t.numel() == static_cast<int64_t>(values.size()), "tensor: ", values.size(),
           " values do not fill shape ", IntArrayRef(dims));
  Stored* p = t.data_ptr<Stored>();
  for (std::size_t i = 0; i < values.size(); ++i) p[i] = static_cast<Stored>(values[i]);
  return t;
}
template Tensor tensor<float>(const std::vector<float>&, IntArrayRef);
template Tensor tensor<double>(const std::vector<double>&, IntArrayRef);
template Tensor tensor<int64_t>(const std::vector<int64_t>&, IntArrayRef);
template Tensor tensor<int>(const std::vector<int>&, IntArrayRef);

Tensor tensor(std::initializer_list<double> values, TensorOptions options) {
  Tensor t = make({static_cast<int64_t>(values.size())}, options.dtype);
  TG_DISPATCH_ALL(options.dtype, "tensor", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    int64_t i = 0;
    for (double v : values) p[i++] = static_cast<scalar_t>(v);
  });
  return finish(t, options);
}

Tensor from_blob(void* data, IntArrayRef shape, DType dtype, std::function<void(void*)> deleter) {
  Shape s(shape);
  return from_blob(data, shape, contiguous_strides(s), dtype, std::move(deleter));
}

Tensor from_blob(void* data, IntArrayRef shape, IntArrayRef strides, DType dtype,
                 std::function<void(void*)> deleter) {
  TG_CHECK(shape.size() == strides.size(), "from_blob: shape ", shape, " and strides ", strides,
           " have different lengths");
  int64_t extent = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    TG_CHECK(shape[i] >= 0 && strides[i] >= 0, "from_blob: negative size or stride in shape ",
             shape, " strides ", strides);
    if (shape[i] == 0) extent = 0;
  }
  if (extent != 0) {
    for (std::size_t i = 0; i < shape.size(); ++i) extent += (shape[i] - 1) * strides[i];
  }
  auto impl = make_tensor_impl();
  impl->storage = std::allocate_shared<Storage>(tbb::scalable_allocator<Storage>(), data, extent * itemsize(dtype), std::move(deleter));
  impl->shape = Shape(shape);
  impl->strides = Shape(strides);
  impl->dtype = dtype;
  impl->refresh_contiguous();
  return Tensor(std::move(impl));
}

Tensor as_strided_view(const Tensor& base, IntArrayRef shape, IntArrayRef strides,
                       int64_t offset) {
  auto impl = make_tensor_impl();
  impl->storage = base.storage();
  impl->offset = offset;
  impl->shape = Shape(shape);
  impl->strides = Shape(strides);
  impl->dtype = base.dtype();
  impl->is_view = true;
  impl->refresh_contiguous();
  return Tensor(std::move(impl));
}

}  // namespace tg
