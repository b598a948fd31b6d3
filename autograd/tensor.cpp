// Tensor's own methods: metadata, element access and the autograd state.
#include "autograd/tensor.h"

#include <tbb/scalable_allocator.h>

#include <atomic>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"

namespace tg {

std::shared_ptr<TensorImpl> make_tensor_impl() {
  return std::allocate_shared<TensorImpl>(tbb::scalable_allocator<TensorImpl>());
}

void TensorImpl::refresh_contiguous() {
  int64_t expected = 1;
  contiguous = true;
  for (int i = shape.size() - 1; i >= 0; --i) {
    if (shape[i] == 1) continue;
    if (strides[i] != expected) {
      contiguous = false;
      return;
    }
    expected *= shape[i];
  }
}

int64_t Tensor::size(int64_t dim) const {
  const int64_t n = this->dim();  // throws first for an undefined tensor
  const int64_t d = wrap_dim(dim, n, "size", &impl_->shape);
  return impl_->shape[d];
}

int64_t Tensor::stride(int64_t dim) const {
  const int64_t n = this->dim();  // throws first for an undefined tensor
  const int64_t d = wrap_dim(dim, n, "stride", &impl_->shape);
  return impl_->strides[d];
}

Scalar Tensor::item() const {
  TG_CHECK(defined(), "item: the tensor is undefined");
  if (is_floating(dtype())) return Scalar(item<double>());
  if (dtype() == DType::Bool) return Scalar(item<bool>());
  return Scalar(item<int64_t>());
}

namespace detail {
void throw_undefined(const char* what) {
  throw Error(format_message(what, ": the tensor is undefined (a default-constructed Tensor, or "
                             "a gradient that was never computed or was reset by zero_grad)"));
}
}  // namespace detail

Device Tensor::device() const {
  if (!impl_) detail::throw_undefined("device");
  return Device(DeviceType::CPU);
}

TensorOptions Tensor::options() const {  // as libtorch: without requires_grad
  return TensorOptions(dtype());
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  TG_CHECK(defined(), "to_vector: the tensor is undefined");
  Tensor c = contiguous();
  std::vector<T> out(static_cast<std::size_t>(c.numel()));
  TG_DISPATCH_ALL(c.dtype(), "to_vector", [&] {
    const scalar_t* p = c.data_ptr<scalar_t>();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<T>(p[i]);
  });
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<bool> Tensor::to_vector<bool>() const;

// ---------------------------------------------------------------- autograd state

Tensor& Tensor::requires_grad_(bool on) {
  TG_CHECK(defined(), "requires_grad_: the tensor is undefined");
  TG_CHECK(is_leaf() || on, "requires_grad_: you can only change requires_grad of leaf "
           "tensors; use detach() to get a tensor that does not require grad");
  TG_CHECK(!on || is_floating(dtype()), "requires_grad_: only floating-point tensors can "
           "require gradients, this one is ", dtype());
  impl_->requires_grad = on;
  return *this;
}

const Tensor& Tensor::grad() const {
  TG_CHECK(defined(), "grad: the tensor is undefined");
  return impl_->grad;
}

Tensor& Tensor::mutable_grad() {
  TG_CHECK(defined(), "mutable_grad: the tensor is undefined");
  return impl_->grad;
}

void Tensor::set_grad(Tensor g) const {
  TG_CHECK(defined(), "set_grad: the tensor is undefined");
  TG_CHECK(!g.defined() || g.shape() == shape(), "set_grad: gradient of shape ",
           g.defined() ? g.shape() : Shape{}, " does not match the tensor's shape ", shape());
  impl_->grad = std::move(g);
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph);
}

Tensor Tensor::detach() const {
  TG_CHECK(defined(), "detach: the tensor is undefined");
  auto impl = make_tensor_impl();
  impl->storage = impl_->storage;
  impl->offset = impl_->offset;
  impl->shape = impl_->shape;
  impl->strides = impl_->strides;
  impl->dtype = impl_->dtype;
  impl->contiguous = impl_->contiguous;
  return Tensor(std::move(impl));
}

Tensor& Tensor::detach_() {
  TG_CHECK(defined(), "detach_: the tensor is undefined");
  impl_->grad_fn.reset();
  impl_->output_nr = 0;
  impl_->requires_grad = false;
  return *this;
}

void Tensor::retain_grad() const {
  TG_CHECK(defined(), "retain_grad: the tensor is undefined");
  TG_CHECK(requires_grad(), "retain_grad: can't retain the grad of a tensor that does not "
           "require grad");
  if (is_leaf() || impl_->retains_grad) return;  // leaves keep their grad anyway
  std::weak_ptr<TensorImpl> weak = impl_;
  impl_->grad_fn->add_pre_hook(
      impl_->output_nr,
      [weak](const Tensor& g) -> Tensor {
        if (auto impl = weak.lock()) {
          Tensor& acc = impl->grad;
          if (GradMode::is_enabled()) acc = acc.defined() ? acc.add(g) : g;
          else acc = acc.defined() ? acc.add(g) : g.detach().clone();
        }
        return Tensor();
      },
      /*retains_grad=*/true);
  impl_->retains_grad = true;
}

bool Tensor::retains_grad() const { return impl_ && impl_->retains_grad; }

int Tensor::register_hook(TensorHook hook) const {
  TG_CHECK(requires_grad(), "register_hook: can't register a hook on a tensor that does not "
           "require grad");
  if (impl_->grad_fn) return impl_->grad_fn->add_pre_hook(impl_->output_nr, std::move(hook));
  static std::atomic<int> next_leaf_handle{-1};
  const int handle = next_leaf_handle--;  // negative handles name leaf hooks
  impl_->hooks.emplace_back(handle, std::move(hook));
  return handle;
}

void Tensor::remove_hook(int handle) const {
  if (handle < 0) {
    auto& hooks = impl_->hooks;
    for (auto it = hooks.begin(); it != hooks.end(); ++it) {
      if (it->first == handle) {
        hooks.erase(it);
        return;
      }
    }
    return;
  }
  if (impl_->grad_fn) impl_->grad_fn->remove_pre_hook(handle);
}

std::string Tensor::grad_fn_name() const {
  if (!defined() || !impl_->grad_fn) return "";
  return impl_->grad_fn->name();
}

}  // namespace tg
