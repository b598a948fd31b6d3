// tg::nn::functional normalization with libtorch-style option structs:
//   F::batch_norm(x, running_mean, running_var, F::BatchNormFuncOptions().training(true));
//   F::layer_norm(x, F::LayerNormFuncOptions({4}).eps(1e-6));
//   F::group_norm(x, F::GroupNormFuncOptions(8).weight(w).bias(b));
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "nn/options/arg.h"
#include "ops/norm.h"

namespace tg::nn::functional {

struct BatchNormFuncOptions {
  // Per-channel scale and shift [C] (optional).
  TG_ARG(Tensor, weight) = {};
  TG_ARG(Tensor, bias) = {};
  // Normalize with the batch's statistics (and update the running ones) or the running ones.
  TG_ARG(bool, training) = false;
  // Running-stat update factor; nullopt (a cumulative average in the module) is 0.0 here, as
  // in libtorch.
  TG_ARG(std::optional<double>, momentum) = 0.1;
  TG_ARG(double, eps) = 1e-5;
};

struct LayerNormFuncOptions {
  LayerNormFuncOptions(std::vector<int64_t> normalized_shape)  // NOLINT: implicit as libtorch
      : normalized_shape_(std::move(normalized_shape)) {}
  // The trailing dims to normalize over.
  TG_ARG(std::vector<int64_t>, normalized_shape);
  TG_ARG(Tensor, weight) = {};
  TG_ARG(Tensor, bias) = {};
  TG_ARG(double, eps) = 1e-5;
};

struct GroupNormFuncOptions {
  GroupNormFuncOptions(int64_t num_groups) : num_groups_(num_groups) {}  // NOLINT: as libtorch
  // Channels are split into this many groups, each normalized on its own.
  TG_ARG(int64_t, num_groups);
  TG_ARG(Tensor, weight) = {};
  TG_ARG(Tensor, bias) = {};
  TG_ARG(double, eps) = 1e-5;
};

inline Tensor batch_norm(const Tensor& input, const Tensor& running_mean,
                         const Tensor& running_var, const BatchNormFuncOptions& options = {}) {
  return tg::batch_norm(input, running_mean, running_var, options.weight(), options.bias(),
                        options.training(), options.momentum().value_or(0.0), options.eps());
}

inline Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options) {
  return tg::layer_norm(input, options.normalized_shape(), options.weight(), options.bias(),
                        options.eps());
}

inline Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options) {
  return tg::group_norm(input, options.num_groups(), options.weight(), options.bias(),
                        options.eps());
}

}  // namespace tg::nn::functional
