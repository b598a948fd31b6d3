// Element types and the one-switch dispatch from a runtime dtype to a C++ type.
#pragma once
#include <cstddef>
#include <cstdint>
#include <ostream>

#include "autograd/error.h"

namespace tg {

enum class DType : uint8_t { Float32, Float64, Int64, Bool };

constexpr DType kFloat32 = DType::Float32;
constexpr DType kFloat64 = DType::Float64;
constexpr DType kInt64 = DType::Int64;
constexpr DType kBool = DType::Bool;
constexpr DType kFloat = DType::Float32;
constexpr DType kDouble = DType::Float64;
constexpr DType kLong = DType::Int64;

inline std::size_t itemsize(DType t) {
  switch (t) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
    case DType::Bool: return 1;
  }
  return 0;
}

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
  }
  return "?";
}

inline bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }

inline std::ostream& operator<<(std::ostream& os, DType t) { return os << dtype_name(t); }

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };

// The result type of a binary op between two dtypes (bool < int64 < float32 < float64).
inline DType promote_types(DType a, DType b) {
  auto rank = [](DType t) {
    switch (t) {
      case DType::Bool: return 0;
      case DType::Int64: return 1;
      case DType::Float32: return 2;
      case DType::Float64: return 3;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace tg

// Runs the block with `scalar_t` bound to the C++ type of `dtype`.
#define TG_DISPATCH_FLOATING(dtype, opname, ...)                                         \
  [&] {                                                                                 \
    switch (dtype) {                                                                    \
      case ::tg::DType::Float32: { using scalar_t = float; return __VA_ARGS__(); }      \
      case ::tg::DType::Float64: { using scalar_t = double; return __VA_ARGS__(); }     \
      default:                                                                          \
        throw ::tg::Error(::tg::format_message(opname, ": expected a floating dtype, got ", \
                                               ::tg::dtype_name(dtype)));                \
    }                                                                                   \
  }()

#define TG_DISPATCH_ALL(dtype, opname, ...)                                              \
  [&] {                                                                                 \
    switch (dtype) {                                                                    \
      case ::tg::DType::Float32: { using scalar_t = float; return __VA_ARGS__(); }      \
      case ::tg::DType::Float64: { using scalar_t = double; return __VA_ARGS__(); }     \
      case ::tg::DType::Int64: { using scalar_t = int64_t; return __VA_ARGS__(); }      \
      case ::tg::DType::Bool: { using scalar_t = bool; return __VA_ARGS__(); }          \
    }                                                                                   \
    throw ::tg::Error(::tg::format_message(opname, ": unknown dtype"));                 \
  }()
