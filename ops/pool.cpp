// Pooling ops. Each is a kernel call from ops/kernels/pool.h plus a vjp made of ops:
//   avg_pool(x)                 vjp: avg_pool_backward(g)        (its adjoint)
//   avg_pool_backward(gy)       vjp: avg_pool(g)
//   max_pool(x) -> (y, idx)     vjp: max_pool_backward(g, idx)   (scatter to the argmax)
//   max_pool_backward(gy, idx)  vjp: gather(g, idx)              (read g at the argmax)
//   gather(src, idx)            vjp: the scatter it was built with
//   max_unpool(x, idx)          vjp: gather(g, idx), whose vjp is a scatter-add
// Adaptive pooling is the same with adaptive windows. One implementation serves every
// spatial rank: 1-d and 2-d problems fill the kernels' leading dims with 1.
#include "ops/pool.h"

#include <algorithm>
#include <array>
#include <functional>
#include <stdexcept>
#include <vector>

#include "autograd/node.h"
#include "autograd/profiler.h"
#include "ops/kernels/pool.h"
#include "ops/naming.h"
#include "ops/ops.h"

namespace tg {
namespace {

using kernels::ConvGeometry;
using Dims = std::array<int64_t, 3>;

enum class PoolKind { Max, Avg, AdaptiveMax, AdaptiveAvg };

// One pooling problem on a batched input: the spatial rank, the window kind and the
// kernels' geometry (in_channels == out_channels == C; spatial arrays right-aligned).
struct PoolProblem {
  int dims = 2;
  PoolKind kind = PoolKind::Max;
  ConvGeometry g;
  bool count_include_pad = true;
  int64_t divisor_override = 0;  // > 0 replaces the average's divisor

  bool adaptive() const { return kind == PoolKind::AdaptiveMax || kind == PoolKind::AdaptiveAvg; }
  Shape with_spatial(const Dims& s) const {
    Shape r{g.batch, g.in_channels};
    for (int i = 3 - dims; i < 3; ++i) r.push_back(s[i]);
    return r;
  }
  Shape input_shape() const { return with_spatial(g.in); }
  Shape output_shape() const { return with_spatial(g.out); }
};

Tensor raw(const Tensor& t) { return t.detach().contiguous(); }

// ---------------------------------------------------------------- average pooling

Tensor avg_backward_op(const Tensor& gy, const PoolProblem& p);

Tensor avg_op(const Tensor& x, const PoolProblem& p) {
  Tensor y = empty(p.output_shape(), x.dtype());
  {
    Tensor xc = raw(x);
    TG_DISPATCH_FLOATING(x.dtype(), "avg_pool", [&] {
      const scalar_t* in = xc.data_ptr<scalar_t>();
      scalar_t* out = y.data_ptr<scalar_t>();
      if (p.adaptive()) kernels::adaptive_avg_pool_forward(p.g, in, out);
      else kernels::avg_pool_forward(p.g, in, out, p.count_include_pad, p.divisor_override);
    });
  }
  return autograd::record(p.adaptive() ? "AdaptiveAvgPoolBackward" : "AvgPoolBackward", y, {x},
      {}, [p](const autograd::Ctx&, const TensorList& g) -> TensorList {
        return {avg_backward_op(g[0], p)};
      });
}

// The adjoint of avg_op: each input element sums its windows' gradients / divisors.
Tensor avg_backward_op(const Tensor& gy, const PoolProblem& p) {
  autograd::profiler::OpScope profile_scope("avg_pool_backward", {&gy});
  Tensor gx = empty(p.input_shape(), gy.dtype());
  {
    Tensor gyc = raw(gy);
    TG_DISPATCH_FLOATING(gy.dtype(), "avg_pool_backward", [&] {
      const scalar_t* in = gyc.data_ptr<scalar_t>();
      scalar_t* out = gx.data_ptr<scalar_t>();
      if (p.adaptive()) kernels::adaptive_avg_pool_backward(p.g, in, out);
      else kernels::avg_pool_backward(p.g, in, out, p.count_include_pad, p.divisor_override);
    });
  }
  return autograd::record(
      p.adaptive() ? "AdaptiveAvgPoolBackwardBackward" : "AvgPoolBackwardBackward", gx, {gy}, {},
      [p](const autograd::Ctx&, const TensorList& g) -> TensorList { return {avg_op(g[0], p)}; });
}

// ---------------------------------------------------------------- max pooling

// The adjoint of a gather: maps values of the gather's output shape back to its source.
using Scatter = std::function<Tensor(const Tensor& values, const Tensor& indices)>;

// out[n, c, i...] = src[n, c][indices[n, c, i...]] (flat positions in each (n, c) plane of
// src); out has indices' shape. Linear in src; its vjp is `scatter`.
Tensor gather_op(const Tensor& src, const Tensor& indices, Scatter scatter) {
  Tensor out = empty(indices.shape(), src.dtype());
  const int64_t planes = indices.size(0) * indices.size(1);
  if (planes > 0) {
    Tensor sc = raw(src), ic = raw(indices);
    TG_DISPATCH_FLOATING(src.dtype(), "max_pool_gather", [&] {
      kernels::max_unpool_backward(planes, ic.numel() / planes, sc.numel() / planes,
                                   sc.data_ptr<scalar_t>(), ic.data_ptr<int64_t>(),
                                   out.data_ptr<scalar_t>());
    });
  }
  return autograd::record("IndexGatherBackward", out, {src, indices}, {indices},
      [scatter](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        return {scatter(g[0], c.saved(0)), Tensor()};
      });
}

// gx = sum of gy over the windows whose argmax is that element (gather form, no atomics).
Tensor max_backward_op(const Tensor& gy, const Tensor& indices, const PoolProblem& p) {
  autograd::profiler::OpScope profile_scope("max_pool_backward", {&gy});
  Tensor gx = empty(p.input_shape(), gy.dtype());
  {
    Tensor gyc = raw(gy), ic = raw(indices);
    TG_DISPATCH_FLOATING(gy.dtype(), "max_pool_backward", [&] {
      const scalar_t* in = gyc.data_ptr<scalar_t>();
      scalar_t* out = gx.data_ptr<scalar_t>();
      if (p.adaptive()) kernels::adaptive_max_pool_backward(p.g, in, ic.data_ptr<int64_t>(), out);
      else kernels::max_pool_backward(p.g, in, ic.data_ptr<int64_t>(), out);
    });
  }
  return autograd::record("MaxPoolBackwardBackward", gx, {gy, indices}, {indices},
      [p](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        Scatter back = [p](const Tensor& v, const Tensor& i) { return max_backward_op(v, i, p); };
        return {gather_op(g[0], c.saved(0), back), Tensor()};
      });
}

std::tuple<Tensor, Tensor> max_op(const Tensor& x, const PoolProblem& p) {
  TensorList outs{empty(p.output_shape(), x.dtype()), empty(p.output_shape(), kInt64)};
  {
    Tensor xc = raw(x);
    TG_DISPATCH_FLOATING(x.dtype(), "max_pool", [&] {
      const scalar_t* in = xc.data_ptr<scalar_t>();
      scalar_t* out = outs[0].data_ptr<scalar_t>();
      int64_t* idx = outs[1].data_ptr<int64_t>();
      if (p.adaptive()) kernels::adaptive_max_pool_forward(p.g, in, out, idx);
      else kernels::max_pool_forward(p.g, in, out, idx);
    });
  }
  autograd::record_multi(p.adaptive() ? "AdaptiveMaxPoolBackward" : "MaxPoolWithIndicesBackward",
      outs, {x}, {outs[1]}, [p](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        if (!g[0].defined()) return {Tensor()};
        return {max_backward_op(g[0], c.saved(0), p)};
      });
  return {outs[0], outs[1]};
}

// ---------------------------------------------------------------- max unpooling

// y [N, C, out_shape...] = zeros with x's values at `indices`; vjp: gather g at indices.
Tensor unpool_op(const Tensor& x, const Tensor& indices, const Shape& out_shape) {
  Tensor y = empty(out_shape, x.dtype());
  const int64_t planes = x.size(0) * x.size(1);
  if (planes > 0) {
    Tensor xc = raw(x), ic = raw(indices);
    TG_DISPATCH_FLOATING(x.dtype(), "max_unpool", [&] {
      kernels::max_unpool_forward(planes, xc.numel() / planes, y.numel() / planes,
                                  xc.data_ptr<scalar_t>(), ic.data_ptr<int64_t>(),
                                  y.data_ptr<scalar_t>());
    });
  }
  return autograd::record("MaxUnpoolBackward", y, {x, indices}, {indices},
      [out_shape](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        // The transpose of the gather adds the values of repeated indices (unpool itself
        // keeps only the last one, so it is not that transpose when indices repeat).
        Scatter back = [out_shape](const Tensor& v, const Tensor& i) {
          const int64_t n = out_shape[0], ch = out_shape[1];
          Tensor planes = zeros({n, ch, out_shape.numel() / std::max<int64_t>(n * ch, 1)},
                                v.dtype());
          return scatter_add(planes, 2, i.reshape({n, ch, -1}), v.reshape({n, ch, -1}))
              .view(out_shape);
        };
        return {gather_op(g[0], c.saved(0), back), Tensor()};
      });
}

// ---------------------------------------------------------------- argument checks

// A per-dim argument: one value for every dim, or `dims` values; right-aligned into 3 slots.
Dims per_dim(const char* op, const char* name, IntArrayRef values, int dims, int64_t fill) {
  TG_CHECK(values.size() == 1 || values.size() == static_cast<std::size_t>(dims), op, ": ",
           name, " must have 1 or ", dims, " values, got ", values);
  Dims r{fill, fill, fill};
  for (int i = 0; i < dims; ++i) r[3 - dims + i] = values.size() == 1 ? values[0] : values[i];
  return r;
}

IntArrayRef spatial_of(const Dims& v, int dims) { return IntArrayRef(v.data() + 3 - dims, dims); }

void check_min(const char* op, const char* name, const Dims& v, int dims, int64_t min) {
  for (int i = 3 - dims; i < 3; ++i) {
    TG_CHECK(v[i] >= min, op, ": ", name, " must be >= ", min, " in every dim, got ",
             spatial_of(v, dims));
  }
}

// Checks the input's dtype and rank; true when it is unbatched ([C, s...]).
bool check_pool_input(const char* op, const Tensor& input, int dims) {
  TG_CHECK(input.defined(), op, ": input is undefined");
  TG_CHECK(is_floating(input.dtype()), op, ": input must be float32 or float64, got ",
           input.dtype(), " input of shape ", input.shape());
  TG_CHECK(input.dim() == dims + 1 || input.dim() == dims + 2, op, ": expected a ", dims + 1,
           "-d (unbatched) or ", dims + 2, "-d (batched) input, got input of shape ",
           input.shape());
  for (int64_t i = input.dim() - dims - 1; i < input.dim(); ++i) {
    TG_CHECK(input.size(i) > 0, op, ": expected non-zero sizes in every dim but the batch dim, "
             "got input of shape ", input.shape());
  }
  return input.dim() == dims + 1;
}

Tensor batched(const Tensor& t, bool unbatched) { return unbatched ? t.unsqueeze(0) : t; }
Tensor unbatch(const Tensor& t, bool unbatched) { return unbatched ? t.squeeze(0) : t; }

PoolProblem base_problem(int dims, PoolKind kind, const Tensor& x) {
  PoolProblem p;
  p.dims = dims;
  p.kind = kind;
  p.g.batch = x.size(0);
  p.g.in_channels = p.g.out_channels = x.size(1);
  for (int i = 0; i < dims; ++i) p.g.in[3 - dims + i] = x.size(2 + i);
  return p;
}

// PyTorch's pooling output size. The division rounds down (div_rtn), so a window that does
// not fit gives a size <= 0; kernels::pool_output_size truncates toward zero and gives 1 for
// e.g. in=2, kernel=3, stride=3, where PyTorch reports an error.
int64_t pool_output_size(int64_t in, int64_t pad, int64_t kernel, int64_t stride,
                         int64_t dilation, bool ceil_mode) {
  const int64_t num = in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;  // last window must start inside
  return out;
}

// Sliding-window pooling: checks the window arguments and computes the output size.
// `shown` is the input's shape as the caller gave it (for messages).
PoolProblem window_problem(const char* op, PoolKind kind, int dims, const Tensor& x,
                           const Shape& shown, IntArrayRef kernel_size, IntArrayRef stride,
                           IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  PoolProblem p = base_problem(dims, kind, x);
  ConvGeometry& g = p.g;
  g.kernel = per_dim(op, "kernel_size", kernel_size, dims, 1);
  g.stride = stride.empty() ? g.kernel : per_dim(op, "stride", stride, dims, 1);
  g.pad = per_dim(op, "padding", padding, dims, 0);
  g.dilation = per_dim(op, "dilation", dilation, dims, 1);
  check_min(op, "kernel_size", g.kernel, dims, 1);
  check_min(op, "stride", g.stride, dims, 1);
  check_min(op, "padding", g.pad, dims, 0);
  check_min(op, "dilation", g.dilation, dims, 1);
  for (int s = 3 - dims; s < 3; ++s) {
    TG_CHECK(g.pad[s] <= g.kernel[s] / 2, op, ": padding must be at most half the kernel size, "
             "got padding ", spatial_of(g.pad, dims), " for kernel_size ",
             spatial_of(g.kernel, dims));
  }
  if (kind == PoolKind::Avg && dims == 3) {  // PyTorch's 3-d average pooling check
    for (int s = 0; s < 3; ++s) {
      TG_CHECK(g.in[s] >= g.kernel[s], op, ": input of shape ", shown, " is smaller than "
               "kernel_size ", spatial_of(g.kernel, dims));
    }
  }
  bool positive = true;
  for (int s = 3 - dims; s < 3; ++s) {
    g.out[s] = pool_output_size(g.in[s], g.pad[s], g.kernel[s], g.stride[s], g.dilation[s],
                                ceil_mode);
    positive = positive && g.out[s] >= 1;
  }
  TG_CHECK(positive, op, ": output size ", spatial_of(g.out, dims), " is too small (< 1) for "
           "input of shape ", shown, " with kernel_size ", spatial_of(g.kernel, dims),
           ", stride ", spatial_of(g.stride, dims), ", padding ", spatial_of(g.pad, dims),
           ", dilation ", spatial_of(g.dilation, dims));
  return p;
}

PoolProblem adaptive_problem(const char* op, PoolKind kind, int dims, const Tensor& x,
                             IntArrayRef output_size) {
  PoolProblem p = base_problem(dims, kind, x);
  p.g.out = per_dim(op, "output_size", output_size, dims, 1);
  check_min(op, "output_size", p.g.out, dims, 1);
  return p;
}

std::tuple<Tensor, Tensor> unbatch_pair(std::tuple<Tensor, Tensor> r, bool unbatched) {
  return {unbatch(std::get<0>(r), unbatched), unbatch(std::get<1>(r), unbatched)};
}

std::tuple<Tensor, Tensor> max_pool_nd(const char* op, int dims, const Tensor& input,
                                       IntArrayRef kernel_size, IntArrayRef stride,
                                       IntArrayRef padding, IntArrayRef dilation,
                                       bool ceil_mode) {
  autograd::profiler::OpScope profile_scope(op, {&input});
  const bool unbatched = check_pool_input(op, input, dims);
  Tensor x = batched(input, unbatched);
  PoolProblem p = window_problem(op, PoolKind::Max, dims, x, input.shape(), kernel_size, stride,
                                 padding, dilation, ceil_mode);
  return unbatch_pair(max_op(x, p), unbatched);
}

Tensor avg_pool_nd(const char* op, int dims, const Tensor& input, IntArrayRef kernel_size,
                   IntArrayRef stride, IntArrayRef padding, bool ceil_mode,
                   bool count_include_pad, std::optional<int64_t> divisor_override) {
  autograd::profiler::OpScope profile_scope(op, {&input});
  const bool unbatched = check_pool_input(op, input, dims);
  Tensor x = batched(input, unbatched);
  PoolProblem p = window_problem(op, PoolKind::Avg, dims, x, input.shape(), kernel_size, stride,
                                 padding, 1, ceil_mode);
  p.count_include_pad = count_include_pad;
  bool negate = false;
  if (divisor_override) {
    TG_CHECK(*divisor_override != 0, op, ": divisor_override must not be zero");
    // The kernels take a positive divisor; a negative one (which PyTorch allows) negates.
    negate = *divisor_override < 0;
    p.divisor_override = negate ? -*divisor_override : *divisor_override;
  }
  Tensor y = avg_op(x, p);
  return unbatch(negate ? -y : y, unbatched);
}

// An output size of 0 in some dim (and none negative): PyTorch returns an empty tensor.
bool empty_adaptive_output(const Tensor& x, int dims, IntArrayRef output_size, Shape& shape) {
  if (output_size.size() != static_cast<std::size_t>(dims)) return false;
  bool any_zero = false;
  shape = Shape{x.size(0), x.size(1)};
  for (int64_t s : output_size) {
    if (s < 0) return false;
    any_zero = any_zero || s == 0;
    shape.push_back(s);
  }
  return any_zero;
}

Tensor adaptive_avg_pool_nd(const char* op, int dims, const Tensor& input,
                            IntArrayRef output_size) {
  autograd::profiler::OpScope profile_scope(op, {&input});
  return detail::naming_op(op, input, [&] {
    const bool unbatched = check_pool_input(op, input, dims);
    Tensor x = batched(input, unbatched);
    Shape empty_shape;
    if (empty_adaptive_output(x, dims, output_size, empty_shape))
      return unbatch(zeros(empty_shape, x.dtype()), unbatched);
    return unbatch(avg_op(x, adaptive_problem(op, PoolKind::AdaptiveAvg, dims, x, output_size)),
                   unbatched);
  });
}

std::tuple<Tensor, Tensor> adaptive_max_pool_nd(const char* op, int dims, const Tensor& input,
                                                IntArrayRef output_size) {
  autograd::profiler::OpScope profile_scope(op, {&input});
  const bool unbatched = check_pool_input(op, input, dims);
  Tensor x = batched(input, unbatched);
  return unbatch_pair(
      max_op(x, adaptive_problem(op, PoolKind::AdaptiveMax, dims, x, output_size)), unbatched);
}

Tensor max_unpool_nd(const char* op, int dims, const Tensor& input, const Tensor& indices,
                     IntArrayRef output_size) {
  const bool unbatched = check_pool_input(op, input, dims);
  TG_CHECK(indices.defined() && indices.dtype() == kInt64, op, ": indices must be int64, got ",
           indices.defined() ? dtype_name(indices.dtype()) : "an undefined tensor");
  TG_CHECK(indices.shape() == input.shape(), op, ": indices must have the input's shape, got "
           "input of shape ", input.shape(), " and indices of shape ", indices.shape());
  TG_CHECK(output_size.size() == static_cast<std::size_t>(dims), op, ": output_size must have ",
           dims, " values (the unpooled spatial size), got ", output_size);
  Tensor x = batched(input, unbatched), idx = batched(indices, unbatched);
  Shape out_shape{x.size(0), x.size(1)};
  for (int i = 0; i < dims; ++i) {
    TG_CHECK(output_size[i] >= 1, op, ": output_size must be >= 1 in every dim, got ",
             output_size);
    out_shape.push_back(output_size[i]);
  }
  try {
    return detail::naming_op(op, input, [&] { return unbatch(unpool_op(x, idx, out_shape), unbatched); });
  } catch (const Error&) {
    throw;
  } catch (const std::invalid_argument& e) {  // an index outside the output plane
    throw Error(format_message(op, ": ", e.what(), "; input of shape ", input.shape(),
                               ", output_size ", output_size));
  }
}

}  // namespace

// ---------------------------------------------------------------- public ops

Tensor max_pool1d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool_nd("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode));
}
Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool_nd("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode));
}
Tensor max_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(
      max_pool_nd("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode));
}
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_nd("max_pool1d_with_indices", 1, input, kernel_size, stride, padding,
                     dilation, ceil_mode);
}
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_nd("max_pool2d_with_indices", 2, input, kernel_size, stride, padding,
                     dilation, ceil_mode);
}
std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                   IntArrayRef stride, IntArrayRef padding,
                                                   IntArrayRef dilation, bool ceil_mode) {
  return max_pool_nd("max_pool3d_with_indices", 3, input, kernel_size, stride, padding,
                     dilation, ceil_mode);
}

Tensor avg_pool1d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad) {
  return avg_pool_nd("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, std::nullopt);
}
Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  return avg_pool_nd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override);
}
Tensor avg_pool3d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride,
                  IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  return avg_pool_nd("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override);
}

Tensor adaptive_avg_pool1d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_avg_pool_nd("adaptive_avg_pool1d", 1, input, output_size);
}
Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_avg_pool_nd("adaptive_avg_pool2d", 2, input, output_size);
}
Tensor adaptive_avg_pool3d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_avg_pool_nd("adaptive_avg_pool3d", 3, input, output_size);
}
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max_pool_nd("adaptive_max_pool1d", 1, input, output_size);
}
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max_pool_nd("adaptive_max_pool2d", 2, input, output_size);
}
std::tuple<Tensor, Tensor> adaptive_max_pool3d(const Tensor& input, IntArrayRef output_size) {
  return adaptive_max_pool_nd("adaptive_max_pool3d", 3, input, output_size);
}

Tensor max_unpool1d(const Tensor& input, const Tensor& indices, IntArrayRef output_size) {
  return max_unpool_nd("max_unpool1d", 1, input, indices, output_size);
}
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, IntArrayRef output_size) {
  return max_unpool_nd("max_unpool2d", 2, input, indices, output_size);
}
Tensor max_unpool3d(const Tensor& input, const Tensor& indices, IntArrayRef output_size) {
  return max_unpool_nd("max_unpool3d", 3, input, indices, output_size);
}

}  // namespace tg
