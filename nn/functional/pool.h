// tg::nn::functional (alias tg::F) pooling, unpooling and resampling with libtorch-style
// options:
//   F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2))
//   F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions({7, std::nullopt}))
//   F::interpolate(x, F::InterpolateFuncOptions().size({8, 8}).mode(tg::kBilinear))
#pragma once
#include <cstddef>
#include <tuple>
#include <vector>

#include "nn/options/pool.h"
#include "ops/pool.h"
#include "ops/resample.h"

namespace tg::nn::functional {
namespace detail {

template <std::size_t D>
std::tuple<Tensor, Tensor> max_pool_with_indices(const Tensor& input,
                                                 const MaxPoolOptions<D>& o) {
  static_assert(D >= 1 && D <= 3, "pooling has 1 to 3 spatial dims");
  if constexpr (D == 1) {
    return tg::max_pool1d_with_indices(input, o.kernel_size(), o.stride(), o.padding(),
                                       o.dilation(), o.ceil_mode());
  }
  if constexpr (D == 2) {
    return tg::max_pool2d_with_indices(input, o.kernel_size(), o.stride(), o.padding(),
                                       o.dilation(), o.ceil_mode());
  }
  if constexpr (D == 3) {
    return tg::max_pool3d_with_indices(input, o.kernel_size(), o.stride(), o.padding(),
                                       o.dilation(), o.ceil_mode());
  }
}

template <std::size_t D>
Tensor avg_pool(const Tensor& input, const AvgPoolOptions<D>& o) {
  static_assert(D >= 1 && D <= 3, "pooling has 1 to 3 spatial dims");
  if constexpr (D == 1) {
    TG_CHECK(!o.divisor_override(), "avg_pool1d: divisor_override is not supported (as in "
             "PyTorch)");
    return tg::avg_pool1d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                          o.count_include_pad());
  }
  if constexpr (D == 2) {
    return tg::avg_pool2d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                          o.count_include_pad(), o.divisor_override());
  }
  if constexpr (D == 3) {
    return tg::avg_pool3d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                          o.count_include_pad(), o.divisor_override());
  }
}

// The last D sizes of input (the fallback of absent adaptive output sizes).
template <std::size_t D>
std::vector<int64_t> spatial_sizes(const char* op, const Tensor& input) {
  TG_CHECK(input.defined() && input.dim() >= static_cast<int64_t>(D), op, ": expected an input "
           "with at least ", D, " dims, got ", input.defined() ? "shape " : "an undefined tensor",
           input.defined() ? input.shape() : Shape());
  std::vector<int64_t> r;
  for (int64_t i = input.dim() - static_cast<int64_t>(D); i < input.dim(); ++i)
    r.push_back(input.size(i));
  return r;
}

template <std::size_t D>
Tensor adaptive_avg_pool(const Tensor& input, const AdaptivePoolOptions<D>& o) {
  static_assert(D >= 1 && D <= 3, "pooling has 1 to 3 spatial dims");
  constexpr const char* names[] = {"", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
                                   "adaptive_avg_pool3d"};
  const std::vector<int64_t> size = o.output_size().resolved(spatial_sizes<D>(names[D], input));
  if constexpr (D == 1) return tg::adaptive_avg_pool1d(input, size);
  if constexpr (D == 2) return tg::adaptive_avg_pool2d(input, size);
  if constexpr (D == 3) return tg::adaptive_avg_pool3d(input, size);
}

template <std::size_t D>
std::tuple<Tensor, Tensor> adaptive_max_pool(const Tensor& input,
                                             const AdaptivePoolOptions<D>& o) {
  static_assert(D >= 1 && D <= 3, "pooling has 1 to 3 spatial dims");
  constexpr const char* names[] = {"", "adaptive_max_pool1d", "adaptive_max_pool2d",
                                   "adaptive_max_pool3d"};
  const std::vector<int64_t> size = o.output_size().resolved(spatial_sizes<D>(names[D], input));
  if constexpr (D == 1) return tg::adaptive_max_pool1d(input, size);
  if constexpr (D == 2) return tg::adaptive_max_pool2d(input, size);
  if constexpr (D == 3) return tg::adaptive_max_pool3d(input, size);
}

// torch.nn.functional's unpooled size: (in-1)*stride - 2*padding + kernel per dim, or the
// requested output_size (its last D values), which must lie within one stride of that.
template <std::size_t D>
std::vector<int64_t> unpool_output_size(const char* op, const Tensor& input,
                                        const MaxUnpoolFuncOptions<D>& o) {
  const std::vector<int64_t> in = spatial_sizes<D>(op, input);
  std::vector<int64_t> natural(D);
  for (std::size_t i = 0; i < D; ++i)
    natural[i] = (in[i] - 1) * o.stride()[i] - 2 * o.padding()[i] + o.kernel_size()[i];
  if (!o.output_size()) return natural;
  std::vector<int64_t> want = *o.output_size();
  TG_CHECK(want.size() == D || want.size() == D + 2, op, ": output_size must have ", D, " or ",
           D + 2, " values, got ", IntArrayRef(want));
  if (want.size() == D + 2) want.erase(want.begin(), want.begin() + 2);
  for (std::size_t i = 0; i < D; ++i) {
    TG_CHECK(want[i] > natural[i] - o.stride()[i] && want[i] < natural[i] + o.stride()[i], op,
             ": invalid output_size ", IntArrayRef(want), " (dim ", i, " must be between ",
             natural[i] - o.stride()[i] + 1, " and ", natural[i] + o.stride()[i] - 1, ")");
  }
  return want;
}

template <std::size_t D>
Tensor max_unpool(const Tensor& input, const Tensor& indices, const MaxUnpoolFuncOptions<D>& o) {
  static_assert(D >= 1 && D <= 3, "unpooling has 1 to 3 spatial dims");
  constexpr const char* names[] = {"", "max_unpool1d", "max_unpool2d", "max_unpool3d"};
  const std::vector<int64_t> size = unpool_output_size<D>(names[D], input, o);
  if constexpr (D == 1) return tg::max_unpool1d(input, indices, size);
  if constexpr (D == 2) return tg::max_unpool2d(input, indices, size);
  if constexpr (D == 3) return tg::max_unpool3d(input, indices, size);
}

}  // namespace detail

// ---- max pooling
inline Tensor max_pool1d(const Tensor& input, const MaxPool1dFuncOptions& options) {
  return std::get<0>(detail::max_pool_with_indices<1>(input, options));
}
inline Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options) {
  return std::get<0>(detail::max_pool_with_indices<2>(input, options));
}
inline Tensor max_pool3d(const Tensor& input, const MaxPool3dFuncOptions& options) {
  return std::get<0>(detail::max_pool_with_indices<3>(input, options));
}
inline std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input,
                                                          const MaxPool1dFuncOptions& options) {
  return detail::max_pool_with_indices<1>(input, options);
}
inline std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input,
                                                          const MaxPool2dFuncOptions& options) {
  return detail::max_pool_with_indices<2>(input, options);
}
inline std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input,
                                                          const MaxPool3dFuncOptions& options) {
  return detail::max_pool_with_indices<3>(input, options);
}

// ---- average pooling
inline Tensor avg_pool1d(const Tensor& input, const AvgPool1dFuncOptions& options) {
  return detail::avg_pool<1>(input, options);
}
inline Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options) {
  return detail::avg_pool<2>(input, options);
}
inline Tensor avg_pool3d(const Tensor& input, const AvgPool3dFuncOptions& options) {
  return detail::avg_pool<3>(input, options);
}

// ---- adaptive pooling
inline Tensor adaptive_avg_pool1d(const Tensor& input,
                                  const AdaptiveAvgPool1dFuncOptions& options) {
  return detail::adaptive_avg_pool<1>(input, options);
}
inline Tensor adaptive_avg_pool2d(const Tensor& input,
                                  const AdaptiveAvgPool2dFuncOptions& options) {
  return detail::adaptive_avg_pool<2>(input, options);
}
inline Tensor adaptive_avg_pool3d(const Tensor& input,
                                  const AdaptiveAvgPool3dFuncOptions& options) {
  return detail::adaptive_avg_pool<3>(input, options);
}
inline Tensor adaptive_max_pool1d(const Tensor& input,
                                  const AdaptiveMaxPool1dFuncOptions& options) {
  return std::get<0>(detail::adaptive_max_pool<1>(input, options));
}
inline Tensor adaptive_max_pool2d(const Tensor& input,
                                  const AdaptiveMaxPool2dFuncOptions& options) {
  return std::get<0>(detail::adaptive_max_pool<2>(input, options));
}
inline Tensor adaptive_max_pool3d(const Tensor& input,
                                  const AdaptiveMaxPool3dFuncOptions& options) {
  return std::get<0>(detail::adaptive_max_pool<3>(input, options));
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(
    const Tensor& input, const AdaptiveMaxPool1dFuncOptions& options) {
  return detail::adaptive_max_pool<1>(input, options);
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(
    const Tensor& input, const AdaptiveMaxPool2dFuncOptions& options) {
  return detail::adaptive_max_pool<2>(input, options);
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(
    const Tensor& input, const AdaptiveMaxPool3dFuncOptions& options) {
  return detail::adaptive_max_pool<3>(input, options);
}

// ---- max unpooling
inline Tensor max_unpool1d(const Tensor& input, const Tensor& indices,
                           const MaxUnpool1dFuncOptions& options) {
  return detail::max_unpool<1>(input, indices, options);
}
inline Tensor max_unpool2d(const Tensor& input, const Tensor& indices,
                           const MaxUnpool2dFuncOptions& options) {
  return detail::max_unpool<2>(input, indices, options);
}
inline Tensor max_unpool3d(const Tensor& input, const Tensor& indices,
                           const MaxUnpool3dFuncOptions& options) {
  return detail::max_unpool<3>(input, indices, options);
}

// ---- resampling
inline Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options = {}) {
  return tg::interpolate(input, options.size(), options.scale_factor(), options.mode(),
                         options.align_corners(), options.recompute_scale_factor());
}

}  // namespace tg::nn::functional
