// Resampling (torch.nn.functional.interpolate) with PyTorch 1.13's semantics: 'nearest' and
// 'linear' / 'bilinear' / 'trilinear' over the 1, 2 or 3 spatial dims of [N, C, s...].
// Both are linear maps; each forward's vjp is its adjoint op, whose vjp is the forward.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace tg {

enum class InterpolateMode { Nearest, Linear, Bilinear, Trilinear };
constexpr InterpolateMode kNearest = InterpolateMode::Nearest;
constexpr InterpolateMode kBilinear = InterpolateMode::Bilinear;
constexpr InterpolateMode kTrilinear = InterpolateMode::Trilinear;
// (tg::kLinear already names nn::init's Nonlinearity::Linear; nn::functional's
// InterpolateFuncOptions::mode accepts it as InterpolateMode::Linear.)

// "nearest", "linear", "bilinear", "trilinear"; throws on anything else.
InterpolateMode interpolate_mode_from_string(const std::string& name);
const char* interpolate_mode_name(InterpolateMode mode);

// Resamples the last D = output_size.size() dims of input [N, C, s...] to output_size.
// `scales` (empty, or D values each > 0 or 0 for none) are scale factors as PyTorch's kernels
// take them: when given, a source coordinate is dst / scale rather than dst * in / out.
Tensor upsample_nearest(const Tensor& input, IntArrayRef output_size,
                        const std::vector<double>& scales = {});
Tensor upsample_linear(const Tensor& input, IntArrayRef output_size, bool align_corners,
                       const std::vector<double>& scales = {});

// torch.nn.functional.interpolate. Exactly one of size / scale_factor (each one value or one
// per spatial dim). With scale_factor the output size is floor(in * scale) and the scale is
// used as given, unless recompute_scale_factor. 'linear' needs a 3-d input, 'bilinear' 4-d,
// 'trilinear' 5-d; align_corners (default false) only applies to them.
Tensor interpolate(const Tensor& input, const std::optional<std::vector<int64_t>>& size,
                   const std::optional<std::vector<double>>& scale_factor = std::nullopt,
                   InterpolateMode mode = kNearest,
                   std::optional<bool> align_corners = std::nullopt,
                   std::optional<bool> recompute_scale_factor = std::nullopt);

}  // namespace tg
