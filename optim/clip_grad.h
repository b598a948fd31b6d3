// Gradient clipping (torch::nn::utils::clip_grad_norm_ / clip_grad_value_).
#pragma once
#include <vector>

#include "autograd/tensor.h"

namespace tg::nn::utils {

// Scales every gradient by max_norm / (total_norm + 1e-6) when that is below 1, where
// total_norm is the norm_type-norm of all gradients together (norm_type may be infinity).
// Parameters without a gradient are skipped. Returns total_norm (0 if no gradients).
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm,
                       double norm_type = 2.0, bool error_if_nonfinite = false);
double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
void clip_grad_value_(const Tensor& parameter, double clip_value);

}  // namespace tg::nn::utils

namespace tg::optim {
using nn::utils::clip_grad_norm_;
using nn::utils::clip_grad_value_;
}  // namespace tg::optim
