#include "nn/modules/activation.h"

#include "ops/activation.h"

namespace tg::nn {
namespace {

// The inplace option: computes `op` on a copy of the input (the op may save its argument
// for backward, which must not change under it), writes the result into the input and
// returns the input's handle, whose history now runs through the op.
template <class Op>
Tensor apply_inplace(Tensor& input, Op&& op) {
  Tensor result = op(input.clone());
  input.copy_(result);
  return input;
}

}  // namespace

Tensor ReLUImpl::forward(Tensor input) {
  if (options.inplace()) return input.relu_();
  return relu(input);
}

void ReLUImpl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::ReLU(";
  if (options.inplace()) stream << "inplace=true";
  stream << ")";
}

Tensor LeakyReLUImpl::forward(Tensor input) {
  auto op = [&](const Tensor& x) { return leaky_relu(x, options.negative_slope()); };
  return options.inplace() ? apply_inplace(input, op) : op(input);
}

void LeakyReLUImpl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::LeakyReLU(negative_slope=" << options.negative_slope();
  if (options.inplace()) stream << ", inplace=true";
  stream << ")";
}

Tensor ELUImpl::forward(Tensor input) {
  auto op = [&](const Tensor& x) { return elu(x, options.alpha()); };
  return options.inplace() ? apply_inplace(input, op) : op(input);
}

void ELUImpl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::ELU(alpha=" << options.alpha();
  if (options.inplace()) stream << ", inplace=true";
  stream << ")";
}

Tensor ReLU6Impl::forward(Tensor input) {
  auto op = [](const Tensor& x) { return relu6(x); };
  return options.inplace() ? apply_inplace(input, op) : op(input);
}

void ReLU6Impl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::ReLU6(";
  if (options.inplace()) stream << "inplace=true";
  stream << ")";
}

HardtanhImpl::HardtanhImpl(const HardtanhOptions& options_) : options(options_) {
  TG_CHECK(options.min_val() <= options.max_val(), "Hardtanh: min_val (", options.min_val(),
           ") must not be greater than max_val (", options.max_val(), ")");
}

Tensor HardtanhImpl::forward(Tensor input) {
  auto op = [&](const Tensor& x) { return hardtanh(x, options.min_val(), options.max_val()); };
  return options.inplace() ? apply_inplace(input, op) : op(input);
}

void HardtanhImpl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::Hardtanh(min_val=" << options.min_val() << ", max_val=" << options.max_val();
  if (options.inplace()) stream << ", inplace=true";
  stream << ")";
}

GELUImpl::GELUImpl(const GELUOptions& options_) : options(options_) {
  TG_CHECK(options.approximate() == "none" || options.approximate() == "tanh",
           "GELU: approximate must be \"none\" or \"tanh\", got \"", options.approximate(), "\"");
}

Tensor GELUImpl::forward(const Tensor& input) { return gelu(input, options.approximate()); }

void GELUImpl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::GELU(";
  if (options.approximate() != "none") stream << "approximate=" << options.approximate();
  stream << ")";
}

Tensor SiLUImpl::forward(const Tensor& input) { return silu(input); }
void SiLUImpl::pretty_print(std::ostream& stream) const { stream << "tg::nn::SiLU()"; }

Tensor SigmoidImpl::forward(const Tensor& input) { return sigmoid(input); }
void SigmoidImpl::pretty_print(std::ostream& stream) const { stream << "tg::nn::Sigmoid()"; }

Tensor TanhImpl::forward(const Tensor& input) { return tanh(input); }
void TanhImpl::pretty_print(std::ostream& stream) const { stream << "tg::nn::Tanh()"; }

Tensor SoftmaxImpl::forward(const Tensor& input) { return softmax(input, options.dim()); }
void SoftmaxImpl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::Softmax(dim=" << options.dim() << ")";
}

Tensor LogSoftmaxImpl::forward(const Tensor& input) { return log_softmax(input, options.dim()); }
void LogSoftmaxImpl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::LogSoftmax(dim=" << options.dim() << ")";
}

}  // namespace tg::nn
