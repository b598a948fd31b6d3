// Joining and splitting tensors along a dim, repeating and flipping them.
#pragma once
#include "autograd/tensor.h"

namespace tg {

// Concatenates along `dim`. Sizes must match except at `dim`; dtypes are promoted. As in
// PyTorch, 1-d empty tensors (shape [0]) are skipped whatever the other shapes.
Tensor cat(const TensorList& tensors, int64_t dim = 0);
// Joins equally shaped tensors along a new dim `dim` (in [-(ndim + 1), ndim]).
Tensor stack(const TensorList& tensors, int64_t dim = 0);

// Views of consecutive pieces of `split_size` along `dim` (the last may be smaller).
TensorList split(const Tensor& t, int64_t split_size, int64_t dim = 0);
// Views of pieces with the given sizes, which must sum to t.size(dim).
TensorList split(const Tensor& t, IntArrayRef split_sizes, int64_t dim = 0);
TensorList split_with_sizes(const Tensor& t, IntArrayRef split_sizes, int64_t dim = 0);
// At most `chunks` views of ceil(size / chunks) elements along `dim` (the last may be
// smaller, and there may be fewer pieces than `chunks`).
TensorList chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);

// Tiles t `repeats[k]` times along dim k; extra leading repeats add leading dims.
Tensor repeat(const Tensor& t, IntArrayRef repeats);
// A copy with the order of elements reversed along each of `dims`.
Tensor flip(const Tensor& t, IntArrayRef dims);

}  // namespace tg
