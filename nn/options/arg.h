// Building blocks of options structs: TG_ARG (a field with a chainable setter and a getter,
// as libtorch's TORCH_ARG) and the size-like argument types that accept one value for every
// spatial dim or one value per dim (libtorch's ExpandingArray).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "autograd/error.h"
#include "autograd/shape.h"

// TG_ARG(T, name): `Options().name(v)` sets and returns the options (chainable),
// `options.name()` reads. The macro itself lives in nn/arg.h.
#include "nn/arg.h"  // TG_ARG

namespace tg {

// D sizes given as one value (repeated) or exactly D values: `ExpandingArray<2>(3)` is {3, 3}.
template <std::size_t D, class T = int64_t>
class ExpandingArray {
 public:
  ExpandingArray(T single) { values_.fill(single); }  // NOLINT: implicit by design
  ExpandingArray(std::initializer_list<T> list) { assign(list.begin(), list.size()); }
  ExpandingArray(const std::vector<T>& list) { assign(list.data(), list.size()); }
  ExpandingArray(const std::array<T, D>& values) : values_(values) {}

  static constexpr std::size_t size() { return D; }
  const T* data() const { return values_.data(); }
  const T& operator[](std::size_t i) const { return values_[i]; }
  T& operator[](std::size_t i) { return values_[i]; }
  const T* begin() const { return values_.data(); }
  const T* end() const { return values_.data() + D; }
  std::vector<T> vec() const { return {begin(), end()}; }
  // The values as a list argument of a tapegrad op.
  operator IntArrayRef() const {  // NOLINT: implicit by design
    static_assert(std::is_same_v<T, int64_t>, "only integer arrays convert to IntArrayRef");
    return IntArrayRef(values_.data(), D);
  }

 private:
  void assign(const T* values, std::size_t n) {
    TG_CHECK(n == D, "ExpandingArray: expected ", D, " values (one per spatial dim), got ", n);
    for (std::size_t i = 0; i < D; ++i) values_[i] = values[i];
  }
  std::array<T, D> values_{};
};

// D sizes where an element may be absent (None in PyTorch: "keep the input's size").
template <std::size_t D>
class ExpandingArrayWithOptionalElem {
 public:
  using value_type = std::optional<int64_t>;
  ExpandingArrayWithOptionalElem(int64_t single) { values_.fill(single); }  // NOLINT
  ExpandingArrayWithOptionalElem(std::initializer_list<value_type> list) {
    assign(list.begin(), list.size());
  }
  ExpandingArrayWithOptionalElem(const std::vector<value_type>& list) {
    assign(list.data(), list.size());
  }
  ExpandingArrayWithOptionalElem(const ExpandingArray<D>& values) {  // NOLINT
    for (std::size_t i = 0; i < D; ++i) values_[i] = values[i];
  }

  static constexpr std::size_t size() { return D; }
  const value_type& operator[](std::size_t i) const { return values_[i]; }
  // The sizes with absent elements replaced by `fallback`'s (e.g. the input's last D sizes).
  std::vector<int64_t> resolved(IntArrayRef fallback) const {
    TG_CHECK(fallback.size() == D, "ExpandingArrayWithOptionalElem: expected ", D,
             " fallback sizes, got ", fallback);
    std::vector<int64_t> r(D);
    for (std::size_t i = 0; i < D; ++i) r[i] = values_[i].value_or(fallback[i]);
    return r;
  }

 private:
  void assign(const value_type* values, std::size_t n) {
    TG_CHECK(n == D, "ExpandingArrayWithOptionalElem: expected ", D,
             " values (one per spatial dim), got ", n);
    for (std::size_t i = 0; i < D; ++i) values_[i] = values[i];
  }
  std::array<value_type, D> values_{};
};

}  // namespace tg
