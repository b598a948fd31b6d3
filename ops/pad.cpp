// Padding. Constant padding copies the input into a filled output (its vjp is the same
// op with negated pads). Reflect/replicate/circular padding is an index map per padded
// dim: the forward gathers through it, and the vjp is pad_backward, a gather over the
// inverse map (each input element sums the outputs that read it), whose vjp is the forward.
#include "ops/pad.h"

#include <memory>

#include "autograd/node.h"
#include "autograd/profiler.h"
#include "ops/internal.h"
#include "ops/naming.h"
#include "ops/ops.h"
#include "ops/rows.h"

namespace tg {
namespace {

enum class PadMode { Constant, Reflect, Replicate, Circular };

PadMode parse_mode(const char* op, const std::string& mode) {
  if (mode == "constant") return PadMode::Constant;
  if (mode == "reflect") return PadMode::Reflect;
  if (mode == "replicate") return PadMode::Replicate;
  if (mode == "circular") return PadMode::Circular;
  throw Error(format_message(op, ": unknown padding mode \"", mode,
                             "\" (expected constant, reflect, replicate or circular)"));
}

const char* mode_name(PadMode mode) {
  switch (mode) {
    case PadMode::Constant: return "constant";
    case PadMode::Reflect: return "reflect";
    case PadMode::Replicate: return "replicate";
    case PadMode::Circular: return "circular";
  }
  return "?";
}

// Everything about one padding geometry, shared by the forward and backward ops.
struct PadPlan {
  PadMode mode = PadMode::Constant;
  Shape in_shape, out_shape;
  std::vector<int64_t> pad;  // PyTorch order: last dim first
  int first = 0;             // first padded dim
  // Index-map modes, per padded dim k (dim first + k): source[k][o] is the input index
  // that output position o reads; readers[k][starts[k][i] .. starts[k][i + 1]) are the
  // output positions that read input index i, in increasing order.
  std::vector<std::vector<int64_t>> source, starts, readers;

  int64_t before(int d) const { return pad[2 * (in_shape.size() - 1 - d)]; }
  int64_t after(int d) const { return pad[2 * (in_shape.size() - 1 - d) + 1]; }
};
using PlanPtr = std::shared_ptr<const PadPlan>;

// The input index that output position o reads, for a dim of size n padded by (b, a).
// Circular padding wraps around what is left after cropping, as PyTorch does.
int64_t source_index(PadMode mode, int64_t o, int64_t n, int64_t b, int64_t a) {
  const int64_t j = o - b;
  switch (mode) {
    case PadMode::Reflect:
      if (j < 0) return -j;
      return j >= n ? 2 * (n - 1) - j : j;
    case PadMode::Replicate: return std::clamp<int64_t>(j, 0, n - 1);
    case PadMode::Circular: {
      const int64_t crop_b = std::max<int64_t>(0, -b);
      const int64_t kept = n - crop_b - std::max<int64_t>(0, -a);
      const int64_t k = o - std::max<int64_t>(0, b);
      return crop_b + ((k % kept) + kept) % kept;
    }
    case PadMode::Constant: break;
  }
  return j;
}

// Checks the arguments as PyTorch does and builds the index maps.
PlanPtr make_plan(const char* op, const Shape& in, IntArrayRef pad, PadMode mode) {
  TG_CHECK(pad.size() % 2 == 0, op, ": the padding length must be divisible by 2, got ",
           pad.size(), " values ", pad);
  const int k = static_cast<int>(pad.size() / 2), n = in.size();
  TG_CHECK(k <= n, op, ": padding length too large: ", pad, " pads ", k,
           " dims but the input has shape ", in);
  const char* name = mode_name(mode);
  if (mode != PadMode::Constant) {
    TG_CHECK(k >= 1 && k <= 3 && (n == k + 1 || n == k + 2), op, ": ", name, " padding pads "
             "1 to 3 dims of a (C, ...) or (N, C, ...) input; got pad ", pad, " (", k,
             " dims) for an input of shape ", in);
  }
  if (mode == PadMode::Reflect || mode == PadMode::Replicate) {
    for (int d = 1; d < n; ++d)
      TG_CHECK(in[d] != 0, op, ": ", name, " padding expects non-zero sizes in every dim but "
               "the first, got an input of shape ", in);
  }
  auto plan = std::make_shared<PadPlan>();
  plan->mode = mode;
  plan->in_shape = in;
  plan->out_shape = in;
  plan->pad = pad.vec();
  plan->first = n - k;
  bool any_nonempty = false;
  for (int d = plan->first; d < n; ++d) {
    const int64_t size = in[d], b = plan->before(d), a = plan->after(d);
    int64_t out = 0;
    TG_CHECK(!__builtin_add_overflow(size, b, &out) && !__builtin_add_overflow(out, a, &out), op,
             ": the input size ", size, " at dimension ", d, " with padding (", b, ", ", a,
             ") overflows a 64-bit size (input shape ", in, ")");
    TG_CHECK(out >= 0, op, ": the input size ", size, " at dimension ", d, " with padding (", b,
             ", ", a, ") gives a negative output size ", out, " (input shape ", in, ")");
    // Replicate padding reads the edge whatever the cropping; the others need the cropped
    // side to exist (PyTorch fails or reads garbage there).
    if (mode == PadMode::Constant || (out > 0 && mode != PadMode::Replicate))
      TG_CHECK(b >= -size && a >= -size, op, ": negative padding (", b, ", ", a,
               ") at dimension ", d, " crops more than its size ", size, " (input shape ", in,
               ")");
    if (mode == PadMode::Reflect)
      TG_CHECK(b < size && a < size, op, ": reflect padding (", b, ", ", a, ") must be less "
               "than the input size ", size, " at dimension ", d, " (input shape ", in, ")");
    if (mode == PadMode::Circular) {
      TG_CHECK(b <= size && a <= size, op, ": circular padding (", b, ", ", a, ") at dimension ",
               d, " wraps around more than once (input size ", size, ", shape ", in, ")");
      const int64_t kept = size - std::max<int64_t>(0, -b) - std::max<int64_t>(0, -a);
      TG_CHECK(out == 0 || kept > 0, op, ": circular padding (", b, ", ", a, ") at dimension ",
               d, " crops the whole input (size ", size, ") and leaves nothing to wrap around");
    }
    any_nonempty = any_nonempty || out > 0;
    plan->out_shape[d] = out;
  }
  // As PyTorch: an empty result along every padded dim means the input was too small.
  TG_CHECK(mode == PadMode::Constant || mode == PadMode::Circular || any_nonempty, op,
           ": the input of shape ", in, " is too small for ", name, " padding ", pad,
           ": the output shape would be ", plan->out_shape);
  if (mode == PadMode::Constant) return plan;
  for (int d = plan->first; d < n; ++d) {
    const int64_t size = in[d], b = plan->before(d), a = plan->after(d);
    const int64_t out = plan->out_shape[d];
    std::vector<int64_t> src(out), starts(size + 1, 0), readers(out);
    for (int64_t o = 0; o < out; ++o) {
      src[o] = source_index(mode, o, size, b, a);
      ++starts[src[o] + 1];
    }
    for (int64_t i = 0; i < size; ++i) starts[i + 1] += starts[i];
    std::vector<int64_t> fill(starts.begin(), starts.end() - 1);
    for (int64_t o = 0; o < out; ++o) readers[fill[src[o]]++] = o;
    plan->source.push_back(std::move(src));
    plan->starts.push_back(std::move(starts));
    plan->readers.push_back(std::move(readers));
  }
  return plan;
}

}  // namespace

namespace kernels {
namespace {

// out (contiguous, plan.out_shape) reads `in` (strided) through the index maps.
template <class T>
void pad_gather(const PadPlan& p, const T* in, const Shape& in_strides, T* out) {
  const int n = p.out_shape.size(), first = p.first;
  const int64_t inner = p.out_shape[n - 1], rows = p.out_shape.numel() / inner;
  const std::vector<int64_t>& last = p.source[n - 1 - first];
  const int64_t last_stride = in_strides[n - 1];
  detail::parallel_rows(rows, inner, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      int64_t rem = row, base = 0;
      for (int d = n - 2; d >= 0; --d) {
        const int64_t c = rem % p.out_shape[d];
        rem /= p.out_shape[d];
        base += (d < first ? c : p.source[d - first][c]) * in_strides[d];
      }
      T* o = out + row * inner;
      for (int64_t j = 0; j < inner; ++j) o[j] = in[base + last[j] * last_stride];
    }
  });
}

// gin (contiguous, plan.in_shape)[i] = sum of g (contiguous, plan.out_shape) over the
// output positions that read i; one task per input row, sums in a fixed order.
template <class T>
void pad_backward_gather(const PadPlan& p, const T* g, T* gin) {
  const int n = p.in_shape.size(), first = p.first;
  const int64_t inner = p.in_shape[n - 1], rows = p.in_shape.numel() / inner;
  const Shape gstrides = contiguous_strides(p.out_shape);
  const int outer_padded = n - 1 - first;  // padded dims other than the last
  const std::vector<int64_t>& last_starts = p.starts[n - 1 - first];
  const std::vector<int64_t>& last_readers = p.readers[n - 1 - first];
  detail::parallel_rows(rows, inner, [&](int64_t begin, int64_t end) {
    int64_t coord[kMaxDims], pos[kMaxDims], stop[kMaxDims];
    for (int64_t row = begin; row < end; ++row) {
      int64_t rem = row, lead = 0;
      for (int d = n - 2; d >= 0; --d) {
        coord[d] = rem % p.in_shape[d];
        rem /= p.in_shape[d];
        if (d < first) lead += coord[d] * gstrides[d];
      }
      T* acc = gin + row * inner;
      for (int64_t j = 0; j < inner; ++j) acc[j] = T(0);
      bool empty = false;
      for (int k = 0; k < outer_padded; ++k) {
        pos[k] = p.starts[k][coord[first + k]];
        stop[k] = p.starts[k][coord[first + k] + 1];
        empty = empty || pos[k] == stop[k];
      }
      if (empty) continue;
      while (true) {  // every combination of reading positions in the outer padded dims
        int64_t base = lead;
        for (int k = 0; k < outer_padded; ++k) base += p.readers[k][pos[k]] * gstrides[first + k];
        for (int64_t j = 0; j < inner; ++j) {
          T s = acc[j];
          for (int64_t r = last_starts[j]; r < last_starts[j + 1]; ++r)
            s += g[base + last_readers[r]];
          acc[j] = s;
        }
        int k = outer_padded - 1;
        for (; k >= 0; --k) {
          if (++pos[k] < stop[k]) break;
          pos[k] = p.starts[k][coord[first + k]];
        }
        if (k < 0) break;
      }
    }
  });
}

}  // namespace
}  // namespace kernels

namespace {

Tensor constant_pad(const Tensor& t, IntArrayRef pad, double value);
Tensor index_map_pad(const Tensor& t, const PlanPtr& plan);
Tensor index_map_pad_backward(const Tensor& g, const PlanPtr& plan);

const char* forward_node_name(PadMode mode) {
  switch (mode) {
    case PadMode::Reflect: return "ReflectionPadBackward";
    case PadMode::Replicate: return "ReplicationPadBackward";
    case PadMode::Circular: return "CircularPadBackward";
    case PadMode::Constant: break;
  }
  return "ConstantPadNdBackward";
}

const char* backward_node_name(PadMode mode) {
  switch (mode) {
    case PadMode::Reflect: return "ReflectionPadBackwardBackward";
    case PadMode::Replicate: return "ReplicationPadBackwardBackward";
    case PadMode::Circular: return "CircularPadBackwardBackward";
    case PadMode::Constant: break;
  }
  return "ConstantPadNdBackwardBackward";
}

std::vector<int64_t> negated(IntArrayRef pad) {
  std::vector<int64_t> out;
  for (int64_t p : pad) out.push_back(-p);
  return out;
}

// Fills the output with `value` and copies the part of t that survives cropping. The vjp
// is the same op with negated pads: it crops what was padded and zero-fills what was cropped.
Tensor constant_pad(const Tensor& t, IntArrayRef pad, double value) {
  PlanPtr plan = make_plan("pad", t.shape(), pad, PadMode::Constant);
  Tensor out = full(plan->out_shape, value, t.dtype());
  Tensor src = t.detach(), dst = out;
  bool any = t.numel() > 0;
  for (int d = plan->first; d < t.dim() && any; ++d) {
    const int64_t b = plan->before(d), a = plan->after(d);
    const int64_t len = t.shape()[d] - std::max<int64_t>(0, -b) - std::max<int64_t>(0, -a);
    any = len > 0;
    if (!any) break;
    src = src.narrow(d, std::max<int64_t>(0, -b), len);
    dst = dst.narrow(d, std::max<int64_t>(0, b), len);
  }
  if (any) detail::copy_values(dst, src);
  std::vector<int64_t> back = negated(pad);
  return autograd::record("ConstantPadNdBackward", out, {t}, {},
      [back](const autograd::Ctx&, const TensorList& g) -> TensorList {
        return {constant_pad(g[0], back, 0.0)};
      });
}

Tensor index_map_pad(const Tensor& t, const PlanPtr& plan) {
  Tensor out = empty(plan->out_shape, t.dtype());
  if (out.numel() > 0) {
    TG_DISPATCH_ALL(t.dtype(), "pad", [&] {
      kernels::pad_gather(*plan, static_cast<const scalar_t*>(t.raw_data()), t.strides(),
                          out.data_ptr<scalar_t>());
    });
  }
  return autograd::record(forward_node_name(plan->mode), out, {t}, {},
      [plan](const autograd::Ctx&, const TensorList& g) -> TensorList {
        return {index_map_pad_backward(g[0], plan)};
      });
}

Tensor index_map_pad_backward(const Tensor& g, const PlanPtr& plan) {
  Tensor gin = empty(plan->in_shape, g.dtype());
  if (gin.numel() > 0) {
    Tensor gc = g.detach().contiguous();
    TG_DISPATCH_FLOATING(g.dtype(), "pad_backward", [&] {
      kernels::pad_backward_gather(*plan, gc.data_ptr<scalar_t>(), gin.data_ptr<scalar_t>());
    });
  }
  return autograd::record(backward_node_name(plan->mode), gin, {g}, {},
      [plan](const autograd::Ctx&, const TensorList& gg) -> TensorList {
        return {index_map_pad(gg[0], plan)};
      });
}

}  // namespace

Tensor pad(const Tensor& t, IntArrayRef pad, const std::string& mode, std::optional<double> value) {
  autograd::profiler::OpScope profile_scope("pad", {&t});
  TG_CHECK(t.defined(), "pad: the input is undefined");
  const PadMode m = parse_mode("pad", mode);
  if (m == PadMode::Constant)  // names pad in errors below (a NaN value for an int64 input)
    return detail::naming_op("pad", t, [&] { return constant_pad(t, pad, value.value_or(0.0)); });
  TG_CHECK(!value || *value == 0.0, "pad: padding mode \"", mode, "\" doesn't take a value "
           "argument, got ", *value);
  TG_CHECK(m == PadMode::Circular || t.is_floating_point(), "pad: ", mode, " padding is not "
           "implemented for ", t.dtype(), " inputs");
  return index_map_pad(t, make_plan("pad", t.shape(), pad, m));
}

Tensor pad_backward(const Tensor& grad_output, IntArrayRef input_shape, IntArrayRef pad,
                    const std::string& mode) {
  TG_CHECK(grad_output.defined(), "pad_backward: grad_output is undefined");
  const PadMode m = parse_mode("pad_backward", mode);
  PlanPtr plan = make_plan("pad_backward", Shape(input_shape), pad, m);
  TG_CHECK(grad_output.shape() == plan->out_shape, "pad_backward: grad_output has shape ",
           grad_output.shape(), " but padding ", Shape(input_shape), " by ", pad, " gives ",
           plan->out_shape);
  if (m == PadMode::Constant) return constant_pad(grad_output, negated(pad), 0.0);
  TG_CHECK(grad_output.is_floating_point(), "pad_backward: expected a floating grad_output, got ",
           grad_output.dtype());
  return index_map_pad_backward(grad_output, plan);
}

}  // namespace tg
