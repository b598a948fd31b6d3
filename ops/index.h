// Indexing with int64 index tensors, masked filling and one-hot encoding.
#pragma once
#include "autograd/tensor.h"

namespace tg {

// out = t with dim `dim` replaced by t's slices at `index` (0-d or 1-d, int64).
Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index);
// A copy of t with alpha * source's slice j added to t's slice index[j] along `dim`
// (repeated indices accumulate, in index order). source has t's shape except
// source.size(dim) == index.numel().
Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source,
                 Scalar alpha = 1);
// out[i][j][k] = t[index[i][j][k]][j][k] (for dim 0); out has index's shape, and index may
// not exceed t's size at the other dims.
Tensor gather(const Tensor& t, int64_t dim, const Tensor& index);
// A copy of t with src[i][j][k] added to out[index[i][j][k]][j][k] (for dim 0), for every
// position of index; index may not exceed src's sizes, nor t's sizes at the other dims.
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
// A copy of t with src[i][j][k] written to out[index[i][j][k]][j][k] (for dim 0), or `value`
// at those positions. Differentiable in t and src. A position that several index entries
// name (undefined order in PyTorch) receives the sum of their src values.
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, Scalar value);
// Positions of the non-zero elements, [count, t.dim()] int64 in row-major order.
Tensor nonzero(const Tensor& t);
// The elements of t where the bool mask (broadcast with t) is true, as a 1-d tensor.
Tensor masked_select(const Tensor& t, const Tensor& mask);
// t with `value` where the bool `mask` (broadcast with t) is true.
Tensor masked_fill(const Tensor& t, const Tensor& mask, Scalar value);
// int64 one-hot encoding with a new last dim of num_classes (-1: max(t) + 1). No grad.
Tensor one_hot(const Tensor& t, int64_t num_classes = -1);

}  // namespace tg
