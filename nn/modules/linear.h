// Linear, Identity, Flatten and Unflatten layers.
#pragma once
#include <cstdint>
#include <vector>

#include "nn/arg.h"
#include "nn/module.h"

namespace tg::nn {

struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  // Size of each input sample.
  TG_ARG(int64_t, in_features);
  // Size of each output sample.
  TG_ARG(int64_t, out_features);
  // Whether to learn an additive bias.
  TG_ARG(bool, bias) = true;
};

// y = x W^T + b. Weight [out, in] starts kaiming_uniform_(a = sqrt(5)) and bias
// uniform(-1/sqrt(in), 1/sqrt(in)), as in PyTorch.
class LinearImpl : public Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features)
      : LinearImpl(LinearOptions(in_features, out_features)) {}
  explicit LinearImpl(const LinearOptions& options);

  // (Re)creates the parameters and initialises them.
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& stream) const override;

  LinearOptions options;
  Tensor weight;
  Tensor bias;  // undefined when options.bias() is false
};
TG_MODULE(Linear);

// Returns its input.
class IdentityImpl : public Module {
 public:
  IdentityImpl() = default;
  Tensor forward(const Tensor& input) { return input; }
  void pretty_print(std::ostream& stream) const override;
};
TG_MODULE(Identity);

struct FlattenOptions {
  TG_ARG(int64_t, start_dim) = 1;
  TG_ARG(int64_t, end_dim) = -1;
};

// Flattens dims start_dim..end_dim into one.
class FlattenImpl : public Module {
 public:
  explicit FlattenImpl(const FlattenOptions& options = {}) : options(options) {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& stream) const override;
  FlattenOptions options;
};
TG_MODULE(Flatten);

struct UnflattenOptions {
  UnflattenOptions(int64_t dim, std::vector<int64_t> sizes)
      : dim_(dim), sizes_(std::move(sizes)) {}
  // The dim to unflatten.
  TG_ARG(int64_t, dim);
  // Its new shape (one entry may be -1).
  TG_ARG(std::vector<int64_t>, sizes);
};

// Expands one dim into `sizes`.
class UnflattenImpl : public Module {
 public:
  UnflattenImpl(int64_t dim, std::vector<int64_t> sizes)
      : UnflattenImpl(UnflattenOptions(dim, std::move(sizes))) {}
  explicit UnflattenImpl(const UnflattenOptions& options) : options(options) {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& stream) const override;
  UnflattenOptions options;
};
TG_MODULE(Unflatten);

}  // namespace tg::nn
