// Registers the convolution ops with the fixture harness (tests/reference/fixtures/conv.json).
// conv1d/2d/3d and conv_transpose1d/2d/3d go through the tg:: ops; conv2d_padding_mode goes
// through the helper the ConvNd modules call.
#include <cstddef>

#include "nn/functional.h"
#include "support/op_registry.h"

namespace tg::testing {
namespace {

template <std::size_t D>
Tensor conv_rank(const Tensor& x, const Tensor& w, const Tensor& b, IntArrayRef stride,
                 IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  if constexpr (D == 1) return conv1d(x, w, b, stride, padding, dilation, groups);
  if constexpr (D == 2) return conv2d(x, w, b, stride, padding, dilation, groups);
  if constexpr (D == 3) return conv3d(x, w, b, stride, padding, dilation, groups);
}

template <std::size_t D>
Tensor conv_rank(const Tensor& x, const Tensor& w, const Tensor& b, IntArrayRef stride,
                 ConvPadding padding, IntArrayRef dilation, int64_t groups) {
  if constexpr (D == 1) return conv1d(x, w, b, stride, padding, dilation, groups);
  if constexpr (D == 2) return conv2d(x, w, b, stride, padding, dilation, groups);
  if constexpr (D == 3) return conv3d(x, w, b, stride, padding, dilation, groups);
}

ConvPadding padding_kind(const std::string& name) {
  TG_CHECK(name == "same" || name == "valid", "unknown padding '", name, "'");
  return name == "same" ? kSame : kValid;
}

// torch.nn.functional.conv{D}d(input, weight, bias, stride, padding, dilation, groups)
template <std::size_t D>
TensorList conv_case(const TensorList& in, const Args& a) {
  const std::vector<int64_t> stride = int_list(a, "stride", D, {1});
  const std::vector<int64_t> dilation = int_list(a, "dilation", D, {1});
  const int64_t groups = int_arg(a, "groups", 1);
  const Tensor bias = input_or_none(in, 2);
  if (a["padding"].is_string()) {
    return {conv_rank<D>(in[0], in[1], bias, stride, padding_kind(a["padding"]), dilation,
                         groups)};
  }
  return {conv_rank<D>(in[0], in[1], bias, stride, int_list(a, "padding", D, {0}), dilation,
                       groups)};
}

// torch.nn.functional.conv_transpose{D}d(input, weight, bias, stride, padding, output_padding,
// groups, dilation)
template <std::size_t D>
TensorList conv_transpose_case(const TensorList& in, const Args& a) {
  const Tensor bias = input_or_none(in, 2);
  const auto stride = int_list(a, "stride", D, {1});
  const auto padding = int_list(a, "padding", D, {0});
  const auto output_padding = int_list(a, "output_padding", D, {0});
  const auto dilation = int_list(a, "dilation", D, {1});
  const int64_t groups = int_arg(a, "groups", 1);
  if constexpr (D == 1) {
    return {conv_transpose1d(in[0], in[1], bias, stride, padding, output_padding, groups,
                             dilation)};
  }
  if constexpr (D == 2) {
    return {conv_transpose2d(in[0], in[1], bias, stride, padding, output_padding, groups,
                             dilation)};
  }
  if constexpr (D == 3) {
    return {conv_transpose3d(in[0], in[1], bias, stride, padding, output_padding, groups,
                             dilation)};
  }
}

// torch.nn.Conv2d(..., padding_mode=...) with the given weight and bias.
TensorList conv2d_padding_mode_case(const TensorList& in, const Args& a) {
  const Tensor& w = in[1];
  const int64_t groups = int_arg(a, "groups", 1);
  nn::Conv2dOptions options(w.size(1) * groups, w.size(0), {w.size(2), w.size(3)});
  options.stride(int_list(a, "stride", 2, {1}))
      .dilation(int_list(a, "dilation", 2, {1}))
      .groups(groups)
      .bias(in.size() > 2)
      .padding_mode(padding_mode_from_string(str_arg(a, "padding_mode", "zeros")));
  if (a["padding"].is_string()) options.padding(padding_kind(a["padding"]));
  else options.padding(int_list(a, "padding", 2, {0}));
  return {F::conv_nd_with_padding_mode(in[0], w, input_or_none(in, 2), options)};
}

TG_OP("conv1d", conv_case<1>);
TG_OP("conv2d", conv_case<2>);
TG_OP("conv3d", conv_case<3>);
TG_OP("conv_transpose1d", conv_transpose_case<1>);
TG_OP("conv_transpose2d", conv_transpose_case<2>);
TG_OP("conv_transpose3d", conv_transpose_case<3>);
TG_OP("conv2d_padding_mode", conv2d_padding_mode_case);

}  // namespace
}  // namespace tg::testing
