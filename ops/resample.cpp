// Resampling ops: nearest and linear upsampling, each a kernel call from
// ops/kernels/resample.h, with a vjp that is the adjoint op (whose vjp is the forward again).
// One implementation for every spatial rank: 1-d and 2-d fill the leading dims with 1.
#include "ops/resample.h"

#include <cmath>

#include "autograd/node.h"
#include "ops/kernels/resample.h"
#include "ops/naming.h"
#include "ops/ops.h"

namespace tg {
namespace {

struct ResampleProblem {
  int dims = 2;
  bool linear = false;
  bool align_corners = false;
  kernels::ResampleGeometry g;

  Shape with_spatial(const std::array<int64_t, 3>& s) const {
    Shape r{g.batch, g.channels};
    for (int i = 3 - dims; i < 3; ++i) r.push_back(s[i]);
    return r;
  }
  Shape input_shape() const { return with_spatial(g.in); }
  Shape output_shape() const { return with_spatial(g.out); }
};

Tensor resample_backward_op(const Tensor& gy, const ResampleProblem& p);

Tensor resample_op(const Tensor& x, const ResampleProblem& p) {
  Tensor y = empty(p.output_shape(), x.dtype());
  if (p.g.planes() > 0) {
    Tensor xc = x.detach().contiguous();
    TG_DISPATCH_FLOATING(x.dtype(), "interpolate", [&] {
      if (p.linear) {
        kernels::upsample_linear_forward(p.g, p.align_corners, xc.data_ptr<scalar_t>(),
                                         y.data_ptr<scalar_t>());
      } else {
        kernels::upsample_nearest_forward(p.g, xc.data_ptr<scalar_t>(), y.data_ptr<scalar_t>());
      }
    });
  }
  return autograd::record(p.linear ? "UpsampleLinearBackward" : "UpsampleNearestBackward", y,
      {x}, {}, [p](const autograd::Ctx&, const TensorList& g) -> TensorList {
        return {resample_backward_op(g[0], p)};
      });
}

// The adjoint of resample_op: each input element gathers the weighted outputs it feeds.
Tensor resample_backward_op(const Tensor& gy, const ResampleProblem& p) {
  Tensor gx = empty(p.input_shape(), gy.dtype());
  if (p.g.planes() > 0) {
    Tensor gyc = gy.detach().contiguous();
    TG_DISPATCH_FLOATING(gy.dtype(), "interpolate_backward", [&] {
      if (p.linear) {
        kernels::upsample_linear_backward(p.g, p.align_corners, gyc.data_ptr<scalar_t>(),
                                          gx.data_ptr<scalar_t>());
      } else {
        kernels::upsample_nearest_backward(p.g, gyc.data_ptr<scalar_t>(),
                                           gx.data_ptr<scalar_t>());
      }
    });
  }
  return autograd::record(
      p.linear ? "UpsampleLinearBackwardBackward" : "UpsampleNearestBackwardBackward", gx, {gy},
      {}, [p](const autograd::Ctx&, const TensorList& g) -> TensorList {
        return {resample_op(g[0], p)};
      });
}

// Checks input against output_size / scales and builds the problem.
ResampleProblem resample_problem(const char* op, const Tensor& input, IntArrayRef output_size,
                                 const std::vector<double>& scales) {
  TG_CHECK(input.defined(), op, ": input is undefined");
  TG_CHECK(is_floating(input.dtype()), op, ": input must be float32 or float64, got ",
           input.dtype(), " input of shape ", input.shape());
  const int dims = static_cast<int>(output_size.size());
  TG_CHECK(dims >= 1 && dims <= 3, op, ": output size must have 1 to 3 values, got ",
           output_size);
  TG_CHECK(input.dim() == dims + 2, op, ": expected a ", dims + 2, "-d input [N, C, ",
           dims, " spatial dims] for output size ", output_size, ", got input of shape ",
           input.shape());
  TG_CHECK(scales.empty() || scales.size() == static_cast<std::size_t>(dims), op,
           ": expected 0 or ", dims, " scales, got ", scales.size());
  ResampleProblem p;
  p.dims = dims;
  p.g.batch = input.size(0);
  p.g.channels = input.size(1);
  for (int i = 0; i < dims; ++i) {
    const int s = 3 - dims + i;
    p.g.in[s] = input.size(2 + i);
    p.g.out[s] = output_size[i];
    TG_CHECK(p.g.in[s] >= 1 && p.g.out[s] >= 1, op, ": input and output sizes should be "
             "greater than 0, got input of shape ", input.shape(), " and output size ",
             output_size);
    if (!scales.empty()) {
      TG_CHECK(std::isfinite(scales[i]) && scales[i] >= 0.0, op, ": scales must be finite and "
               ">= 0 (0 = none), got ", scales[i]);
      p.g.scale[s] = scales[i];
    }
  }
  return p;
}

bool is_linear(InterpolateMode mode) { return mode != InterpolateMode::Nearest; }

int mode_dims(InterpolateMode mode) {
  switch (mode) {
    case InterpolateMode::Linear: return 1;
    case InterpolateMode::Bilinear: return 2;
    case InterpolateMode::Trilinear: return 3;
    case InterpolateMode::Nearest: break;
  }
  return 0;
}

}  // namespace

InterpolateMode interpolate_mode_from_string(const std::string& name) {
  if (name == "nearest") return InterpolateMode::Nearest;
  if (name == "linear") return InterpolateMode::Linear;
  if (name == "bilinear") return InterpolateMode::Bilinear;
  if (name == "trilinear") return InterpolateMode::Trilinear;
  throw Error(format_message("interpolate: mode must be 'nearest', 'linear', 'bilinear' or "
                             "'trilinear', got '", name, "'"));
}

const char* interpolate_mode_name(InterpolateMode mode) {
  switch (mode) {
    case InterpolateMode::Nearest: return "nearest";
    case InterpolateMode::Linear: return "linear";
    case InterpolateMode::Bilinear: return "bilinear";
    case InterpolateMode::Trilinear: return "trilinear";
  }
  return "?";
}

Tensor upsample_nearest(const Tensor& input, IntArrayRef output_size,
                        const std::vector<double>& scales) {
  ResampleProblem p = resample_problem("upsample_nearest", input, output_size, scales);
  return resample_op(input, p);
}

Tensor upsample_linear(const Tensor& input, IntArrayRef output_size, bool align_corners,
                       const std::vector<double>& scales) {
  ResampleProblem p = resample_problem("upsample_linear", input, output_size, scales);
  p.linear = true;
  p.align_corners = align_corners;
  return resample_op(input, p);
}

Tensor interpolate(const Tensor& input, const std::optional<std::vector<int64_t>>& size,
                   const std::optional<std::vector<double>>& scale_factor, InterpolateMode mode,
                   std::optional<bool> align_corners, std::optional<bool> recompute_scale_factor) {
  const char* op = "interpolate";
  TG_CHECK(input.defined(), op, ": input is undefined");
  const int dims = static_cast<int>(input.dim()) - 2;
  TG_CHECK(dims >= 1 && dims <= 3, op, ": expected a 3-d, 4-d or 5-d input [N, C, s...], got "
           "input of shape ", input.shape());
  const char* mode_name = interpolate_mode_name(mode);
  TG_CHECK(is_linear(mode) || !align_corners.has_value(), op, ": align_corners can only be set "
           "with the interpolating modes linear, bilinear and trilinear, got mode '", mode_name,
           "'");
  TG_CHECK(!is_linear(mode) || mode_dims(mode) == dims, op, ": mode '", mode_name, "' needs a ",
           mode_dims(mode) + 2, "-d input, got input of shape ", input.shape());
  TG_CHECK(size.has_value() != scale_factor.has_value(), op, ": exactly one of size and "
           "scale_factor must be given, got ", size ? "both" : "neither");
  const bool recompute = recompute_scale_factor.value_or(false);
  TG_CHECK(!(recompute && size), op, ": recompute_scale_factor is not meaningful with an "
           "explicit size");

  auto count_ok = [&](std::size_t n) { return n == 1 || n == static_cast<std::size_t>(dims); };
  std::vector<int64_t> out(dims);
  std::vector<double> scales;
  if (size) {
    TG_CHECK(count_ok(size->size()), op, ": size must have 1 or ", dims, " values for input of "
             "shape ", input.shape(), ", got ", IntArrayRef(*size));
    for (int i = 0; i < dims; ++i) out[i] = size->size() == 1 ? (*size)[0] : (*size)[i];
  } else {
    TG_CHECK(count_ok(scale_factor->size()), op, ": scale_factor must have 1 or ", dims,
             " values for input of shape ", input.shape(), ", got ", scale_factor->size());
    for (int i = 0; i < dims; ++i) {
      const double s = scale_factor->size() == 1 ? (*scale_factor)[0] : (*scale_factor)[i];
      TG_CHECK(std::isfinite(s) && s > 0.0, op, ": scale_factor must be finite and > 0, got ", s);
      const double o = std::floor(static_cast<double>(input.size(2 + i)) * s);
      // 2^63 and above cannot be converted to int64_t (UB); far beyond any allocation anyway.
      TG_CHECK(o < 9223372036854775808.0, op, ": scale_factor ", s, " makes the output size of "
               "dim ", 2 + i, " of input of shape ", input.shape(), " too large (", o, ")");
      out[i] = static_cast<int64_t>(o);
      scales.push_back(s);
    }
    if (recompute) scales.clear();  // the kernels then use in/out
  }
  ResampleProblem p = resample_problem(op, input, out, scales);
  p.linear = is_linear(mode);
  p.align_corners = align_corners.value_or(false);
  return detail::naming_op(op, input, [&] { return resample_op(input, p); });
}

}  // namespace tg
