// Internal to the im2col convolution: the instruction-set specific loops, compiled once per
// instruction set (conv_im2col_avx512.cpp, conv_im2col_avx2.cpp, and the SSE2 baseline in
// conv_im2col.cpp) and reached through a table of function pointers.
//
// The jobs:
//  - a register-tiled micro-kernel, C[R rows, nr columns] (+)= A_panel * B_panel over a
//    depth kc, where the A panel is packed weights (element (k, r) at a[k * R + r]) or rows
//    read in place, and the B panel is kc rows of nr columns (element (k, j) at
//    b[k * nr + j], 64-byte aligned);
//  - packing: the columns of a block of output positions gathered from a zero-padded input
//    region by a list of contiguous runs, the same runs for every (channel, tap) row, as
//    they are or transposed; and the adjoint, columns added back into the region;
//  - filling a region from input rows (split by stride phase), and the adjoint.
#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>
#include <xsimd/xsimd.hpp>

namespace tg::kernels::im2col_simd {

// The micro-tile per instruction set: mr rows of C by nv vectors of columns.
// avx512: 8 x 3 zmm = 24 accumulators + 3 B vectors + 1 broadcast (of 32 registers); 8 rows
// divide the usual channel counts exactly. Narrower tiles (fewer vectors) serve the last
// panel of a block.
template <class Arch>
struct TileConfig;
template <>
struct TileConfig<xsimd::avx512bw> {
  static constexpr int mr = 8, nv = 3;
};
template <>
struct TileConfig<xsimd::fma3<xsimd::avx2>> {
  static constexpr int mr = 4, nv = 3;
};
template <>
struct TileConfig<xsimd::sse2> {
  static constexpr int mr = 4, nv = 2;
};
constexpr int kMaxRows = 8;
constexpr int kMaxVectors = 3;

template <class T>
struct TileArgs {
  int64_t kc;
  const T* a;        // A panel: kc x rows (element (k, r) at a[k * rows + r]), or for the
                     // row-major tiles rows x kc (element (k, r) at a[r * lda + k])
  int64_t lda;
  const T* b;        // B panel: kc x nr
  T* c;              // C tile, rows ldc apart
  int64_t ldc;
  int64_t cols;      // columns of C to store, 1..nr
  const T* row_init; // when not accumulating: C = row_init[r] + A*B (null: 0)
  bool accumulate;   // C += A*B
  bool stream = false;  // C's whole-vector stores bypass the caches (accumulate is false)
};

// A run of `len` consecutive columns: destination column `dst`, source offset `src`
// relative to the row's tap base.
struct Run {
  int64_t dst, src, len;
};

template <class T>
struct PackJob {
  const T* region;          // zero-padded input region
  int64_t channel_stride;   // region offset of the next channel
  int64_t kernel[3];        // kD, kH, kW
  int64_t tap_step[2];      // region offset of one kd step, one kh step
  const int64_t* kw_offset; // region offset of each kw
  const Run* runs;
  int64_t nruns;
  int64_t r0, r1;           // rows (c, kd, kh, kw) to pack, flattened
  T* dst;                   // row r goes to dst + (r - r0) * ld
  int64_t ld;
  const T** bases;          // scratch for r1 - r0 row addresses
  int64_t zero_from, zero_to;  // columns cleared in every row (panel padding)
  bool overread;            // the region may be read up to 64 bytes past any run
};

// The adjoint of PackJob: adds every gathered column back into the region element it came
// from (region[base(r) + run.src + i] += src[(r - r0) * ld + run.dst + i]).
template <class T>
struct UnpackJob {
  T* region;
  int64_t channel_stride;
  int64_t kernel[3];
  int64_t tap_step[2];
  const int64_t* kw_offset;
  const Run* runs;
  int64_t nruns;
  int64_t r0, r1;
  const T* src;
  int64_t ld;
  T** bases;  // scratch for r1 - r0 row addresses
};

// Phase p of a region row holds input columns j * stride + offset (offset = p - pad) for
// j < phase_len; those inside the input have j in [lo, hi).
struct PhaseSpan {
  int64_t lo, hi, offset;
};

// One row of a padded input region, split by stride phase: padded column w sits at
// (w % stride) * phase_len + w / stride. spans[p] for each phase p.
struct RowLayout {
  int64_t stride, phase_len;
  const PhaseSpan* spans;
};

template <class T>
struct KernelSet {
  int mr, nr, lanes;  // nr = nv * lanes
  // tile[rows - 1][vectors - 1] for rows = 1..mr, vectors = 1..nv: B panels of
  // vectors * lanes columns.
  void (*tile[kMaxRows][kMaxVectors])(const TileArgs<T>&);
  // The same with A read in place from rows lda apart.
  void (*tile_row_major_a[kMaxRows][kMaxVectors])(const TileArgs<T>&);
  void (*pack)(const PackJob<T>&);
  // The gathered columns transposed: dst[k * ld + (r - r0)] = column k of row r for
  // k < zero_from (the positions), zero for rows past r1 up to ld (a multiple of lanes;
  // dst 64-byte aligned). zero_to is unused.
  void (*pack_transposed)(const PackJob<T>&);
  // dst[r * ldd + j] = src[r * lds + j] for j < n, 0 for n <= j < width; r < rows.
  void (*copy_rows)(const T* src, int64_t lds, int64_t rows, int64_t n, int64_t width, T* dst,
                    int64_t ldd);
  void (*unpack_add)(const UnpackJob<T>&);
  // Region rows from input rows (zero outside the input), and the adjoint: the rows'
  // in-input elements added back into the input rows. Rows are src_stride / dst_stride
  // apart.
  void (*fill_rows)(const RowLayout& l, const T* src, int64_t src_stride, int64_t rows, T* dst,
                    int64_t dst_stride);
  void (*add_rows)(const RowLayout& l, const T* src, int64_t src_stride, int64_t rows, T* dst,
                   int64_t dst_stride);
  // Orders the cache-bypassing stores of tiles run with `stream` before later stores.
  void (*fence)();
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
const Kernels& sse2_kernels();

// Everything below is templated on the instruction set, so the copies compiled into units
// with different flags never stand in for one another.
namespace impl {

template <class Arch, class T>
using Vec = xsimd::batch<T, Arch>;

// Partial vectors and small moves (first n < lanes elements, single lanes, stride-2
// splits); the AVX-512 unit specializes them with masked instructions and permutes.
template <class Arch, class T>
struct Partial {
  // A whole-vector store that bypasses the caches where the instruction set has one (for
  // outputs far larger than the caches, written once), and the fence that orders such stores.
  static void stream(T* dst, const Vec<Arch, T>& v) { v.store_unaligned(dst); }
  static void fence() {}
  static Vec<Arch, T> load(const T* src, int64_t n) {
    alignas(64) T buffer[Vec<Arch, T>::size] = {};
    std::copy(src, src + n, buffer);
    return Vec<Arch, T>::load_aligned(buffer);
  }
  static void store(T* dst, const Vec<Arch, T>& v, int64_t n) {
    alignas(64) T buffer[Vec<Arch, T>::size];
    v.store_aligned(buffer);
    std::copy(buffer, buffer + n, dst);
  }
  static void copy(T* dst, const T* src, int64_t n) { std::copy(src, src + n, dst); }
  // dst[r * ld + i] = rows[r][offset + i] for r < count, i < n (n < lanes).
  static void copy_rows(const T* const* rows, int64_t offset, int64_t count, int64_t n, T* dst,
                        int64_t ld) {
    for (int64_t r = 0; r < count; ++r)
      std::copy(rows[r] + offset, rows[r] + offset + n, dst + r * ld);
  }
  static void zero(T* dst, int64_t n) { std::fill(dst, dst + n, T(0)); }
  // v with lanes [first, first + n) replaced by src[first .. first + n).
  static Vec<Arch, T> load_lanes(const Vec<Arch, T>& v, const T* src, int64_t first, int64_t n) {
    alignas(64) T buffer[Vec<Arch, T>::size];
    v.store_aligned(buffer);
    std::copy(src + first, src + first + n, buffer + first);
    return Vec<Arch, T>::load_aligned(buffer);
  }
  // even[j] = src[2j], odd[j] = src[2j + 1] for j < n.
  static void deinterleave(const T* src, int64_t n, T* even, T* odd) {
    for (int64_t j = 0; j < n; ++j) {
      even[j] = src[2 * j];
      odd[j] = src[2 * j + 1];
    }
  }
  // dst[2j] += even[j], dst[2j + 1] += odd[j] for j < n.
  static void interleave_add(const T* even, const T* odd, int64_t n, T* dst) {
    for (int64_t j = 0; j < n; ++j) {
      dst[2 * j] += even[j];
      dst[2 * j + 1] += odd[j];
    }
  }
};

// In-place transpose of a lanes x lanes block held in `lanes` vectors; the instruction-set
// units specialize it with shuffles.
template <class Arch, class T>
struct Transpose {
  static void block(Vec<Arch, T>* rows) {
    constexpr int64_t lanes = Vec<Arch, T>::size;
    alignas(64) T buffer[lanes * lanes];
    for (int64_t i = 0; i < lanes; ++i) rows[i].store_aligned(buffer + i * lanes);
    for (int64_t i = 0; i < lanes; ++i)
      for (int64_t j = 0; j < i; ++j) std::swap(buffer[i * lanes + j], buffer[j * lanes + i]);
    for (int64_t i = 0; i < lanes; ++i) rows[i] = Vec<Arch, T>::load_aligned(buffer + i * lanes);
  }
};

template <class Arch, class T, int R, int NV, bool RowMajorA>
void tile(const TileArgs<T>& t) {
  using V = Vec<Arch, T>;
  constexpr int64_t lanes = V::size;
  constexpr int64_t nr = NV * lanes;
  // C is only touched after the depth loop; fetching it now hides the misses when C is
  // an output far larger than the caches.
  for (int r = 0; r < R && !t.stream; ++r)
    for (int64_t v = 0; v < t.cols; v += 64 / static_cast<int64_t>(sizeof(T)))
      __builtin_prefetch(t.c + r * t.ldc + v, 1);
  V acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = V(T(0));
  const T* a = t.a;
  const T* b = t.b;
  for (int64_t k = 0; k < t.kc; ++k, b += nr) {
    constexpr int64_t line = 64 / sizeof(T);
    if (!RowMajorA) {
      __builtin_prefetch(a + 8 * R);
    } else if (k % line == 0) {  // R streams that each enter a new cache line every `line` steps
      for (int r = 0; r < R; ++r) __builtin_prefetch(a + r * t.lda + 8 * line);
    }
    V bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = V::load_aligned(b + v * lanes);
    for (int r = 0; r < R; ++r) {
      const V ar(RowMajorA ? a[r * t.lda] : a[r]);
      for (int v = 0; v < NV; ++v) acc[r][v] = xsimd::fma(ar, bv[v], acc[r][v]);
    }
    a += RowMajorA ? 1 : R;
  }
  if (t.cols == nr) {  // the common case: whole vectors only
    for (int r = 0; r < R; ++r) {
      T* c = t.c + r * t.ldc;
      const V init(t.row_init ? t.row_init[r] : T(0));
      for (int v = 0; v < NV; ++v) {
        const V old = t.accumulate ? V::load_unaligned(c + v * lanes) : init;
        if (t.stream) {
          Partial<Arch, T>::stream(c + v * lanes, old + acc[r][v]);
        } else {
          (old + acc[r][v]).store_unaligned(c + v * lanes);
        }
      }
    }
    return;
  }
  for (int r = 0; r < R; ++r) {
    T* c = t.c + r * t.ldc;
    const V init(t.row_init ? t.row_init[r] : T(0));
    for (int v = 0; v < NV; ++v) {
      const int64_t count = t.cols - v * lanes;  // >= 1: the panel has no empty vector
      if (count >= lanes) {
        const V old = t.accumulate ? V::load_unaligned(c + v * lanes) : init;
        (old + acc[r][v]).store_unaligned(c + v * lanes);
      } else {
        const V old = t.accumulate ? Partial<Arch, T>::load(c + v * lanes, count) : init;
        Partial<Arch, T>::store(c + v * lanes, old + acc[r][v], count);
      }
    }
  }
}

template <class Arch, class T>
inline void copy_run(T* dst, const T* src, int64_t n) {
  using V = Vec<Arch, T>;
  constexpr int64_t lanes = V::size;
  int64_t i = 0;
  for (; i + lanes <= n; i += lanes) V::load_unaligned(src + i).store_unaligned(dst + i);
  if (i < n) Partial<Arch, T>::copy(dst + i, src + i, n - i);
}

// bases[r - r0] = the region address of row r = (c, kd, kh, kw) for r in [r0, r1).
template <class Arch, class Job>
void set_bases(const Job& j) {
  const int64_t KH = j.kernel[1], KW = j.kernel[2], taps = j.kernel[0] * KH * KW;
  int64_t c = j.r0 / taps, t = j.r0 % taps;
  int64_t kd = t / (KH * KW), kh = t / KW % KH, kw = t % KW;
  for (int64_t r = 0; r < j.r1 - j.r0; ++r) {
    j.bases[r] = j.region + c * j.channel_stride + kd * j.tap_step[0] + kh * j.tap_step[1] +
                 j.kw_offset[kw];
    if (++kw == KW) {
      kw = 0;
      if (++kh == KH) {
        kh = 0;
        if (++kd == j.kernel[0]) {
          kd = 0;
          ++c;
        }
      }
    }
  }
}

template <class Arch, class T>
void pack(const PackJob<T>& j) {
  using V = Vec<Arch, T>;
  constexpr int64_t lanes = V::size;
  const int64_t rows = j.r1 - j.r0;
  // The region address of every row, then run by run over all rows: short runs (narrow
  // outputs) then cost one masked copy per row.
  set_bases<Arch>(j);
  const T* const* bases = j.bases;
  const int64_t ld = j.ld;
  for (int64_t s = 0; s < j.nruns; ++s) {
    const Run run = j.runs[s];
    T* dst = j.dst + run.dst;
    if (run.len < lanes) {  // narrow outputs: one vector per row
      if (j.overread && run.dst + lanes <= ld) {
        // Whole vectors: the extra columns belong to later runs or to the padding, both
        // written afterwards. Cheaper than masked moves.
        for (int64_t r = 0; r < rows; ++r)
          V::load_unaligned(bases[r] + run.src).store_unaligned(dst + r * ld);
      } else {
        Partial<Arch, T>::copy_rows(bases, run.src, rows, run.len, dst, ld);
      }
    } else {
      const int64_t full = run.len / lanes * lanes, rest = run.len - full;
      for (int64_t r = 0; r < rows; ++r) {
        const T* src = bases[r] + run.src;
        T* out = dst + r * ld;
        for (int64_t i = 0; i < full; i += lanes)
          V::load_unaligned(src + i).store_unaligned(out + i);
        if (rest > 0) Partial<Arch, T>::copy(out + full, src + full, rest);
      }
    }
  }
  // The next panels usually continue where the last run ends: start fetching the one
  // after next into L2 (the source may be an input far larger than the caches).
  if (j.nruns > 0) {
    const Run last = j.runs[j.nruns - 1];
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t i = 0; i < last.len; i += 64 / static_cast<int64_t>(sizeof(T)))
        __builtin_prefetch(bases[r] + last.src + 2 * last.len + i, 0, 2);
  }
  if (j.zero_to > j.zero_from) {
    T* dst = j.dst + j.zero_from;
    for (int64_t r = 0; r < rows; ++r, dst += j.ld)
      Partial<Arch, T>::zero(dst, j.zero_to - j.zero_from);
  }
}

// out[0, span) += the terms of KW rows of cols (row kw at rows + kw * ld, len of them),
// row kw's shifted to start at out[kw_offset[kw] - lo]; span fits NV vectors, held in
// registers while all rows are added.
template <class Arch, class T, int NV>
inline __attribute__((always_inline)) void add_span(T* out, int64_t span, const T* rows,
                                                     int64_t ld, const int64_t* kw_offset,
                                                     int64_t KW, int64_t lo, int64_t len) {
  using V = Vec<Arch, T>;
  constexpr int64_t lanes = V::size;
  V acc[NV];
  for (int v = 0; v < NV; ++v)
    acc[v] = Partial<Arch, T>::load(out + v * lanes, std::min(lanes, span - v * lanes));
  for (int64_t kw = 0; kw < KW; ++kw) {
    // Lanes [shift, shift + len) of the span take this row's terms.
    const int64_t shift = kw_offset[kw] - lo;
    const T* row = rows + kw * ld - shift;  // row[l] goes to lane l
    for (int v = 0; v < NV; ++v) {
      const int64_t a = std::max(shift, v * lanes);
      const int64_t b = std::min(shift + len, (v + 1) * lanes);
      if (a < b)
        acc[v] = acc[v] + Partial<Arch, T>::load_lanes(V(T(0)), row + v * lanes, a - v * lanes,
                                                       b - a);
    }
  }
  for (int v = 0; v < NV; ++v)
    Partial<Arch, T>::store(out + v * lanes, acc[v], std::min(lanes, span - v * lanes));
}

template <class Arch, class T>
void unpack_add(const UnpackJob<T>& j) {
  using V = Vec<Arch, T>;
  constexpr int64_t lanes = V::size;
  const int64_t rows = j.r1 - j.r0;
  set_bases<Arch>(j);
  // Narrow outputs: the KW rows of one (c, kd, kh) add into one span of a region row per
  // run, which fits a few vectors: load it once, add the rows' terms (each shifted to its
  // lanes), store once. Row by row, each row's masked store would stall the next row's
  // load of the same span. Each element still receives its terms in row order.
  constexpr int64_t kMaxVectors = 4;
  const int64_t KW = j.kernel[2];
  const int64_t lo = *std::min_element(j.kw_offset, j.kw_offset + KW);
  const int64_t reach = *std::max_element(j.kw_offset, j.kw_offset + KW) - lo;
  int64_t widest = 0;
  for (int64_t s = 0; s < j.nruns; ++s) widest = std::max(widest, j.runs[s].len);
  if (KW > 1 && j.r0 % KW == 0 && rows % KW == 0 && reach + widest <= kMaxVectors * lanes) {
    for (int64_t r = 0; r < rows; r += KW) {
      const T* src = j.src + r * j.ld;
      T* base = j.bases[r] - j.kw_offset[0] + lo;  // row r has kw = 0
      for (int64_t s = 0; s < j.nruns; ++s) {
        const Run run = j.runs[s];
        const int64_t span = reach + run.len;
        T* out = base + run.src;
        const T* row0 = src + run.dst;
        switch ((span + lanes - 1) / lanes) {
          case 1: add_span<Arch, T, 1>(out, span, row0, j.ld, j.kw_offset, KW, lo, run.len); break;
          case 2: add_span<Arch, T, 2>(out, span, row0, j.ld, j.kw_offset, KW, lo, run.len); break;
          case 3: add_span<Arch, T, 3>(out, span, row0, j.ld, j.kw_offset, KW, lo, run.len); break;
          default: add_span<Arch, T, 4>(out, span, row0, j.ld, j.kw_offset, KW, lo, run.len);
        }
      }
    }
    return;
  }
  // Row by row (tap order), so each region element receives its terms in a fixed order.
  for (int64_t r = 0; r < rows; ++r) {
    const T* src = j.src + r * j.ld;
    for (int64_t s = 0; s < j.nruns; ++s) {
      const Run run = j.runs[s];
      T* dst = j.bases[r] + run.src;
      const T* in = src + run.dst;
      int64_t i = 0;
      for (; i + lanes <= run.len; i += lanes)
        (V::load_unaligned(dst + i) + V::load_unaligned(in + i)).store_unaligned(dst + i);
      if (i < run.len) {
        const int64_t rest = run.len - i;
        Partial<Arch, T>::store(
            dst + i, Partial<Arch, T>::load(dst + i, rest) + Partial<Arch, T>::load(in + i, rest),
            rest);
      }
    }
  }
}

// Columns [a, b) of a stride-2 row where both phases are inside the input (phase 1 reads
// the column after phase 0's): there both phases are split at once.
struct BothPhases {
  int64_t a, b;
};

template <class Arch>
BothPhases both_phases(const PhaseSpan* s) {
  const int64_t a = std::max(s[0].lo, s[1].lo);
  return {a, std::max(a, std::min(s[0].hi, s[1].hi))};
}

// Calls fn(j) for j in [lo, hi) outside [skip.a, skip.b).
template <class Arch, class Fn>
void for_each_outside(int64_t lo, int64_t hi, const BothPhases& skip, const Fn& fn) {
  for (int64_t j = lo; j < std::min(hi, skip.a); ++j) fn(j);
  for (int64_t j = std::max(lo, skip.b); j < hi; ++j) fn(j);
}

template <class Arch, class T>
void fill_rows(const RowLayout& l, const T* src, int64_t src_stride, int64_t rows, T* dst,
               int64_t dst_stride) {
  const PhaseSpan* s = l.spans;
  for (int64_t r = 0; r < rows; ++r, src += src_stride, dst += dst_stride) {
    if (l.stride == 1) {
      Partial<Arch, T>::zero(dst, s[0].lo);
      copy_run<Arch>(dst + s[0].lo, src + s[0].lo + s[0].offset, s[0].hi - s[0].lo);
      Partial<Arch, T>::zero(dst + s[0].hi, l.phase_len - s[0].hi);
      continue;
    }
    Partial<Arch, T>::zero(dst, l.stride * l.phase_len);
    BothPhases both{0, 0};
    if (l.stride == 2) {
      both = both_phases<Arch>(s);
      Partial<Arch, T>::deinterleave(src + 2 * both.a + s[0].offset, both.b - both.a,
                                     dst + both.a, dst + l.phase_len + both.a);
    }
    for (int64_t phase = 0; phase < l.stride; ++phase) {
      T* out = dst + phase * l.phase_len;
      const PhaseSpan& span = s[phase];
      for_each_outside<Arch>(span.lo, span.hi, both,
                       [&](int64_t j) { out[j] = src[j * l.stride + span.offset]; });
    }
  }
}

template <class Arch, class T>
void add_rows(const RowLayout& l, const T* src, int64_t src_stride, int64_t rows, T* dst,
              int64_t dst_stride) {
  using V = Vec<Arch, T>;
  constexpr int64_t lanes = V::size;
  const PhaseSpan* s = l.spans;
  for (int64_t r = 0; r < rows; ++r, src += src_stride, dst += dst_stride) {
    if (l.stride == 1) {
      const T* in = src + s[0].lo;
      T* out = dst + s[0].lo + s[0].offset;
      const int64_t n = s[0].hi - s[0].lo;
      int64_t i = 0;
      for (; i + lanes <= n; i += lanes)
        (V::load_unaligned(out + i) + V::load_unaligned(in + i)).store_unaligned(out + i);
      for (; i < n; ++i) out[i] += in[i];
      continue;
    }
    BothPhases both{0, 0};
    if (l.stride == 2) {
      both = both_phases<Arch>(s);
      Partial<Arch, T>::interleave_add(src + both.a, src + l.phase_len + both.a,
                                       both.b - both.a, dst + 2 * both.a + s[0].offset);
    }
    for (int64_t phase = 0; phase < l.stride; ++phase) {
      const T* in = src + phase * l.phase_len;
      const PhaseSpan& span = s[phase];
      for_each_outside<Arch>(span.lo, span.hi, both,
                       [&](int64_t j) { dst[j * l.stride + span.offset] += in[j]; });
    }
  }
}

// A part of a lanes-wide block of positions that lies in one run: lanes [lane, lane + len)
// read from a row's base + src + (lane - lane of the part's first position).
struct BlockPart {
  int64_t lane, len, src;
};

template <class Arch, class T>
void pack_transposed(const PackJob<T>& j) {
  using V = Vec<Arch, T>;
  constexpr int64_t lanes = V::size;
  const int64_t rows = j.r1 - j.r0, positions = j.zero_from;
  set_bases<Arch>(j);
  const T* const* bases = j.bases;
  BlockPart parts[lanes];
  int64_t s = 0;  // first run that may overlap the block
  for (int64_t k0 = 0; k0 < positions; k0 += lanes) {
    const int64_t valid = std::min(lanes, positions - k0);
    // The runs covering positions [k0, k0 + valid): src of lane l is part.src + l.
    int64_t nparts = 0;
    while (j.runs[s].dst + j.runs[s].len <= k0) ++s;
    for (int64_t t = s; t < j.nruns && j.runs[t].dst < k0 + valid; ++t) {
      const Run& run = j.runs[t];
      const int64_t from = std::max(run.dst, k0), to = std::min(run.dst + run.len, k0 + valid);
      parts[nparts++] = {from - k0, to - from, run.src + (from - run.dst) - (from - k0)};
    }
    const bool whole = nparts == 1 && valid == lanes;
    // Two blocks ahead in the same run, into L2 (the source may be a large input).
    const int64_t ahead = parts[nparts - 1].src + 3 * lanes;
    for (int64_t r0 = 0; r0 < j.ld; r0 += lanes) {
      V v[lanes];
      for (int64_t i = 0; i < lanes; ++i) {
        if (r0 + i < rows) __builtin_prefetch(bases[r0 + i] + ahead, 0, 2);
        if (r0 + i >= rows) {
          v[i] = V(T(0));
        } else if (whole) {
          v[i] = V::load_unaligned(bases[r0 + i] + parts[0].src);
        } else {
          V row(T(0));
          for (int64_t q = 0; q < nparts; ++q)
            row = Partial<Arch, T>::load_lanes(row, bases[r0 + i] + parts[q].src, parts[q].lane,
                                               parts[q].len);
          v[i] = row;
        }
      }
      Transpose<Arch, T>::block(v);
      for (int64_t i = 0; i < valid; ++i) v[i].store_aligned(j.dst + (k0 + i) * j.ld + r0);
    }
  }
}

template <class Arch, class T>
void copy_rows(const T* src, int64_t lds, int64_t rows, int64_t n, int64_t width, T* dst,
               int64_t ldd) {
  for (int64_t r = 0; r < rows; ++r) {
    copy_run<Arch>(dst + r * ldd, src + r * lds, n);
    if (width > n) Partial<Arch, T>::zero(dst + r * ldd + n, width - n);
  }
}

template <class Arch, class T, int NV, int... R>
void set_tiles(KernelSet<T>& set, std::integer_sequence<int, R...>) {
  using TileFn = void (*)(const TileArgs<T>&);
  const TileFn packed[] = {&tile<Arch, T, R + 1, NV, false>...};
  const TileFn row_major[] = {&tile<Arch, T, R + 1, NV, true>...};
  for (int r = 0; r < static_cast<int>(sizeof...(R)); ++r) {
    set.tile[r][NV - 1] = packed[r];
    set.tile_row_major_a[r][NV - 1] = row_major[r];
  }
}

template <class Arch, class T, int... NV>
KernelSet<T> kernel_set(std::integer_sequence<int, NV...>) {
  using Config = TileConfig<Arch>;
  constexpr int lanes = static_cast<int>(Vec<Arch, T>::size);
  KernelSet<T> set{Config::mr,
                   Config::nv * lanes,
                   lanes,
                   {},
                   {},
                   &pack<Arch, T>,
                   &pack_transposed<Arch, T>,
                   &copy_rows<Arch, T>,
                   &unpack_add<Arch, T>,
                   &fill_rows<Arch, T>,
                   &add_rows<Arch, T>,
                   &Partial<Arch, T>::fence};
  (set_tiles<Arch, T, NV + 1>(set, std::make_integer_sequence<int, Config::mr>{}), ...);
  return set;
}

template <class Arch>
Kernels kernels() {
  using Vectors = std::make_integer_sequence<int, TileConfig<Arch>::nv>;
  return {Arch::name(), kernel_set<Arch, float>(Vectors{}), kernel_set<Arch, double>(Vectors{})};
}

}  // namespace impl
}  // namespace tg::kernels::im2col_simd
