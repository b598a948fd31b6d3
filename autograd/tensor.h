// Tensor: a cheap handle to shared storage plus shape, strides and dtype, and the
// autograd state (requires_grad, grad, grad_fn) that ties it into the tape.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "autograd/dtype.h"
#include "autograd/error.h"
#include "autograd/scalar.h"
#include "autograd/shape.h"
#include "autograd/storage.h"

namespace tg {

class Node;
struct TensorImpl;
class Tensor;
using TensorList = std::vector<Tensor>;
using TensorHook = std::function<Tensor(const Tensor&)>;

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

  // ---- data access (no autograd)
  template <class T> T* data_ptr() const;
  void* raw_data() const;
  // The single value of a one-element tensor, converted to T.
  template <class T> T item() const;
  double item() const { return item<double>(); }
  // A copy of the values in logical (row-major) order.
  template <class T> std::vector<T> to_vector() const;

  // ---- autograd
  bool requires_grad() const;
  Tensor& requires_grad_(bool requires = true);
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
  Tensor matmul(const Tensor& other) const;

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
struct TensorOptions {
  DType dtype = DType::Float32;
  bool requires_grad = false;
  TensorOptions() = default;
  TensorOptions(DType d) : dtype(d) {}  // NOLINT: implicit by design, as in PyTorch
  TensorOptions& set_dtype(DType d) { dtype = d; return *this; }
  TensorOptions& set_requires_grad(bool r) { requires_grad = r; return *this; }
};

Tensor empty(IntArrayRef shape, TensorOptions options = {});
Tensor zeros(IntArrayRef shape, TensorOptions options = {});
Tensor ones(IntArrayRef shape, TensorOptions options = {});
Tensor full(IntArrayRef shape, Scalar value, TensorOptions options = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, Scalar value);
Tensor empty_like(const Tensor& t);
Tensor scalar_tensor(Scalar value, TensorOptions options = {});
Tensor arange(Scalar end, TensorOptions options = DType::Int64);
Tensor arange(Scalar start, Scalar end, Scalar step = 1, TensorOptions options = DType::Int64);
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, TensorOptions options = {});
// A tensor that copies `values` (row-major) into a new storage of the given shape.
template <class T>
Tensor tensor(const std::vector<T>& values, IntArrayRef shape = {});
Tensor tensor(std::initializer_list<double> values, TensorOptions options = {});
// Wraps memory owned elsewhere (no copy). `deleter` runs when the last view dies.
Tensor from_blob(void* data, IntArrayRef shape, DType dtype,
                 std::function<void(void*)> deleter = nullptr);
Tensor from_blob(void* data, IntArrayRef shape, IntArrayRef strides, DType dtype,
                 std::function<void(void*)> deleter = nullptr);
// A view with explicit geometry over an existing tensor's storage (no autograd).
Tensor as_strided_view(const Tensor& base, IntArrayRef shape, IntArrayRef strides,
                       int64_t offset);

std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::string to_string(const Tensor& t);

// ---------------------------------------------------------------- inline bodies
inline const Shape& Tensor::shape() const { return impl_->shape; }
inline const Shape& Tensor::strides() const { return impl_->strides; }
inline int64_t Tensor::dim() const { return impl_->shape.size(); }
inline int64_t Tensor::numel() const { return impl_->shape.numel(); }
inline DType Tensor::dtype() const { return impl_->dtype; }
inline bool Tensor::is_contiguous() const { return impl_->contiguous; }
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
