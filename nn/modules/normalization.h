// Normalization layers (libtorch's torch::nn::BatchNorm1d/2d/3d, GroupNorm, LayerNorm).
// BatchNorm keeps running_mean, running_var and num_batches_tracked buffers: training mode
// normalizes with the batch's statistics and updates the buffers, eval mode normalizes with
// the buffers (or, without track_running_stats, always with the batch's statistics).
#pragma once
#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

#include "nn/options/arg.h"
#include "nn/functional/norm.h"
#include "nn/module.h"

namespace tg::nn {

struct BatchNormOptions {
  BatchNormOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT: libtorch
  // C, the number of channels (dim 1 of the input).
  TG_ARG(int64_t, num_features);
  // Added to the variance for numerical stability.
  TG_ARG(double, eps) = 1e-5;
  // Weight of the new batch in the running statistics; nullopt gives a cumulative average
  // (1 / num_batches_tracked).
  TG_ARG(std::optional<double>, momentum) = 0.1;
  // Learn a per-channel scale (weight, starts at 1) and shift (bias, starts at 0).
  TG_ARG(bool, affine) = true;
  // Keep running statistics (used in eval mode); without them eval uses batch statistics.
  TG_ARG(bool, track_running_stats) = true;
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;
using BatchNorm3dOptions = BatchNormOptions;

// The shared body of BatchNorm1d/2d/3d; D is the number of spatial dims (1d also takes
// [N, C] inputs).
template <int D>
class BatchNormImplBase : public Module {
 public:
  explicit BatchNormImplBase(const BatchNormOptions& options);

  // (Re)creates parameters and buffers, then initialises them.
  void reset();
  // running_mean = 0, running_var = 1, num_batches_tracked = 0.
  void reset_running_stats();
  // Running statistics reset, weight = 1, bias = 0.
  void reset_parameters();
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& stream) const override;

  BatchNormOptions options;
  Tensor weight;               // [C], undefined without affine
  Tensor bias;                 // [C], undefined without affine
  Tensor running_mean;         // [C], undefined without track_running_stats
  Tensor running_var;          // [C], undefined without track_running_stats
  Tensor num_batches_tracked;  // int64 0-d, undefined without track_running_stats

 private:
  void check_input(const Tensor& input) const;
};

extern template class BatchNormImplBase<1>;
extern template class BatchNormImplBase<2>;
extern template class BatchNormImplBase<3>;

// Input [N, C] or [N, C, L].
class BatchNorm1dImpl : public BatchNormImplBase<1> {
 public:
  using BatchNormImplBase<1>::BatchNormImplBase;
};
TG_MODULE(BatchNorm1d);

// Input [N, C, H, W].
class BatchNorm2dImpl : public BatchNormImplBase<2> {
 public:
  using BatchNormImplBase<2>::BatchNormImplBase;
};
TG_MODULE(BatchNorm2d);

// Input [N, C, D, H, W].
class BatchNorm3dImpl : public BatchNormImplBase<3> {
 public:
  using BatchNormImplBase<3>::BatchNormImplBase;
};
TG_MODULE(BatchNorm3d);

struct GroupNormOptions {
  GroupNormOptions(int64_t num_groups, int64_t num_channels)
      : num_groups_(num_groups), num_channels_(num_channels) {}
  // Channels are split into this many groups (it must divide num_channels).
  TG_ARG(int64_t, num_groups);
  TG_ARG(int64_t, num_channels);
  TG_ARG(double, eps) = 1e-5;
  // Learn a per-channel scale (weight, starts at 1) and shift (bias, starts at 0).
  TG_ARG(bool, affine) = true;
};

// Input [N, C, *]; normalizes each sample's channel groups, the same in train and eval.
class GroupNormImpl : public Module {
 public:
  GroupNormImpl(int64_t num_groups, int64_t num_channels)
      : GroupNormImpl(GroupNormOptions(num_groups, num_channels)) {}
  explicit GroupNormImpl(const GroupNormOptions& options);
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& stream) const override;

  GroupNormOptions options;
  Tensor weight;  // [C], undefined without affine
  Tensor bias;    // [C], undefined without affine
};
TG_MODULE(GroupNorm);

struct LayerNormOptions {
  LayerNormOptions(std::vector<int64_t> normalized_shape)  // NOLINT: implicit as libtorch
      : normalized_shape_(std::move(normalized_shape)) {}
  // The trailing dims to normalize over.
  TG_ARG(std::vector<int64_t>, normalized_shape);
  TG_ARG(double, eps) = 1e-5;
  // Learn an elementwise scale (weight, starts at 1) and shift (bias, starts at 0) of shape
  // normalized_shape.
  TG_ARG(bool, elementwise_affine) = true;
};

// Normalizes over the trailing normalized_shape dims, the same in train and eval.
class LayerNormImpl : public Module {
 public:
  LayerNormImpl(std::vector<int64_t> normalized_shape)  // NOLINT: implicit as libtorch
      : LayerNormImpl(LayerNormOptions(std::move(normalized_shape))) {}
  explicit LayerNormImpl(const LayerNormOptions& options);
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& stream) const override;

  LayerNormOptions options;
  Tensor weight;  // normalized_shape, undefined without elementwise_affine
  Tensor bias;
};
TG_MODULE(LayerNorm);

}  // namespace tg::nn
