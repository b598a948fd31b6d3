// Options of convolutions, as libtorch's: module options (tg::nn::Conv2dOptions(in, out, k)
// with bias and padding_mode) and functional options (tg::nn::functional::Conv2dFuncOptions
// with a bias tensor). Templated on the spatial rank D with 1d/2d/3d aliases.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "nn/options/arg.h"
#include "ops/conv.h"

namespace tg {

// How a convolution module pads its input (torch.nn.ConvNd's padding_mode).
enum class PaddingMode { Zeros, Reflect, Replicate, Circular };
constexpr PaddingMode kZeros = PaddingMode::Zeros;
constexpr PaddingMode kReflect = PaddingMode::Reflect;
constexpr PaddingMode kReplicate = PaddingMode::Replicate;
constexpr PaddingMode kCircular = PaddingMode::Circular;

// "zeros", "reflect", "replicate", "circular" (tg::pad's mode names, "zeros" aside).
inline const char* padding_mode_name(PaddingMode mode) {
  switch (mode) {
    case PaddingMode::Zeros: return "zeros";
    case PaddingMode::Reflect: return "reflect";
    case PaddingMode::Replicate: return "replicate";
    case PaddingMode::Circular: return "circular";
  }
  return "?";
}

inline PaddingMode padding_mode_from_string(const std::string& name) {
  for (PaddingMode m : {kZeros, kReflect, kReplicate, kCircular})
    if (name == padding_mode_name(m)) return m;
  throw Error(format_message("padding_mode must be 'zeros', 'reflect', 'replicate' or "
                             "'circular', got '", name, "'"));
}

// A convolution's padding: one size for every dim, one per dim, or tg::kValid / tg::kSame.
template <std::size_t D>
class ConvPaddingOption {
 public:
  ConvPaddingOption(int64_t single) : values_(single) {}  // NOLINT: implicit by design
  ConvPaddingOption(std::initializer_list<int64_t> list) : values_(list) {}
  ConvPaddingOption(const std::vector<int64_t>& list) : values_(list) {}
  ConvPaddingOption(const ExpandingArray<D>& values) : values_(values) {}  // NOLINT
  ConvPaddingOption(ConvPadding kind) : values_(0), kind_(kind), is_kind_(true) {}  // NOLINT

  bool is_kind() const { return is_kind_; }    // kValid / kSame
  ConvPadding kind() const { return kind_; }   // meaningful when is_kind()
  const ExpandingArray<D>& values() const { return values_; }  // meaningful otherwise

 private:
  ExpandingArray<D> values_;
  ConvPadding kind_ = ConvPadding::Valid;
  bool is_kind_ = false;
};

namespace nn {

// Options of the ConvNd modules.
template <std::size_t D>
struct ConvOptions {
  using padding_t = ConvPaddingOption<D>;
  ConvOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}

  // Number of channels of the input.
  TG_ARG(int64_t, in_channels);
  // Number of channels the convolution produces.
  TG_ARG(int64_t, out_channels);
  // Size of the kernel.
  TG_ARG(ExpandingArray<D>, kernel_size);
  // Step of the kernel over the input.
  TG_ARG(ExpandingArray<D>, stride) = 1;
  // Padding of each side: sizes, or tg::kValid / tg::kSame.
  TG_ARG(padding_t, padding) = 0;
  // Spacing between kernel taps.
  TG_ARG(ExpandingArray<D>, dilation) = 1;
  // Number of blocked connections from input channels to output channels.
  TG_ARG(int64_t, groups) = 1;
  // Whether to learn an additive bias.
  TG_ARG(bool, bias) = true;
  // How the padding is filled: tg::kZeros, kReflect, kReplicate or kCircular.
  TG_ARG(PaddingMode, padding_mode) = kZeros;
};
using Conv1dOptions = ConvOptions<1>;
using Conv2dOptions = ConvOptions<2>;
using Conv3dOptions = ConvOptions<3>;

// Options of the ConvTransposeNd modules (padding_mode must stay kZeros, as in PyTorch).
template <std::size_t D>
struct ConvTransposeOptions {
  ConvTransposeOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}

  // Number of channels of the input.
  TG_ARG(int64_t, in_channels);
  // Number of channels the transposed convolution produces.
  TG_ARG(int64_t, out_channels);
  // Size of the kernel.
  TG_ARG(ExpandingArray<D>, kernel_size);
  // Step of the kernel (the upsampling factor).
  TG_ARG(ExpandingArray<D>, stride) = 1;
  // dilation*(kernel-1) - padding zeros are added to each side of the input.
  TG_ARG(ExpandingArray<D>, padding) = 0;
  // Extra size added to one side of the output (less than stride or dilation).
  TG_ARG(ExpandingArray<D>, output_padding) = 0;
  // Number of blocked connections from input channels to output channels.
  TG_ARG(int64_t, groups) = 1;
  // Whether to learn an additive bias.
  TG_ARG(bool, bias) = true;
  // Spacing between kernel taps.
  TG_ARG(ExpandingArray<D>, dilation) = 1;
  // Only tg::kZeros is supported (as in PyTorch).
  TG_ARG(PaddingMode, padding_mode) = kZeros;
};
using ConvTranspose1dOptions = ConvTransposeOptions<1>;
using ConvTranspose2dOptions = ConvTransposeOptions<2>;
using ConvTranspose3dOptions = ConvTransposeOptions<3>;

namespace functional {

// Options of F::conv1d/2d/3d.
template <std::size_t D>
struct ConvFuncOptions {
  using padding_t = ConvPaddingOption<D>;
  // Additive bias [C_out] (undefined: none).
  TG_ARG(Tensor, bias);
  // Step of the kernel over the input.
  TG_ARG(ExpandingArray<D>, stride) = 1;
  // Implicit zero padding of each side: sizes, or tg::kValid / tg::kSame.
  TG_ARG(padding_t, padding) = 0;
  // Spacing between kernel taps.
  TG_ARG(ExpandingArray<D>, dilation) = 1;
  // Number of blocked connections from input channels to output channels.
  TG_ARG(int64_t, groups) = 1;
};
using Conv1dFuncOptions = ConvFuncOptions<1>;
using Conv2dFuncOptions = ConvFuncOptions<2>;
using Conv3dFuncOptions = ConvFuncOptions<3>;

// Options of F::conv_transpose1d/2d/3d.
template <std::size_t D>
struct ConvTransposeFuncOptions {
  // Additive bias [C_out] (undefined: none).
  TG_ARG(Tensor, bias);
  // Step of the kernel (the upsampling factor).
  TG_ARG(ExpandingArray<D>, stride) = 1;
  // dilation*(kernel-1) - padding zeros are added to each side of the input.
  TG_ARG(ExpandingArray<D>, padding) = 0;
  // Extra size added to one side of the output (less than stride or dilation).
  TG_ARG(ExpandingArray<D>, output_padding) = 0;
  // Number of blocked connections from input channels to output channels.
  TG_ARG(int64_t, groups) = 1;
  // Spacing between kernel taps.
  TG_ARG(ExpandingArray<D>, dilation) = 1;
};
using ConvTranspose1dFuncOptions = ConvTransposeFuncOptions<1>;
using ConvTranspose2dFuncOptions = ConvTransposeFuncOptions<2>;
using ConvTranspose3dFuncOptions = ConvTransposeFuncOptions<3>;

}  // namespace functional
}  // namespace nn
}  // namespace tg
