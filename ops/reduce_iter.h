// Internal to ops/: the reduction loop shared by sum, mean, prod, amax, var, ...
#pragma once
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <vector>

#include "autograd/tensor.h"
#include "ops/internal.h"

namespace tg::detail {

// The reduced dims of `t` (all dims when `dims` is empty) and the output shapes.
struct ReducePlan {
  std::vector<bool> reduced;  // per input dim
  Shape keep_shape;           // output shape with reduced dims kept as 1
  Shape out_shape;            // output shape as requested (keepdim or not)
  int64_t group = 1;          // elements reduced into each output

  ReducePlan(const Tensor& t, IntArrayRef dims, bool keepdim, const char* op) {
    reduced.assign(t.dim(), dims.empty());
    for (int d : wrap_dims(dims, t.dim(), op, &t.shape()))
      if (d < t.dim()) reduced[d] = true;  // a 0-d tensor accepts dim 0 / -1: nothing to mark
    for (int d = 0; d < t.dim(); ++d) {
      keep_shape.push_back(reduced[d] ? 1 : t.shape()[d]);
      if (reduced[d]) group *= t.shape()[d];
      else out_shape.push_back(t.shape()[d]);
    }
    if (keepdim) out_shape = keep_shape;
  }
};

// For every output element o (row-major over keep_shape), calls
// visit(o, const In* base, reduced_sizes, reduced_strides, nred) where the caller walks the
// reduced sub-space. Parallel over outputs with a fixed grain, so each output has one
// writer and a fixed summation order.
template <class In, class F>
void for_each_output(const Tensor& t, const ReducePlan& plan, F&& visit) {
  Shape kept_sizes, kept_strides, red_sizes, red_strides;
  for (int d = 0; d < t.dim(); ++d) {
    if (plan.reduced[d]) {
      red_sizes.push_back(t.shape()[d]);
      red_strides.push_back(t.strides()[d]);
    } else {
      kept_sizes.push_back(t.shape()[d]);
      kept_strides.push_back(t.strides()[d]);
    }
  }
  const In* base = static_cast<const In*>(t.raw_data());
  const int64_t n_out = kept_sizes.numel();
  auto body = [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      int64_t rem = o, off = 0;
      for (int d = kept_sizes.size() - 1; d >= 0; --d) {
        off += (rem % kept_sizes[d]) * kept_strides[d];
        rem /= kept_sizes[d];
      }
      visit(o, base + off, red_sizes, red_strides);
    }
  };
  const int64_t work = n_out * std::max<int64_t>(plan.group, 1);
  if (work < (1 << 15) || n_out < 2) {
    body(0, n_out);
  } else {
    const int64_t grain = std::max<int64_t>(1, (1 << 13) / std::max<int64_t>(plan.group, 1));
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, n_out, grain),
                      [&](const tbb::blocked_range<int64_t>& r) { body(r.begin(), r.end()); },
                      tbb::simple_partitioner());
  }
}

// Calls run(q, n, stride) for every innermost run of a reduced sub-space, in row-major order.
template <class In, class F>
void walk_reduced_runs(const In* p, const Shape& sizes, const Shape& strides, F&& run) {
  const int nd = sizes.size();
  if (nd == 0) {
    run(p, int64_t{1}, int64_t{1});
    return;
  }
  const int64_t inner = sizes[nd - 1], inner_stride = strides[nd - 1];
  int64_t outer = 1;
  for (int d = 0; d + 1 < nd; ++d) outer *= sizes[d];
  int64_t idx[kMaxDims] = {};
  int64_t off = 0;
  for (int64_t r = 0; r < outer; ++r) {
    run(p + off, inner, inner_stride);
    for (int d = nd - 2; d >= 0; --d) {
      ++idx[d];
      off += strides[d];
      if (idx[d] < sizes[d]) break;
      off -= strides[d] * sizes[d];
      idx[d] = 0;
    }
  }
}

// Calls f(value) for every element of a reduced sub-space in row-major order.
template <class In, class F>
void walk_reduced(const In* p, const Shape& sizes, const Shape& strides, F&& f) {
  walk_reduced_runs(p, sizes, strides, [&](const In* q, int64_t n, int64_t stride) {
    if (stride == 1) {
      for (int64_t i = 0; i < n; ++i) f(q[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) f(q[i * stride]);
    }
  });
}

// A sum in kLanes interleaved partial sums (element i goes to lane i % kLanes of its run),
// added in lane order at the end: a fixed order, and independent adds the compiler can
// vectorise instead of one serial chain.
template <class Acc>
struct LaneSum {
  static constexpr int kLanes = 8;
  Acc lane[kLanes] = {};

  template <class In>
  void add_run(const In* q, int64_t n, int64_t stride) {
    if (stride != 1) {
      for (int64_t i = 0; i < n; ++i) lane[0] += static_cast<Acc>(q[i * stride]);
      return;
    }
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int l = 0; l < kLanes; ++l) lane[l] += static_cast<Acc>(q[i + l]);
    for (int l = 0; i < n; ++i, ++l) lane[l] += static_cast<Acc>(q[i]);
  }
  Acc total() const {
    Acc t = 0;
    for (int l = 0; l < kLanes; ++l) t += lane[l];
    return t;
  }
};

template <class T> struct acc_type { using type = T; };
template <> struct acc_type<float> { using type = double; };

}  // namespace tg::detail
