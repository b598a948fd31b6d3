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

// Zeroes whole channels (dim 1) of an input of any rank >= 2, as libtorch's FeatureDropout.
class FeatureDropoutImpl : public Module {
 public:
  explicit FeatureDropoutImpl(double p) : FeatureDropoutImpl(DropoutOptions(p)) {}
  explicit FeatureDropoutImpl(const DropoutOptions& options = {});
  Tensor forward(Tensor input);
  void pretty_print(std::ostream& stream) const override;
  DropoutOptions options;
};
TG_MODULE(FeatureDropout);

// Helpers shared by the dropout layers and functions (not public API).
void check_p(double p, const char* op);
Tensor apply_mask(Tensor& input, double p, bool inplace, const Shape& mask_shape, const char* op);

namespace functional {
struct DropoutFuncOptions {
  TG_ARG(double, p) = 0.5;
  TG_ARG(bool, training) = true;
  TG_ARG(bool, inplace) = false;
};
using Dropout2dFuncOptions = DropoutFuncOptions;
// F::dropout(x, F::DropoutFuncOptions().p(0.2).training(is_training())).
Tensor dropout(Tensor input, const DropoutFuncOptions& options = {});
Tensor dropout2d(Tensor input, const DropoutFuncOptions& options = {});
}  // namespace functional

}  // namespace tg::nn

namespace tg {
// libtorch's free forms: elements (dropout) or channels (feature_dropout) zeroed with
// probability p when train is true, the rest scaled by 1 / (1 - p).
Tensor dropout(const Tensor& input, double p, bool train);
Tensor feature_dropout(const Tensor& input, double p, bool train);
}  // namespace tg
