// Scalar: a number argument (alpha, a clamp bound, a fill value) that remembers whether
// it was integral, so int64 tensors keep exact integer arithmetic.
#pragma once
#include <cstdint>
#include <ostream>
#include <type_traits>

namespace tg {

class Scalar {
 public:
  Scalar() = default;
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Scalar(T v) : d_(static_cast<double>(v)), i_(static_cast<int64_t>(v)), integral_(true) {}
  template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Scalar(T v) : d_(static_cast<double>(v)), i_(static_cast<int64_t>(v)), integral_(false) {}
  Scalar(bool v) : d_(v ? 1.0 : 0.0), i_(v ? 1 : 0), integral_(true) {}

  double to_double() const { return d_; }
  int64_t to_int() const { return i_; }
  bool is_integral() const { return integral_; }
  template <class T> T to() const {
    if constexpr (std::is_floating_point_v<T>) return static_cast<T>(d_);
    else if constexpr (std::is_same_v<T, bool>) return d_ != 0.0;
    else return static_cast<T>(integral_ ? i_ : static_cast<int64_t>(d_));
  }
  // libtorch's names.
  double toDouble() const { return to<double>(); }
  float toFloat() const { return to<float>(); }
  int64_t toLong() const { return to<int64_t>(); }
  int toInt() const { return to<int>(); }
  bool toBool() const { return to<bool>(); }
  bool isFloatingPoint() const { return !integral_; }
  bool isIntegral(bool include_bool = false) const { return integral_; }
  // A Scalar reads as a double where one is expected (`double v = t.item();`).
  operator double() const { return d_; }  // NOLINT: implicit by design

 private:
  double d_ = 0.0;
  int64_t i_ = 0;
  bool integral_ = true;
};

inline std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  if (s.is_integral()) return os << s.to_int();
  return os << s.to_double();
}

}  // namespace tg
