// Pooling over 1, 2 or 3 spatial dims with PyTorch 1.13's semantics: max and average
// pooling, their adaptive forms, and max unpooling. Inputs are [N, C, s...] or unbatched
// [C, s...]; size-like arguments take one value (used for every dim) or one per dim.
//
// Every backward step is an op with its own vjp, so derivatives of any order exist:
// max pooling's vjp scatters to the argmax (an op whose vjp gathers at the indices),
// average pooling's vjp is its adjoint (an op whose vjp is average pooling again).
#pragma once
#include <cstdint>
#include <optional>
#include <tuple>

#include "autograd/tensor.h"

namespace tg {

// ---- max pooling. An empty stride means stride = kernel_size. padding (implicit -inf) must
// be at most half the kernel. With ceil_mode the output rounds up, but a last window that
// would start in the right padding is dropped. Indices (int64) are flat positions in each
// (n, c) input plane, as PyTorch's.
Tensor max_pool1d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, IntArrayRef dilation = 1, bool ceil_mode = false);
Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, IntArrayRef dilation = 1, bool ceil_mode = false);
Tensor max_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, IntArrayRef dilation = 1, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {},
                                                   IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {},
                                                   IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride = {},
                                                   IntArrayRef padding = 0,
                                                   IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);

// ---- average pooling (zero padding). count_include_pad counts the padding (clipped to the
// padded extent) in the divisor; divisor_override, when given and non-zero, replaces the
// divisor. 3-d average pooling needs the unpadded input to hold one window (as PyTorch's).
Tensor avg_pool1d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, bool ceil_mode = false, bool count_include_pad = true);
Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor avg_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);

// ---- adaptive pooling: output element i of a dim pools the input range
// [floor(i*in/out), ceil((i+1)*in/out)). Output sizes must be >= 1.
Tensor adaptive_avg_pool1d(const Tensor& input, IntArrayRef output_size);
Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size);
Tensor adaptive_avg_pool3d(const Tensor& input, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& input, IntArrayRef output_size);

// ---- max unpooling: zeros of spatial size output_size (D values) with input's values placed
// at `indices` (flat positions in each plane, e.g. from max_pool*_with_indices; a repeated
// index keeps the last value). indices has input's shape.
Tensor max_unpool1d(const Tensor& input, const Tensor& indices, IntArrayRef output_size);
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, IntArrayRef output_size);
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, IntArrayRef output_size);

}  // namespace tg
