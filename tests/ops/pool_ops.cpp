// Registers the pooling, unpooling and resampling ops with the fixture harness
// (tests/reference/fixtures/pool.json). Max and average pooling go through the tg:: ops;
// adaptive pooling (whose output_size may hold None), max_unpool (whose output size comes
// from the pooling window) and interpolate go through tg::F with options.
#include <cstddef>
#include <optional>

#include "nn/functional.h"
#include "support/op_registry.h"

namespace tg::testing {
namespace {

std::vector<int64_t> stride_arg(const Args& a, std::size_t dims) {
  return int_list(a, "stride", dims, {});  // null: stride = kernel_size
}

// torch.nn.functional.max_pool{D}d(input, kernel_size, stride, padding, dilation, ceil_mode,
// return_indices)
template <std::size_t D>
TensorList max_pool_case(const TensorList& in, const Args& a) {
  const auto kernel = int_list(a, "kernel_size", D, {});
  const auto stride = stride_arg(a, D);
  const auto padding = int_list(a, "padding", D, {0});
  const auto dilation = int_list(a, "dilation", D, {1});
  const bool ceil_mode = bool_arg(a, "ceil_mode", false);
  std::tuple<Tensor, Tensor> r;
  if constexpr (D == 1)
    r = max_pool1d_with_indices(in[0], kernel, stride, padding, dilation, ceil_mode);
  if constexpr (D == 2)
    r = max_pool2d_with_indices(in[0], kernel, stride, padding, dilation, ceil_mode);
  if constexpr (D == 3)
    r = max_pool3d_with_indices(in[0], kernel, stride, padding, dilation, ceil_mode);
  if (bool_arg(a, "return_indices", false)) return {std::get<0>(r), std::get<1>(r)};
  // The values-only entry points must agree with the pair.
  Tensor values;
  if constexpr (D == 1) values = max_pool1d(in[0], kernel, stride, padding, dilation, ceil_mode);
  if constexpr (D == 2) values = max_pool2d(in[0], kernel, stride, padding, dilation, ceil_mode);
  if constexpr (D == 3) values = max_pool3d(in[0], kernel, stride, padding, dilation, ceil_mode);
  TG_CHECK(equal(values.detach(), std::get<0>(r).detach()), "max_pool values differ");
  return {values};
}

// torch.nn.functional.avg_pool{D}d(input, kernel_size, stride, padding, ceil_mode,
// count_include_pad, divisor_override)
template <std::size_t D>
TensorList avg_pool_case(const TensorList& in, const Args& a) {
  const auto kernel = int_list(a, "kernel_size", D, {});
  const auto stride = stride_arg(a, D);
  const auto padding = int_list(a, "padding", D, {0});
  const bool ceil_mode = bool_arg(a, "ceil_mode", false);
  const bool count_include_pad = bool_arg(a, "count_include_pad", true);
  std::optional<int64_t> divisor;
  if (has(a, "divisor_override")) divisor = int_arg(a, "divisor_override", 0);
  if constexpr (D == 1)
    return {avg_pool1d(in[0], kernel, stride, padding, ceil_mode, count_include_pad)};
  if constexpr (D == 2)
    return {avg_pool2d(in[0], kernel, stride, padding, ceil_mode, count_include_pad, divisor)};
  if constexpr (D == 3)
    return {avg_pool3d(in[0], kernel, stride, padding, ceil_mode, count_include_pad, divisor)};
}

// output_size: an int, or a list whose null elements keep the input's size.
template <std::size_t D>
nn::AdaptivePoolOptions<D> adaptive_options(const Args& a) {
  const auto& v = a["output_size"];
  if (!v.is_array()) return nn::AdaptivePoolOptions<D>(v.get<int64_t>());
  std::vector<std::optional<int64_t>> sizes;
  for (const auto& e : v)
    sizes.push_back(e.is_null() ? std::nullopt : std::optional<int64_t>(e.get<int64_t>()));
  return nn::AdaptivePoolOptions<D>(sizes);
}

template <std::size_t D>
TensorList adaptive_avg_pool_case(const TensorList& in, const Args& a) {
  if constexpr (D == 1) return {F::adaptive_avg_pool1d(in[0], adaptive_options<1>(a))};
  if constexpr (D == 2) return {F::adaptive_avg_pool2d(in[0], adaptive_options<2>(a))};
  if constexpr (D == 3) return {F::adaptive_avg_pool3d(in[0], adaptive_options<3>(a))};
}

template <std::size_t D>
TensorList adaptive_max_pool_case(const TensorList& in, const Args& a) {
  std::tuple<Tensor, Tensor> r;
  if constexpr (D == 1) r = F::adaptive_max_pool1d_with_indices(in[0], adaptive_options<1>(a));
  if constexpr (D == 2) r = F::adaptive_max_pool2d_with_indices(in[0], adaptive_options<2>(a));
  if constexpr (D == 3) r = F::adaptive_max_pool3d_with_indices(in[0], adaptive_options<3>(a));
  if (bool_arg(a, "return_indices", false)) return {std::get<0>(r), std::get<1>(r)};
  return {std::get<0>(r)};
}

// torch.nn.functional.max_unpool{D}d(input, indices, kernel_size, stride, padding, output_size)
template <std::size_t D>
TensorList max_unpool_case(const TensorList& in, const Args& a) {
  F::MaxUnpoolFuncOptions<D> o(int_list(a, "kernel_size", D, {}));
  if (has(a, "stride")) o.stride(int_list(a, "stride", D, {}));
  o.padding(int_list(a, "padding", D, {0}));
  if (has(a, "output_size")) o.output_size(a["output_size"].get<std::vector<int64_t>>());
  if constexpr (D == 1) return {F::max_unpool1d(in[0], in[1], o)};
  if constexpr (D == 2) return {F::max_unpool2d(in[0], in[1], o)};
  if constexpr (D == 3) return {F::max_unpool3d(in[0], in[1], o)};
}

// torch.nn.functional.interpolate(input, size, scale_factor, mode, align_corners,
// recompute_scale_factor)
TensorList interpolate_case(const TensorList& in, const Args& a) {
  F::InterpolateFuncOptions o;
  const std::size_t dims = in[0].dim() - 2;
  if (has(a, "size")) o.size(int_list(a, "size", dims, {}));
  if (has(a, "scale_factor")) {
    const auto& s = a["scale_factor"];
    o.scale_factor(s.is_array() ? s.get<std::vector<double>>()
                                : std::vector<double>{s.get<double>()});
  }
  o.mode(str_arg(a, "mode", "nearest"));
  if (has(a, "align_corners")) o.align_corners(bool_arg(a, "align_corners", false));
  if (has(a, "recompute_scale_factor"))
    o.recompute_scale_factor(bool_arg(a, "recompute_scale_factor", false));
  return {F::interpolate(in[0], o)};
}

TG_OP("max_pool1d", max_pool_case<1>);
TG_OP("max_pool2d", max_pool_case<2>);
TG_OP("max_pool3d", max_pool_case<3>);
TG_OP("avg_pool1d", avg_pool_case<1>);
TG_OP("avg_pool2d", avg_pool_case<2>);
TG_OP("avg_pool3d", avg_pool_case<3>);
TG_OP("adaptive_avg_pool1d", adaptive_avg_pool_case<1>);
TG_OP("adaptive_avg_pool2d", adaptive_avg_pool_case<2>);
TG_OP("adaptive_avg_pool3d", adaptive_avg_pool_case<3>);
TG_OP("adaptive_max_pool1d", adaptive_max_pool_case<1>);
TG_OP("adaptive_max_pool2d", adaptive_max_pool_case<2>);
TG_OP("adaptive_max_pool3d", adaptive_max_pool_case<3>);
TG_OP("max_unpool1d", max_unpool_case<1>);
TG_OP("max_unpool2d", max_unpool_case<2>);
TG_OP("max_unpool3d", max_unpool_case<3>);
TG_OP("interpolate", interpolate_case);

}  // namespace
}  // namespace tg::testing
