#include "nn/modules/dropout.h"

#include "autograd/random.h"
#include "ops/elementwise.h"

namespace tg::nn {

void check_p(double p, const char* op) {
  TG_CHECK(p >= 0.0 && p <= 1.0, op, ": dropout probability has to be between 0 and 1, got ", p);
}

// input * mask / (1 - p), the mask drawn with `mask_shape` (broadcast over the input).
Tensor apply_mask(Tensor& input, double p, bool inplace, const Shape& mask_shape, const char* op) {
  TG_CHECK(input.is_floating_point(), op, ": expected a floating input, got ", input.dtype());
  // In place, the product reads a copy: mul may save its input for backward.
  const Tensor x = inplace ? input.clone() : input;
  Tensor out;
  if (p == 1.0) {
    out = x * 0.0;
  } else {
    // The mask holds 0 or 1 / (1 - p), computed in the input's type as PyTorch's
    // bernoulli_(1 - p).div_(1 - p) does.
    Tensor scale = full({}, 1.0, input.dtype()).div_(1.0 - p);
    out = x * bernoulli_scaled(mask_shape, 1.0 - p, scale.item<double>(), input.dtype());
  }
  if (!inplace) return out;
  input.copy_(out);
  return input;
}

DropoutImpl::DropoutImpl(const DropoutOptions& options_) : options(options_) {
  check_p(options.p(), "Dropout");
}

Tensor DropoutImpl::forward(Tensor input) {
  if (!is_training() || options.p() == 0.0) return input;
  return apply_mask(input, options.p(), options.inplace(), input.shape(), "Dropout");
}

void DropoutImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "tg::nn::Dropout(p=" << options.p()
         << ", inplace=" << options.inplace() << ")";
}

Dropout2dImpl::Dropout2dImpl(const Dropout2dOptions& options_) : options(options_) {
  check_p(options.p(), "Dropout2d");
}

Tensor Dropout2dImpl::forward(Tensor input) {
  TG_CHECK(input.dim() == 3 || input.dim() == 4, "Dropout2d: expected a 3-d (N, C, L) or 4-d "
           "(N, C, H, W) input, got shape ", input.shape());
  if (!is_training() || options.p() == 0.0) return input;
  Shape mask_shape = input.shape();
  for (int d = 2; d < mask_shape.size(); ++d) mask_shape[d] = 1;
  return apply_mask(input, options.p(), options.inplace(), mask_shape, "Dropout2d");
}

void Dropout2dImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "tg::nn::Dropout2d(p=" << options.p()
         << ", inplace=" << options.inplace() << ")";
}

}  // namespace tg::nn

namespace tg::nn {

FeatureDropoutImpl::FeatureDropoutImpl(const DropoutOptions& options_) : options(options_) {
  check_p(options.p(), "FeatureDropout");
}

Tensor FeatureDropoutImpl::forward(Tensor input) {
  return tg::feature_dropout(input, options.p(), is_training());
}

void FeatureDropoutImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "tg::nn::FeatureDropout(p=" << options.p()
         << ", inplace=" << options.inplace() << ")";
}

namespace functional {
Tensor dropout(Tensor input, const DropoutFuncOptions& options) {
  check_p(options.p(), "dropout");
  if (!options.training() || options.p() == 0.0) return input;
  return apply_mask(input, options.p(), options.inplace(), input.shape(), "dropout");
}
Tensor dropout2d(Tensor input, const DropoutFuncOptions& options) {
  TG_CHECK(input.dim() == 3 || input.dim() == 4, "dropout2d: expected a 3-d (N, C, L) or 4-d "
           "(N, C, H, W) input, got shape ", input.shape());
  return tg::feature_dropout(input, options.p(), options.training());
}
}  // namespace functional

}  // namespace tg::nn

namespace tg {

Tensor dropout(const Tensor& input, double p, bool train) {
  return nn::functional::dropout(input, nn::functional::DropoutFuncOptions().p(p).training(train));
}

Tensor feature_dropout(const Tensor& input, double p, bool train) {
  TG_CHECK(input.dim() >= 2, "feature_dropout: expected an input with a channel dim (N, C, *), "
           "got shape ", input.shape());
  nn::check_p(p, "feature_dropout");
  if (!train || p == 0.0) return input;
  Shape mask_shape = input.shape();
  for (int d = 2; d < mask_shape.size(); ++d) mask_shape[d] = 1;
  Tensor x = input;
  return nn::apply_mask(x, p, false, mask_shape, "feature_dropout");
}

}  // namespace tg
