// Matrix products (PyTorch names and broadcasting rules), all through kernels::gemm.
// Operands must share a floating dtype; non-contiguous (e.g. transposed) operands are
// passed to the GEMM by stride, without a copy, where the layout allows.
#pragma once
#include "autograd/tensor.h"

namespace tg {

// torch.matmul: 1-D @ 1-D is a dot product (0-d); 2-D @ 2-D is mm; a 1-D operand is
// promoted to a matrix (a row on the left, a column on the right) and the promoted dim
// removed from the result; otherwise the leading (batch) dims broadcast.
Tensor matmul(const Tensor& input, const Tensor& other);
// [n, m] @ [m, p] -> [n, p].
Tensor mm(const Tensor& input, const Tensor& mat2);
// [b, n, m] @ [b, m, p] -> [b, n, p].
Tensor bmm(const Tensor& input, const Tensor& mat2);
// input [*, in_features] @ weight[out_features, in_features]^T + bias[out_features];
// an undefined bias is left out.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());
// [n] x [m] -> [n, m] (dtypes promote, as in PyTorch, since this is a product).
Tensor outer(const Tensor& input, const Tensor& vec2);

}  // namespace tg
