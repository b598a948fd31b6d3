// Zero-copy interop with xtensor. Not included by tapegrad.h (xtensor headers are slow
// to compile): include it where you use it.
//
//   xt::xarray<double> a = {{1, 2}, {3, 4}};
//   tg::Tensor t = tg::from_xarray(std::move(a));   // takes the buffer, no copy
//   auto view = tg::as_xexpression<double>(t.t());   // strided xtensor view, no copy
//   xt::xarray<double> b = tg::to_xarray<double>(t); // a copy
#pragma once
#include <memory>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>

#include "autograd/tensor.h"

namespace tg {

// Moves `a` into a tensor that owns it: the tensor's storage is a's buffer.
template <class T>
Tensor from_xarray(xt::xarray<T>&& a) {
  auto holder = std::make_shared<xt::xarray<T>>(std::move(a));
  std::vector<int64_t> shape(holder->shape().begin(), holder->shape().end());
  std::vector<int64_t> strides(holder->strides().begin(), holder->strides().end());
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 1) strides[i] = 1;  // xtensor uses 0 for size-1 dims
  T* data = holder->data();
  return from_blob(data, shape, strides, dtype_of<T>::value,
                   [holder](void*) mutable { holder.reset(); });
}

// Copies `a` into a new tensor.
template <class T>
Tensor from_xarray(const xt::xarray<T>& a) {
  xt::xarray<T> copy = a;
  return from_xarray(std::move(copy));
}

// A view of the tensor's values as an xtensor expression (strided, no copy). The tensor
// must outlive the view; writes through the view change the tensor (no autograd).
template <class T>
auto as_xexpression(const Tensor& t) {
  TG_CHECK(dtype_of<T>::value == t.dtype(), "as_xexpression: requested ", dtype_of<T>::value,
           " but the tensor is ", t.dtype());
  std::vector<std::size_t> shape(t.shape().begin(), t.shape().end());
  std::vector<std::ptrdiff_t> strides(t.strides().begin(), t.strides().end());
  std::size_t extent = t.numel() == 0 ? 0 : 1;
  for (int i = 0; i < t.dim() && extent; ++i) extent += (shape[i] - 1) * strides[i];
  return xt::adapt(static_cast<T*>(t.raw_data()), extent, xt::no_ownership(), shape, strides);
}

// Copies the tensor's values (in logical order) into a new xarray.
template <class T>
xt::xarray<T> to_xarray(const Tensor& t) {
  return xt::xarray<T>(as_xexpression<T>(t));
}

}  // namespace tg
