// tg::nn::functional: the stateless forms of the layers, with libtorch-style options structs,
// also reachable as tg::F (libtorch's `namespace F = torch::nn::functional`).
#pragma once
#include "nn/functional/conv.h"
#include "nn/functional/pool.h"

#include "nn/functional/loss.h"
#include "nn/modules/dropout.h"
#include "ops/activation.h"
#include "ops/linalg.h"

namespace tg::nn::functional {
inline Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {}) {
  return tg::linear(input, weight, bias);
}
inline Tensor relu(const Tensor& input) { return tg::relu(input); }
inline Tensor sigmoid(const Tensor& input) { return tg::sigmoid(input); }
inline Tensor tanh(const Tensor& input) { return tg::tanh(input); }
// F::softmax(x, 1) and F::log_softmax(x, 1), as libtorch's (dim) options.
inline Tensor softmax(const Tensor& input, int64_t dim) { return tg::softmax(input, dim); }
inline Tensor log_softmax(const Tensor& input, int64_t dim) {
  return tg::log_softmax(input, dim);
}
}  // namespace tg::nn::functional

namespace tg {
namespace F = nn::functional;
}  // namespace tg
