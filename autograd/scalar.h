// Scalar: a number argument (alpha, a clamp bound, a fill value) that remembers whether
// it was integral, so int64 tensors keep exact integer arithmetic.
//
// A floating-point value is kept as a double only: it is converted to an integer type where
// an integer is asked for, and then only if it is finite and in range (converting NaN, an
// infinity or 1e300 to int64 is undefined behaviour in C++), else the conversion throws.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <type_traits>

#include "autograd/error.h"

namespace tg {

class Scalar {
 public:
  Scalar() = default;
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Scalar(T v) : d_(static_cast<double>(v)), i_(static_cast<int64_t>(v)), integral_(true) {}
  template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Scalar(T v) : d_(static_cast<double>(v)), integral_(false) {}
  Scalar(bool v) : d_(v ? 1.0 : 0.0), i_(v ? 1 : 0), integral_(true) {}

  double to_double() const { return d_; }
  // The value as int64 (a floating value truncated toward zero); throws tg::Error for a
  // NaN, an infinity or a value outside int64's range.
  int64_t to_int() const { return integral_ ? i_ : checked_truncate(d_); }
  bool is_integral() const { return integral_; }
  template <class T> T to() const {
    if constexpr (std::is_floating_point_v<T>) {
      return static_cast<T>(d_);
    } else if constexpr (std::is_same_v<T, bool>) {
      return d_ != 0.0;
    } else {
      const int64_t v = to_int();
      if constexpr (!std::is_same_v<T, int64_t>) {
        TG_CHECK(v >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                     v <= static_cast<int64_t>(std::numeric_limits<T>::max()),
                 "Scalar: value ", v, " cannot be converted to a ", sizeof(T) * 8,
                 "-bit integer without overflow");
      }
      return static_cast<T>(v);
    }
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
  static int64_t checked_truncate(double d) {
    // +-2^63 are exact doubles; every double in [-2^63, 2^63) truncates into int64 (NaN fails).
    TG_CHECK(d >= -0x1.0p63 && d < 0x1.0p63, "Scalar: value ", d,
             " cannot be converted to int64 without overflow");
    return static_cast<int64_t>(d);
  }

  double d_ = 0.0;
  int64_t i_ = 0;  // the value when integral_ (unused otherwise)
  bool integral_ = true;
};

inline std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  if (s.is_integral()) return os << s.to_int();
  return os << s.to_double();
}

}  // namespace tg
