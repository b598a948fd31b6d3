// Nearest and linear upsampling. Source positions and weights are computed once per
// dim; the kernels then walk the output (forward) or the input (backward gathers).
#include "ops/kernels/resample.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace tg::kernels {
namespace {

std::string geometry_str(const ResampleGeometry& g) {
  auto dims = [](const auto& a) {
    return "[" + std::to_string(a[0]) + ", " + std::to_string(a[1]) + ", " + std::to_string(a[2]) +
           "]";
  };
  return "(batch=" + std::to_string(g.batch) + ", channels=" + std::to_string(g.channels) +
         ", in=" + dims(g.in) + ", out=" + dims(g.out) + ", scale=" + dims(g.scale) + ")";
}

void check_geometry(const char* fn, const ResampleGeometry& g) {
  auto fail = [&](const std::string& what) {
    throw std::invalid_argument(std::string(fn) + ": " + what + " in geometry " + geometry_str(g));
  };
  if (g.batch < 0 || g.channels < 0) fail("batch and channels must be >= 0");
  for (int d = 0; d < 3; ++d) {
    if (g.in[d] < 1 || g.out[d] < 1) fail("spatial sizes must be >= 1");
    if (!(g.scale[d] >= 0.0) || !std::isfinite(g.scale[d])) {
      fail("scales must be finite and >= 0 (0 = none)");
    }
  }
}

void check_pointers(const char* fn, const void* in, const void* out) {
  if (in == nullptr || out == nullptr) {
    throw std::invalid_argument(std::string(fn) + ": input and output must not be null");
  }
}

// One task per group of planes; planes never interact, so the split changes no bit.
template <class Body>
void for_planes(int64_t planes, int64_t elements_per_plane, Body body) {
  if (planes <= 0) return;
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, elements_per_plane));
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, planes, grain),
      [&](const tbb::blocked_range<int64_t>& r) {
        for (int64_t p = r.begin(); p < r.end(); ++p) body(p);
      },
      tbb::simple_partitioner());
}

// For each input position along one dim, the (output position, weight) pairs that read
// it, ordered by output position and then by tap.
template <class T>
struct Readers {
  std::vector<int64_t> begin;
  std::vector<int64_t> outs;
  std::vector<T> weights;
};

template <class T, class Taps>  // taps(o, emit) calls emit(i, weight) per tap of o
Readers<T> build_readers(int64_t in, int64_t out, Taps taps) {
  Readers<T> r;
  r.begin.assign(in + 1, 0);
  for (int64_t o = 0; o < out; ++o) taps(o, [&](int64_t i, T) { ++r.begin[i + 1]; });
  for (int64_t i = 0; i < in; ++i) r.begin[i + 1] += r.begin[i];
  r.outs.resize(r.begin[in]);
  r.weights.resize(r.begin[in]);
  std::vector<int64_t> next(r.begin.begin(), r.begin.end() - 1);
  for (int64_t o = 0; o < out; ++o) {
    taps(o, [&](int64_t i, T w) {
      r.outs[next[i]] = o;
      r.weights[next[i]++] = w;
    });
  }
  return r;
}

// Per-dim taps of the linear modes.
template <class T>
struct LinearDim {
  bool copy = false;  // in == out: the dim is copied
  std::vector<LinearTaps<T>> taps;
};

template <class T>
LinearDim<T> linear_dim(int64_t in, int64_t out, bool align_corners, double scale) {
  LinearDim<T> d;
  d.copy = in == out;
  d.taps.resize(out);
  for (int64_t o = 0; o < out; ++o) d.taps[o] = linear_source<T>(o, in, out, align_corners, scale);
  return d;
}

}  // namespace

int64_t nearest_source_index(int64_t dst, int64_t in, int64_t out, double scale) {
  if (out == in) return dst;
  if (out == 2 * in) return dst >> 1;
  // PyTorch computes this in float whatever the tensor's type.
  const float ratio = scale > 0.0 ? static_cast<float>(1.0 / scale)
                                  : static_cast<float>(in) / static_cast<float>(out);
  const float src = std::floor(static_cast<float>(dst) * ratio);
  return std::min(static_cast<int64_t>(src), in - 1);
}

template <class T>
LinearTaps<T> linear_source(int64_t dst, int64_t in, int64_t out, bool align_corners,
                            double scale) {
  LinearTaps<T> t;
  if (in == out) {
    t.index0 = t.index1 = dst;
    return t;
  }
  // The ratio is computed in T, the source coordinate in double (PyTorch's CPU
  // accumulate type for both float and double).
  T ratio;
  if (align_corners) {
    ratio = out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  } else {
    ratio = scale > 0.0 ? static_cast<T>(1.0 / scale) : static_cast<T>(in) / static_cast<T>(out);
  }
  double src;
  if (align_corners) {
    src = static_cast<double>(ratio) * static_cast<double>(dst);
  } else {
    src = static_cast<double>(ratio) * (static_cast<double>(dst) + 0.5) - 0.5;
    if (src < 0.0) src = 0.0;
  }
  t.index0 = static_cast<int64_t>(src);
  t.index1 = t.index0 + (t.index0 < in - 1 ? 1 : 0);
  t.weight1 = static_cast<T>(src - static_cast<double>(t.index0));
  t.weight0 = T(1) - t.weight1;
  return t;
}

template <class T>
void upsample_nearest_forward(const ResampleGeometry& g, const T* x, T* y) {
  const char* fn = "upsample_nearest_forward";
  check_geometry(fn, g);
  if (g.planes() == 0) return;
  check_pointers(fn, x, y);
  std::vector<int64_t> src[3];
  for (int d = 0; d < 3; ++d) {
    src[d].resize(g.out[d]);
    for (int64_t o = 0; o < g.out[d]; ++o) {
      src[d][o] = nearest_source_index(o, g.in[d], g.out[d], g.scale[d]);
    }
  }
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  const int64_t IH = g.in[1], IW = g.in[2];
  for_planes(g.planes(), out_plane, [&](int64_t plane) {
    const T* xp = x + plane * in_plane;
    T* yp = y + plane * out_plane;
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh) {
        const T* xr = xp + (src[0][od] * IH + src[1][oh]) * IW;
        for (int64_t ow = 0; ow < g.out[2]; ++ow) *yp++ = xr[src[2][ow]];
      }
  });
}

template <class T>
void upsample_nearest_backward(const ResampleGeometry& g, const T* gy, T* gx) {
  const char* fn = "upsample_nearest_backward";
  check_geometry(fn, g);
  if (g.planes() == 0) return;
  check_pointers(fn, gy, gx);
  // Each input position is read by a contiguous run of output positions.
  std::vector<int64_t> first[3], last[3];
  for (int d = 0; d < 3; ++d) {
    first[d].assign(g.in[d], 0);
    last[d].assign(g.in[d], 0);
    for (int64_t o = g.out[d] - 1; o >= 0; --o) {
      first[d][nearest_source_index(o, g.in[d], g.out[d], g.scale[d])] = o;
    }
    for (int64_t o = 0; o < g.out[d]; ++o) {
      last[d][nearest_source_index(o, g.in[d], g.out[d], g.scale[d])] = o + 1;
    }
  }
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  const int64_t OH = g.out[1], OW = g.out[2];
  for_planes(g.planes(), in_plane, [&](int64_t plane) {
    const T* gyp = gy + plane * out_plane;
    T* gxp = gx + plane * in_plane;
    for (int64_t id = 0; id < g.in[0]; ++id)
      for (int64_t ih = 0; ih < g.in[1]; ++ih)
        for (int64_t iw = 0; iw < g.in[2]; ++iw) {
          T acc = T(0);
          for (int64_t od = first[0][id]; od < last[0][id]; ++od)
            for (int64_t oh = first[1][ih]; oh < last[1][ih]; ++oh) {
              const T* gr = gyp + (od * OH + oh) * OW;
              for (int64_t ow = first[2][iw]; ow < last[2][iw]; ++ow) acc += gr[ow];
            }
          *gxp++ = acc;
        }
  });
}

template <class T>
void upsample_linear_forward(const ResampleGeometry& g, bool align_corners, const T* x, T* y) {
  const char* fn = "upsample_linear_forward";
  check_geometry(fn, g);
  if (g.planes() == 0) return;
  check_pointers(fn, x, y);
  LinearDim<T> dims[3];
  for (int d = 0; d < 3; ++d) dims[d] = linear_dim<T>(g.in[d], g.out[d], align_corners, g.scale[d]);
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  const int64_t IH = g.in[1], IW = g.in[2];

  // Interpolates along width, then height, then depth; copied dims take t0 alone. Each
  // blend t0 * w0 + t1 * w1 is rounded as PyTorch's compiled kernel does it,
  // fma(t0, w0, t1 * w1): linear and bilinear results match PyTorch bit for bit
  // (trilinear ones within a few ulps).
  auto along_w = [&](const T* row, int64_t ow) {
    const LinearTaps<T>& t = dims[2].taps[ow];
    if (dims[2].copy) return row[t.index0];
    return std::fma(row[t.index0], t.weight0, row[t.index1] * t.weight1);
  };
  auto along_h = [&](const T* slice, int64_t oh, int64_t ow) {
    const LinearTaps<T>& t = dims[1].taps[oh];
    const T v0 = along_w(slice + t.index0 * IW, ow);
    if (dims[1].copy) return v0;
    return std::fma(v0, t.weight0, along_w(slice + t.index1 * IW, ow) * t.weight1);
  };
  for_planes(g.planes(), out_plane, [&](int64_t plane) {
    const T* xp = x + plane * in_plane;
    T* yp = y + plane * out_plane;
    for (int64_t od = 0; od < g.out[0]; ++od) {
      const LinearTaps<T>& t = dims[0].taps[od];
      const T* slice0 = xp + t.index0 * IH * IW;
      const T* slice1 = xp + t.index1 * IH * IW;
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          const T v0 = along_h(slice0, oh, ow);
          *yp++ = dims[0].copy ? v0 : std::fma(v0, t.weight0, along_h(slice1, oh, ow) * t.weight1);
        }
    }
  });
}

template <class T>
void upsample_linear_backward(const ResampleGeometry& g, bool align_corners, const T* gy, T* gx) {
  const char* fn = "upsample_linear_backward";
  check_geometry(fn, g);
  if (g.planes() == 0) return;
  check_pointers(fn, gy, gx);
  Readers<T> readers[3];
  for (int d = 0; d < 3; ++d) {
    const LinearDim<T> dim = linear_dim<T>(g.in[d], g.out[d], align_corners, g.scale[d]);
    readers[d] = build_readers<T>(g.in[d], g.out[d], [&](int64_t o, auto emit) {
      const LinearTaps<T>& t = dim.taps[o];
      emit(t.index0, dim.copy ? T(1) : t.weight0);
      if (!dim.copy) emit(t.index1, t.weight1);
    });
  }
  const Readers<T>& rd = readers[0];
  const Readers<T>& rh = readers[1];
  const Readers<T>& rw = readers[2];
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  const int64_t OH = g.out[1], OW = g.out[2];
  // An entry run [a, b) of one reader list that shares its output position.
  auto run_end = [](const Readers<T>& r, int64_t a, int64_t end) {
    int64_t b = a + 1;
    while (b < end && r.outs[b] == r.outs[a]) ++b;
    return b;
  };
  // Contributions arrive as in PyTorch's scatter: output positions in raster order, and
  // for one output its taps in (depth, height, width) slot order, each term one fused
  // multiply-add of the weight product ((w_d * w_h) * w_w) and gy.
  for_planes(g.planes(), in_plane, [&](int64_t plane) {
    const T* gyp = gy + plane * out_plane;
    T* gxp = gx + plane * in_plane;
    for (int64_t id = 0; id < g.in[0]; ++id)
      for (int64_t ih = 0; ih < g.in[1]; ++ih)
        for (int64_t iw = 0; iw < g.in[2]; ++iw) {
          T acc = T(0);
          for (int64_t a0 = rd.begin[id]; a0 < rd.begin[id + 1];) {
            const int64_t a1 = run_end(rd, a0, rd.begin[id + 1]);
            for (int64_t b0 = rh.begin[ih]; b0 < rh.begin[ih + 1];) {
              const int64_t b1 = run_end(rh, b0, rh.begin[ih + 1]);
              const T* gr = gyp + (rd.outs[a0] * OH + rh.outs[b0]) * OW;
              for (int64_t c0 = rw.begin[iw]; c0 < rw.begin[iw + 1];) {
                const int64_t c1 = run_end(rw, c0, rw.begin[iw + 1]);
                const T grad = gr[rw.outs[c0]];
                for (int64_t a = a0; a < a1; ++a)
                  for (int64_t b = b0; b < b1; ++b)
                    for (int64_t c = c0; c < c1; ++c) {
                      acc = std::fma(rd.weights[a] * rh.weights[b] * rw.weights[c], grad, acc);
                    }
                c0 = c1;
              }
              b0 = b1;
            }
            a0 = a1;
          }
          *gxp++ = acc;
        }
  });
}

#define TG_RESAMPLE_INSTANTIATE(T)                                                       \
  template LinearTaps<T> linear_source<T>(int64_t, int64_t, int64_t, bool, double);      \
  template void upsample_nearest_forward<T>(const ResampleGeometry&, const T*, T*);      \
  template void upsample_nearest_backward<T>(const ResampleGeometry&, const T*, T*);     \
  template void upsample_linear_forward<T>(const ResampleGeometry&, bool, const T*, T*); \
  template void upsample_linear_backward<T>(const ResampleGeometry&, bool, const T*, T*);
TG_RESAMPLE_INSTANTIATE(float)
TG_RESAMPLE_INSTANTIATE(double)
#undef TG_RESAMPLE_INSTANTIATE

}  // namespace tg::kernels
