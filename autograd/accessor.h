// TensorAccessor<T, N>: element access to a tensor of N dims by index, through its strides,
// as libtorch's accessor: `auto a = t.accessor<float, 2>(); a[i][j] = 1;`. No autograd, no
// bounds checks in the loops (the dims and dtype are checked once, by accessor()).
#pragma once
#include <cstddef>
#include <cstdint>

#include "autograd/tensor.h"

namespace tg {

template <class T, std::size_t N>
class TensorAccessorBase {
 public:
  TensorAccessorBase(T* data, const int64_t* sizes, const int64_t* strides)
      : data_(data), sizes_(sizes), strides_(strides) {}
  int64_t size(std::size_t i) const { return sizes_[i]; }
  int64_t stride(std::size_t i) const { return strides_[i]; }
  IntArrayRef sizes() const { return IntArrayRef(sizes_, N); }
  IntArrayRef strides() const { return IntArrayRef(strides_, N); }
  T* data() const { return data_; }

 protected:
  T* data_;
  const int64_t* sizes_;
  const int64_t* strides_;
};

template <class T, std::size_t N>
class TensorAccessor : public TensorAccessorBase<T, N> {
 public:
  using TensorAccessorBase<T, N>::TensorAccessorBase;
  TensorAccessor<T, N - 1> operator[](int64_t i) const {
    return TensorAccessor<T, N - 1>(this->data_ + this->strides_[0] * i, this->sizes_ + 1,
                                    this->strides_ + 1);
  }
};

template <class T>
class TensorAccessor<T, 1> : public TensorAccessorBase<T, 1> {
 public:
  using TensorAccessorBase<T, 1>::TensorAccessorBase;
  T& operator[](int64_t i) const { return this->data_[this->strides_[0] * i]; }
};

template <class T, std::size_t N>
TensorAccessor<T, N> Tensor::accessor() const& {
  static_assert(N > 0, "accessor is used for indexing a tensor; for a 0-d tensor use item()");
  TG_CHECK(defined(), "accessor: the tensor is undefined");
  TG_CHECK(static_cast<std::size_t>(dim()) == N, "accessor: expected a tensor of ", N,
           " dims, got one of shape ", shape());
  return TensorAccessor<T, N>(data_ptr<T>(), impl()->shape.data(), impl()->strides.data());
}

}  // namespace tg
