// IValue: the value type of AutogradContext::saved_data (libtorch's name), holding None, a
// double, an int64, a bool, a string, a tensor, or a list of ints, doubles or tensors.
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "autograd/tensor.h"

namespace tg {

class IValue {
 public:
  IValue() = default;
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  IValue(T v) : v_(static_cast<int64_t>(v)) {}  // NOLINT: implicit by design
  template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  IValue(T v) : v_(static_cast<double>(v)) {}  // NOLINT
  IValue(bool v) : v_(v) {}  // NOLINT
  IValue(std::string v) : v_(std::move(v)) {}  // NOLINT
  IValue(const char* v) : v_(std::string(v)) {}  // NOLINT
  IValue(Tensor v) : v_(std::move(v)) {}  // NOLINT
  IValue(std::vector<int64_t> v) : v_(std::move(v)) {}  // NOLINT
  IValue(IntArrayRef v) : v_(v.vec()) {}  // NOLINT
  IValue(std::vector<double> v) : v_(std::move(v)) {}  // NOLINT
  IValue(TensorList v) : v_(std::move(v)) {}  // NOLINT
  IValue(Scalar v) {  // NOLINT
    if (v.is_integral()) v_ = v.to_int();
    else v_ = v.to_double();
  }

  bool isNone() const { return v_.index() == 0; }
  bool isDouble() const { return std::holds_alternative<double>(v_); }
  bool isInt() const { return std::holds_alternative<int64_t>(v_); }
  bool isBool() const { return std::holds_alternative<bool>(v_); }
  bool isString() const { return std::holds_alternative<std::string>(v_); }
  bool isTensor() const { return std::holds_alternative<Tensor>(v_); }
  bool isIntList() const { return std::holds_alternative<std::vector<int64_t>>(v_); }
  bool isDoubleList() const { return std::holds_alternative<std::vector<double>>(v_); }
  bool isTensorList() const { return std::holds_alternative<TensorList>(v_); }

  // An int reads as a double and a bool as an int, as in libtorch's toScalar; anything else
  // of the wrong kind throws tg::Error naming both kinds.
  double toDouble() const {
    if (isInt()) return static_cast<double>(std::get<int64_t>(v_));
    return get<double>("double");
  }
  int64_t toInt() const {
    if (isBool()) return std::get<bool>(v_) ? 1 : 0;
    return get<int64_t>("int");
  }
  bool toBool() const { return get<bool>("bool"); }
  const std::string& toStringRef() const { return get<std::string>("string"); }
  Tensor toTensor() const { return get<Tensor>("Tensor"); }
  std::vector<int64_t> toIntVector() const { return get<std::vector<int64_t>>("int list"); }
  std::vector<int64_t> toIntList() const { return toIntVector(); }
  std::vector<double> toDoubleVector() const { return get<std::vector<double>>("double list"); }
  TensorList toTensorVector() const { return get<TensorList>("Tensor list"); }
  TensorList toTensorList() const { return toTensorVector(); }
  Scalar toScalar() const {
    if (isInt()) return Scalar(std::get<int64_t>(v_));
    if (isBool()) return Scalar(std::get<bool>(v_));
    return Scalar(get<double>("number"));
  }
  const char* tagKind() const;

 private:
  template <class T>
  const T& get(const char* wanted) const {
    if (!std::holds_alternative<T>(v_))
      throw Error(format_message("IValue: expected a ", wanted, ", but it holds a ", tagKind()));
    return std::get<T>(v_);
  }
  std::variant<std::monostate, double, int64_t, bool, std::string, Tensor, std::vector<int64_t>,
               std::vector<double>, TensorList>
      v_;
};

inline const char* IValue::tagKind() const {
  static const char* const names[] = {"None", "double", "int", "bool", "string", "Tensor",
                                      "int list", "double list", "Tensor list"};
  return names[v_.index()];
}

}  // namespace tg
