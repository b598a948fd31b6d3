// Activation functions (PyTorch names, argument order and defaults), with vjps that are
// themselves differentiable.
#pragma once
#include <string>

#include "autograd/tensor.h"

namespace tg {

// max(x, 0). Integer tensors keep their dtype (no gradient).
Tensor relu(const Tensor& x);
// x for x > 0, negative_slope * x otherwise.
Tensor leaky_relu(const Tensor& x, Scalar negative_slope = 0.01);
// x clamped to [min_val, max_val]; the gradient is 1 strictly inside, 0 elsewhere.
Tensor hardtanh(const Tensor& x, Scalar min_val = -1.0, Scalar max_val = 1.0);
// min(max(x, 0), 6): hardtanh(x, 0, 6).
Tensor relu6(const Tensor& x);
// x for x > 0, alpha * (exp(x) - 1) otherwise.
Tensor elu(const Tensor& x, Scalar alpha = 1.0);
// x * Phi(x) with the exact normal CDF ("none") or its tanh approximation ("tanh").
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
// log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold.
Tensor softplus(const Tensor& x, Scalar beta = 1.0, Scalar threshold = 20.0);
// x * sigmoid(x).
Tensor silu(const Tensor& x);
// exp(x) / sum(exp(x)) along `dim`, computed with the maximum subtracted.
Tensor softmax(const Tensor& x, int64_t dim);
// x - logsumexp(x) along `dim`.
Tensor log_softmax(const Tensor& x, int64_t dim);

// The normal CDF 0.5 * (1 + erf(x / sqrt(2))): gelu's building block, differentiable.
Tensor normal_cdf(const Tensor& x);

}  // namespace tg
