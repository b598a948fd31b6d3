// Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d, as libtorch's. One base per
// kind, templated on the spatial rank D, owns the parameters, their initialisation and the
// printing; the 1/2/3-d classes only fix D.
//
//   tg::nn::Conv2d conv(tg::nn::Conv2dOptions(3, 16, 3).stride(2).padding(1));
//   tg::nn::ConvTranspose2d up(tg::nn::ConvTranspose2dOptions(16, 3, 2).stride(2));
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>

#include "nn/module.h"
#include "nn/options/conv.h"

namespace tg::nn {

// The weight [out, in/groups, k...] starts kaiming_uniform_(a = sqrt(5)) and the bias
// uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), as PyTorch's reset_parameters.
template <std::size_t D, class Derived>
class ConvNdImpl : public Module {
 public:
  ConvNdImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : ConvNdImpl(ConvOptions<D>(in_channels, out_channels, kernel_size)) {}
  explicit ConvNdImpl(ConvOptions<D> options);

  // Checks the options, (re)creates the parameters and initialises them.
  void reset();
  void reset_parameters();
  // The convolution of input [N, C_in, s...] (or unbatched [C_in, s...]) with the padding
  // filled as options.padding_mode() says.
  Tensor forward(const Tensor& input);
  // libtorch's format: tg::nn::Conv2d(1, 6, kernel_size=[5, 5], stride=[1, 1], padding=[2, 2])
  void pretty_print(std::ostream& stream) const override;

  ConvOptions<D> options;
  Tensor weight;
  Tensor bias;  // undefined when options.bias() is false
};

class Conv1dImpl : public ConvNdImpl<1, Conv1dImpl> {
 public:
  using ConvNdImpl<1, Conv1dImpl>::ConvNdImpl;
};
TG_MODULE(Conv1d);

class Conv2dImpl : public ConvNdImpl<2, Conv2dImpl> {
 public:
  using ConvNdImpl<2, Conv2dImpl>::ConvNdImpl;
};
TG_MODULE(Conv2d);

class Conv3dImpl : public ConvNdImpl<3, Conv3dImpl> {
 public:
  using ConvNdImpl<3, Conv3dImpl>::ConvNdImpl;
};
TG_MODULE(Conv3d);

// The weight is [in, out/groups, k...]; initialisation as ConvNdImpl's (fan_in read from
// that weight, as PyTorch does).
template <std::size_t D, class Derived>
class ConvTransposeNdImpl : public Module {
 public:
  ConvTransposeNdImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : ConvTransposeNdImpl(ConvTransposeOptions<D>(in_channels, out_channels, kernel_size)) {}
  explicit ConvTransposeNdImpl(ConvTransposeOptions<D> options);

  void reset();
  void reset_parameters();
  // With output_size (D spatial sizes, or the full output shape), the output_padding that
  // gives that size is used instead of options.output_padding(), as in PyTorch.
  Tensor forward(const Tensor& input,
                 const std::optional<IntArrayRef>& output_size = std::nullopt);
  void pretty_print(std::ostream& stream) const override;

  ConvTransposeOptions<D> options;
  Tensor weight;
  Tensor bias;  // undefined when options.bias() is false

 private:
  ExpandingArray<D> output_padding_for(const Tensor& input,
                                       const std::optional<IntArrayRef>& output_size) const;
};

class ConvTranspose1dImpl : public ConvTransposeNdImpl<1, ConvTranspose1dImpl> {
 public:
  using ConvTransposeNdImpl<1, ConvTranspose1dImpl>::ConvTransposeNdImpl;
};
TG_MODULE(ConvTranspose1d);

class ConvTranspose2dImpl : public ConvTransposeNdImpl<2, ConvTranspose2dImpl> {
 public:
  using ConvTransposeNdImpl<2, ConvTranspose2dImpl>::ConvTransposeNdImpl;
};
TG_MODULE(ConvTranspose2d);

class ConvTranspose3dImpl : public ConvTransposeNdImpl<3, ConvTranspose3dImpl> {
 public:
  using ConvTransposeNdImpl<3, ConvTranspose3dImpl>::ConvTransposeNdImpl;
};
TG_MODULE(ConvTranspose3d);

}  // namespace tg::nn
