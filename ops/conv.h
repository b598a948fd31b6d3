// Convolutions and transposed convolutions over 1, 2 or 3 spatial dims, with PyTorch 1.13's
// semantics. One implementation serves every rank: the weight's rank fixes the spatial rank
// D, and inputs are [N, C, s...] or unbatched [C, s...].
//
// The gradients are ops too: dL/dinput is conv_backward_input (which is also conv_transpose),
// dL/dweight is conv_backward_weight, and each of the three ops has a vjp made of the other
// two, so derivatives of any order exist.
#pragma once
#include <cstdint>
#include <string>

#include "autograd/tensor.h"

namespace tg {

// PyTorch's string paddings: "valid" (no padding) and "same" (output size = input size;
// the total dilation*(kernel-1) is split with the smaller half before; stride 1 only).
enum class ConvPadding { Valid, Same };
constexpr ConvPadding kValid = ConvPadding::Valid;
constexpr ConvPadding kSame = ConvPadding::Same;

// The general zero-padded convolution. weight is [C_out, C_in/groups, k...] (D = its rank - 2),
// input [N, C_in, s...] or [C_in, s...], bias [C_out] or undefined. stride, dilation and the
// padding before/after each spatial dim take one value (used for every dim) or D values.
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias,
                   IntArrayRef stride, IntArrayRef pad_before, IntArrayRef pad_after,
                   IntArrayRef dilation, int64_t groups);

// dL/dinput of a convolution given dL/doutput: grad_output [N, C_out, o...] (batched),
// input_size the input's full shape [N, C_in, s...]. Taps outside [0, input) read zero, so
// any output size a (possibly asymmetric) padding gives is accepted. Linear in grad_output
// and in weight.
Tensor conv_backward_input(const Tensor& grad_output, const Tensor& weight,
                           IntArrayRef input_size, IntArrayRef stride, IntArrayRef pad_before,
                           IntArrayRef dilation, int64_t groups);

// dL/dweight of a convolution given its input and dL/doutput; weight_size is
// [C_out, C_in/groups, k...]. Linear in input and grad_output.
Tensor conv_backward_weight(const Tensor& input, const Tensor& grad_output,
                            IntArrayRef weight_size, IntArrayRef stride, IntArrayRef pad_before,
                            IntArrayRef dilation, int64_t groups);

// Transposed convolution (the adjoint of convolution w.r.t. its input, plus bias).
// weight is [C_in, C_out/groups, k...]; each output dim has size
// (s-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1, and output_padding must be
// smaller than the stride or the dilation of its dim.
Tensor conv_transpose(const Tensor& input, const Tensor& weight, const Tensor& bias,
                      IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                      int64_t groups, IntArrayRef dilation);

// torch.conv1d/2d/3d. The weight must have rank D + 2 and the input rank D + 1 or D + 2.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef dilation = 1,
              int64_t groups = 1);
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              ConvPadding padding, IntArrayRef dilation = 1, int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef dilation = 1,
              int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              ConvPadding padding, IntArrayRef dilation = 1, int64_t groups = 1);
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef dilation = 1,
              int64_t groups = 1);
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              ConvPadding padding, IntArrayRef dilation = 1, int64_t groups = 1);

// torch.conv_transpose1d/2d/3d (PyTorch's argument order: groups before dilation).
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0,
                        IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0,
                        IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        IntArrayRef stride = 1, IntArrayRef padding = 0,
                        IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);

// What torch.nn.ConvNd computes for its padding_mode ("zeros", "reflect", "replicate",
// "circular"): zeros pads implicitly; the others pad explicitly with tg::pad in that mode,
// then convolve without padding. D comes from the weight, as in convolution().
Tensor conv_with_padding_mode(const Tensor& input, const Tensor& weight, const Tensor& bias,
                              IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
                              int64_t groups, const std::string& padding_mode);
Tensor conv_with_padding_mode(const Tensor& input, const Tensor& weight, const Tensor& bias,
                              IntArrayRef stride, ConvPadding padding, IntArrayRef dilation,
                              int64_t groups, const std::string& padding_mode);

}  // namespace tg
