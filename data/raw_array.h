// RawArray: an n-d array as plain bytes (C order, little-endian), the common currency of the
// file readers and writers in data/ (npy, npz, safetensors, IDX). Tensors convert to and from
// it; nothing here depends on the tensor type.
#pragma once
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace tg::io {

struct RawArray {
  // One of "float32", "float64", "int64", "int32", "uint8", "int8", "bool", "float16".
  std::string dtype;
  std::vector<int64_t> shape;         // empty = 0-d (one element)
  std::vector<unsigned char> bytes;   // numel() * itemsize(dtype) bytes, C order, little-endian

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }

  // Bytes per element; throws std::invalid_argument for an unknown dtype name.
  static size_t itemsize(const std::string& dtype) {
    if (dtype == "float64" || dtype == "int64") return 8;
    if (dtype == "float32" || dtype == "int32") return 4;
    if (dtype == "float16") return 2;
    if (dtype == "uint8" || dtype == "int8" || dtype == "bool") return 1;
    throw std::invalid_argument("RawArray::itemsize: unknown dtype '" + dtype +
                                "' (expected float32, float64, int64, int32, uint8, int8, "
                                "bool or float16)");
  }

  // Builds an array from typed values (T = float, double, int64_t, int32_t, uint8_t, int8_t,
  // bool); `values.size()` must equal the product of `shape`.
  template <class T>
  static RawArray from_values(std::vector<int64_t> shape, const std::vector<T>& values);

  // The elements as T, which must match dtype exactly (float16 has no C++ type: use bytes).
  template <class T>
  std::vector<T> values() const;
};

// Named arrays in a fixed order, as stored in .npz and safetensors files.
using NamedArrays = std::vector<std::pair<std::string, RawArray>>;

// The dtype name of a C++ element type.
template <class T>
const char* dtype_name() {
  if constexpr (std::is_same_v<T, float>) return "float32";
  else if constexpr (std::is_same_v<T, double>) return "float64";
  else if constexpr (std::is_same_v<T, int64_t>) return "int64";
  else if constexpr (std::is_same_v<T, int32_t>) return "int32";
  else if constexpr (std::is_same_v<T, uint8_t>) return "uint8";
  else if constexpr (std::is_same_v<T, int8_t>) return "int8";
  else if constexpr (std::is_same_v<T, bool>) return "bool";
  else static_assert(sizeof(T) == 0, "dtype_name: unsupported element type");
}

// Throws std::invalid_argument (naming `fn`) unless the dtype is known, every dimension is
// non-negative and the byte count matches the shape.
inline void check_raw_array(const char* fn, const RawArray& a) {
  size_t item = RawArray::itemsize(a.dtype);
  std::string shape_text = "[";
  for (size_t i = 0; i < a.shape.size(); ++i) {
    shape_text += (i ? ", " : "") + std::to_string(a.shape[i]);
  }
  shape_text += "]";
  uint64_t count = 1;
  for (int64_t d : a.shape) {
    if (d < 0) throw std::invalid_argument(std::string(fn) + ": negative dimension in shape " +
                                           shape_text);
    if (d != 0 && count > (uint64_t{1} << 59) / static_cast<uint64_t>(d)) {
      throw std::invalid_argument(std::string(fn) + ": shape " + shape_text + " is too large");
    }
    count *= static_cast<uint64_t>(d);
  }
  if (a.bytes.size() != count * item) {
    throw std::invalid_argument(std::string(fn) + ": array of dtype " + a.dtype + " and shape " +
                                shape_text + " needs " + std::to_string(count * item) +
                                " bytes, got " + std::to_string(a.bytes.size()));
  }
}

template <class T>
RawArray RawArray::from_values(std::vector<int64_t> shape, const std::vector<T>& values) {
  RawArray a;
  a.dtype = dtype_name<T>();
  a.shape = std::move(shape);
  a.bytes.resize(values.size() * sizeof(T));
  if constexpr (std::is_same_v<T, bool>) {
    for (size_t i = 0; i < values.size(); ++i) a.bytes[i] = values[i] ? 1 : 0;
  } else if (!values.empty()) {
    std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
  }
  check_raw_array("RawArray::from_values", a);  // the shape must hold values.size() elements
  return a;
}

template <class T>
std::vector<T> RawArray::values() const {
  if (dtype != dtype_name<T>()) {
    throw std::invalid_argument(std::string("RawArray::values: array has dtype ") + dtype +
                                ", asked for " + dtype_name<T>());
  }
  check_raw_array("RawArray::values", *this);
  std::vector<T> out(static_cast<size_t>(numel()));
  if constexpr (std::is_same_v<T, bool>) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = bytes[i] != 0;
  } else if (!out.empty()) {
    std::memcpy(out.data(), bytes.data(), bytes.size());
  }
  return out;
}

}  // namespace tg::io
