// Convolution ops. Three differentiable ops do all the work, each a kernel call from
// ops/kernels/conv.h plus a vjp written with the other two:
//   y  = conv(x, w) + b          vjp: dx = input_grad(g, w), dw = weight_grad(x, g), db = sum g
//   gx = input_grad(gy, w) (+ b)  vjp: dgy = conv(g, w), dw = weight_grad(g, gy), db = sum g
//   gw = weight_grad(x, gy)       vjp: dx = input_grad(gy, g), dgy = conv(x, g)
// input_grad with a bias is conv_transpose. All three are bilinear, so these rules are exact
// at every order. The public functions check arguments and build the geometry.
#include "ops/conv.h"

#include <algorithm>
#include <array>
#include <vector>

#include "autograd/node.h"
#include "autograd/profiler.h"
#include "ops/kernels/conv.h"
#include "ops/naming.h"
#include "ops/ops.h"

namespace tg {
namespace {

using kernels::ConvGeometry;
using Dims = std::array<int64_t, 3>;

// One convolution problem: the spatial rank and the kernels' geometry. Spatial arrays are
// right-aligned in the geometry's three slots (a 2-d problem uses slots 1 and 2).
struct ConvProblem {
  int dims = 2;
  ConvGeometry g;

  Shape with_spatial(int64_t a, int64_t b, const Dims& s) const {
    Shape r{a, b};
    for (int i = 3 - dims; i < 3; ++i) r.push_back(s[i]);
    return r;
  }
  Shape input_shape() const { return with_spatial(g.batch, g.in_channels, g.in); }
  Shape output_shape() const { return with_spatial(g.batch, g.out_channels, g.out); }
  Shape weight_shape() const { return with_spatial(g.out_channels, g.in_per_group(), g.kernel); }
};

// The dims a bias gradient sums over: batch and every spatial dim.
std::vector<int64_t> bias_sum_dims(int dims) {
  std::vector<int64_t> r{0};
  for (int i = 0; i < dims; ++i) r.push_back(2 + i);
  return r;
}

// Contiguous values of t, outside autograd.
Tensor raw(const Tensor& t) { return t.detach().contiguous(); }

template <class T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

// Adds bias[c] to every element of channel c of y [N, C, spatial...] (contiguous).
template <class T>
void add_channel_bias(T* y, const T* bias, int64_t batch, int64_t channels, int64_t plane) {
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      T* p = y + (n * channels + c) * plane;
      for (int64_t i = 0; i < plane; ++i) p[i] += bias[c];
    }
}

Tensor input_grad_op(const char* node, const Tensor& gy, const Tensor& w, const Tensor& b,
                     const ConvProblem& p);
Tensor weight_grad_op(const Tensor& x, const Tensor& gy, const ConvProblem& p);

// y = conv(x, w) + b on a checked, batched problem.
Tensor conv_op(const Tensor& x, const Tensor& w, const Tensor& b, const ConvProblem& p) {
  autograd::profiler::OpScope profile_scope("convolution", {&x, &w});
  Tensor y = empty(p.output_shape(), x.dtype());
  {
    Tensor xc = raw(x), wc = raw(w), bc = b.defined() ? raw(b) : Tensor();
    TG_DISPATCH_FLOATING(x.dtype(), "convolution", [&] {
      kernels::conv_forward(p.g, xc.data_ptr<scalar_t>(), wc.data_ptr<scalar_t>(),
                            ptr_or_null<scalar_t>(bc), y.data_ptr<scalar_t>());
    });
  }
  return autograd::record("ConvolutionBackward", y, {x, w, b}, {x, w},
      [p](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        Tensor dx, dw, db;
        if (c.needs(0)) dx = input_grad_op("ConvBackwardInputBackward", g[0], c.saved(1), {}, p);
        if (c.needs(1)) dw = weight_grad_op(c.saved(0), g[0], p);
        if (c.needs(2)) db = g[0].sum(bias_sum_dims(p.dims));
        return {dx, dw, db};
      });
}

// gx = conv's input gradient for gy (+ bias per channel of gx: conv_transpose).
Tensor input_grad_op(const char* node, const Tensor& gy, const Tensor& w, const Tensor& b,
                     const ConvProblem& p) {
  autograd::profiler::OpScope profile_scope("conv_backward_input", {&gy, &w});
  Tensor gx = empty(p.input_shape(), gy.dtype());
  {
    Tensor gyc = raw(gy), wc = raw(w), bc = b.defined() ? raw(b) : Tensor();
    TG_DISPATCH_FLOATING(gy.dtype(), "conv_backward_input", [&] {
      kernels::conv_backward_input(p.g, gyc.data_ptr<scalar_t>(), wc.data_ptr<scalar_t>(),
                                   gx.data_ptr<scalar_t>());
      if (bc.defined()) {
        add_channel_bias(gx.data_ptr<scalar_t>(), bc.data_ptr<scalar_t>(), p.g.batch,
                         p.g.in_channels, p.g.in_spatial());
      }
    });
  }
  return autograd::record(node, gx, {gy, w, b}, {gy, w},
      [p](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        Tensor dgy, dw, db;
        if (c.needs(0)) dgy = conv_op(g[0], c.saved(1), {}, p);
        if (c.needs(1)) dw = weight_grad_op(g[0], c.saved(0), p);
        if (c.needs(2)) db = g[0].sum(bias_sum_dims(p.dims));
        return {dgy, dw, db};
      });
}

// gw = conv's weight gradient for input x and output gradient gy.
Tensor weight_grad_op(const Tensor& x, const Tensor& gy, const ConvProblem& p) {
  autograd::profiler::OpScope profile_scope("conv_backward_weight", {&x, &gy});
  Tensor gw = empty(p.weight_shape(), x.dtype());
  {
    Tensor xc = raw(x), gyc = raw(gy);
    TG_DISPATCH_FLOATING(x.dtype(), "conv_backward_weight", [&] {
      kernels::conv_backward_weight(p.g, xc.data_ptr<scalar_t>(), gyc.data_ptr<scalar_t>(),
                                    gw.data_ptr<scalar_t>());
    });
  }
  return autograd::record("ConvBackwardWeightBackward", gw, {x, gy}, {x, gy},
      [p](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        Tensor dx, dgy;
        if (c.needs(0)) dx = input_grad_op("ConvBackwardInputBackward", c.saved(1), g[0], {}, p);
        if (c.needs(1)) dgy = conv_op(c.saved(0), g[0], {}, p);
        return {dx, dgy};
      });
}

// ---------------------------------------------------------------- argument checks

const char* spatial_names(int dims) {
  switch (dims) {
    case 1: return "L";
    case 2: return "H, W";
    default: return "D, H, W";
  }
}

// A per-dim argument: one value for every dim, or `dims` values; right-aligned into 3 slots.
Dims per_dim(const char* op, const char* name, IntArrayRef values, int dims, int64_t fill) {
  TG_CHECK(values.size() == 1 || values.size() == static_cast<std::size_t>(dims), op, ": ",
           name, " must have 1 or ", dims, " values, got ", values);
  Dims r{fill, fill, fill};
  for (int i = 0; i < dims; ++i) r[3 - dims + i] = values.size() == 1 ? values[0] : values[i];
  return r;
}

void check_all(const char* op, const char* name, const Dims& v, int dims, int64_t min) {
  for (int i = 3 - dims; i < 3; ++i) {
    TG_CHECK(v[i] >= min, op, ": ", name, " must be >= ", min, " in every dim, got ",
             IntArrayRef(v.data() + 3 - dims, dims));
  }
}

IntArrayRef spatial_of(const Dims& v, int dims) { return IntArrayRef(v.data() + 3 - dims, dims); }

void check_tensor(const char* op, const char* name, const Tensor& t) {
  TG_CHECK(t.defined(), op, ": ", name, " is undefined");
  TG_CHECK(is_floating(t.dtype()), op, ": ", name, " must be float32 or float64, got ", t.dtype(),
           " ", name, " of shape ", t.shape());
}

// The spatial rank a weight implies (checked against `expected_dims` when not 0).
int weight_dims(const char* op, const Tensor& weight, int expected_dims) {
  check_tensor(op, "weight", weight);
  if (expected_dims > 0) {
    TG_CHECK(weight.dim() == expected_dims + 2, op, ": expected a ", expected_dims + 2,
             "-d weight [C_out, C_in/groups, ", spatial_names(expected_dims),
             "], got weight of shape ", weight.shape());
    return expected_dims;
  }
  TG_CHECK(weight.dim() >= 3 && weight.dim() <= 5, op, ": expected a 3-d, 4-d or 5-d weight "
           "[C_out, C_in/groups, k...] (1 to 3 spatial dims), got weight of shape ",
           weight.shape());
  return static_cast<int>(weight.dim()) - 2;
}

// Checks input against the spatial rank; true when it is unbatched ([C, s...]).
bool check_input_rank(const char* op, const Tensor& input, int dims) {
  check_tensor(op, "input", input);
  TG_CHECK(input.dim() == dims + 1 || input.dim() == dims + 2, op, ": expected a ", dims + 1,
           "-d (unbatched) or ", dims + 2, "-d (batched) input, got input of shape ",
           input.shape());
  for (int64_t i = input.dim() - dims - 1; i < input.dim(); ++i) {
    TG_CHECK(input.size(i) > 0, op, ": input channels and spatial sizes must be > 0, got input "
             "of shape ", input.shape());
  }
  return input.dim() == dims + 1;
}

void check_same_dtype(const char* op, const Tensor& input, const Tensor& other, const char* name) {
  TG_CHECK(input.dtype() == other.dtype(), op, ": input and ", name, " must have the same dtype, "
           "got input ", input.dtype(), " ", input.shape(), " and ", name, " ", other.dtype(), " ",
           other.shape());
}

void check_bias(const char* op, const Tensor& input, const Tensor& bias, int64_t channels) {
  if (!bias.defined()) return;
  check_tensor(op, "bias", bias);
  check_same_dtype(op, input, bias, "bias");
  TG_CHECK(bias.dim() == 1 && bias.size(0) == channels, op, ": expected bias of shape [",
           channels, "], got bias of shape ", bias.shape());
}

void check_groups(const char* op, int64_t groups) {
  TG_CHECK(groups >= 1, op, ": groups must be >= 1, got ", groups);
}

Tensor batched(const Tensor& t, bool unbatched) { return unbatched ? t.unsqueeze(0) : t; }
Tensor unbatch(const Tensor& t, bool unbatched) { return unbatched ? t.squeeze(0) : t; }

// Checks a convolution and builds its problem for the batched input.
// `shown` is the input's shape as the caller gave it (unbatched or not), for messages.
ConvProblem conv_problem(const char* op, const Tensor& x, const Shape& shown, const Tensor& weight,
                         const Tensor& bias, int dims, IntArrayRef stride, IntArrayRef pad_before,
                         IntArrayRef pad_after, IntArrayRef dilation, int64_t groups) {
  check_same_dtype(op, x, weight, "weight");
  check_groups(op, groups);
  const int64_t c_in = x.size(1), c_out = weight.size(0);
  TG_CHECK(c_in % groups == 0, op, ": input channels (", c_in, ") must be divisible by groups (",
           groups, "); input of shape ", shown);
  TG_CHECK(c_out >= 1 && c_out % groups == 0, op, ": output channels (weight.size(0) = ", c_out,
           ") must be a positive multiple of groups (", groups, "); weight of shape ",
           weight.shape());
  TG_CHECK(weight.size(1) * groups == c_in, op, ": weight of shape ", weight.shape(),
           " with groups=", groups, " expects input with ", weight.size(1) * groups,
           " channels, got input of shape ", shown);
  check_bias(op, x, bias, c_out);

  ConvProblem p;
  p.dims = dims;
  ConvGeometry& g = p.g;
  g.batch = x.size(0);
  g.in_channels = c_in;
  g.out_channels = c_out;
  g.groups = groups;
  g.stride = per_dim(op, "stride", stride, dims, 1);
  g.dilation = per_dim(op, "dilation", dilation, dims, 1);
  g.pad = per_dim(op, "padding", pad_before, dims, 0);
  const Dims after = per_dim(op, "padding", pad_after, dims, 0);
  check_all(op, "stride", g.stride, dims, 1);
  check_all(op, "dilation", g.dilation, dims, 1);
  check_all(op, "padding", g.pad, dims, 0);
  check_all(op, "padding", after, dims, 0);
  for (int i = 0; i < dims; ++i) {  // all sizes first: the messages print whole kernels
    const int s = 3 - dims + i;
    g.in[s] = x.size(2 + i);
    g.kernel[s] = weight.size(2 + i);
    TG_CHECK(g.kernel[s] >= 1, op, ": kernel sizes must be >= 1, got weight of shape ",
             weight.shape());
  }
  for (int i = 0; i < dims; ++i) {
    const int s = 3 - dims + i;
    int64_t padded = 0, span = 0;
    TG_CHECK(!__builtin_add_overflow(g.in[s], g.pad[s], &padded) &&
                 !__builtin_add_overflow(padded, after[s], &padded) &&
                 !__builtin_mul_overflow(g.dilation[s], g.kernel[s] - 1, &span) &&
                 !__builtin_add_overflow(span, 1, &span),
             op, ": padding ", spatial_of(g.pad, dims), " or dilation ",
             spatial_of(g.dilation, dims), " too large for a 64-bit size in dim ", 2 + i,
             "; input of shape ", shown, ", weight of shape ", weight.shape());
    TG_CHECK(padded >= span, op, ": the kernel (", spatial_of(g.kernel, dims), ", dilation ",
             spatial_of(g.dilation, dims), ") is larger than the padded input in dim ", 2 + i,
             " (", span, " > ", padded, "); input of shape ", shown, ", weight of shape ",
             weight.shape(), ", padding ", spatial_of(g.pad, dims), " before and ",
             spatial_of(after, dims), " after");
    g.out[s] = kernels::conv_output_size(g.in[s], g.pad[s], after[s], g.kernel[s], g.stride[s],
                                         g.dilation[s]);
  }
  return p;
}

// 1x1 kernel, stride > 1, no padding, and no output reading past the input (what padding
// after the input could add): the output is the stride-1 convolution of the strided slice.
bool strided_pointwise(const ConvProblem& p) {
  bool strided = false;
  for (int d = 0; d < 3; ++d) {
    const ConvGeometry& g = p.g;
    if (g.kernel[d] != 1 || g.pad[d] != 0) return false;
    if (g.out[d] != (g.in[d] - 1) / g.stride[d] + 1) return false;
    strided = strided || g.stride[d] > 1;
  }
  return strided;
}

Tensor convolution_unnamed(const char* op, int expected_dims, const Tensor& input,
                           const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                           IntArrayRef pad_before, IntArrayRef pad_after, IntArrayRef dilation,
                           int64_t groups);

// The convolution; errors from beneath (an output too large to allocate) name `op`.
Tensor convolution_impl(const char* op, int expected_dims, const Tensor& input,
                        const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                        IntArrayRef pad_before, IntArrayRef pad_after, IntArrayRef dilation,
                        int64_t groups) {
  return detail::naming_op(op, input, [&] {
    return convolution_unnamed(op, expected_dims, input, weight, bias, stride, pad_before,
                               pad_after, dilation, groups);
  });
}

Tensor convolution_unnamed(const char* op, int expected_dims, const Tensor& input,
                           const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                           IntArrayRef pad_before, IntArrayRef pad_after, IntArrayRef dilation,
                           int64_t groups) {
  const int dims = weight_dims(op, weight, expected_dims);
  const bool unbatched = check_input_rank(op, input, dims);
  Tensor x = batched(input, unbatched);
  ConvProblem p = conv_problem(op, x, input.shape(), weight, bias, dims, stride, pad_before,
                               pad_after, dilation, groups);
  if (strided_pointwise(p)) {
    // A 1x1 kernel with stride reads one input position in stride^d: the convolution of the
    // strided slice with stride 1 (a plain GEMM; slicing's vjp scatters the gradient back),
    // instead of a strided gather and a strided scatter in the kernels.
    Tensor xs = x;
    for (int i = 0; i < dims; ++i) {
      const int64_t s = p.g.stride[3 - dims + i];
      if (s > 1) xs = xs.slice(2 + i, 0, x.size(2 + i), s);
    }
    const std::vector<int64_t> ones(dims, 1), zeros(dims, 0);
    p = conv_problem(op, xs, input.shape(), weight, bias, dims, ones, zeros, zeros, ones, groups);
    return unbatch(conv_op(xs, weight, bias, p), unbatched);
  }
  return unbatch(conv_op(x, weight, bias, p), unbatched);
}

// (before, after) padding of each spatial dim for PyTorch's "same" / "valid".
std::pair<std::vector<int64_t>, std::vector<int64_t>> string_padding(
    const char* op, ConvPadding padding, const Tensor& weight, int dims, IntArrayRef stride,
    IntArrayRef dilation) {
  std::vector<int64_t> before(dims, 0), after(dims, 0);
  if (padding == ConvPadding::Valid) return {before, after};
  const Dims st = per_dim(op, "stride", stride, dims, 1);
  const Dims dil = per_dim(op, "dilation", dilation, dims, 1);
  for (int i = 0; i < dims; ++i) {
    TG_CHECK(st[3 - dims + i] == 1, op, ": padding='same' is not supported for strided "
             "convolutions, got stride ", stride, " with weight of shape ", weight.shape());
  }
  for (int i = 0; i < dims; ++i) {
    const auto same = kernels::same_padding(weight.size(2 + i), dil[3 - dims + i]);
    before[i] = same.before;
    after[i] = same.after;
  }
  return {before, after};
}

Tensor conv_nd(const char* op, int dims, const Tensor& input, const Tensor& weight,
               const Tensor& bias, IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
               int64_t groups) {
  return convolution_impl(op, dims, input, weight, bias, stride, padding, padding, dilation,
                          groups);
}

Tensor conv_nd(const char* op, int dims, const Tensor& input, const Tensor& weight,
               const Tensor& bias, IntArrayRef stride, ConvPadding padding, IntArrayRef dilation,
               int64_t groups) {
  weight_dims(op, weight, dims);
  auto [before, after] = string_padding(op, padding, weight, dims, stride, dilation);
  return convolution_impl(op, dims, input, weight, bias, stride, before, after, dilation, groups);
}

Tensor conv_transpose_impl(const char* op, int expected_dims, const Tensor& input,
                           const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                           IntArrayRef padding, IntArrayRef output_padding, int64_t groups,
                           IntArrayRef dilation) {
  check_tensor(op, "weight", weight);
  const int dims = expected_dims > 0 ? expected_dims : static_cast<int>(weight.dim()) - 2;
  TG_CHECK(dims >= 1 && dims <= 3 && weight.dim() == dims + 2, op, ": expected a ", dims + 2,
           "-d weight [C_in, C_out/groups, ", spatial_names(std::max(1, std::min(dims, 3))),
           "], got weight of shape ", weight.shape());
  const bool unbatched = check_input_rank(op, input, dims);
  Tensor x = batched(input, unbatched);
  check_same_dtype(op, x, weight, "weight");
  check_groups(op, groups);
  const int64_t c_in = x.size(1);
  TG_CHECK(c_in % groups == 0, op, ": input channels (", c_in, ") must be divisible by groups (",
           groups, "); input of shape ", input.shape());
  TG_CHECK(weight.size(0) == c_in, op, ": weight of shape ", weight.shape(), " expects input "
           "with ", weight.size(0), " channels (weight.size(0)), got input of shape ", input.shape());
  const int64_t c_out = weight.size(1) * groups;
  TG_CHECK(c_out >= 1, op, ": weight of shape ", weight.shape(), " gives no output channels");
  check_bias(op, x, bias, c_out);

  // The problem of the convolution this op transposes: its input is our output.
  ConvProblem p;
  p.dims = dims;
  ConvGeometry& g = p.g;
  g.batch = x.size(0);
  g.in_channels = c_out;
  g.out_channels = c_in;
  g.groups = groups;
  g.stride = per_dim(op, "stride", stride, dims, 1);
  g.dilation = per_dim(op, "dilation", dilation, dims, 1);
  g.pad = per_dim(op, "padding", padding, dims, 0);
  const Dims extra = per_dim(op, "output_padding", output_padding, dims, 0);
  check_all(op, "stride", g.stride, dims, 1);
  check_all(op, "dilation", g.dilation, dims, 1);
  check_all(op, "padding", g.pad, dims, 0);
  check_all(op, "output_padding", extra, dims, 0);
  for (int i = 0; i < dims; ++i) {
    const int s = 3 - dims + i;
    TG_CHECK(extra[s] < g.stride[s] || extra[s] < g.dilation[s], op, ": output_padding must be "
             "smaller than either stride or dilation, got output_padding ",
             spatial_of(extra, dims), ", stride ", spatial_of(g.stride, dims), ", dilation ",
             spatial_of(g.dilation, dims));
    g.out[s] = x.size(2 + i);
    g.kernel[s] = weight.size(2 + i);
    TG_CHECK(g.kernel[s] >= 1, op, ": kernel sizes must be >= 1, got weight of shape ",
             weight.shape());
    g.in[s] = (g.out[s] - 1) * g.stride[s] - 2 * g.pad[s] +
              g.dilation[s] * (g.kernel[s] - 1) + extra[s] + 1;
    TG_CHECK(g.in[s] >= 1, op, ": the output size in dim ", 2 + i, " would be ", g.in[s],
             " (< 1); input of shape ", input.shape(), ", weight of shape ", weight.shape(),
             ", stride ", spatial_of(g.stride, dims), ", padding ", spatial_of(g.pad, dims));
  }
  return unbatch(input_grad_op("ConvTransposeBackward", x, weight, bias, p), unbatched);
}

// Checks shared by the two public backward ops; returns the problem (batched shapes).
ConvProblem backward_problem(const char* op, int64_t batch, IntArrayRef input_size,
                             IntArrayRef weight_size, const Tensor& grad_output,
                             IntArrayRef stride, IntArrayRef pad_before, IntArrayRef dilation,
                             int64_t groups) {
  check_tensor(op, "grad_output", grad_output);
  check_groups(op, groups);
  const int dims = static_cast<int>(weight_size.size()) - 2;
  TG_CHECK(dims >= 1 && dims <= 3, op, ": expected a weight of rank 3 to 5, got weight size ",
           weight_size);
  TG_CHECK(input_size.size() == weight_size.size(), op, ": input size ", input_size,
           " and weight size ", weight_size, " must have the same rank");
  TG_CHECK(grad_output.dim() == dims + 2, op, ": expected grad_output of rank ", dims + 2,
           ", got grad_output of shape ", grad_output.shape());
  ConvProblem p;
  p.dims = dims;
  ConvGeometry& g = p.g;
  g.batch = batch;
  g.in_channels = input_size[1];
  g.out_channels = weight_size[0];
  g.groups = groups;
  g.stride = per_dim(op, "stride", stride, dims, 1);
  g.dilation = per_dim(op, "dilation", dilation, dims, 1);
  g.pad = per_dim(op, "padding", pad_before, dims, 0);
  check_all(op, "stride", g.stride, dims, 1);
  check_all(op, "dilation", g.dilation, dims, 1);
  check_all(op, "padding", g.pad, dims, 0);
  TG_CHECK(g.in_channels >= 1 && g.in_channels % groups == 0 && g.out_channels % groups == 0 &&
               g.out_channels >= 1 && weight_size[1] * groups == g.in_channels,
           op, ": input size ", input_size, " and weight size ", weight_size,
           " do not match with groups=", groups);
  TG_CHECK(grad_output.size(0) == batch && grad_output.size(1) == g.out_channels, op,
           ": expected grad_output [", batch, ", ", g.out_channels, ", ...], got grad_output of "
           "shape ", grad_output.shape());
  for (int i = 0; i < dims; ++i) {
    const int s = 3 - dims + i;
    g.in[s] = input_size[2 + i];
    g.kernel[s] = weight_size[2 + i];
    g.out[s] = grad_output.size(2 + i);
    TG_CHECK(g.in[s] >= 1 && g.kernel[s] >= 1 && g.out[s] >= 1, op, ": sizes must be >= 1, got "
             "input size ", input_size, ", weight size ", weight_size, ", grad_output of shape ",
             grad_output.shape());
    // grad_output must have the size the convolution gives (an input up to stride - 1 larger,
    // as conv_transpose's output_padding makes, gives the same size).
    int64_t span = 0, padded = 0;
    const bool fits = !__builtin_mul_overflow(g.dilation[s], g.kernel[s] - 1, &span) &&
                      !__builtin_mul_overflow(g.pad[s], int64_t{2}, &padded) &&
                      !__builtin_add_overflow(padded, g.in[s], &padded) && padded > span;
    const int64_t expected = fits ? (padded - span - 1) / g.stride[s] + 1 : 0;
    TG_CHECK(expected == g.out[s], op, ": grad_output of shape ", grad_output.shape(),
             " does not match input size ", input_size, ", weight size ", weight_size,
             ", stride ", stride, ", padding ", pad_before, " and dilation ", dilation,
             " (the convolution's output has size ", expected, " in dim ", 2 + i, ")");
  }
  return p;
}

}  // namespace

// ---------------------------------------------------------------- public ops

Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias,
                   IntArrayRef stride, IntArrayRef pad_before, IntArrayRef pad_after,
                   IntArrayRef dilation, int64_t groups) {
  return convolution_impl("convolution", 0, input, weight, bias, stride, pad_before, pad_after,
                          dilation, groups);
}

Tensor conv_backward_input(const Tensor& grad_output, const Tensor& weight,
                           IntArrayRef input_size, IntArrayRef stride, IntArrayRef pad_before,
                           IntArrayRef dilation, int64_t groups) {
  const char* op = "conv_backward_input";
  check_tensor(op, "weight", weight);
  check_tensor(op, "grad_output", grad_output);
  check_same_dtype(op, grad_output, weight, "weight");
  TG_CHECK(input_size.size() == static_cast<std::size_t>(weight.dim()), op, ": input size ",
           input_size, " must have the weight's rank, got weight of shape ", weight.shape());
  const int64_t batch = input_size.size() > 0 ? input_size[0] : 0;
  ConvProblem p = backward_problem(op, batch, input_size, weight.shape(), grad_output, stride,
                                   pad_before, dilation, groups);
  return input_grad_op("ConvBackwardInputBackward", grad_output, weight, {}, p);
}

Tensor conv_backward_weight(const Tensor& input, const Tensor& grad_output,
                            IntArrayRef weight_size, IntArrayRef stride, IntArrayRef pad_before,
                            IntArrayRef dilation, int64_t groups) {
  const char* op = "conv_backward_weight";
  check_tensor(op, "input", input);
  check_tensor(op, "grad_output", grad_output);
  check_same_dtype(op, input, grad_output, "grad_output");
  ConvProblem p = backward_problem(op, input.dim() > 0 ? input.size(0) : 0, input.shape(),
                                   weight_size, grad_output, stride, pad_before, dilation,
                                   groups);
  return weight_grad_op(input, grad_output, p);
}

Tensor conv_transpose(const Tensor& input, const Tensor& weight, const Tensor& bias,
                      IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                      int64_t groups, IntArrayRef dilation) {
  return conv_transpose_impl("conv_transpose", 0, input, weight, bias, stride, padding,
                             output_padding, groups, dilation);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              ConvPadding padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              ConvPadding padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups);
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              ConvPadding padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups);
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                        int64_t groups, IntArrayRef dilation) {
  return conv_transpose_impl("conv_transpose1d", 1, input, weight, bias, stride, padding,
                             output_padding, groups, dilation);
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                        int64_t groups, IntArrayRef dilation) {
  return conv_transpose_impl("conv_transpose2d", 2, input, weight, bias, stride, padding,
                             output_padding, groups, dilation);
}
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        IntArrayRef stride, IntArrayRef padding, IntArrayRef output_padding,
                        int64_t groups, IntArrayRef dilation) {
  return conv_transpose_impl("conv_transpose3d", 3, input, weight, bias, stride, padding,
                             output_padding, groups, dilation);
}

// ---------------------------------------------------------------- padding modes

namespace {

void check_padding_mode(const char* op, const std::string& mode) {
  TG_CHECK(mode == "zeros" || mode == "reflect" || mode == "replicate" || mode == "circular", op,
           ": padding_mode must be 'zeros', 'reflect', 'replicate' or 'circular', got '", mode,
           "'");
}

// Pads explicitly in `mode` (tg::pad's order: last dim first), then convolves unpadded.
Tensor pad_then_conv(const char* op, const Tensor& input, const Tensor& weight,
                     const Tensor& bias, IntArrayRef stride, const std::vector<int64_t>& before,
                     const std::vector<int64_t>& after, IntArrayRef dilation, int64_t groups,
                     const std::string& mode) {
  const int dims = static_cast<int>(before.size());
  std::vector<int64_t> pads;
  for (int i = dims - 1; i >= 0; --i) {
    pads.push_back(before[i]);
    pads.push_back(after[i]);
  }
  Tensor padded = detail::naming_op(op, input, [&] { return pad(input, pads, mode); });
  return convolution_impl(op, dims, padded, weight, bias, stride, 0, 0, dilation, groups);
}

}  // namespace

Tensor conv_with_padding_mode(const Tensor& input, const Tensor& weight, const Tensor& bias,
                              IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
                              int64_t groups, const std::string& padding_mode) {
  const char* op = "conv_with_padding_mode";
  check_padding_mode(op, padding_mode);
  const int dims = weight_dims(op, weight, 0);
  if (padding_mode == "zeros") {
    return convolution_impl(op, dims, input, weight, bias, stride, padding, padding, dilation,
                            groups);
  }
  const Dims p = per_dim(op, "padding", padding, dims, 0);
  check_all(op, "padding", p, dims, 0);
  std::vector<int64_t> amounts(p.begin() + 3 - dims, p.end());
  return pad_then_conv(op, input, weight, bias, stride, amounts, amounts, dilation, groups,
                       padding_mode);
}

Tensor conv_with_padding_mode(const Tensor& input, const Tensor& weight, const Tensor& bias,
                              IntArrayRef stride, ConvPadding padding, IntArrayRef dilation,
                              int64_t groups, const std::string& padding_mode) {
  const char* op = "conv_with_padding_mode";
  check_padding_mode(op, padding_mode);
  const int dims = weight_dims(op, weight, 0);
  auto [before, after] = string_padding(op, padding, weight, dims, stride, dilation);
  if (padding_mode == "zeros") {
    return convolution_impl(op, dims, input, weight, bias, stride, before, after, dilation,
                            groups);
  }
  return pad_then_conv(op, input, weight, bias, stride, before, after, dilation, groups,
                       padding_mode);
}

}  // namespace tg
