// Options of pooling, unpooling and resampling, as libtorch's: module options
// (tg::nn::MaxPool2dOptions(3).stride(2), ...) and the functional aliases
// (tg::nn::functional::MaxPool2dFuncOptions, ..., InterpolateFuncOptions).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nn/init.h"
#include "nn/options/arg.h"
#include "ops/resample.h"

namespace tg::nn {

// Options of max pooling (MaxPoolNd modules and F::max_poolNd).
template <std::size_t D>
struct MaxPoolOptions {
  MaxPoolOptions(ExpandingArray<D> kernel_size)  // NOLINT: implicit, as libtorch's
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  // Size of the window.
  TG_ARG(ExpandingArray<D>, kernel_size);
  // Step of the window (default: kernel_size).
  TG_ARG(ExpandingArray<D>, stride);
  // Implicit -inf padding of each side (at most half the kernel).
  TG_ARG(ExpandingArray<D>, padding) = 0;
  // Spacing between window elements.
  TG_ARG(ExpandingArray<D>, dilation) = 1;
  // Round the output size up (a window starting in the right padding is still dropped).
  TG_ARG(bool, ceil_mode) = false;
};
using MaxPool1dOptions = MaxPoolOptions<1>;
using MaxPool2dOptions = MaxPoolOptions<2>;
using MaxPool3dOptions = MaxPoolOptions<3>;

// Options of average pooling (AvgPoolNd modules and F::avg_poolNd).
template <std::size_t D>
struct AvgPoolOptions {
  AvgPoolOptions(ExpandingArray<D> kernel_size)  // NOLINT: implicit, as libtorch's
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  // Size of the window.
  TG_ARG(ExpandingArray<D>, kernel_size);
  // Step of the window (default: kernel_size).
  TG_ARG(ExpandingArray<D>, stride);
  // Implicit zero padding of each side (at most half the kernel).
  TG_ARG(ExpandingArray<D>, padding) = 0;
  // Round the output size up (a window starting in the right padding is still dropped).
  TG_ARG(bool, ceil_mode) = false;
  // Count the padding in the divisor.
  TG_ARG(bool, count_include_pad) = true;
  // When set (non-zero), the divisor of every window (not available for 1-d, as in PyTorch).
  TG_ARG(std::optional<int64_t>, divisor_override) = std::nullopt;
};
using AvgPool1dOptions = AvgPoolOptions<1>;
using AvgPool2dOptions = AvgPoolOptions<2>;
using AvgPool3dOptions = AvgPoolOptions<3>;

// Options of adaptive pooling: the output size, where an absent element keeps the input's.
template <std::size_t D>
struct AdaptivePoolOptions {
  AdaptivePoolOptions(ExpandingArrayWithOptionalElem<D> output_size)  // NOLINT
      : output_size_(output_size) {}
  // Target output size (std::nullopt elements keep the input's size).
  TG_ARG(ExpandingArrayWithOptionalElem<D>, output_size);
};
using AdaptiveAvgPool1dOptions = AdaptivePoolOptions<1>;
using AdaptiveAvgPool2dOptions = AdaptivePoolOptions<2>;
using AdaptiveAvgPool3dOptions = AdaptivePoolOptions<3>;
using AdaptiveMaxPool1dOptions = AdaptivePoolOptions<1>;
using AdaptiveMaxPool2dOptions = AdaptivePoolOptions<2>;
using AdaptiveMaxPool3dOptions = AdaptivePoolOptions<3>;

// Options of the MaxUnpoolNd modules.
template <std::size_t D>
struct MaxUnpoolOptions {
  MaxUnpoolOptions(ExpandingArray<D> kernel_size)  // NOLINT: implicit, as libtorch's
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  // Size of the max pooling window being inverted.
  TG_ARG(ExpandingArray<D>, kernel_size);
  // Its stride (default: kernel_size).
  TG_ARG(ExpandingArray<D>, stride);
  // Its padding.
  TG_ARG(ExpandingArray<D>, padding) = 0;
};
using MaxUnpool1dOptions = MaxUnpoolOptions<1>;
using MaxUnpool2dOptions = MaxUnpoolOptions<2>;
using MaxUnpool3dOptions = MaxUnpoolOptions<3>;

// Target size / scale factor and mode of resampling; shared by F::interpolate's options and
// the Upsample module's.
template <class Derived>
struct ResampleOptionsBase {
  // Output spatial size: one value for every dim or one per dim.
  Derived& size(std::vector<int64_t> v) { size_ = std::move(v); return self(); }
  Derived& size(int64_t v) { size_ = std::vector<int64_t>{v}; return self(); }
  Derived& size(std::optional<std::vector<int64_t>> v) { size_ = std::move(v); return self(); }
  const std::optional<std::vector<int64_t>>& size() const { return size_; }
  // Multiplier of each spatial size: one value for every dim or one per dim.
  Derived& scale_factor(std::vector<double> v) { scale_factor_ = std::move(v); return self(); }
  Derived& scale_factor(double v) { scale_factor_ = std::vector<double>{v}; return self(); }
  Derived& scale_factor(std::optional<std::vector<double>> v) {
    scale_factor_ = std::move(v);
    return self();
  }
  const std::optional<std::vector<double>>& scale_factor() const { return scale_factor_; }
  // tg::kNearest, tg::kLinear, tg::kBilinear or tg::kTrilinear (or their names).
  Derived& mode(InterpolateMode m) { mode_ = m; return self(); }
  Derived& mode(const std::string& name) {
    mode_ = interpolate_mode_from_string(name);
    return self();
  }
  Derived& mode(const char* name) { return mode(std::string(name)); }
  Derived& mode(init::Nonlinearity linear) {  // tg::kLinear is nn::init's constant
    TG_CHECK(linear == init::Nonlinearity::Linear, "interpolate: mode must be kNearest, kLinear, "
             "kBilinear or kTrilinear");
    mode_ = InterpolateMode::Linear;
    return self();
  }
  InterpolateMode mode() const { return mode_; }
  // Linear modes only: align the corner pixels' centres of input and output.
  Derived& align_corners(std::optional<bool> v) { align_corners_ = v; return self(); }
  const std::optional<bool>& align_corners() const { return align_corners_; }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
  std::optional<std::vector<int64_t>> size_;
  std::optional<std::vector<double>> scale_factor_;
  InterpolateMode mode_ = InterpolateMode::Nearest;
  std::optional<bool> align_corners_;
};

// Options of the Upsample module.
struct UpsampleOptions : ResampleOptionsBase<UpsampleOptions> {};

namespace functional {

using MaxPool1dFuncOptions = MaxPool1dOptions;
using MaxPool2dFuncOptions = MaxPool2dOptions;
using MaxPool3dFuncOptions = MaxPool3dOptions;
using AvgPool1dFuncOptions = AvgPool1dOptions;
using AvgPool2dFuncOptions = AvgPool2dOptions;
using AvgPool3dFuncOptions = AvgPool3dOptions;
using AdaptiveAvgPool1dFuncOptions = AdaptiveAvgPool1dOptions;
using AdaptiveAvgPool2dFuncOptions = AdaptiveAvgPool2dOptions;
using AdaptiveAvgPool3dFuncOptions = AdaptiveAvgPool3dOptions;
using AdaptiveMaxPool1dFuncOptions = AdaptiveMaxPool1dOptions;
using AdaptiveMaxPool2dFuncOptions = AdaptiveMaxPool2dOptions;
using AdaptiveMaxPool3dFuncOptions = AdaptiveMaxPool3dOptions;

// Options of F::max_unpoolNd: the pooling's window plus an optional output size (the
// unpooled spatial size, possibly preceded by the batch and channel sizes).
template <std::size_t D>
struct MaxUnpoolFuncOptions {
  MaxUnpoolFuncOptions(ExpandingArray<D> kernel_size)  // NOLINT: implicit, as libtorch's
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  // Size of the max pooling window being inverted.
  TG_ARG(ExpandingArray<D>, kernel_size);
  // Its stride (default: kernel_size).
  TG_ARG(ExpandingArray<D>, stride);
  // Its padding.
  TG_ARG(ExpandingArray<D>, padding) = 0;

 public:
  // Output size; default (in-1)*stride - 2*padding + kernel_size per dim.
  MaxUnpoolFuncOptions& output_size(std::vector<int64_t> v) {
    output_size_ = std::move(v);
    return *this;
  }
  MaxUnpoolFuncOptions& output_size(std::optional<std::vector<int64_t>> v) {
    output_size_ = std::move(v);
    return *this;
  }
  const std::optional<std::vector<int64_t>>& output_size() const { return output_size_; }

 private:
  std::optional<std::vector<int64_t>> output_size_;
};
using MaxUnpool1dFuncOptions = MaxUnpoolFuncOptions<1>;
using MaxUnpool2dFuncOptions = MaxUnpoolFuncOptions<2>;
using MaxUnpool3dFuncOptions = MaxUnpoolFuncOptions<3>;

// Options of F::interpolate.
struct InterpolateFuncOptions : ResampleOptionsBase<InterpolateFuncOptions> {
  // With scale_factor: compute the output size, then resample by sizes (not by the scale).
  InterpolateFuncOptions& recompute_scale_factor(std::optional<bool> v) {
    recompute_scale_factor_ = v;
    return *this;
  }
  const std::optional<bool>& recompute_scale_factor() const { return recompute_scale_factor_; }

 private:
  std::optional<bool> recompute_scale_factor_;
};

}  // namespace functional
}  // namespace tg::nn
