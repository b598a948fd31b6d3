// Views (share storage with their input) and shape-changing copies.
#pragma once
#include "autograd/tensor.h"

namespace tg {

// Views: the free-function forms of Tensor::view, permute, ... (see tensor.h).
Tensor view(const Tensor& t, IntArrayRef shape);
Tensor reshape(const Tensor& t, IntArrayRef shape);
Tensor permute(const Tensor& t, IntArrayRef dims);
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
Tensor expand(const Tensor& t, IntArrayRef shape);
Tensor squeeze(const Tensor& t);
Tensor squeeze(const Tensor& t, int64_t dim);
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& t, int64_t dim, IntArrayRef sizes);

// The vjp of slicing: a zero tensor of `shape` with `g` written at the slice.
Tensor slice_backward(const Tensor& g, const Shape& shape, int64_t dim, int64_t start,
                      int64_t end, int64_t step);

// Resolves one -1 in `shape` against `numel`; throws naming `op` when impossible.
Shape infer_shape(IntArrayRef shape, int64_t numel, const char* op);

}  // namespace tg
