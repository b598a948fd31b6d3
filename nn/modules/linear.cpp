#include "nn/modules/linear.h"

#include <cmath>

#include "nn/init.h"
#include "ops/linalg.h"
#include "ops/shape.h"

namespace tg::nn {

// ---------------------------------------------------------------- Linear
LinearImpl::LinearImpl(const LinearOptions& options_) : options(options_) { reset(); }

void LinearImpl::reset() {
  TG_CHECK(options.in_features() >= 0 && options.out_features() >= 0,
           "Linear: in_features and out_features must be non-negative, got in_features=",
           options.in_features(), ", out_features=", options.out_features());
  Tensor w;
  try {
    w = empty({options.out_features(), options.in_features()});
  } catch (const Error& e) {  // a weight too large to count or allocate: name the module
    throw Error(format_message("Linear: in_features=", options.in_features(), ", out_features=",
                               options.out_features(), ": ", e.what()));
  }
  weight = register_parameter("weight", w);
  bias = register_parameter("bias", options.bias() ? empty({options.out_features()}) : Tensor(),
                            options.bias());
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const auto fan_in = std::get<0>(init::calculate_fan_in_and_fan_out(weight));
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor LinearImpl::forward(const Tensor& input) {
  TG_CHECK(input.defined() && input.dim() >= 1 && input.size(-1) == options.in_features(),
           "Linear: expected an input whose last dim is in_features=", options.in_features(),
           ", got shape ", input.defined() ? input.shape() : Shape{});
  return linear(input, weight, bias);
}

void LinearImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "tg::nn::Linear(in_features=" << options.in_features()
         << ", out_features=" << options.out_features() << ", bias=" << options.bias() << ")";
}

// ---------------------------------------------------------------- Identity
void IdentityImpl::pretty_print(std::ostream& stream) const { stream << "tg::nn::Identity()"; }

// ---------------------------------------------------------------- Flatten
Tensor FlattenImpl::forward(const Tensor& input) {
  return input.flatten(options.start_dim(), options.end_dim());
}

void FlattenImpl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::Flatten(start_dim=" << options.start_dim()
         << ", end_dim=" << options.end_dim() << ")";
}

// ---------------------------------------------------------------- Unflatten
Tensor UnflattenImpl::forward(const Tensor& input) {
  return unflatten(input, options.dim(), options.sizes());
}

void UnflattenImpl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::Unflatten(dim=" << options.dim() << ", unflattened_size={";
  for (std::size_t i = 0; i < options.sizes().size(); ++i)
    stream << (i ? ", " : "") << options.sizes()[i];
  stream << "})";
}

}  // namespace tg::nn
