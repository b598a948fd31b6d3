// Vocabulary types of libtorch's C++ API that user code names: ArrayRef<T> (a non-owning view
// of a list, as `get_batch(ArrayRef<size_t>)` takes) and optional / nullopt (as a dataset's
// `size()` returns).
#pragma once
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <vector>

namespace tg {

using std::nullopt;
using std::optional;

template <class T>
class ArrayRef {
 public:
  using value_type = T;
  using iterator = const T*;
  using const_iterator = const T*;

  ArrayRef() = default;
  ArrayRef(const T* data, std::size_t size) : data_(data), size_(size) {}
  ArrayRef(const T& single) : data_(&single), size_(1) {}  // NOLINT: implicit, as in libtorch
  template <class A>
  ArrayRef(const std::vector<T, A>& v) : data_(v.data()), size_(v.size()) {}  // NOLINT
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
  // Valid for the full expression that created the list (i.e. as a function argument).
  ArrayRef(std::initializer_list<T> list)  // NOLINT
      : data_(list.size() ? list.begin() : nullptr), size_(list.size()) {}
#pragma GCC diagnostic pop

  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  const T& front() const { return data_[0]; }
  const T& back() const { return data_[size_ - 1]; }
  std::vector<T> vec() const { return std::vector<T>(begin(), end()); }

 private:
  const T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace tg
