// Depthwise convolution (see conv_depthwise.h): per plane, a padded copy of the source in
// a thread-local buffer, then the vector loops of conv_depthwise_simd.h over the whole
// plane, one source pointer per kernel tap.
#include "ops/kernels/conv_depthwise.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

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

// Runs body(begin, end) over ranges covering [0, count), several items per task when each
// is small (the body sets up its buffers once per range). Every item writes its own
// outputs, so the split does not change results.
template <class Body>
void for_each_plane_range(int64_t count, int64_t work_each, const Body& body) {
  const int64_t grain = std::max<int64_t>(1, kTaskWork / std::max<int64_t>(1, work_each));
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(
        tbb::blocked_range<int64_t>(0, count, grain),
        [&](const tbb::blocked_range<int64_t>& r) { body(r.begin(), r.end()); },
        tbb::simple_partitioner());
  });
}

// Copies n elements, short runs as fixed-size blocks, the last one overlapping the one
// before: the rows of small planes are a few elements long, too short to pay for a call to
// memmove.
template <class T>
void copy_short(const T* src, int64_t n, T* dst) {
  if (n > 32) {
    std::copy(src, src + n, dst);
    return;
  }
  auto block = [&](int64_t at, auto size) {
    std::memcpy(dst + at, src + at, decltype(size)::value * sizeof(T));
  };
  using Eight = std::integral_constant<int64_t, 8>;
  using Four = std::integral_constant<int64_t, 4>;
  using Two = std::integral_constant<int64_t, 2>;
  if (n >= 8) {
    for (int64_t j = 0; j + 8 <= n; j += 8) block(j, Eight());
    if (n % 8) block(n - 8, Eight());
  } else if (n >= 4) {
    block(0, Four());
    block(n - 4, Four());
  } else if (n >= 2) {
    block(0, Two());
    block(n - 2, Two());
  } else if (n == 1) {
    dst[0] = src[0];
  }
}

// count elements copied from src (every src_step-th) to dst (every dst_step-th), offsets
// relative to a plane and its buffer.
struct CopyRun {
  int64_t dst, src, count, dst_step, src_step;
};

// Copies the runs of one plane. In flat mode the buffers are small and their zeros stay in
// place from plane to plane, so only these elements are written.
template <class T>
void copy_runs(const std::vector<CopyRun>& runs, const T* src, T* dst) {
  for (const CopyRun& r : runs) {
    const T* s = src + r.src;
    T* d = dst + r.dst;
    if (r.dst_step == 1 && r.src_step == 1) {
      copy_short(s, r.count, d);
    } else {
      for (int64_t j = 0; j < r.count; ++j) d[j * r.dst_step] = s[j * r.src_step];
    }
  }
}

// Output rows narrower than this many bytes are computed in flat mode: a whole plane as
// one long row (see PaddedInput), because a row of its own would fill a single, mostly
// empty vector and pay the per-row overhead for a handful of lanes.
constexpr int64_t kFlatBelowBytes = 128;

// True when the plane loops of g may treat a plane whose kernel output rows are `width`
// elements wide as one flat row: a 2-d plane (one depth, nothing to step over along d)
// with narrow rows.
template <class T>
bool use_flat_plane(const ConvGeometry& g, int64_t width) {
  const bool planar = g.in[0] == 1 && g.out[0] == 1 && g.kernel[0] == 1 && g.pad[0] == 0;
  return planar && width * static_cast<int64_t>(sizeof(T)) < kFlatBelowBytes;
}

// The padded input plane: rows (d, h) of the padded input that some tap reads, each split
// by stride phase along the width: padded column c of the row in slot s sits at
// s * row_len + (c % sw) * phase_step + c / sw.
//
// Row mode: row h of the padded input in slot h, each row its sw phases one after another
// (phase_step = phase_len, row_len = sw * phase_len), phases rounded up to whole vectors;
// one output row per pass row. Flat mode: phases exactly as long as the reads need, rows
// grouped by stride phase along the height too (row h in slot
// (h % sh) * slots_per_phase + h / sh), so that output row oh + 1 reads, for every tap, the
// slot after the one row oh reads; and each width phase of all rows together
// (row_len = phase_len, phase_step = slots * phase_len), so that consecutive slots of a
// phase are contiguous. The plane is then one output row of flat_width elements, output
// (oh, ow) at oh * row_len + ow; the columns ow >= out[2] in between are computed and
// thrown away.
struct PaddedInput {
  bool flat;
  int64_t rows_d, rows_h;  // padded rows some tap reads
  int64_t row_phases, slots_per_phase;
  int64_t phase_len, phase_step, row_len;
  int64_t flat_width;
  int64_t body;  // elements holding the slots
  int64_t tail;  // zeros after them, which flat reads run into
  int64_t slots() const { return row_phases * slots_per_phase; }
  int64_t slot(int64_t h) const { return h % row_phases * slots_per_phase + h / row_phases; }
  int64_t size() const { return body + tail; }
};

// Offset of tap (kd, kh, kw) in the padded input buffer: the first element output (0, 0, 0)
// reads through it.
int64_t tap_offset(const ConvGeometry& g, const PaddedInput& l, int64_t kd, int64_t kh,
                   int64_t kw) {
  const int64_t c = kw * g.dilation[2];
  return (kd * g.dilation[0] * l.slots() + l.slot(kh * g.dilation[1])) * l.row_len +
         c % g.stride[2] * l.phase_step + c / g.stride[2];
}

template <class T>
PaddedInput padded_input_layout(const ConvGeometry& g) {
  PaddedInput l;
  l.flat = use_flat_plane<T>(g, g.out[2]);
  l.rows_d = (g.out[0] - 1) * g.stride[0] + (g.kernel[0] - 1) * g.dilation[0] + 1;
  l.rows_h = (g.out[1] - 1) * g.stride[1] + (g.kernel[1] - 1) * g.dilation[1] + 1;
  const int64_t shift_w = (g.kernel[2] - 1) * g.dilation[2] / g.stride[2];
  if (!l.flat) {
    l.row_phases = 1;
    l.slots_per_phase = l.rows_h;
    // Reads reach column round_up(out) - 1 + the largest tap shift within a phase.
    l.phase_len = round_up(g.out[2], kRowMultiple<T>) + shift_w;
    l.phase_step = l.phase_len;
    l.row_len = g.stride[2] * l.phase_len;
    l.body = l.rows_d * l.slots() * l.row_len;
    l.flat_width = 0;
    l.tail = 0;
    return l;
  }
  l.row_phases = g.stride[1];
  l.slots_per_phase = g.out[1] + (g.kernel[1] - 1) * g.dilation[1] / g.stride[1];
  l.phase_len = g.out[2] + shift_w;
  l.row_len = l.phase_len;
  l.phase_step = l.slots() * l.phase_len;
  l.body = g.stride[2] * l.phase_step;
  l.flat_width = (g.out[1] - 1) * l.row_len + g.out[2];
  // The weight gradient reads round_up(flat_width) elements through every tap.
  int64_t end = 0;
  for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
    for (int64_t kw = 0; kw < g.kernel[2]; ++kw)
      end = std::max(end, tap_offset(g, l, 0, kh, kw) + round_up(l.flat_width, kRowMultiple<T>));
  l.tail = std::max<int64_t>(0, end - l.body);
  return l;
}

// Row mode: one padded row from input row `src` (nullptr: a row of padding), split by width phase.
template <class T>
void fill_padded_row(const ConvGeometry& g, const PaddedInput& l, const T* src, T* row) {
  if (!src) {
    std::fill(row, row + l.row_len, T(0));
    return;
  }
  const int64_t IW = g.in[2], sw = g.stride[2], pw = g.pad[2];
  if (sw == 1) {  // padded column c holds input column c - pw
    const int64_t lo = std::min(pw, l.row_len), hi = std::min(pw + IW, l.row_len);
    std::fill(row, row + lo, T(0));
    std::copy(src, src + (hi - lo), row + lo);
    std::fill(row + hi, row + l.row_len, T(0));
    return;
  }
  for (int64_t r = 0; r < sw; ++r) {
    T* phase = row + r * l.phase_len;
    for (int64_t j = 0; j < l.phase_len; ++j) {
      const int64_t iw = j * sw + r - pw;
      phase[j] = iw >= 0 && iw < IW ? src[iw] : T(0);
    }
  }
}

// Row mode: the whole padded plane, padding included (slot h holds padded row h).
template <class T>
void fill_padded_input(const ConvGeometry& g, const PaddedInput& l, const T* x, T* buf) {
  const int64_t ID = g.in[0], IH = g.in[1], IW = g.in[2];
  for (int64_t dp = 0; dp < l.rows_d; ++dp) {
    const int64_t id = dp - g.pad[0];
    for (int64_t hp = 0; hp < l.rows_h; ++hp) {
      const int64_t ih = hp - g.pad[1];
      const bool inside = id >= 0 && id < ID && ih >= 0 && ih < IH;
      fill_padded_row(g, l, inside ? x + (id * IH + ih) * IW : nullptr,
                      buf + (dp * l.rows_h + hp) * l.row_len);
    }
  }
}

// The input elements of a flat-mode padded plane (2-d: one depth), as copy runs.
std::vector<CopyRun> padded_input_runs(const ConvGeometry& g, const PaddedInput& l) {
  std::vector<CopyRun> runs;
  const int64_t IH = g.in[1], IW = g.in[2], sw = g.stride[2], pw = g.pad[2];
  for (int64_t s = 0; s < l.slots(); ++s) {
    const int64_t hp = s % l.slots_per_phase * l.row_phases + s / l.slots_per_phase;
    const int64_t ih = hp - g.pad[1];
    if (hp >= l.rows_h || ih < 0 || ih >= IH) continue;
    for (int64_t r = 0; r < sw; ++r) {
      // Phase r holds input columns j * sw + r - pw for j < phase_len.
      const int64_t j_lo = pw > r ? (pw - r + sw - 1) / sw : 0;
      const int64_t j_hi = std::min(l.phase_len, (IW - 1 - r + pw) / sw + 1);
      if (IW - 1 - r + pw < 0 || j_hi <= j_lo) continue;
      runs.push_back({s * l.row_len + r * l.phase_step + j_lo, ih * IW + j_lo * sw + r - pw,
                      j_hi - j_lo, 1, sw});
    }
  }
  return runs;
}

// Fills padded input planes one after another into one buffer: in flat mode the buffer is
// zeroed once and each plane writes only its input elements.
template <class T>
class PaddedPlanes {
 public:
  PaddedPlanes(const ConvGeometry& g, const PaddedInput& l)
      : g_(g), l_(l), runs_(l.flat ? padded_input_runs(g, l) : std::vector<CopyRun>()) {}

  void start(T* buf) const {
    if (l_.flat) std::fill(buf, buf + l_.size(), T(0));
  }
  void fill(const T* x, T* buf) const {
    if (l_.flat) {
      copy_runs(runs_, x, buf);
    } else {
      fill_padded_input(g_, l_, x, buf);
    }
  }

 private:
  const ConvGeometry& g_;
  const PaddedInput& l_;
  std::vector<CopyRun> runs_;
};

// Tap t = (kd, kh, kw) of output row (od, oh) reads padded row (od*sd + kd*dd, oh*sh + kh*dh)
// at column ow*sw + kw*dw. Flat mode: one pass row of `width` elements.
template <class T>
TapPass<T> input_taps(const ConvGeometry& g, const PaddedInput& l, const T* buf, const T** taps,
                      int64_t width) {
  int64_t t = 0;
  for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
    for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
      for (int64_t kw = 0; kw < g.kernel[2]; ++kw) taps[t++] = buf + tap_offset(g, l, kd, kh, kw);
  if (l.flat) return {taps, t, 1, 1, width, 0, 0};
  return {taps, t, g.out[0], g.out[1], width, g.stride[0] * l.slots() * l.row_len,
          g.stride[1] * l.row_len};
}

// Copies `rows` rows of `width` elements, `src_row` apart in src, into contiguous rows of dst:
// the wanted columns of a flat pass row.
template <class T>
void compact_rows(const T* src, int64_t src_row, int64_t rows, int64_t width, T* dst) {
  for (int64_t r = 0; r < rows; ++r)
    copy_short(src + r * src_row, width, dst + r * width);
}

// The output gradient spread out by the stride and padded so that the input gradient is a
// plain correlation with the flipped kernel: along each dim, buffer index i + (k-1-t)*dil
// feeds input position i through tap t, and holds gy[o] when i + (k-1-t)*dil equals
// o*stride + lead with lead = (k-1)*dil - pad (zero elsewhere).
// Row mode: rows rounded up to whole vectors, one input-gradient row per pass row. Flat
// mode (as for PaddedInput): rows exactly `width` long, the plane one pass row of
// flat_width elements, input (ih, iw) at ih * width + iw.
struct SpreadGradient {
  bool flat;
  int64_t rows_d, rows_h, width, row_len;
  int64_t flat_width;
  int64_t tail;  // zeros after the last row, which flat reads run into
  int64_t lead[3];
  int64_t size() const { return rows_d * rows_h * row_len + tail; }
};

template <class T>
SpreadGradient spread_gradient_layout(const ConvGeometry& g) {
  SpreadGradient l;
  l.rows_d = g.in[0] + (g.kernel[0] - 1) * g.dilation[0];
  l.rows_h = g.in[1] + (g.kernel[1] - 1) * g.dilation[1];
  l.width = g.in[2] + (g.kernel[2] - 1) * g.dilation[2];
  for (int d = 0; d < 3; ++d) l.lead[d] = (g.kernel[d] - 1) * g.dilation[d] - g.pad[d];
  l.flat = use_flat_plane<T>(g, g.in[2]);
  if (!l.flat) {
    l.row_len = round_up(g.in[2], kRowMultiple<T>) + (g.kernel[2] - 1) * g.dilation[2];
    l.flat_width = 0;
    l.tail = 0;
    return l;
  }
  l.row_len = l.width;
  l.flat_width = (g.in[1] - 1) * l.row_len + g.in[2];
  // The last tap starts at row (kH-1)*dh, column (kW-1)*dw; vector reads pass the end of
  // the flat row by less than one 64-byte vector.
  const int64_t last_tap = (g.kernel[1] - 1) * g.dilation[1] * l.row_len +
                           (g.kernel[2] - 1) * g.dilation[2];
  l.tail = std::max<int64_t>(
      0, last_tap + round_up(l.flat_width, kRowMultiple<T>) - l.rows_h * l.row_len);
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

// The output-gradient elements of a flat-mode spread plane (2-d: one depth), as copy runs.
std::vector<CopyRun> spread_gradient_runs(const ConvGeometry& g, const SpreadGradient& l) {
  std::vector<CopyRun> runs;
  const int64_t OW = g.out[2], sw = g.stride[2];
  const int64_t ow_lo = l.lead[2] >= 0 ? 0 : (-l.lead[2] + sw - 1) / sw;
  const int64_t reach = l.width - l.lead[2];
  const int64_t ow_hi = std::min(OW, reach <= 0 ? 0 : (reach - 1) / sw + 1);
  if (ow_hi <= ow_lo) return runs;
  for (int64_t oh = 0; oh < g.out[1]; ++oh) {
    const int64_t jh = oh * g.stride[1] + l.lead[1];
    if (jh < 0 || jh >= l.rows_h) continue;
    runs.push_back(
        {jh * l.row_len + ow_lo * sw + l.lead[2], oh * OW + ow_lo, ow_hi - ow_lo, sw, 1});
  }
  return runs;
}

// Fills spread gradient planes one after another into one buffer, as PaddedPlanes.
template <class T>
class SpreadPlanes {
 public:
  SpreadPlanes(const ConvGeometry& g, const SpreadGradient& l)
      : g_(g), l_(l), runs_(l.flat ? spread_gradient_runs(g, l) : std::vector<CopyRun>()) {}

  void start(T* buf) const {
    if (l_.flat) std::fill(buf, buf + l_.size(), T(0));
  }
  void fill(const T* gy, T* buf) const {
    if (l_.flat) {
      copy_runs(runs_, gy, buf);
    } else {
      fill_spread_gradient(g_, l_, gy, buf);
    }
  }

 private:
  const ConvGeometry& g_;
  const SpreadGradient& l_;
  std::vector<CopyRun> runs_;
};

template <class T>
TapPass<T> spread_taps(const ConvGeometry& g, const SpreadGradient& l, const T* buf,
                       const T** taps) {
  int64_t t = 0;
  for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
    for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
      for (int64_t kw = 0; kw < g.kernel[2]; ++kw)
        taps[t++] = buf + (kd * g.dilation[0] * l.rows_h + kh * g.dilation[1]) * l.row_len +
                    kw * g.dilation[2];
  if (l.flat) return {taps, t, 1, 1, l.flat_width, 0, 0};
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
  const PaddedPlanes<T> planes(g, layout);

  for_each_plane_range(g.batch * channels, mult * P * taps, [&](int64_t begin, int64_t end) {
    ScratchLease<T, PlaneTag> buf(layout.size());
    ScratchLease<const T*, TapsTag> tap_ptrs(taps);
    // Flat mode sums a plane into one flat row, then keeps its wanted columns.
    ScratchLease<T, RowsTag> flat(layout.flat_width);
    const TapPass<T> pass = input_taps(g, layout, buf.data(), tap_ptrs.data(),
                                       layout.flat ? layout.flat_width : g.out[2]);
    planes.start(buf.data());
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t n = plane / channels, c = plane % channels;
      planes.fill(x + plane * Q, buf.data());
      for (int64_t m = 0; m < mult; ++m) {
        const int64_t co = c * mult + m;
        T* out = y + (n * g.out_channels + co) * P;
        const T init = bias ? bias[co] : T(0);
        if (!layout.flat) {
          kernels.tap_sums(pass, w + co * taps, init, false, out, g.out[2]);
          continue;
        }
        kernels.tap_sums(pass, w + co * taps, init, false, flat.data(), layout.flat_width);
        compact_rows(flat.data(), layout.row_len, g.out[1], g.out[2], out);
      }
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
  const SpreadPlanes<T> planes(g, layout);

  for_each_plane_range(g.batch * channels, mult * Q * taps, [&](int64_t begin, int64_t end) {
    ScratchLease<T, PlaneTag> buf(layout.size());
    ScratchLease<const T*, TapsTag> tap_ptrs(taps);
    ScratchLease<T, WeightsTag> flipped(taps);
    // Flat mode sums into a flat row, compacted into gx at the end of each plane.
    ScratchLease<T, RowsTag> flat(layout.flat_width);
    const TapPass<T> pass = spread_taps(g, layout, buf.data(), tap_ptrs.data());
    planes.start(buf.data());
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t n = plane / channels, c = plane % channels;
      T* out = layout.flat ? flat.data() : gx + plane * Q;
      const int64_t out_row = layout.flat ? layout.flat_width : g.in[2];
      for (int64_t m = 0; m < mult; ++m) {
        const int64_t co = c * mult + m;
        planes.fill(gy + (n * g.out_channels + co) * P, buf.data());
        // Flipping all three kernel dims reverses the flat tap order.
        std::reverse_copy(w + co * taps, w + (co + 1) * taps, flipped.data());
        kernels.tap_sums(pass, flipped.data(), T(0), m > 0, out, out_row);
      }
      if (layout.flat) compact_rows(out, layout.row_len, g.in[1], g.in[2], gx + plane * Q);
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
  const int64_t OW = g.out[2], rows = g.out[0] * g.out[1];
  const PaddedInput layout = padded_input_layout<T>(g);
  const PaddedPlanes<T> planes(g, layout);
  // The output gradient laid out as the pass reads it, zero in every other column (so the
  // columns a flat pass throws away add exact zeros): row mode, each row padded to whole
  // vectors; flat mode, one flat row of rows row_len apart, padded to whole vectors.
  const int64_t row_len = layout.flat ? layout.row_len : round_up(OW, kRowMultiple<T>);
  const int64_t gy_size = layout.flat ? round_up(layout.flat_width, kRowMultiple<T>)
                                      : rows * row_len;

  // All-ones bits at the columns of gy_rows that hold a real output, zero bits elsewhere
  // (the same for every row in row mode).
  std::vector<T> keep(static_cast<size_t>(layout.flat ? gy_size : row_len), T(0));
  {
    T ones;
    std::memset(&ones, 0xff, sizeof ones);
    for (int64_t r = 0; r < (layout.flat ? rows : 1); ++r)
      std::fill(keep.begin() + r * row_len, keep.begin() + r * row_len + OW, ones);
  }

  // One task per input channel: it owns the mult kernels of that channel.
  for_each_plane_range(channels, g.batch * mult * P * taps, [&](int64_t begin, int64_t end) {
    ScratchLease<T, PlaneTag> buf(layout.size());
    ScratchLease<const T*, TapsTag> tap_ptrs(taps);
    ScratchLease<T, RowsTag> gy_rows(gy_size);
    ScratchLease<double, SumsTag> sums(mult * taps);
    const TapPass<T> pass = input_taps(g, layout, buf.data(), tap_ptrs.data(),
                                       layout.flat ? gy_size : row_len);
    planes.start(buf.data());
    std::fill(gy_rows.data(), gy_rows.data() + gy_size, T(0));
    for (int64_t c = begin; c < end; ++c) {
      std::fill(sums.data(), sums.data() + mult * taps, 0.0);
      for (int64_t n = 0; n < g.batch; ++n) {
        planes.fill(x + (n * channels + c) * Q, buf.data());
        for (int64_t m = 0; m < mult; ++m) {
          const int64_t co = c * mult + m;
          // Only the wanted columns change; the zeros between them stay from the fill above.
          const T* src = gy + (n * g.out_channels + co) * P;
          for (int64_t r = 0; r < rows; ++r)
            copy_short(src + r * OW, OW, gy_rows.data() + r * row_len);
          kernels.tap_dots(pass, gy_rows.data(), row_len, keep.data(), sums.data() + m * taps);
        }
      }
      for (int64_t i = 0; i < mult * taps; ++i)
        gw[c * mult * taps + i] = static_cast<T>(sums.data()[i]);
    }
  });
}

TG_CONV_DEPTHWISE_DECLARE(, float)
TG_CONV_DEPTHWISE_DECLARE(, double)

}  // namespace tg::kernels
