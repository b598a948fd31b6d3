// Reference convolution loops. For every (input plane, output plane, tap) triple the
// kernels walk the output positions whose tap lands inside the input, so the innermost
// loop is a plain strided axpy with no bounds checks.
#include "ops/kernels/conv_reference.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tg::kernels {
namespace {

// Output positions [lo, hi) of one dim whose tap o*stride + offset lies in [0, in).
struct Span {
  int64_t lo = 0;
  int64_t hi = 0;
};

Span valid_outputs(int64_t offset, int64_t stride, int64_t in, int64_t out) {
  const int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int64_t last = in - 1 - offset;  // largest o*stride allowed
  const int64_t hi = last < 0 ? 0 : std::min(out, last / stride + 1);
  return {std::min(lo, hi), hi};
}

// Per-tap spans and input offsets of all three dims for tap (kd, kh, kw).
struct TapWindow {
  Span span[3];
  int64_t offset[3];
};

TapWindow tap_window(const ConvGeometry& g, int64_t kd, int64_t kh, int64_t kw) {
  TapWindow t;
  const int64_t k[3] = {kd, kh, kw};
  for (int d = 0; d < 3; ++d) {
    t.offset[d] = k[d] * g.dilation[d] - g.pad[d];
    t.span[d] = valid_outputs(t.offset[d], g.stride[d], g.in[d], g.out[d]);
  }
  return t;
}

// Number of planes handed to one task: aims at ~64k multiply-adds so tiny problems do
// not drown in scheduling. Results do not depend on it (one task owns each plane).
int64_t plane_grain(int64_t work_per_plane) {
  return std::max<int64_t>(1, 65536 / std::max<int64_t>(1, work_per_plane));
}

}  // namespace

template <class T>
void conv_forward_ref(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  const char* fn = "conv_forward_ref";
  check_conv_geometry(fn, g);
  if (g.batch == 0) return;
  check_conv_pointer(fn, "x", x);
  check_conv_pointer(fn, "w", w);
  check_conv_pointer(fn, "y", y);

  const int64_t in_pg = g.in_per_group(), out_pg = g.out_per_group();
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  const int64_t taps = g.kernel_spatial();
  const int64_t OH = g.out[1], OW = g.out[2], IH = g.in[1], IW = g.in[2];
  const int64_t sd = g.stride[0], sh = g.stride[1], sw = g.stride[2];

  auto body = [&](const tbb::blocked_range<int64_t>& r) {
    for (int64_t plane = r.begin(); plane < r.end(); ++plane) {
      const int64_t n = plane / g.out_channels, co = plane % g.out_channels;
      T* yp = y + plane * out_plane;
      std::fill(yp, yp + out_plane, bias ? bias[co] : T(0));
      const int64_t ci0 = (co / out_pg) * in_pg;
      for (int64_t cl = 0; cl < in_pg; ++cl) {
        const T* xp = x + (n * g.in_channels + ci0 + cl) * in_plane;
        const T* wp = w + (co * in_pg + cl) * taps;
        for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
          for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
            for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
              const T wv = *wp++;
              const TapWindow t = tap_window(g, kd, kh, kw);
              for (int64_t od = t.span[0].lo; od < t.span[0].hi; ++od) {
                const int64_t id = od * sd + t.offset[0];
                for (int64_t oh = t.span[1].lo; oh < t.span[1].hi; ++oh) {
                  const int64_t ih = oh * sh + t.offset[1];
                  T* yr = yp + (od * OH + oh) * OW;
                  const T* xr = xp + (id * IH + ih) * IW + t.offset[2];
                  for (int64_t ow = t.span[2].lo; ow < t.span[2].hi; ++ow)
                    yr[ow] += wv * xr[ow * sw];
                }
              }
            }
      }
    }
  };
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, g.batch * g.out_channels,
                                                plane_grain(out_plane * taps * in_pg)),
                    body, tbb::simple_partitioner());
}

template <class T>
void conv_backward_input_ref(const ConvGeometry& g, const T* gy, const T* w, T* gx) {
  const char* fn = "conv_backward_input_ref";
  check_conv_geometry(fn, g);
  if (g.batch == 0) return;
  check_conv_pointer(fn, "gy", gy);
  check_conv_pointer(fn, "w", w);
  check_conv_pointer(fn, "gx", gx);

  const int64_t in_pg = g.in_per_group(), out_pg = g.out_per_group();
  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  const int64_t taps = g.kernel_spatial();
  const int64_t OH = g.out[1], OW = g.out[2], IH = g.in[1], IW = g.in[2];
  const int64_t sd = g.stride[0], sh = g.stride[1], sw = g.stride[2];

  auto body = [&](const tbb::blocked_range<int64_t>& r) {
    for (int64_t plane = r.begin(); plane < r.end(); ++plane) {
      const int64_t n = plane / g.in_channels, ci = plane % g.in_channels;
      const int64_t cl = ci % in_pg, co0 = (ci / in_pg) * out_pg;
      T* gxp = gx + plane * in_plane;
      std::fill(gxp, gxp + in_plane, T(0));
      for (int64_t co = co0; co < co0 + out_pg; ++co) {
        const T* gyp = gy + (n * g.out_channels + co) * out_plane;
        const T* wp = w + (co * in_pg + cl) * taps;
        for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
          for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
            for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
              const T wv = *wp++;
              const TapWindow t = tap_window(g, kd, kh, kw);
              // Each input element meets this tap in at most one output position, so the
              // walk below adds exactly one term per (element, c_out, tap).
              for (int64_t od = t.span[0].lo; od < t.span[0].hi; ++od) {
                const int64_t id = od * sd + t.offset[0];
                for (int64_t oh = t.span[1].lo; oh < t.span[1].hi; ++oh) {
                  const int64_t ih = oh * sh + t.offset[1];
                  T* gr = gxp + (id * IH + ih) * IW + t.offset[2];
                  const T* gyr = gyp + (od * OH + oh) * OW;
                  for (int64_t ow = t.span[2].lo; ow < t.span[2].hi; ++ow)
                    gr[ow * sw] += wv * gyr[ow];
                }
              }
            }
      }
    }
  };
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, g.batch * g.in_channels,
                                                plane_grain(out_plane * taps * out_pg)),
                    body, tbb::simple_partitioner());
}

template <class T>
void conv_backward_weight_ref(const ConvGeometry& g, const T* x, const T* gy, T* gw) {
  const char* fn = "conv_backward_weight_ref";
  check_conv_geometry(fn, g);
  const int64_t in_pg = g.in_per_group(), out_pg = g.out_per_group();
  const int64_t taps = g.kernel_spatial();
  check_conv_pointer(fn, "gw", gw);
  if (g.batch == 0) {
    std::fill(gw, gw + g.out_channels * in_pg * taps, T(0));
    return;
  }
  check_conv_pointer(fn, "x", x);
  check_conv_pointer(fn, "gy", gy);

  const int64_t in_plane = g.in_spatial(), out_plane = g.out_spatial();
  const int64_t OH = g.out[1], OW = g.out[2], IH = g.in[1], IW = g.in[2];
  const int64_t sd = g.stride[0], sh = g.stride[1], sw = g.stride[2];

  // One task owns the kernel of one (c_out, c_in-within-group) pair.
  auto body = [&](const tbb::blocked_range<int64_t>& r) {
    for (int64_t pair = r.begin(); pair < r.end(); ++pair) {
      const int64_t co = pair / in_pg, cl = pair % in_pg;
      const int64_t ci = (co / out_pg) * in_pg + cl;
      T* gwp = gw + pair * taps;
      for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
        for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
          for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
            const TapWindow t = tap_window(g, kd, kh, kw);
            double acc = 0.0;
            for (int64_t n = 0; n < g.batch; ++n) {
              const T* xp = x + (n * g.in_channels + ci) * in_plane;
              const T* gyp = gy + (n * g.out_channels + co) * out_plane;
              for (int64_t od = t.span[0].lo; od < t.span[0].hi; ++od) {
                const int64_t id = od * sd + t.offset[0];
                for (int64_t oh = t.span[1].lo; oh < t.span[1].hi; ++oh) {
                  const int64_t ih = oh * sh + t.offset[1];
                  const T* xr = xp + (id * IH + ih) * IW + t.offset[2];
                  const T* gyr = gyp + (od * OH + oh) * OW;
                  for (int64_t ow = t.span[2].lo; ow < t.span[2].hi; ++ow)
                    acc += static_cast<double>(gyr[ow]) * static_cast<double>(xr[ow * sw]);
                }
              }
            }
            *gwp++ = static_cast<T>(acc);
          }
    }
  };
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, g.out_channels * in_pg,
                                                plane_grain(g.batch * out_plane * taps)),
                    body, tbb::simple_partitioner());
}

template void conv_forward_ref<float>(const ConvGeometry&, const float*, const float*, const float*,
                                      float*);
template void conv_forward_ref<double>(const ConvGeometry&, const double*, const double*,
                                       const double*, double*);
template void conv_backward_input_ref<float>(const ConvGeometry&, const float*, const float*,
                                             float*);
template void conv_backward_input_ref<double>(const ConvGeometry&, const double*, const double*,
                                              double*);
template void conv_backward_weight_ref<float>(const ConvGeometry&, const float*, const float*,
                                              float*);
template void conv_backward_weight_ref<double>(const ConvGeometry&, const double*, const double*,
                                               double*);

}  // namespace tg::kernels
