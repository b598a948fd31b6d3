// tg::nn::functional (alias tg::F) convolutions with libtorch-style options:
//   F::conv2d(x, w, F::Conv2dFuncOptions().stride(2).padding(1).groups(2).bias(b))
//   F::conv_transpose2d(x, w, F::ConvTranspose2dFuncOptions().stride(2).output_padding(1))
// and the helper ConvNd modules call to honour their padding_mode.
#pragma once
#include <cstddef>
#include <vector>

#include "nn/options/conv.h"
#include "ops/conv.h"

namespace tg::nn::functional {
namespace detail {

// tg::conv1d/2d/3d for rank D, with either kind of padding.
template <std::size_t D, class Padding>
Tensor conv_rank(const Tensor& input, const Tensor& weight, const Tensor& bias,
                 IntArrayRef stride, Padding padding, IntArrayRef dilation, int64_t groups) {
  static_assert(D >= 1 && D <= 3, "convolutions have 1 to 3 spatial dims");
  if constexpr (D == 1) return tg::conv1d(input, weight, bias, stride, padding, dilation, groups);
  if constexpr (D == 2) return tg::conv2d(input, weight, bias, stride, padding, dilation, groups);
  if constexpr (D == 3) return tg::conv3d(input, weight, bias, stride, padding, dilation, groups);
}

template <std::size_t D>
Tensor conv(const Tensor& input, const Tensor& weight, const ConvFuncOptions<D>& o) {
  if (o.padding().is_kind()) {
    return conv_rank<D>(input, weight, o.bias(), o.stride(), o.padding().kind(), o.dilation(),
                        o.groups());
  }
  return conv_rank<D>(input, weight, o.bias(), o.stride(), IntArrayRef(o.padding().values()),
                      o.dilation(), o.groups());
}

template <std::size_t D>
Tensor conv_transpose(const Tensor& input, const Tensor& weight,
                      const ConvTransposeFuncOptions<D>& o) {
  static_assert(D >= 1 && D <= 3, "transposed convolutions have 1 to 3 spatial dims");
  if constexpr (D == 1) {
    return tg::conv_transpose1d(input, weight, o.bias(), o.stride(), o.padding(),
                                o.output_padding(), o.groups(), o.dilation());
  }
  if constexpr (D == 2) {
    return tg::conv_transpose2d(input, weight, o.bias(), o.stride(), o.padding(),
                                o.output_padding(), o.groups(), o.dilation());
  }
  if constexpr (D == 3) {
    return tg::conv_transpose3d(input, weight, o.bias(), o.stride(), o.padding(),
                                o.output_padding(), o.groups(), o.dilation());
  }
}

}  // namespace detail

inline Tensor conv1d(const Tensor& input, const Tensor& weight,
                     const Conv1dFuncOptions& options = {}) {
  return detail::conv<1>(input, weight, options);
}
inline Tensor conv2d(const Tensor& input, const Tensor& weight,
                     const Conv2dFuncOptions& options = {}) {
  return detail::conv<2>(input, weight, options);
}
inline Tensor conv3d(const Tensor& input, const Tensor& weight,
                     const Conv3dFuncOptions& options = {}) {
  return detail::conv<3>(input, weight, options);
}

inline Tensor conv_transpose1d(const Tensor& input, const Tensor& weight,
                               const ConvTranspose1dFuncOptions& options = {}) {
  return detail::conv_transpose<1>(input, weight, options);
}
inline Tensor conv_transpose2d(const Tensor& input, const Tensor& weight,
                               const ConvTranspose2dFuncOptions& options = {}) {
  return detail::conv_transpose<2>(input, weight, options);
}
inline Tensor conv_transpose3d(const Tensor& input, const Tensor& weight,
                               const ConvTranspose3dFuncOptions& options = {}) {
  return detail::conv_transpose<3>(input, weight, options);
}

// What a ConvNd module's forward computes: options' stride, padding, dilation and groups,
// the padding filled as options.padding_mode() says (reflect / replicate / circular pad
// explicitly, then convolve unpadded, as torch.nn.ConvNd does). bias may be undefined.
template <std::size_t D>
Tensor conv_nd_with_padding_mode(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                 const ConvOptions<D>& options) {
  const char* mode = padding_mode_name(options.padding_mode());
  if (options.padding().is_kind()) {
    return conv_with_padding_mode(input, weight, bias, options.stride(),
                                  options.padding().kind(), options.dilation(), options.groups(),
                                  mode);
  }
  return conv_with_padding_mode(input, weight, bias, options.stride(),
                                IntArrayRef(options.padding().values()), options.dilation(),
                                options.groups(), mode);
}

}  // namespace tg::nn::functional
