// Dropout layers: in training, zero elements (Dropout) or whole channels (Dropout2d) with
// probability p and scale the rest by 1 / (1 - p); in eval mode, the identity.
#pragma once
#include "nn/arg.h"
#include "nn/module.h"

namespace tg::nn {

struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT: implicit as in libtorch
  // Probability of an element (or channel) being zeroed.
  TG_ARG(double, p);
  // Overwrite the input with the result.
  TG_ARG(bool, inplace) = false;
};

using Dropout2dOptions = DropoutOptions;

class DropoutImpl : public Module {
 public:
  explicit DropoutImpl(double p) : DropoutImpl(DropoutOptions(p)) {}
  explicit DropoutImpl(const DropoutOptions& options = {});
  Tensor forward(Tensor input);
  void pretty_print(std::ostream& stream) const override;
  DropoutOptions options;
};
TG_MODULE(Dropout);

// Zeroes whole channels of (N, C, H, W) inputs; a 3-d input is read as (N, C, L).
class Dropout2dImpl : public Module {
 public:
  explicit Dropout2dImpl(double p) : Dropout2dImpl(Dropout2dOptions(p)) {}
  explicit Dropout2dImpl(const Dropout2dOptions& options = {});
  Tensor forward(Tensor input);
  void pretty_print(std::ostream& stream) const override;
  Dropout2dOptions options;
};
TG_MODULE(Dropout2d);

}  // namespace tg::nn
