// libtorch's tensor indexing: x.index({Slice(), 0, "...", None, mask}) and index_put_, with
// PyTorch's rules. The basic indices (integers, slices, None, Ellipsis, true/false) give views;
// int64 and bool index tensors (advanced indexing) give copies gathered by index_select, so
// every result is differentiable (twice) in x.
#pragma once
#include <cstdint>
#include <optional>
#include <type_traits>

#include "autograd/tensor.h"

namespace tg::indexing {

struct EllipsisIndexType {};
constexpr EllipsisIndexType Ellipsis{};
// A new dim of size 1 (Python's None).
constexpr std::nullopt_t None = std::nullopt;

// start:stop:step with Python's defaults (whole dim, step 1) and negative positions counted
// from the end; out-of-range bounds are clamped.
class Slice {
 public:
  Slice(std::optional<int64_t> start = std::nullopt, std::optional<int64_t> stop = std::nullopt,
        std::optional<int64_t> step = std::nullopt)
      : start_(start), stop_(stop), step_(step) {}
  const std::optional<int64_t>& start() const { return start_; }
  const std::optional<int64_t>& stop() const { return stop_; }
  const std::optional<int64_t>& step() const { return step_; }

 private:
  std::optional<int64_t> start_, stop_, step_;
};

std::ostream& operator<<(std::ostream& os, const Slice& slice);

class TensorIndex {
 public:
  enum class Kind { None, Ellipsis, Integer, Boolean, Slice, Tensor };
  TensorIndex(std::nullopt_t) : kind_(Kind::None) {}  // NOLINT: implicit by design
  TensorIndex(EllipsisIndexType) : kind_(Kind::Ellipsis) {}  // NOLINT
  // Only "..." (Python's Ellipsis literal) is accepted.
  TensorIndex(const char* str);  // NOLINT
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  TensorIndex(T integer) : kind_(Kind::Integer), integer_(static_cast<int64_t>(integer)) {}  // NOLINT
  TensorIndex(bool boolean) : kind_(Kind::Boolean), boolean_(boolean) {}  // NOLINT
  TensorIndex(Slice slice) : kind_(Kind::Slice), slice_(slice) {}  // NOLINT
  TensorIndex(Tensor tensor);  // NOLINT

  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_ellipsis() const { return kind_ == Kind::Ellipsis; }
  bool is_integer() const { return kind_ == Kind::Integer; }
  bool is_boolean() const { return kind_ == Kind::Boolean; }
  bool is_slice() const { return kind_ == Kind::Slice; }
  bool is_tensor() const { return kind_ == Kind::Tensor; }
  int64_t integer() const { return integer_; }
  bool boolean() const { return boolean_; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const { return tensor_; }

 private:
  Kind kind_;
  int64_t integer_ = 0;
  bool boolean_ = false;
  Slice slice_;
  Tensor tensor_;
};

std::ostream& operator<<(std::ostream& os, const TensorIndex& index);

}  // namespace tg::indexing

namespace tg {

// Free forms of Tensor::index / index_put_.
Tensor index(const Tensor& self, const std::vector<indexing::TensorIndex>& indices);
// The (row-major) flat positions in `self` of the elements `indices` select, with the shape
// of self.index(indices); int64, no gradient.
Tensor index_positions(const Tensor& self, const std::vector<indexing::TensorIndex>& indices);
// A copy of `self` with `values` (broadcast to the positions' shape) written (or, with
// accumulate, added) at the flat `positions`; differentiable in self and values. When a
// position repeats without accumulate, the last write wins.
Tensor put_positions(const Tensor& self, const Tensor& positions, const Tensor& values,
                     bool accumulate = false);

}  // namespace tg
