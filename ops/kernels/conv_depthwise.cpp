// Depthwise convolution (see conv_depthwise.h): per plane, a padded copy of the source in
// a thread-local buffer, then the vector loops of conv_depthwise_simd.h over the whole
// plane, one source pointer per kernel tap.
#include "ops/kernels/conv_depthwise.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "ops/kernels/conv_depthwise_simd.h"
#include "ops/kernels/conv_im2col.h"

namespace tg::kernels {

namespace depthwise_simd {
// The x86-64 baseline needs no extra flags, so this unit compiles it.
const Kernels& sse2_kernels() {
  static const Kernels kernels = impl::kernels<xsimd::sse2>();
  return kernels;
}
}  // namespace depthwise_simd

namespace {

using conv_detail::ScratchLease;
using depthwise_simd::TapPass;

struct PlaneTag {};
struct TapsTag {};
struct WeightsTag {};
struct RowsTag {};
struct SumsTag {};

const depthwise_simd::Kernels& vector_kernels() {
  static const depthwise_simd::Kernels* kernels = [] {
    const auto isa = xsimd::available_architectures();
    if (isa.avx512bw) return &depthwise_simd::avx512_kernels();
    if (isa.fma3_avx2) return &depthwise_simd::avx2_kernels();
    return &depthwise_simd::sse2_kernels();
  }();
  return *kernels;
}

// Rows are padded to whole 64-byte vectors of the widest instruction set.
template <class T>
constexpr int64_t kRowMultiple = 64 / static_cast<int64_t>(sizeof(T));

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Multiply-adds one task should hold at least, so tiny planes do not drown in scheduling.
constexpr int64_t kTaskWork = int64_t{1} << 16;

// Runs body(i) for i in [0, count), several per task when each is small. Every i writes
// its own outputs, so the split does not change results.
template <class Body>
void for_each_plane(int64_t count, int64_t work_each, const Body& body) {
  const int64_t grain = std::max<int64_t>(1, kTaskWork / std::max<int64_t>(1, work_each));
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(
        tbb::blocked_range<int64_t>(0, count, grain),
        [&](const tbb::blocked_range<int64_t>& r) {
          for (int64_t i = r.begin(); i < r.end(); ++i) body(i);
        },
        tbb::simple_partitioner());
  });
}

// The padded input plane: rows (d, h) of the padded input that some tap reads, each split
// by stride phase along the width: padded column c sits at (c % sw) * phase_len + c / sw.
struct PaddedInput {
  int64_t rows_d, rows_h, phase_len, row_len;
  int64_t size() const { return rows_d * rows_h * row_len; }
};

template <class T>
PaddedInput padded_input_layout(const ConvGeometry& g) {
  PaddedInput l;
  l.rows_d = (g.out[0] - 1) * g.stride[0] + (g.kernel[0] - 1) * g.dilation[0] + 1;
  l.rows_h = (g.out[1] - 1) * g.stride[1] + (g.kernel[1] - 1) * g.dilation[1] + 1;
  // Reads reach column round_up(out) - 1 + the largest tap shift within a phase.
  l.phase_len = round_up(g.out[2], kRowMultiple<T>) +
                (g.kernel[2] - 1) * g.dilation[2] / g.stride[2];
  l.row_len = g.stride[2] * l.phase_len;
  return l;
}

template <class T>
void fill_padded_input(const ConvGeometry& g, const PaddedInput& l, const T* x, T* buf) {
  const int64_t ID = g.in[0], IH = g.in[1], IW = g.in[2];
  const int64_t sw = g.stride[2], pw = g.pad[2];
  for (int64_t dp = 0; dp < l.rows_d; ++dp) {
    const int64_t id = dp - g.pad[0];
    for (int64_t hp = 0; hp < l.rows_h; ++hp) {
      const int64_t ih = hp - g.pad[1];
      T* row = buf + (dp * l.rows_h + hp) * l.row_len;
      if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
        std::fill(row, row + l.row_len, T(0));
        continue;
      }
      const T* src = x + (id * IH + ih) * IW;
      if (sw == 1) {  // padded column c holds input column c - pw
        const int64_t lo = std::min(pw, l.row_len), hi = std::min(pw + IW, l.row_len);
        std::fill(row, row + lo, T(0));
        std::copy(src, src + (hi - lo), row + lo);
        std::fill(row + hi, row + l.row_len, T(0));
        continue;
      }
      for (int64_t r = 0; r < sw; ++r) {
        T* phase = row + r * l.phase_len;
        for (int64_t j = 0; j < l.phase_len; ++j) {
          const int64_t iw = j * sw + r - pw;
          phase[j] = iw >= 0 && iw < IW ? src[iw] : T(0);
        }
      }
    }
  }
}

// Tap t = (kd, kh, kw) of output row (od, oh) reads padded row (od*sd + kd*dd, oh*sh + kh*dh)
// at column ow*sw + kw*dw.
template <class T>
TapPass<T> input_taps(const ConvGeometry& g, const PaddedInput& l, const T* buf, const T** taps,
                      int64_t width) {
  int64_t t = 0;
  for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
    for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
      for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
        const int64_t c = kw * g.dilation[2];
        taps[t++] = buf + (kd * g.dilation[0] * l.rows_h + kh * g.dilation[1]) * l.row_len +
                    c % g.stride[2] * l.phase_len + c / g.stride[2];
      }
  return {taps, t, g.out[0], g.out[1], width, g.stride[0] * l.rows_h * l.row_len,
          g.stride[1] * l.row_len};
}

// The output gradient spread out by the stride and padded so that the input gradient is a
// plain correlation with the flipped kernel: along each dim, buffer index i + (k-1-t)*dil
// feeds input position i through tap t, and holds gy[o] when i + (k-1-t)*dil equals
// o*stride + lead with lead = (k-1)*dil - pad (zero elsewhere).
struct SpreadGradient {
  int64_t rows_d, rows_h, width, row_len;
  int64_t lead[3];
  int64_t size() const { return rows_d * rows_h * row_len; }
};

template <class T>
SpreadGradient spread_gradient_layout(const ConvGeometry& g) {
  SpreadGradient l;
  l.rows_d = g.in[0] + (g.kernel[0] - 1) * g.dilation[0];
  l.rows_h = g.in[1] + (g.kernel[1] - 1) * g.dilation[1];
  l.width = g.in[2] + (g.kernel[2] - 1) * g.dilation[2];
  l.row_len = round_up(g.in[2], kRowMultiple<T>) + (g.kernel[2] - 1) * g.dilation[2];
  for (int d = 0; d < 3; ++d) l.lead[d] = (g.kernel[d] - 1) * g.dilation[d] - g.pad[d];
  return l;
}

template <class T>
void fill_spread_gradient(const ConvGeometry& g, const SpreadGradient& l, const T* gy, T* buf) {
  std::fill(buf, buf + l.size(), T(0));
  const int64_t OH = g.out[1], OW = g.out[2], sw = g.stride[2];
  // Outputs ow whose column ow*sw + lead lands in [0, width).
  const int64_t ow_lo = l.lead[2] >= 0 ? 0 : (-l.lead[2] + sw - 1) / sw;
  const int64_t reach = l.width - l.lead[2];
  const int64_t ow_hi = std::min(OW, reach <= 0 ? 0 : (reach - 1) / sw + 1);
  for (int64_t od = 0; od < g.out[0]; ++od) {
    const int64_t jd = od * g.stride[0] + l.lead[0];
    if (jd < 0 || jd >= l.rows_d) continue;
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t jh = oh * g.stride[1] + l.lead[1];
      if (jh < 0 || jh >= l.rows_h) continue;
      T* row = buf + (jd * l.rows_h + jh) * l.row_len;
      const T* src = gy + (od * OH + oh) * OW;
      if (sw == 1) {
        if (ow_hi > ow_lo) std::copy(src + ow_lo, src + ow_hi, row + ow_lo + l.lead[2]);
      } else {
        for (int64_t ow = ow_lo; ow < ow_hi; ++ow) row[ow * sw + l.lead[2]] = src[ow];
      }
    }
  }
}

template <class T>
TapPass<T> spread_taps(const ConvGeometry& g, const SpreadGradient& l, const T* buf,
                       const T** taps) {
  int64_t t = 0;
  for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
    for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
      for (int64_t kw = 0; kw < g.kernel[2]; ++kw)
        taps[t++] = buf + (kd * g.dilation[0] * l.rows_h + kh * g.dilation[1]) * l.row_len +
                    kw * g.dilation[2];
  return {taps, t, g.in[0], g.in[1], g.in[2], l.rows_h * l.row_len, l.row_len};
}

void check_depthwise(const char* fn, const ConvGeometry& g) {
  check_conv_geometry(fn, g);
  if (!conv_is_depthwise(g)) {
    throw std::invalid_argument(std::string(fn) + ": needs groups == in_channels > 1, got groups=" +
                                std::to_string(g.groups) +
                                ", in_channels=" + std::to_string(g.in_channels));
  }
}

}  // namespace

bool conv_is_depthwise(const ConvGeometry& g) {
  return g.groups > 1 && g.groups == g.in_channels && g.out_channels % g.groups == 0;
}

bool conv_depthwise_fits(const ConvGeometry& g, int64_t element_bytes) {
  // The larger of the two plane buffers, in elements; double avoids any overflow.
  const double padded = static_cast<double>(padded_input_layout<double>(g).size());
  const double spread = static_cast<double>(spread_gradient_layout<double>(g).size());
  return std::max(padded, spread) * static_cast<double>(element_bytes) <=
         static_cast<double>(int64_t{64} << 20);
}

const char* conv_depthwise_isa_name() { return vector_kernels().isa; }

template <class T>
void conv_forward_depthwise(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  const char* fn = "conv_forward_depthwise";
  check_depthwise(fn, g);
  if (g.batch == 0) return;
  check_conv_pointer(fn, "x", x);
  check_conv_pointer(fn, "w", w);
  check_conv_pointer(fn, "y", y);
  const auto& kernels = vector_kernels().get<T>();
  const int64_t channels = g.in_channels, mult = g.out_per_group(), taps = g.kernel_spatial();
  const int64_t P = g.out_spatial(), Q = g.in_spatial();
  const PaddedInput layout = padded_input_layout<T>(g);

  for_each_plane(g.batch * channels, mult * P * taps, [&](int64_t plane) {
    const int64_t n = plane / channels, c = plane % channels;
    ScratchLease<T, PlaneTag> buf(layout.size());
    ScratchLease<const T*, TapsTag> tap_ptrs(taps);
    fill_padded_input(g, layout, x + plane * Q, buf.data());
    const TapPass<T> pass = input_taps(g, layout, buf.data(), tap_ptrs.data(), g.out[2]);
    for (int64_t m = 0; m < mult; ++m) {
      const int64_t co = c * mult + m;
      kernels.tap_sums(pass, w + co * taps, bias ? bias[co] : T(0), false,
                       y + (n * g.out_channels + co) * P, g.out[2]);
    }
  });
}

template <class T>
void conv_backward_input_depthwise(const ConvGeometry& g, const T* gy, const T* w, T* gx) {
  const char* fn = "conv_backward_input_depthwise";
  check_depthwise(fn, g);
  if (g.batch == 0) return;
  check_conv_pointer(fn, "gy", gy);
  check_conv_pointer(fn, "w", w);
  check_conv_pointer(fn, "gx", gx);
  const auto& kernels = vector_kernels().get<T>();
  const int64_t channels = g.in_channels, mult = g.out_per_group(), taps = g.kernel_spatial();
  const int64_t P = g.out_spatial(), Q = g.in_spatial();
  const SpreadGradient layout = spread_gradient_layout<T>(g);

  for_each_plane(g.batch * channels, mult * Q * taps, [&](int64_t plane) {
    const int64_t n = plane / channels, c = plane % channels;
    ScratchLease<T, PlaneTag> buf(layout.size());
    ScratchLease<const T*, TapsTag> tap_ptrs(taps);
    ScratchLease<T, WeightsTag> flipped(taps);
    const TapPass<T> pass = spread_taps(g, layout, buf.data(), tap_ptrs.data());
    for (int64_t m = 0; m < mult; ++m) {
      const int64_t co = c * mult + m;
      fill_spread_gradient(g, layout, gy + (n * g.out_channels + co) * P, buf.data());
      // Flipping all three kernel dims reverses the flat tap order.
      std::reverse_copy(w + co * taps, w + (co + 1) * taps, flipped.data());
      kernels.tap_sums(pass, flipped.data(), T(0), m > 0, gx + plane * Q, g.in[2]);
    }
  });
}

template <class T>
void conv_backward_weight_depthwise(const ConvGeometry& g, const T* x, const T* gy, T* gw) {
  const char* fn = "conv_backward_weight_depthwise";
  check_depthwise(fn, g);
  const int64_t channels = g.in_channels, mult = g.out_per_group(), taps = g.kernel_spatial();
  check_conv_pointer(fn, "gw", gw);
  if (g.batch == 0) {
    std::fill(gw, gw + g.out_channels * taps, T(0));
    return;
  }
  check_conv_pointer(fn, "x", x);
  check_conv_pointer(fn, "gy", gy);
  const auto& kernels = vector_kernels().get<T>();
  const int64_t P = g.out_spatial(), Q = g.in_spatial();
  const int64_t OW = g.out[2], row_len = round_up(OW, kRowMultiple<T>);
  const int64_t rows = g.out[0] * g.out[1];
  const PaddedInput layout = padded_input_layout<T>(g);

  // One task per input channel: it owns the mult kernels of that channel.
  for_each_plane(channels, g.batch * mult * P * taps, [&](int64_t c) {
    ScratchLease<T, PlaneTag> buf(layout.size());
    ScratchLease<const T*, TapsTag> tap_ptrs(taps);
    ScratchLease<T, RowsTag> gy_rows(rows * row_len);
    ScratchLease<double, SumsTag> sums(mult * taps);
    std::fill(sums.data(), sums.data() + mult * taps, 0.0);
    const TapPass<T> pass = input_taps(g, layout, buf.data(), tap_ptrs.data(), row_len);
    for (int64_t n = 0; n < g.batch; ++n) {
      fill_padded_input(g, layout, x + (n * channels + c) * Q, buf.data());
      for (int64_t m = 0; m < mult; ++m) {
        const int64_t co = c * mult + m;
        // The output gradient with rows padded by zeros to whole vectors.
        const T* src = gy + (n * g.out_channels + co) * P;
        for (int64_t r = 0; r < rows; ++r) {
          T* dst = gy_rows.data() + r * row_len;
          std::copy(src + r * OW, src + (r + 1) * OW, dst);
          std::fill(dst + OW, dst + row_len, T(0));
        }
        kernels.tap_dots(pass, gy_rows.data(), row_len, sums.data() + m * taps);
      }
    }
    for (int64_t i = 0; i < mult * taps; ++i)
      gw[c * mult * taps + i] = static_cast<T>(sums.data()[i]);
  });
}

TG_CONV_DEPTHWISE_DECLARE(, float)
TG_CONV_DEPTHWISE_DECLARE(, double)

}  // namespace tg::kernels
