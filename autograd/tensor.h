// Tensor: a cheap handle to shared storage plus shape, strides and dtype, and the
// autograd state (requires_grad, grad, grad_fn) that ties it into the tape.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "autograd/device.h"
#include "autograd/dtype.h"
#include "autograd/error.h"
#include "autograd/scalar.h"
#include "autograd/shape.h"
#include "autograd/storage.h"

namespace tg {

class Node;
struct TensorImpl;
class Tensor;
struct TensorOptions;
using TensorList = std::vector<Tensor>;
using TensorHook = std::function<Tensor(const Tensor&)>;
template <class T, std::size_t N> class TensorAccessor;  // autograd/accessor.h
namespace indexing {
class TensorIndex;  // ops/indexing.h
}  // namespace indexing

namespace detail {
[[noreturn]] void throw_undefined(const char* what);
}  // namespace detail

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // ---- metadata
  const Shape& shape() const;
  IntArrayRef sizes() const { return shape(); }
  const Shape& strides() const;
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const;
  int64_t numel() const;
  DType dtype() const;
  DType scalar_type() const { return dtype(); }
  bool is_contiguous() const;
  bool is_floating_point() const { return is_floating(dtype()); }
  int64_t storage_offset() const;
  const std::shared_ptr<Storage>& storage() const;
  int64_t ndimension() const { return dim(); }
  int64_t element_size() const { return static_cast<int64_t>(itemsize(dtype())); }
  int64_t nbytes() const { return numel() * element_size(); }
  // Always the CPU (see autograd/device.h).
  Device device() const;
  bool is_cpu() const { return true; }
  bool is_cuda() const { return false; }
  // dtype and device of this tensor (not requires_grad, as in libtorch), for similar tensors.
  TensorOptions options() const;

  // ---- data access (no autograd)
  template <class T> T* data_ptr() const;
  void* raw_data() const;
  // The single value of a one-element tensor, converted to T (any arithmetic type).
  template <class T> T item() const;
  // The value as a Scalar (toDouble(), toFloat(), toLong(), ...; converts to double).
  Scalar item() const;
  // Element access by (possibly strided) indices, as libtorch's accessor<T, N>().
  template <class T, std::size_t N> TensorAccessor<T, N> accessor() const&;
  template <class T, std::size_t N> TensorAccessor<T, N> accessor() && = delete;
  // A copy of the values in logical (row-major) order.
  template <class T> std::vector<T> to_vector() const;

  // ---- autograd
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);
  const Tensor& grad() const;
  Tensor& mutable_grad();
  void set_grad(Tensor g) const;
  const std::shared_ptr<Node>& grad_fn() const;
  uint32_t output_nr() const;
  bool is_leaf() const;
  // Reverse-mode gradient of this tensor w.r.t. the leaves; `gradient` defaults to
  // ones for a one-element tensor and is required otherwise.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false,
                bool create_graph = false) const;
  Tensor detach() const;
  Tensor& detach_();
  // The values without history (shares storage), as libtorch's .data().
  Tensor data() const { return detach(); }
  Tensor& set_requires_grad(bool on) { return requires_grad_(on); }
  void retain_grad() const;
  bool retains_grad() const;
  // Runs `hook(grad)` when this tensor's gradient is computed; a defined return value
  // replaces the gradient. Returns a handle for remove_hook.
  int register_hook(TensorHook hook) const;
  void remove_hook(int handle) const;
  uint64_t version() const;
  // Marks an in-place write: bumps the version counter shared with every view.
  void bump_version() const;
  std::string grad_fn_name() const;

  // ---- conversions and copies (defined in ops/)
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(DType dtype) const;
  // Moving to a device: the CPU returns this tensor (converted to `dtype` if given);
  // any other device throws.
  Tensor to(Device device) const;
  Tensor to(Device device, DType dtype) const;
  Tensor to(const TensorOptions& options) const;
  Tensor to(const Tensor& other) const { return to(other.dtype()); }
  Tensor type_as(const Tensor& other) const { return to(other.dtype()); }
  Tensor cpu() const { return *this; }
  Tensor& copy_(const Tensor& src);

  // ---- views (defined in ops/shape.cpp)
  Tensor view(IntArrayRef shape) const;
  Tensor reshape(IntArrayRef shape) const;
  Tensor permute(IntArrayRef dims) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor expand(IntArrayRef shape) const;
  Tensor expand_as(const Tensor& other) const { return expand(other.shape()); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor view_as(const Tensor& other) const { return view(other.shape()); }
  Tensor reshape_as(const Tensor& other) const { return reshape(other.shape()); }
  Tensor unflatten(int64_t dim, IntArrayRef sizes) const;
  Tensor movedim(int64_t source, int64_t destination) const;
  // The diagonal of the (dim1, dim2) planes, shifted by offset, as a last dim.
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;
  // In-place shape changes of this handle (no autograd history of their own).
  Tensor& squeeze_();
  Tensor& squeeze_(int64_t dim);
  Tensor& unsqueeze_(int64_t dim);
  Tensor& t_();
  Tensor& transpose_(int64_t dim0, int64_t dim1);

  // ---- indexing (ops/indexing.cpp): x.index({Slice(), 0, "...", None, mask, idx})
  // with PyTorch's rules for ints, slices, None, Ellipsis, bool and int64 index tensors;
  // differentiable. index_put_ writes `value` (broadcast) at the indexed elements.
  Tensor index(std::initializer_list<indexing::TensorIndex> indices) const;
  Tensor index(const std::vector<indexing::TensorIndex>& indices) const;
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& value);
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, Scalar value);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, const Tensor& value);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, Scalar value);
  // PyTorch's index_put_ with a list of (broadcast) int64/bool index tensors.
  Tensor& index_put_(const TensorList& indices, const Tensor& values, bool accumulate = false);
  Tensor index_put(const TensorList& indices, const Tensor& values, bool accumulate = false) const;
  Tensor operator[](const Tensor& index) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor index_add(int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(int64_t dim, const Tensor& index, Scalar value) const;
  Tensor& scatter_(int64_t dim, const Tensor& index, const Tensor& src);
  Tensor& scatter_(int64_t dim, const Tensor& index, Scalar value);
  Tensor& scatter_add_(int64_t dim, const Tensor& index, const Tensor& src);
  Tensor masked_fill(const Tensor& mask, Scalar value) const;
  Tensor masked_select(const Tensor& mask) const;
  Tensor nonzero() const;
  Tensor where(const Tensor& condition, const Tensor& other) const;
  Tensor repeat(IntArrayRef repeats) const;
  Tensor flip(IntArrayRef dims) const;
  TensorList split(int64_t split_size, int64_t dim = 0) const;
  TensorList chunk(int64_t chunks, int64_t dim = 0) const;
  TensorList unbind(int64_t dim = 0) const;

  // ---- arithmetic (defined in ops/elementwise.cpp, ops/unary.cpp)
  Tensor add(const Tensor& other, Scalar alpha = 1) const;
  Tensor sub(const Tensor& other, Scalar alpha = 1) const;
  Tensor mul(const Tensor& other) const;
  Tensor div(const Tensor& other) const;
  Tensor neg() const;
  Tensor pow(const Tensor& exponent) const;
  Tensor pow(Scalar exponent) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor abs() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
  Tensor clamp_min(Scalar min) const;
  Tensor clamp_max(Scalar max) const;
  Tensor matmul(const Tensor& other) const;
  Tensor add(Scalar other, Scalar alpha = 1) const;
  Tensor sub(Scalar other, Scalar alpha = 1) const;
  Tensor mul(Scalar other) const;
  Tensor div(Scalar other) const;
  Tensor log1p() const;
  Tensor square() const;
  Tensor reciprocal() const;
  Tensor sign() const;
  Tensor floor() const;
  Tensor ceil() const;
  Tensor round() const;
  Tensor isnan() const;
  Tensor isfinite() const;
  Tensor leaky_relu(Scalar negative_slope = 0.01) const;
  Tensor softplus() const;
  Tensor maximum(const Tensor& other) const;
  Tensor minimum(const Tensor& other) const;
  Tensor mm(const Tensor& mat2) const;
  Tensor bmm(const Tensor& mat2) const;
  Tensor mv(const Tensor& vec) const;
  Tensor dot(const Tensor& other) const;
  Tensor outer(const Tensor& vec2) const;
  // Comparisons and logic (bool results, no gradient).
  Tensor eq(const Tensor& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor le(const Tensor& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor ge(const Tensor& other) const;
  Tensor eq(Scalar other) const;
  Tensor ne(Scalar other) const;
  Tensor lt(Scalar other) const;
  Tensor le(Scalar other) const;
  Tensor gt(Scalar other) const;
  Tensor ge(Scalar other) const;
  Tensor logical_not() const;
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  bool equal(const Tensor& other) const;
  bool allclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8) const;

  // ---- in place (bump the version counter)
  Tensor& add_(const Tensor& other, Scalar alpha = 1);
  Tensor& add_(Scalar other);
  Tensor& sub_(const Tensor& other, Scalar alpha = 1);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(Scalar other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(Scalar other);
  Tensor& zero_();
  Tensor& fill_(Scalar value);
  Tensor& relu_();
  Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
  Tensor& masked_fill_(const Tensor& mask, Scalar value);
  Tensor& sub_(Scalar other);
  Tensor& clamp_min_(Scalar min);
  Tensor& clamp_max_(Scalar max);
  Tensor& pow_(Scalar exponent);
  Tensor& neg_();
  Tensor& exp_();
  Tensor& log_();
  Tensor& sqrt_();
  Tensor& abs_();
  Tensor& sigmoid_();
  Tensor& tanh_();
  // Random fills in place from the default generator (no autograd), as libtorch's.
  Tensor& uniform_(double from = 0, double to = 1);
  Tensor& normal_(double mean = 0, double std = 1);
  Tensor& bernoulli_(double p = 0.5);

  // ---- reductions (defined in ops/reduce.cpp)
  Tensor sum() const;
  Tensor sum(IntArrayRef dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(IntArrayRef dims, bool keepdim = false) const;
  Tensor max() const;
  Tensor min() const;
  Tensor amax(IntArrayRef dims, bool keepdim = false) const;
  Tensor amin(IntArrayRef dims, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  // Along `dim`: (values, int64 indices of the first extreme).
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor max(const Tensor& other) const { return maximum(other); }
  Tensor min(const Tensor& other) const { return minimum(other); }
  Tensor sum(IntArrayRef dims, bool keepdim, DType dtype) const;
  Tensor prod() const;
  Tensor prod(int64_t dim, bool keepdim = false) const;
  Tensor var(IntArrayRef dims = {}, bool unbiased = true, bool keepdim = false) const;
  Tensor std(IntArrayRef dims = {}, bool unbiased = true, bool keepdim = false) const;
  Tensor logsumexp(IntArrayRef dims, bool keepdim = false) const;
  Tensor norm(Scalar p = 2) const;
  Tensor norm(Scalar p, IntArrayRef dims, bool keepdim = false) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// The state behind a Tensor handle. Views share `storage`; autograd fields are per handle.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  Shape strides;
  DType dtype = DType::Float32;
  bool contiguous = true;

  bool requires_grad = false;
  bool retains_grad = false;
  bool is_view = false;          // shares storage with a base that autograd may track
  uint32_t output_nr = 0;
  std::shared_ptr<Node> grad_fn;   // null for leaves
  std::weak_ptr<Node> grad_accumulator;  // leaves only
  Tensor grad;
  std::vector<std::pair<int, TensorHook>> hooks;  // leaf hooks (non-leaf hooks live on grad_fn)

  void refresh_contiguous();
};

// A fresh TensorImpl from the scalable allocator (see make_storage).
std::shared_ptr<TensorImpl> make_tensor_impl();

// ---- creation (autograd/factory.cpp)
// dtype, device and requires_grad of a new tensor, chainable as in libtorch:
// TensorOptions().dtype(tg::kFloat64).requires_grad(true), or tg::dtype(..) / tg::device(..)
// / tg::requires_grad(). A DType or a Device converts to options implicitly.
struct TensorOptions {
  TensorOptions() = default;
  TensorOptions(DType d) : dtype_(d) {}  // NOLINT: implicit by design, as in PyTorch
  TensorOptions(Device d) : device_(d) {}  // NOLINT: implicit by design, as in PyTorch
  TensorOptions(DeviceType d) : device_(d) {}  // NOLINT: implicit by design, as in PyTorch

  DType dtype() const noexcept { return dtype_; }
  Device device() const noexcept { return device_; }
  bool requires_grad() const noexcept { return requires_grad_; }
  TensorOptions dtype(DType d) const noexcept { TensorOptions o = *this; o.dtype_ = d; return o; }
  template <class T> TensorOptions dtype() const noexcept { return dtype(dtype_of<T>::value); }
  TensorOptions device(Device d) const noexcept { TensorOptions o = *this; o.device_ = d; return o; }
  TensorOptions requires_grad(bool r) const noexcept {
    TensorOptions o = *this;
    o.requires_grad_ = r;
    return o;
  }
  TensorOptions& set_dtype(DType d) { dtype_ = d; return *this; }
  TensorOptions& set_requires_grad(bool r) { requires_grad_ = r; return *this; }
  TensorOptions& set_device(Device d) { device_ = d; return *this; }

 private:
  DType dtype_ = DType::Float32;
  Device device_ = Device(DeviceType::CPU);
  bool requires_grad_ = false;
};

inline TensorOptions dtype(DType d) { return TensorOptions().dtype(d); }
template <class T> TensorOptions dtype() { return TensorOptions().dtype(dtype_of<T>::value); }
inline TensorOptions device(Device d) { return TensorOptions().device(d); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }

Tensor empty(IntArrayRef shape, TensorOptions options = {});
Tensor zeros(IntArrayRef shape, TensorOptions options = {});
Tensor ones(IntArrayRef shape, TensorOptions options = {});
Tensor full(IntArrayRef shape, Scalar value, TensorOptions options = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, Scalar value);
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t, TensorOptions options);
Tensor ones_like(const Tensor& t, TensorOptions options);
Tensor full_like(const Tensor& t, Scalar value, TensorOptions options);
Tensor scalar_tensor(Scalar value, TensorOptions options = {});
Tensor arange(Scalar end, TensorOptions options = DType::Int64);
Tensor arange(Scalar start, Scalar end, Scalar step = 1, TensorOptions options = DType::Int64);
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, TensorOptions options = {});
// A tensor that copies `values` (row-major) into a new storage of the given shape.
template <class T>
Tensor tensor(const std::vector<T>& values, IntArrayRef shape = {});
// A 1-d copy of `values` with the given options (libtorch's tensor(vector, options)).
template <class T>
Tensor tensor(const std::vector<T>& values, TensorOptions options) {
  return tensor(values).to(options);
}
// From braced lists, typed as libtorch types them: integers give int64, floating values the
// default float32, bools bool; options override. Nested lists give 2-d and 3-d tensors.
Tensor tensor(std::initializer_list<double> values, TensorOptions options = {});
Tensor tensor(std::initializer_list<int> values, TensorOptions options = DType::Int64);
Tensor tensor(std::initializer_list<int64_t> values, TensorOptions options = DType::Int64);
Tensor tensor(std::initializer_list<bool> values, TensorOptions options = DType::Bool);
Tensor tensor(std::initializer_list<std::initializer_list<double>> values,
              TensorOptions options = {});
Tensor tensor(std::initializer_list<std::initializer_list<int>> values,
              TensorOptions options = DType::Int64);
Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> values,
              TensorOptions options = {});
Tensor tensor(double value, TensorOptions options = {});
Tensor tensor(int value, TensorOptions options = DType::Int64);
Tensor tensor(int64_t value, TensorOptions options = DType::Int64);
// Wraps memory owned elsewhere (no copy). `deleter` runs when the last view dies.
Tensor from_blob(void* data, IntArrayRef shape, DType dtype,
                 std::function<void(void*)> deleter = nullptr);
Tensor from_blob(void* data, IntArrayRef shape, IntArrayRef strides, DType dtype,
                 std::function<void(void*)> deleter = nullptr);
// libtorch's from_blob(data, sizes, options): float32 unless the options say otherwise.
Tensor from_blob(void* data, IntArrayRef shape, const TensorOptions& options = {});
// A view with explicit geometry over an existing tensor's storage (no autograd).
Tensor as_strided_view(const Tensor& base, IntArrayRef shape, IntArrayRef strides,
                       int64_t offset);

std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::string to_string(const Tensor& t);

// ---------------------------------------------------------------- inline bodies
// Metadata of an undefined tensor (a grad before the first backward, a default-constructed
// Tensor) throws tg::Error instead of dereferencing null.
inline const Shape& Tensor::shape() const {
  if (!impl_) detail::throw_undefined("shape");
  return impl_->shape;
}
inline const Shape& Tensor::strides() const {
  if (!impl_) detail::throw_undefined("strides");
  return impl_->strides;
}
inline int64_t Tensor::dim() const {
  if (!impl_) detail::throw_undefined("dim");
  return impl_->shape.size();
}
inline int64_t Tensor::numel() const {
  if (!impl_) detail::throw_undefined("numel");
  return impl_->shape.numel();
}
inline DType Tensor::dtype() const {
  if (!impl_) detail::throw_undefined("dtype");
  return impl_->dtype;
}
inline bool Tensor::is_contiguous() const {
  if (!impl_) detail::throw_undefined("is_contiguous");
  return impl_->contiguous;
}
template <class T>
T Tensor::item() const {
  TG_CHECK(defined(), "item: the tensor is undefined");
  TG_CHECK(numel() == 1, "item: only one-element tensors can be converted to a number, got shape ",
           shape());
  const void* p = static_cast<const char*>(impl_->storage->data()) +
                  impl_->offset * itemsize(impl_->dtype);
  return TG_DISPATCH_ALL(impl_->dtype, "item",
                         [&] { return static_cast<T>(*static_cast<const scalar_t*>(p)); });
}
inline int64_t Tensor::storage_offset() const { return impl_->offset; }
inline const std::shared_ptr<Storage>& Tensor::storage() const { return impl_->storage; }
inline void* Tensor::raw_data() const {
  return static_cast<char*>(impl_->storage->data()) + impl_->offset * itemsize(impl_->dtype);
}
template <class T>
T* Tensor::data_ptr() const {
  TG_CHECK(defined(), "data_ptr: the tensor is undefined");
  TG_CHECK(dtype_of<T>::value == impl_->dtype, "data_ptr: requested ", dtype_of<T>::value,
           " but the tensor is ", impl_->dtype);
  return static_cast<T*>(raw_data());
}
inline bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad; }
inline const std::shared_ptr<Node>& Tensor::grad_fn() const { return impl_->grad_fn; }
inline uint32_t Tensor::output_nr() const { return impl_->output_nr; }
inline bool Tensor::is_leaf() const { return impl_->grad_fn == nullptr; }
inline uint64_t Tensor::version() const { return impl_->storage->version(); }
inline void Tensor::bump_version() const { impl_->storage->bump_version(); }

}  // namespace tg
