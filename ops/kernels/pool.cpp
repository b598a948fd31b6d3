// Pooling kernels: argument checks, the plain loops (the definition of every result),
// and the dispatch to the vectorised kernels of pool_simd_impl.h where they apply.
#include "ops/kernels/pool.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>
#include <xsimd/xsimd.hpp>

#include "ops/kernels/pool_simd.h"

namespace tg::kernels {
namespace {

using pool_simd::Membership;
using pool_simd::PoolPlan;

// ---------------------------------------------------------------- checks
std::string geometry_str(const ConvGeometry& g) {
  return "(batch=" + std::to_string(g.batch) + ", channels=" + std::to_string(g.in_channels) +
         ", in=" + dims_text(g.in) + ", out=" + dims_text(g.out) + ", kernel=" + dims_text(g.kernel) +
         ", stride=" + dims_text(g.stride) + ", dilation=" + dims_text(g.dilation) +
         ", pad=" + dims_text(g.pad) + ")";
}

[[noreturn]] void fail(const char* fn, const std::string& what, const ConvGeometry& g) {
  throw std::invalid_argument(std::string(fn) + ": " + what + " in geometry " + geometry_str(g));
}

void check_planes(const char* fn, const ConvGeometry& g) {
  if (g.batch < 0 || g.in_channels < 0) fail(fn, "batch and channels must be >= 0", g);
  if (g.in_channels != g.out_channels) fail(fn, "in_channels must equal out_channels", g);
  for (int d = 0; d < 3; ++d) {
    if (g.in[d] < 1 || g.out[d] < 1) fail(fn, "spatial sizes must be >= 1", g);
  }
}

void check_windows(const char* fn, const ConvGeometry& g) {
  check_planes(fn, g);
  for (int d = 0; d < 3; ++d) {
    if (g.kernel[d] < 1 || g.stride[d] < 1 || g.dilation[d] < 1) {
      fail(fn, "kernel, stride and dilation must be >= 1", g);
    }
    if (g.pad[d] < 0 || g.pad[d] > g.kernel[d] / 2) fail(fn, "pad must be in [0, kernel/2]", g);
    const int64_t floor_out =
        pool_output_size(g.in[d], g.pad[d], g.kernel[d], g.stride[d], g.dilation[d], false);
    const int64_t ceil_out =
        pool_output_size(g.in[d], g.pad[d], g.kernel[d], g.stride[d], g.dilation[d], true);
    if (g.out[d] != floor_out && g.out[d] != ceil_out) {
      fail(fn,
           "out[" + std::to_string(d) + "] must be " + std::to_string(floor_out) +
               " (floor mode) or " + std::to_string(ceil_out) + " (ceil mode)",
           g);
    }
  }
}

void check_avg(const char* fn, const ConvGeometry& g, int64_t divisor_override) {
  check_windows(fn, g);
  for (int d = 0; d < 3; ++d) {
    if (g.dilation[d] != 1) fail(fn, "average pooling needs dilation 1", g);
  }
  if (divisor_override < 0) {
    fail(fn, "divisor_override must be >= 0 (0 = none), got " + std::to_string(divisor_override),
         g);
  }
}

int64_t planes_of(const ConvGeometry& g) { return g.batch * g.in_channels; }

// ---------------------------------------------------------------- plans
PoolPlan window_plan(const ConvGeometry& g) {
  PoolPlan plan;
  for (int d = 0; d < 3; ++d) {
    plan.member[d] = pool_simd::window_membership(g.in[d], g.out[d], g.kernel[d], g.stride[d],
                                                  g.pad[d], g.dilation[d]);
  }
  return plan;
}

PoolPlan avg_plan(const ConvGeometry& g, bool count_include_pad, int64_t divisor_override) {
  PoolPlan plan = window_plan(g);
  for (int d = 0; d < 3; ++d) {
    plan.counts[d] = pool_simd::avg_window_counts(g.in[d], g.out[d], g.kernel[d], g.stride[d],
                                                  g.pad[d], count_include_pad);
  }
  plan.divisor_override = divisor_override;
  return plan;
}

PoolPlan adaptive_plan(const ConvGeometry& g) {
  PoolPlan plan;
  for (int d = 0; d < 3; ++d) plan.member[d] = pool_simd::adaptive_membership(g.in[d], g.out[d]);
  return plan;
}

// ---------------------------------------------------------------- threading
// Splits the planes among tasks of about 32k elements. Each plane is computed by one
// task and planes never interact, so the split does not change any bit.
template <class Body>
void for_planes(int64_t planes, int64_t elements_per_plane, Body body) {
  if (planes <= 0) return;
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, elements_per_plane));
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, planes, grain),
      [&](const tbb::blocked_range<int64_t>& r) { body(r.begin(), r.end()); },
      tbb::simple_partitioner());
}

std::atomic<int> g_pool_impl{static_cast<int>(PoolImpl::automatic)};

// The vectorised kernels the current PoolImpl selects on this CPU, or null.
const pool_simd::Kernels* selected_kernels() {
  static const bool has_avx512 = xsimd::available_architectures().avx512bw;
  static const bool has_avx2 = xsimd::available_architectures().fma3_avx2;
  switch (pool_impl()) {
    case PoolImpl::automatic:
      if (has_avx512) return &pool_simd::avx512_kernels();
      return has_avx2 ? &pool_simd::avx2_kernels() : nullptr;
    case PoolImpl::avx2:
      return has_avx2 ? &pool_simd::avx2_kernels() : nullptr;
    case PoolImpl::scalar:
      break;
  }
  return nullptr;
}

// The vectorised kernels for T, or null when the scalar loops must run.
template <class T>
const pool_simd::KernelSet<T>* simd_for(const ConvGeometry& g) {
  if (!pool_simd::applies<T>(g)) return nullptr;
  const pool_simd::Kernels* k = selected_kernels();
  return k ? &k->get<T>() : nullptr;
}

// ---------------------------------------------------------------- scalar kernels
// Sum over the windows containing input element (id, ih, iw), in raster order of the
// windows; `term(o)` is the window's contribution (0 if none).
template <class T, class Term>
T gather_windows(const PoolPlan& plan, const ConvGeometry& g, int64_t id, int64_t ih, int64_t iw,
                 Term term) {
  const Membership& md = plan.member[0];
  const Membership& mh = plan.member[1];
  const Membership& mw = plan.member[2];
  T acc = T(0);
  for (int64_t a = md.begin[id]; a < md.begin[id + 1]; ++a)
    for (int64_t b = mh.begin[ih]; b < mh.begin[ih + 1]; ++b) {
      const int64_t row = (md.outs[a] * g.out[1] + mh.outs[b]) * g.out[2];
      for (int64_t c = mw.begin[iw]; c < mw.begin[iw + 1]; ++c) term(acc, row + mw.outs[c]);
    }
  return acc;
}

template <class T>
void max_forward_scalar(const ConvGeometry& g, const PoolPlan&, int64_t plane_begin,
                        int64_t plane_end, const T* x, T* y, int64_t* indices) {
  const int64_t IH = g.in[1], IW = g.in[2];
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const T* xp = x + plane * in_plane;
    int64_t o = plane * out_plane;
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow, ++o) {
          int64_t start[3], end[3];
          const int64_t pos[3] = {od, oh, ow};
          for (int d = 0; d < 3; ++d) {
            const int64_t s = pos[d] * g.stride[d] - g.pad[d];
            end[d] = std::min(s + (g.kernel[d] - 1) * g.dilation[d] + 1, g.in[d]);
            start[d] = pool_simd::first_tap(s, g.dilation[d]);
          }
          int64_t best_idx = (start[0] * IH + start[1]) * IW + start[2];
          T best = -std::numeric_limits<T>::infinity();
          for (int64_t id = start[0]; id < end[0]; id += g.dilation[0])
            for (int64_t ih = start[1]; ih < end[1]; ih += g.dilation[1])
              for (int64_t iw = start[2]; iw < end[2]; iw += g.dilation[2]) {
                const int64_t idx = (id * IH + ih) * IW + iw;
                const T v = xp[idx];
                if (v > best || std::isnan(v)) {
                  best = v;
                  best_idx = idx;
                }
              }
          y[o] = best;
          if (indices) indices[o] = best_idx;
        }
  }
}

// Gather form: each input element sums gy over the windows whose index names it.
template <class T>
void max_backward_scalar(const ConvGeometry& g, const PoolPlan& plan, int64_t plane_begin,
                         int64_t plane_end, const T* gy, const int64_t* indices, T* gx) {
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const T* gyp = gy + plane * out_plane;
    const int64_t* ip = indices + plane * out_plane;
    T* gxp = gx + plane * in_plane;
    int64_t flat = 0;
    for (int64_t id = 0; id < g.in[0]; ++id)
      for (int64_t ih = 0; ih < g.in[1]; ++ih)
        for (int64_t iw = 0; iw < g.in[2]; ++iw, ++flat) {
          gxp[flat] = gather_windows<T>(plan, g, id, ih, iw, [&](T& acc, int64_t o) {
            if (ip[o] == flat) acc += gyp[o];
          });
        }
  }
}

// Windows (flat output positions) of a max pooling that hold at least one input element;
// empty when all do. With dilation a window can miss the input entirely: its index then
// names no member (see max_pool_forward), and the gather never credits it.
std::vector<uint8_t> windows_with_taps(const ConvGeometry& g) {
  std::vector<uint8_t> has_tap[3];
  bool all = true;
  for (int d = 0; d < 3; ++d) {
    has_tap[d].resize(g.out[d]);
    for (int64_t o = 0; o < g.out[d]; ++o) {
      const int64_t start = o * g.stride[d] - g.pad[d];
      const int64_t end = std::min(start + (g.kernel[d] - 1) * g.dilation[d] + 1, g.in[d]);
      has_tap[d][o] = pool_simd::first_tap(start, g.dilation[d]) < end;
      all = all && has_tap[d][o];
    }
  }
  std::vector<uint8_t> live;
  if (all) return live;
  live.reserve(g.out_spatial());
  for (int64_t od = 0; od < g.out[0]; ++od)
    for (int64_t oh = 0; oh < g.out[1]; ++oh)
      for (int64_t ow = 0; ow < g.out[2]; ++ow) {
        live.push_back(has_tap[0][od] && has_tap[1][oh] && has_tap[2][ow]);
      }
  return live;
}

// The sums of max_backward_scalar computed by planes: the task that owns a plane zeroes
// it and adds each window's gradient at the window's index, windows in raster order.
// That is the order in which the gather adds them, so the bits are the same, and no two
// tasks touch one plane. `live` (empty = all) marks the windows that hold an element;
// indices from the forward kernel always name a member of their (live) window.
template <class T>
void max_backward_by_planes(const ConvGeometry& g, const std::vector<uint8_t>& live,
                            int64_t plane_begin, int64_t plane_end, const T* gy,
                            const int64_t* indices, T* gx) {
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const T* gyp = gy + plane * out_plane;
    const int64_t* ip = indices + plane * out_plane;
    T* gxp = gx + plane * in_plane;
    std::fill(gxp, gxp + in_plane, T(0));
    for (int64_t o = 0; o < out_plane; ++o) {
      const int64_t i = ip[o];
      if (i >= 0 && i < in_plane && (live.empty() || live[o])) gxp[i] += gyp[o];
    }
  }
}

template <class T>
T avg_divisor(const PoolPlan& plan, int64_t od, int64_t oh, int64_t ow) {
  if (plan.divisor_override > 0) return static_cast<T>(plan.divisor_override);
  return static_cast<T>(plan.counts[0][od] * plan.counts[1][oh] * plan.counts[2][ow]);
}

template <class T>
void avg_forward_scalar(const ConvGeometry& g, const PoolPlan& plan, int64_t plane_begin,
                        int64_t plane_end, const T* x, T* y) {
  const int64_t IH = g.in[1], IW = g.in[2];
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const T* xp = x + plane * in_plane;
    int64_t o = plane * out_plane;
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow, ++o) {
          int64_t start[3], end[3];
          const int64_t pos[3] = {od, oh, ow};
          for (int d = 0; d < 3; ++d) {
            const int64_t s = pos[d] * g.stride[d] - g.pad[d];
            start[d] = std::max<int64_t>(s, 0);
            end[d] = std::min(s + g.kernel[d], g.in[d]);
          }
          T sum = T(0);
          for (int64_t id = start[0]; id < end[0]; ++id)
            for (int64_t ih = start[1]; ih < end[1]; ++ih)
              for (int64_t iw = start[2]; iw < end[2]; ++iw) sum += xp[(id * IH + ih) * IW + iw];
          y[o] = sum / avg_divisor<T>(plan, od, oh, ow);
        }
  }
}

template <class T>
void avg_backward_scalar(const ConvGeometry& g, const PoolPlan& plan, int64_t plane_begin,
                         int64_t plane_end, const T* gy, T* gx) {
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  std::vector<T> share(out_plane);  // gy / divisor of each window
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const T* gyp = gy + plane * out_plane;
    int64_t o = 0;
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow, ++o) {
          share[o] = gyp[o] / avg_divisor<T>(plan, od, oh, ow);
        }
    T* gxp = gx + plane * in_plane;
    int64_t flat = 0;
    for (int64_t id = 0; id < g.in[0]; ++id)
      for (int64_t ih = 0; ih < g.in[1]; ++ih)
        for (int64_t iw = 0; iw < g.in[2]; ++iw, ++flat) {
          gxp[flat] =
              gather_windows<T>(plan, g, id, ih, iw, [&](T& acc, int64_t w) { acc += share[w]; });
        }
  }
}

// Adaptive window [start, end) of output position `o` along dim d.
struct Window {
  int64_t start[3];
  int64_t end[3];
};

Window adaptive_window(const ConvGeometry& g, int64_t od, int64_t oh, int64_t ow) {
  Window w;
  const int64_t pos[3] = {od, oh, ow};
  for (int d = 0; d < 3; ++d) {
    w.start[d] = pool_simd::adaptive_start(pos[d], g.in[d], g.out[d]);
    w.end[d] = pool_simd::adaptive_end(pos[d], g.in[d], g.out[d]);
  }
  return w;
}

// PyTorch divides by each window extent in turn (sum / kd / kh / kw).
template <class T>
T divide_by_extents(T v, const Window& w) {
  return v / static_cast<T>(w.end[0] - w.start[0]) / static_cast<T>(w.end[1] - w.start[1]) /
         static_cast<T>(w.end[2] - w.start[2]);
}

// ---------------------------------------------------------------- global pooling
// Output 1x1x1: each plane is one window. The fast path sums a plane in 16 interleaved
// lanes (element i into lane i % 16; the compiler vectorises the lane loop), then adds
// the lanes in a fixed tree, so a plane's bits depend on nothing but its values.
bool is_global(const ConvGeometry& g) { return g.out[0] == 1 && g.out[1] == 1 && g.out[2] == 1; }

template <class T>
T plane_sum(const T* x, int64_t n) {
  constexpr int kLanes = 16;
  T lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) lane[j] += x[i + j];
  for (int j = 0; i < n; ++i, ++j) lane[j] += x[i];
  for (int width = kLanes / 2; width >= 1; width /= 2)
    for (int j = 0; j < width; ++j) lane[j] += lane[j + width];
  return lane[0];
}

template <class T>
void global_avg_forward(const ConvGeometry& g, const T* x, T* y) {
  const int64_t in_plane = g.in_spatial();
  const T d = static_cast<T>(g.in[0]), h = static_cast<T>(g.in[1]), w = static_cast<T>(g.in[2]);
  for_planes(planes_of(g), in_plane, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane)
      y[plane] = plane_sum(x + plane * in_plane, in_plane) / d / h / w;
  });
}

// Every element of a plane's gradient is that plane's gy over the extents: a fill.
template <class T>
void global_avg_backward(const ConvGeometry& g, const T* gy, T* gx) {
  const int64_t in_plane = g.in_spatial();
  const T d = static_cast<T>(g.in[0]), h = static_cast<T>(g.in[1]), w = static_cast<T>(g.in[2]);
  for_planes(planes_of(g), in_plane, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const T v = gy[plane] / d / h / w;
      T* p = gx + plane * in_plane;
      for (int64_t i = 0; i < in_plane; ++i) p[i] = v;
    }
  });
}

// ---------------------------------------------------------------- adaptive pooling by rows
// Forward: for each output row (od, oh), the input rows of its window are added into one
// row of IW sums (contiguous, vectorised), then each output sums its columns of that row.
template <class T>
void adaptive_avg_forward_rows(const ConvGeometry& g, const T* x, T* y) {
  const int64_t IH = g.in[1], IW = g.in[2], in_plane = g.in_spatial(), out_plane = g.out_spatial();
  for_planes(planes_of(g), in_plane, [&](int64_t begin, int64_t end) {
    std::vector<T> row(IW);
    for (int64_t plane = begin; plane < end; ++plane) {
      const T* xp = x + plane * in_plane;
      T* yp = y + plane * out_plane;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh) {
          const Window w = adaptive_window(g, od, oh, 0);
          std::fill(row.begin(), row.end(), T(0));
          for (int64_t id = w.start[0]; id < w.end[0]; ++id)
            for (int64_t ih = w.start[1]; ih < w.end[1]; ++ih) {
              const T* xr = xp + (id * IH + ih) * IW;
              T* r = row.data();
              for (int64_t iw = 0; iw < IW; ++iw) r[iw] += xr[iw];
            }
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            const Window c = adaptive_window(g, od, oh, ow);
            T sum = T(0);
            for (int64_t iw = c.start[2]; iw < c.end[2]; ++iw) sum += row[iw];
            yp[(od * g.out[1] + oh) * g.out[2] + ow] = divide_by_extents(sum, c);
          }
        }
    }
  });
}

// Backward: spread[(od, oh)][iw] = the sum of the shares of the windows of output row
// (od, oh) that contain column iw; each input row is then the sum of the spread rows of
// the output rows whose windows contain it, added in raster order (contiguous rows).
template <class T>
void adaptive_avg_backward_rows(const ConvGeometry& g, const PoolPlan& plan, const T* gy, T* gx) {
  const int64_t IH = g.in[1], IW = g.in[2], OH = g.out[1], OW = g.out[2];
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  const int64_t out_rows = g.out[0] * OH;
  const Membership& md = plan.member[0];
  const Membership& mh = plan.member[1];
  for_planes(planes_of(g), in_plane, [&](int64_t begin, int64_t end) {
    std::vector<T> spread(out_rows * IW);
    for (int64_t plane = begin; plane < end; ++plane) {
      const T* gyp = gy + plane * out_plane;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < OH; ++oh) {
          T* sr = spread.data() + (od * OH + oh) * IW;
          std::fill(sr, sr + IW, T(0));
          for (int64_t ow = 0; ow < OW; ++ow) {
            const Window c = adaptive_window(g, od, oh, ow);
            const T share = divide_by_extents(gyp[(od * OH + oh) * OW + ow], c);
            for (int64_t iw = c.start[2]; iw < c.end[2]; ++iw) sr[iw] += share;
          }
        }
      T* gxp = gx + plane * in_plane;
      for (int64_t id = 0; id < g.in[0]; ++id)
        for (int64_t ih = 0; ih < IH; ++ih) {
          T* out = gxp + (id * IH + ih) * IW;
          std::fill(out, out + IW, T(0));
          for (int64_t a = md.begin[id]; a < md.begin[id + 1]; ++a)
            for (int64_t b = mh.begin[ih]; b < mh.begin[ih + 1]; ++b) {
              const T* sr = spread.data() + (md.outs[a] * OH + mh.outs[b]) * IW;
              for (int64_t iw = 0; iw < IW; ++iw) out[iw] += sr[iw];
            }
        }
    }
  });
}

}  // namespace

// ---------------------------------------------------------------- public kernels
void set_pool_impl(PoolImpl impl) { g_pool_impl.store(static_cast<int>(impl)); }

PoolImpl pool_impl() { return static_cast<PoolImpl>(g_pool_impl.load()); }

const char* pool_isa_name() {
  const pool_simd::Kernels* k = selected_kernels();
  return k ? k->isa : "scalar";
}

template <class T>
void max_pool_forward(const ConvGeometry& g, const T* x, T* y, int64_t* indices) {
  const char* fn = "max_pool_forward";
  check_windows(fn, g);
  if (planes_of(g) == 0) return;
  check_conv_pointer(fn, "x", x);
  check_conv_pointer(fn, "y", y);
  const PoolPlan plan;  // the forward needs no membership lists
  const auto* simd = simd_for<T>(g);
  auto kernel = simd ? simd->max_forward : &max_forward_scalar<T>;
  for_planes(planes_of(g), g.in_spatial(),
             [&](int64_t b, int64_t e) { kernel(g, plan, b, e, x, y, indices); });
}

template <class T>
void max_pool_backward(const ConvGeometry& g, const T* gy, const int64_t* indices, T* gx) {
  const char* fn = "max_pool_backward";
  check_windows(fn, g);
  if (planes_of(g) == 0) return;
  check_conv_pointer(fn, "gy", gy);
  check_conv_pointer(fn, "indices", indices);
  check_conv_pointer(fn, "gx", gx);
  if (pool_impl() == PoolImpl::scalar) {
    const PoolPlan plan = window_plan(g);
    for_planes(planes_of(g), g.in_spatial(), [&](int64_t b, int64_t e) {
      max_backward_scalar<T>(g, plan, b, e, gy, indices, gx);
    });
  } else {
    const std::vector<uint8_t> live = windows_with_taps(g);
    for_planes(planes_of(g), g.in_spatial(), [&](int64_t b, int64_t e) {
      max_backward_by_planes<T>(g, live, b, e, gy, indices, gx);
    });
  }
}

template <class T>
void avg_pool_forward(const ConvGeometry& g, const T* x, T* y, bool count_include_pad,
                      int64_t divisor_override) {
  const char* fn = "avg_pool_forward";
  check_avg(fn, g, divisor_override);
  if (planes_of(g) == 0) return;
  check_conv_pointer(fn, "x", x);
  check_conv_pointer(fn, "y", y);
  const PoolPlan plan = avg_plan(g, count_include_pad, divisor_override);
  const auto* simd = simd_for<T>(g);
  auto kernel = simd ? simd->avg_forward : &avg_forward_scalar<T>;
  for_planes(planes_of(g), g.in_spatial(),
             [&](int64_t b, int64_t e) { kernel(g, plan, b, e, x, y); });
}

template <class T>
void avg_pool_backward(const ConvGeometry& g, const T* gy, T* gx, bool count_include_pad,
                       int64_t divisor_override) {
  const char* fn = "avg_pool_backward";
  check_avg(fn, g, divisor_override);
  if (planes_of(g) == 0) return;
  check_conv_pointer(fn, "gy", gy);
  check_conv_pointer(fn, "gx", gx);
  const PoolPlan plan = avg_plan(g, count_include_pad, divisor_override);
  const auto* simd = simd_for<T>(g);
  auto kernel = simd ? simd->avg_backward : &avg_backward_scalar<T>;
  for_planes(planes_of(g), g.in_spatial(),
             [&](int64_t b, int64_t e) { kernel(g, plan, b, e, gy, gx); });
}

template <class T>
void adaptive_avg_pool_forward(const ConvGeometry& g, const T* x, T* y) {
  const char* fn = "adaptive_avg_pool_forward";
  check_planes(fn, g);
  if (planes_of(g) == 0) return;
  check_conv_pointer(fn, "x", x);
  check_conv_pointer(fn, "y", y);
  if (pool_impl() != PoolImpl::scalar) {
    if (is_global(g)) return global_avg_forward(g, x, y);
    return adaptive_avg_forward_rows(g, x, y);
  }
  const int64_t IH = g.in[1], IW = g.in[2];
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  for_planes(planes_of(g), in_plane, [&](int64_t plane_begin, int64_t plane_end) {
    for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
      const T* xp = x + plane * in_plane;
      int64_t o = plane * out_plane;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow, ++o) {
            const Window w = adaptive_window(g, od, oh, ow);
            T sum = T(0);
            for (int64_t id = w.start[0]; id < w.end[0]; ++id)
              for (int64_t ih = w.start[1]; ih < w.end[1]; ++ih)
                for (int64_t iw = w.start[2]; iw < w.end[2]; ++iw) {
                  sum += xp[(id * IH + ih) * IW + iw];
                }
            y[o] = divide_by_extents(sum, w);
          }
    }
  });
}

template <class T>
void adaptive_avg_pool_backward(const ConvGeometry& g, const T* gy, T* gx) {
  const char* fn = "adaptive_avg_pool_backward";
  check_planes(fn, g);
  if (planes_of(g) == 0) return;
  check_conv_pointer(fn, "gy", gy);
  check_conv_pointer(fn, "gx", gx);
  if (is_global(g) && pool_impl() != PoolImpl::scalar) return global_avg_backward(g, gy, gx);
  const PoolPlan plan = adaptive_plan(g);
  if (pool_impl() != PoolImpl::scalar) return adaptive_avg_backward_rows(g, plan, gy, gx);
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  for_planes(planes_of(g), in_plane, [&](int64_t plane_begin, int64_t plane_end) {
    std::vector<T> share(out_plane);
    for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
      const T* gyp = gy + plane * out_plane;
      int64_t o = 0;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow, ++o) {
            share[o] = divide_by_extents(gyp[o], adaptive_window(g, od, oh, ow));
          }
      T* gxp = gx + plane * in_plane;
      int64_t flat = 0;
      for (int64_t id = 0; id < g.in[0]; ++id)
        for (int64_t ih = 0; ih < g.in[1]; ++ih)
          for (int64_t iw = 0; iw < g.in[2]; ++iw, ++flat) {
            gxp[flat] =
                gather_windows<T>(plan, g, id, ih, iw, [&](T& acc, int64_t w) { acc += share[w]; });
          }
    }
  });
}

// PyTorch's 3-d kernel starts from index -1 where its 1-d/2-d kernels start from the
// window's first element; the latter is used for every rank (they differ only for
// windows that are entirely -inf).
template <class T>
void adaptive_max_pool_forward(const ConvGeometry& g, const T* x, T* y, int64_t* indices) {
  const char* fn = "adaptive_max_pool_forward";
  check_planes(fn, g);
  if (planes_of(g) == 0) return;
  check_conv_pointer(fn, "x", x);
  check_conv_pointer(fn, "y", y);
  check_conv_pointer(fn, "indices", indices);
  const int64_t IH = g.in[1], IW = g.in[2];
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  for_planes(planes_of(g), in_plane, [&](int64_t plane_begin, int64_t plane_end) {
    for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
      const T* xp = x + plane * in_plane;
      int64_t o = plane * out_plane;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow, ++o) {
            const Window w = adaptive_window(g, od, oh, ow);
            int64_t best_idx = (w.start[0] * IH + w.start[1]) * IW + w.start[2];
            T best = -std::numeric_limits<T>::infinity();
            for (int64_t id = w.start[0]; id < w.end[0]; ++id)
              for (int64_t ih = w.start[1]; ih < w.end[1]; ++ih)
                for (int64_t iw = w.start[2]; iw < w.end[2]; ++iw) {
                  const int64_t idx = (id * IH + ih) * IW + iw;
                  const T v = xp[idx];
                  if (v > best || std::isnan(v)) {
                    best = v;
                    best_idx = idx;
                  }
                }
            y[o] = best;
            indices[o] = best_idx;
          }
    }
  });
}

template <class T>
void adaptive_max_pool_backward(const ConvGeometry& g, const T* gy, const int64_t* indices, T* gx) {
  const char* fn = "adaptive_max_pool_backward";
  check_planes(fn, g);
  if (planes_of(g) == 0) return;
  check_conv_pointer(fn, "gy", gy);
  check_conv_pointer(fn, "indices", indices);
  check_conv_pointer(fn, "gx", gx);
  if (pool_impl() == PoolImpl::scalar) {
    const PoolPlan plan = adaptive_plan(g);
    for_planes(planes_of(g), g.in_spatial(), [&](int64_t b, int64_t e) {
      max_backward_scalar<T>(g, plan, b, e, gy, indices, gx);
    });
  } else {
    const std::vector<uint8_t> all_live;  // adaptive windows are never empty
    for_planes(planes_of(g), g.in_spatial(), [&](int64_t b, int64_t e) {
      max_backward_by_planes<T>(g, all_live, b, e, gy, indices, gx);
    });
  }
}

namespace {

void check_unpool(const char* fn, int64_t planes, int64_t pooled_size, int64_t unpooled_size) {
  if (planes < 0 || pooled_size < 0 || unpooled_size < 0) {
    throw std::invalid_argument(std::string(fn) +
                                ": sizes must be >= 0, got planes=" + std::to_string(planes) +
                                ", pooled_size=" + std::to_string(pooled_size) +
                                ", unpooled_size=" + std::to_string(unpooled_size));
  }
}

[[noreturn]] void bad_unpool_index(const char* fn, int64_t index, int64_t unpooled_size) {
  throw std::invalid_argument(std::string(fn) + ": index " + std::to_string(index) +
                              " is outside the unpooled plane [0, " +
                              std::to_string(unpooled_size) + ")");
}

// Records the first bad index any task meets; checked once the parallel loop is over.
struct BadIndex {
  std::atomic<bool> seen{false};
  std::atomic<int64_t> value{0};
  void record(int64_t v) {
    bool expected = false;
    if (seen.compare_exchange_strong(expected, true)) value.store(v);
  }
};

}  // namespace

template <class T>
void max_unpool_forward(int64_t planes, int64_t pooled_size, int64_t unpooled_size, const T* x,
                        const int64_t* indices, T* y) {
  const char* fn = "max_unpool_forward";
  check_unpool(fn, planes, pooled_size, unpooled_size);
  if (planes == 0 || unpooled_size == 0) return;
  check_conv_pointer(fn, "y", y);
  if (pooled_size > 0) {
    check_conv_pointer(fn, "x", x);
    check_conv_pointer(fn, "indices", indices);
  }
  BadIndex bad;
  // One task owns each output plane and writes it in input order, so a repeated index
  // keeps the last value as in PyTorch.
  for_planes(planes, unpooled_size, [&](int64_t plane_begin, int64_t plane_end) {
    for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
      T* yp = y + plane * unpooled_size;
      std::fill(yp, yp + unpooled_size, T(0));
      const T* xp = x + plane * pooled_size;
      const int64_t* ip = indices + plane * pooled_size;
      for (int64_t i = 0; i < pooled_size; ++i) {
        if (ip[i] < 0 || ip[i] >= unpooled_size) {
          bad.record(ip[i]);
          continue;
        }
        yp[ip[i]] = xp[i];
      }
    }
  });
  if (bad.seen.load()) bad_unpool_index(fn, bad.value.load(), unpooled_size);
}

template <class T>
void max_unpool_backward(int64_t planes, int64_t pooled_size, int64_t unpooled_size, const T* gy,
                         const int64_t* indices, T* gx) {
  const char* fn = "max_unpool_backward";
  check_unpool(fn, planes, pooled_size, unpooled_size);
  if (planes == 0 || pooled_size == 0) return;
  check_conv_pointer(fn, "gy", gy);
  check_conv_pointer(fn, "indices", indices);
  check_conv_pointer(fn, "gx", gx);
  BadIndex bad;
  for_planes(planes, pooled_size, [&](int64_t plane_begin, int64_t plane_end) {
    for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
      const T* gyp = gy + plane * unpooled_size;
      const int64_t* ip = indices + plane * pooled_size;
      T* gxp = gx + plane * pooled_size;
      for (int64_t i = 0; i < pooled_size; ++i) {
        if (ip[i] < 0 || ip[i] >= unpooled_size) {
          bad.record(ip[i]);
          gxp[i] = T(0);
        } else {
          gxp[i] = gyp[ip[i]];
        }
      }
    }
  });
  if (bad.seen.load()) bad_unpool_index(fn, bad.value.load(), unpooled_size);
}

#define TG_POOL_INSTANTIATE(T)                                                                    \
  template void max_pool_forward<T>(const ConvGeometry&, const T*, T*, int64_t*);                 \
  template void max_pool_backward<T>(const ConvGeometry&, const T*, const int64_t*, T*);          \
  template void avg_pool_forward<T>(const ConvGeometry&, const T*, T*, bool, int64_t);            \
  template void avg_pool_backward<T>(const ConvGeometry&, const T*, T*, bool, int64_t);           \
  template void adaptive_avg_pool_forward<T>(const ConvGeometry&, const T*, T*);                  \
  template void adaptive_avg_pool_backward<T>(const ConvGeometry&, const T*, T*);                 \
  template void adaptive_max_pool_forward<T>(const ConvGeometry&, const T*, T*, int64_t*);        \
  template void adaptive_max_pool_backward<T>(const ConvGeometry&, const T*, const int64_t*, T*); \
  template void max_unpool_forward<T>(int64_t, int64_t, int64_t, const T*, const int64_t*, T*);   \
  template void max_unpool_backward<T>(int64_t, int64_t, int64_t, const T*, const int64_t*, T*);
TG_POOL_INSTANTIATE(float)
TG_POOL_INSTANTIATE(double)
#undef TG_POOL_INSTANTIATE

}  // namespace tg::kernels
