// Normalization: batch_norm, layer_norm, group_norm (PyTorch 1.13 semantics). Each is
// differentiable twice in input, weight and bias; running statistics never get gradients.
#pragma once
#include "autograd/tensor.h"

namespace tg {

// input [N, C, *]. Training: normalizes with the batch's per-channel mean and biased
// variance, and, when running_mean / running_var ([C]) are given, updates them in place:
// r = (1 - momentum) * r + momentum * batch_stat, with the unbiased variance for running_var.
// Evaluation: normalizes with the running statistics (which must be given). weight and bias
// ([C]) are optional. Argument order as torch.nn.functional.batch_norm.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                  bool training = false, double momentum = 0.1, double eps = 1e-5);

// Normalizes over the trailing dims given by normalized_shape (which must match input's
// last dims); weight and bias, optional, have shape normalized_shape.
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                  double eps = 1e-5);

// input [N, C, *] with C divisible by num_groups: normalizes each sample's group of
// C / num_groups channels (with all their positions); weight and bias, optional, are [C].
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

}  // namespace tg
