// Tensor creation: empty/zeros/ones/full/arange/linspace/eye, from values, from memory.
#include <tbb/scalable_allocator.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "autograd/parallel.h"
#include "autograd/tensor.h"

namespace tg {
namespace {

// a * b and a + b, or false when the result does not fit int64.
bool checked_mul(int64_t a, int64_t b, int64_t& out) { return !__builtin_mul_overflow(a, b, &out); }
bool checked_add(int64_t a, int64_t b, int64_t& out) { return !__builtin_add_overflow(a, b, &out); }

// Checks a shape for a new tensor of `itemsize`-byte elements: no negative size, and the
// element count, every contiguous stride and the byte count fit int64. Returns the byte count;
// throws naming `op` and the shape otherwise.
int64_t checked_nbytes(IntArrayRef shape, int64_t itemsize, const char* op) {
  int64_t numel = 1, span = 1;  // span: the product of max(size, 1), the largest stride
  for (std::size_t i = 0; i < shape.size(); ++i) {
    TG_CHECK(shape[i] >= 0, op, ": negative dimension ", shape[i], " in shape ", shape);
    TG_CHECK(checked_mul(numel, shape[i], numel) &&
                 checked_mul(span, std::max<int64_t>(shape[i], 1), span),
             op, ": shape ", shape, " has more elements than a 64-bit integer can count");
  }
  int64_t nbytes = 0;
  TG_CHECK(checked_mul(numel, itemsize, nbytes), op, ": shape ", shape, " of ", itemsize,
           "-byte elements needs more bytes than a 64-bit integer can count");
  return nbytes;
}

// A new contiguous tensor; sizes, strides and the byte count are checked for overflow first,
// and a failed allocation throws tg::Error naming the op, the shape and the bytes.
Tensor make(IntArrayRef shape, DType dtype, const char* op = "empty") {
  TG_CHECK(shape.size() <= static_cast<std::size_t>(kMaxDims), op, ": tensors have at most ",
           kMaxDims, " dimensions, got shape ", shape);
  const int64_t nbytes = checked_nbytes(shape, static_cast<int64_t>(itemsize(dtype)), op);
  auto impl = make_tensor_impl();
  impl->shape = Shape(shape);
  impl->strides = contiguous_strides(impl->shape);
  impl->dtype = dtype;
  try {
    impl->storage = make_storage(static_cast<std::size_t>(nbytes));
  } catch (const Error& e) {
    throw Error(format_message(op, ": shape ", shape, " of ", dtype, " (", nbytes,
                               " bytes): ", e.what()));
  }
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
  check_device(options.device(), "tensor factory");
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

}  // namespace

Tensor empty(IntArrayRef shape, TensorOptions options) {
  return finish(make(shape, options.dtype()), options);
}

Tensor zeros(IntArrayRef shape, TensorOptions options) {
  Tensor t = make(shape, options.dtype(), "zeros");
  std::memset(t.raw_data(), 0, t.numel() * itemsize(t.dtype()));
  return finish(t, options);
}

Tensor ones(IntArrayRef shape, TensorOptions options) { return full(shape, 1, options); }

Tensor full(IntArrayRef shape, Scalar value, TensorOptions options) {
  Tensor t = make(shape, options.dtype(), "full");
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
  const double count = std::ceil((e - s) / st);
  TG_CHECK(std::isfinite(s) && std::isfinite(e) && count < 0x1.0p62, "arange: the range [", s,
           ", ", e, ") with step ", st, " has too many (or non-finite) elements");
  const int64_t n = static_cast<int64_t>(count);
  Tensor t = make({n}, options.dtype(), "arange");
  TG_DISPATCH_ALL(options.dtype(), "arange", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(s + st * static_cast<double>(i));
  });
  return finish(t, options);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
  TG_CHECK(steps >= 0, "linspace: steps must be non-negative, got ", steps);
  Tensor t = make({steps}, options.dtype(), "linspace");
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  TG_DISPATCH_FLOATING(options.dtype(), "linspace", [&] {
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
  Tensor t = zeros({n, cols}, options.dtype());
  TG_DISPATCH_ALL(options.dtype(), "eye", [&] {
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
  Tensor t = make(dims, dtype_of<Stored>::value, "tensor");
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
  Tensor t = make({static_cast<int64_t>(values.size())}, options.dtype(), "tensor");
  TG_DISPATCH_ALL(options.dtype(), "tensor", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    int64_t i = 0;
    for (double v : values) p[i++] = static_cast<scalar_t>(v);
  });
  return finish(t, options);
}

// Nested braced lists: every inner list must have the same length.
template <class Outer>
Tensor tensor_2d(const Outer& values, TensorOptions options) {
  std::vector<double> flat;
  int64_t cols = -1;
  for (const auto& row : values) {
    TG_CHECK(cols < 0 || static_cast<int64_t>(row.size()) == cols,
             "tensor: nested lists of different lengths (", cols, " and ", row.size(), ")");
    cols = static_cast<int64_t>(row.size());
    for (auto v : row) flat.push_back(static_cast<double>(v));
  }
  const int64_t rows = static_cast<int64_t>(values.size());
  return finish(tensor(flat, {rows, std::max<int64_t>(cols, 0)}).to(options.dtype()), options);
}

Tensor tensor(std::initializer_list<int> values, TensorOptions options) {
  std::vector<double> v(values.begin(), values.end());
  return finish(tensor(v).to(options.dtype()), options);
}
Tensor tensor(std::initializer_list<int64_t> values, TensorOptions options) {
  std::vector<int64_t> v(values.begin(), values.end());
  return finish(tensor(v).to(options.dtype()), options);
}
Tensor tensor(std::initializer_list<bool> values, TensorOptions options) {
  std::vector<double> v(values.begin(), values.end());
  return finish(tensor(v).to(options.dtype()), options);
}
Tensor tensor(std::initializer_list<std::initializer_list<double>> values,
              TensorOptions options) {
  return tensor_2d(values, options);
}
Tensor tensor(std::initializer_list<std::initializer_list<int>> values, TensorOptions options) {
  return tensor_2d(values, options);
}
Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> values,
              TensorOptions options) {
  TensorList planes;
  for (const auto& plane : values) planes.push_back(tensor_2d(plane, options.dtype()));
  TG_CHECK(!planes.empty(), "tensor: an empty nested list");
  for (const Tensor& p : planes)
    TG_CHECK(p.shape() == planes[0].shape(), "tensor: nested lists of different shapes (",
             planes[0].shape(), " and ", p.shape(), ")");
  Tensor t = empty({static_cast<int64_t>(planes.size()), planes[0].size(0), planes[0].size(1)},
                   options.dtype());
  for (std::size_t i = 0; i < planes.size(); ++i)
    std::memcpy(static_cast<char*>(t.raw_data()) + i * planes[0].nbytes(), planes[i].raw_data(),
                planes[0].nbytes());
  return finish(t, options);
}
Tensor tensor(double value, TensorOptions options) { return full({}, value, options); }
Tensor tensor(int value, TensorOptions options) { return full({}, value, options); }
Tensor tensor(int64_t value, TensorOptions options) { return full({}, value, options); }

Tensor zeros_like(const Tensor& t, TensorOptions options) { return zeros(t.shape(), options); }
Tensor ones_like(const Tensor& t, TensorOptions options) { return ones(t.shape(), options); }
Tensor full_like(const Tensor& t, Scalar value, TensorOptions options) {
  return full(t.shape(), value, options);
}

Tensor from_blob(void* data, IntArrayRef shape, const TensorOptions& options) {
  check_device(options.device(), "from_blob");
  Tensor t = from_blob(data, shape, options.dtype());
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
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
  checked_nbytes(shape, static_cast<int64_t>(itemsize(dtype)), "from_blob");
  int64_t nbytes = 0;
  bool ok = true;
  if (extent != 0) {
    for (std::size_t i = 0; i < shape.size(); ++i) {
      int64_t span = 0;
      ok = ok && checked_mul(shape[i] - 1, strides[i], span) && checked_add(extent, span, extent);
    }
  }
  ok = ok && checked_mul(extent, static_cast<int64_t>(itemsize(dtype)), nbytes);
  TG_CHECK(ok, "from_blob: shape ", shape, " with strides ", strides,
           " spans more bytes than a 64-bit integer can count");
  auto impl = make_tensor_impl();
  impl->storage = std::allocate_shared<Storage>(tbb::scalable_allocator<Storage>(), data,
                                                static_cast<std::size_t>(nbytes),
                                                std::move(deleter));
  impl->shape = Shape(shape);
  impl->strides = Shape(strides);
  impl->dtype = dtype;
  impl->refresh_contiguous();
  return Tensor(std::move(impl));
}

Tensor as_strided_view(const Tensor& base, IntArrayRef shape, IntArrayRef strides,
                       int64_t offset) {
  TG_CHECK(base.defined(), "as_strided: the base tensor is undefined");
  TG_CHECK(shape.size() == strides.size(), "as_strided: shape ", shape, " and strides ", strides,
           " have different lengths");
  TG_CHECK(offset >= 0, "as_strided: negative storage offset ", offset);
  checked_nbytes(shape, static_cast<int64_t>(itemsize(base.dtype())), "as_strided");
  // The elements the view reaches lie in [offset + lo, offset + hi]; both ends must be in the
  // storage (an empty view reaches nothing). Strides may be negative (flip reads backwards).
  bool empty_view = false;
  for (int64_t s : shape) empty_view = empty_view || s == 0;
  if (!empty_view) {
    int64_t lo = offset, hi = offset;
    bool ok = true;
    for (std::size_t i = 0; i < shape.size() && ok; ++i) {
      int64_t span = 0;
      ok = checked_mul(shape[i] - 1, strides[i], span);
      if (ok) ok = span < 0 ? checked_add(lo, span, lo) : checked_add(hi, span, hi);
    }
    const auto elements = static_cast<int64_t>(base.storage()->nbytes() / itemsize(base.dtype()));
    TG_CHECK(ok && lo >= 0 && hi < elements, "as_strided: a view of shape ", shape,
             " with strides ", strides, " at storage offset ", offset,
             " reaches outside its storage of ", elements, " elements (", base.dtype(), ")");
  }
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
