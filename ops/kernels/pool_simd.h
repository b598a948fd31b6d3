// Internal to the pooling kernels: window bookkeeping shared by the scalar kernels
// (pool.cpp) and the vectorised ones (pool_simd_impl.h), and the table of vectorised
// kernels that one instruction-set unit (pool_avx512.cpp, pool_avx2.cpp) provides.
// Each vectorised kernel computes exactly the bits of the scalar one.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "ops/kernels/conv_geometry.h"

namespace tg::kernels::pool_simd {

// The helpers below are static: this header is compiled into units with different
// instruction-set flags, and one unit's copy must never stand in for another's.

// First in-bounds tap of a window starting at `start`: PyTorch steps a negative start
// forward by the dilation. The result is >= in when the window has no in-bounds tap.
static inline int64_t first_tap(int64_t start, int64_t dilation) {
  return start >= 0 ? start : start + (-start + dilation - 1) / dilation * dilation;
}

// Adaptive window of output i along a dim: [floor(i*in/out), ceil((i+1)*in/out)).
static inline int64_t adaptive_start(int64_t i, int64_t in, int64_t out) {
  return (i / out) * in + ((i % out) * in) / out;
}
static inline int64_t adaptive_end(int64_t i, int64_t in, int64_t out) {
  return 1 + ((i + 1) * in - 1) / out;
}

// For every input position along one dim, the outputs whose windows contain it, in
// ascending order: outs[begin[i] .. begin[i+1]).
struct Membership {
  std::vector<int64_t> begin;
  std::vector<int64_t> outs;
};

template <class Taps>  // Taps(o, emit) calls emit(i) for each in-bounds input i of window o
static Membership build_membership(int64_t in, int64_t out, Taps taps) {
  Membership m;
  m.begin.assign(in + 1, 0);
  for (int64_t o = 0; o < out; ++o) taps(o, [&](int64_t i) { ++m.begin[i + 1]; });
  for (int64_t i = 0; i < in; ++i) m.begin[i + 1] += m.begin[i];
  m.outs.resize(m.begin[in]);
  std::vector<int64_t> fill(m.begin.begin(), m.begin.end() - 1);
  for (int64_t o = 0; o < out; ++o) taps(o, [&](int64_t i) { m.outs[fill[i]++] = o; });
  return m;
}

static inline Membership window_membership(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                           int64_t pad, int64_t dilation) {
  return build_membership(in, out, [&](int64_t o, auto emit) {
    for (int64_t j = 0; j < kernel; ++j) {
      const int64_t i = o * stride - pad + j * dilation;
      if (i >= 0 && i < in) emit(i);
    }
  });
}

static inline Membership adaptive_membership(int64_t in, int64_t out) {
  return build_membership(in, out, [&](int64_t o, auto emit) {
    for (int64_t i = adaptive_start(o, in, out); i < adaptive_end(o, in, out); ++i) emit(i);
  });
}

// Average pooling's per-dim factor of PyTorch's divisor for each output position: the
// window clipped to [-pad, in+pad) (count_include_pad) or to the input [0, in).
static inline std::vector<int64_t> avg_window_counts(int64_t in, int64_t out, int64_t kernel,
                                                     int64_t stride, int64_t pad,
                                                     bool count_include_pad) {
  std::vector<int64_t> counts(out);
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * stride - pad;
    const int64_t end = std::min(start + kernel, in + pad);
    counts[o] = count_include_pad ? end - start : std::min(end, in) - std::max<int64_t>(start, 0);
  }
  return counts;
}

// Everything a pooling kernel needs beyond the geometry, built once per call by pool.cpp
// (so the instruction-set units share no out-of-line helpers with the generic code).
struct PoolPlan {
  Membership member[3];            // backward kernels: windows containing each position
  std::vector<int64_t> counts[3];  // average pooling: per-dim divisor factors
  int64_t divisor_override = 0;    // average pooling: > 0 replaces the divisor
};

// Kernels over the planes [plane_begin, plane_end) of the N*C planes; pool.cpp splits
// the planes among threads.
template <class T>
struct KernelSet {
  void (*max_forward)(const ConvGeometry&, const PoolPlan&, int64_t plane_begin, int64_t plane_end,
                      const T* x, T* y, int64_t* indices);
  void (*avg_forward)(const ConvGeometry&, const PoolPlan&, int64_t plane_begin, int64_t plane_end,
                      const T* x, T* y);
  void (*avg_backward)(const ConvGeometry&, const PoolPlan&, int64_t plane_begin, int64_t plane_end,
                       const T* gy, T* gx);
};

struct Kernels {
  const char* isa;
  KernelSet<float> f32;
  KernelSet<double> f64;

  template <class T>
  const KernelSet<T>& get() const {
    if constexpr (sizeof(T) == sizeof(float)) {
      return f32;
    } else {
      return f64;
    }
  }
};

// Defined by the per-instruction-set units; call only when the CPU supports that set.
const Kernels& avx512_kernels();
const Kernels& avx2_kernels();

// The vector kernels run along the width with stride 1 or 2, and carry argmax indices in
// the element type, which must represent every index they can produce exactly: flat
// indices of the plane, and PyTorch's "first in-bounds tap" of a window without one,
// which lies below in + dilation along each dim.
template <class T>
static bool applies(const ConvGeometry& g) {
  const int64_t exact_limit = sizeof(T) == sizeof(float) ? (int64_t{1} << 24) : (int64_t{1} << 53);
  int64_t reach[3];  // bound on any index the kernels produce along each dim
  for (int d = 0; d < 3; ++d) reach[d] = g.in[d] - 1 + g.dilation[d];
  const int64_t largest_index = (reach[0] * g.in[1] + reach[1]) * g.in[2] + reach[2];
  return (g.stride[2] == 1 || g.stride[2] == 2) && largest_index < exact_limit &&
         g.out_spatial() < exact_limit;
}

}  // namespace tg::kernels::pool_simd
