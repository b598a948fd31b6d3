// Shape: a small fixed-capacity vector of sizes or strides (no heap), and
// IntArrayRef, a non-owning view accepted wherever a list of ints is an argument.
#pragma once
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <sstream>
#include <vector>

#include "autograd/error.h"

namespace tg {

constexpr int kMaxDims = 8;

class IntArrayRef {
 public:
  IntArrayRef() = default;
  IntArrayRef(const int64_t* data, std::size_t size) : data_(data), size_(size) {}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
  // Valid for the full expression that created the list (i.e. as a function argument).
  IntArrayRef(std::initializer_list<int64_t> list) : data_(list.begin()), size_(list.size()) {}
#pragma GCC diagnostic pop
  IntArrayRef(const std::vector<int64_t>& v) : data_(v.data()), size_(v.size()) {}
  IntArrayRef(const int64_t& single) : data_(&single), size_(1) {}

  const int64_t* begin() const { return data_; }
  const int64_t* end() const { return data_ + size_; }
  const int64_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t operator[](std::size_t i) const { return data_[i]; }
  std::vector<int64_t> vec() const { return {begin(), end()}; }

 private:
  const int64_t* data_ = nullptr;
  std::size_t size_ = 0;
};

class Shape {
 public:
  Shape() = default;
  Shape(IntArrayRef dims) { assign(dims); }
  Shape(std::initializer_list<int64_t> dims) { assign(IntArrayRef(dims)); }
  Shape(const std::vector<int64_t>& dims) { assign(IntArrayRef(dims)); }

  static Shape filled(int n, int64_t value) {
    Shape s;
    s.resize(n, value);
    return s;
  }

  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t& operator[](int i) { return d_[i]; }
  int64_t operator[](int i) const { return d_[i]; }
  int64_t* begin() { return d_; }
  int64_t* end() { return d_ + n_; }
  const int64_t* begin() const { return d_; }
  const int64_t* end() const { return d_ + n_; }
  const int64_t* data() const { return d_; }
  int64_t back() const { return d_[n_ - 1]; }
  operator IntArrayRef() const { return IntArrayRef(d_, static_cast<std::size_t>(n_)); }
  std::vector<int64_t> vec() const { return {begin(), end()}; }

  void push_back(int64_t v) {
    TG_CHECK(n_ < kMaxDims, "tensors have at most ", kMaxDims, " dimensions");
    d_[n_++] = v;
  }
  void insert(int pos, int64_t v) {
    TG_CHECK(n_ < kMaxDims, "tensors have at most ", kMaxDims, " dimensions");
    for (int i = n_; i > pos; --i) d_[i] = d_[i - 1];
    d_[pos] = v;
    ++n_;
  }
  void erase(int pos) {
    for (int i = pos; i + 1 < n_; ++i) d_[i] = d_[i + 1];
    --n_;
  }
  void resize(int n, int64_t value = 0) {
    TG_CHECK(n >= 0 && n <= kMaxDims, "tensors have at most ", kMaxDims, " dimensions");
    for (int i = n_; i < n; ++i) d_[i] = value;
    n_ = n;
  }
  int64_t numel() const {
    int64_t p = 1;
    for (int i = 0; i < n_; ++i) p *= d_[i];
    return p;
  }

  friend bool operator==(const Shape& a, const Shape& b) {
    return a.n_ == b.n_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

 private:
  void assign(IntArrayRef dims) {
    TG_CHECK(dims.size() <= static_cast<std::size_t>(kMaxDims), "tensors have at most ",
             kMaxDims, " dimensions, got ", dims.size());
    n_ = static_cast<int>(dims.size());
    std::copy(dims.begin(), dims.end(), d_);
  }
  int64_t d_[kMaxDims] = {};
  int n_ = 0;
};

inline std::ostream& operator<<(std::ostream& os, IntArrayRef s) {
  os << '[';
  for (std::size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  return os << ']';
}
inline std::ostream& operator<<(std::ostream& os, const Shape& s) {
  return os << IntArrayRef(s);
}

inline bool operator==(IntArrayRef a, IntArrayRef b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}
inline bool operator!=(IntArrayRef a, IntArrayRef b) { return !(a == b); }

// Contiguous (row-major) strides of a shape.
inline Shape contiguous_strides(const Shape& shape) {
  Shape st = Shape::filled(shape.size(), 1);
  int64_t acc = 1;
  for (int i = shape.size() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= std::max<int64_t>(shape[i], 1);
  }
  return st;
}

// Wraps a possibly negative dim into [0, ndim); throws naming the op, and the tensor's shape
// when given (ndim may exceed its rank: unsqueeze and stack insert a dim), otherwise.
inline int wrap_dim(int64_t dim, int64_t ndim, const char* op, const Shape* shape = nullptr) {
  const int64_t n = std::max<int64_t>(ndim, 1);  // scalars accept dim 0 and -1
  if (dim < -n || dim >= n) {
    std::ostringstream of_shape;
    if (shape) of_shape << " of shape " << *shape;
    TG_CHECK(false, op, ": dim ", dim, " is out of range for a tensor", of_shape.str(), " with ",
             ndim, " dimensions (expected in [", -n, ", ", n - 1, "])");
  }
  return static_cast<int>(dim < 0 ? dim + n : dim);
}

}  // namespace tg
