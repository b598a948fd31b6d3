// Vectorised max pooling (forward) and average pooling (forward and backward), templated
// on the element type and the xsimd architecture; included only by the
// per-instruction-set units (pool_avx512.cpp, pool_avx2.cpp), which compile it with
// that set's flags.
//
// Idea: along the width, split each input row into `stride` phases (stride 1: a padded
// copy; stride 2: even and odd columns). Then every kernel tap of every output column
// is a unit-stride, unaligned vector load from one phase at a fixed shift, and window
// padding is a sentinel (-inf for max, 0 for sums) stored around the phases. The
// average-pooling backward runs the same map in reverse: each phase of an input row
// gathers from the gradient rows of the output rows whose windows contain it, and the
// phases are interleaved back into the row. The order of every comparison and addition
// matches the scalar kernels in pool.cpp, so both paths give the same bits.
#pragma once
// GCC 12 flags the deliberately undefined source operand inside the AVX-512 permute
// intrinsics as uninitialized; the warning is a known false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <xsimd/xsimd.hpp>

#include "ops/kernels/pool_simd.h"

// Everything here has internal linkage: each instruction-set unit compiles its own copy
// with its own flags, and the linker must never merge them.
namespace tg::kernels::pool_simd::impl {
namespace {

using std::size_t;

template <class T>
using Lane = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;

// ---------------------------------------------------------------- lane shuffles
// Permutations for the stride-2 split and merge of pairs of N-lane vectors.
struct EvensThenOdds {
  static constexpr size_t get(size_t i, size_t n) {
    return i < n / 2 ? 2 * i : 2 * (i - n / 2) + 1;
  }
};
struct OddsThenEvens {
  static constexpr size_t get(size_t i, size_t n) {
    return i < n / 2 ? 2 * i + 1 : 2 * (i - n / 2);
  }
};
struct SpreadLowHalf {
  static constexpr size_t get(size_t i, size_t) { return i / 2; }
};
struct SpreadHighHalf {
  static constexpr size_t get(size_t i, size_t n) { return n / 2 + i / 2; }
};
struct InLowHalf {
  static constexpr size_t get(size_t i, size_t n) { return i < n / 2 ? 1 : 0; }
};
struct IsEvenLane {
  static constexpr size_t get(size_t i, size_t) { return i % 2 == 0 ? 1 : 0; }
};

// Lane mask from a 0/1 generator, built by comparing a constant vector (xsimd 8.1's
// batch_bool_constant conversion stays an out-of-line call in the hot loops).
template <class T, class A, class Gen>
inline xsimd::batch_bool<T, A> lane_mask() {
  using B = xsimd::batch<T, A>;
  alignas(64) T flags[B::size];
  for (size_t i = 0; i < B::size; ++i) flags[i] = static_cast<T>(Gen::get(i, B::size));
  return B::load_aligned(flags) != B(T(0));
}

// src[0..2N) -> even = src[0, 2, ...], odd = src[1, 3, ...].
template <class T, class A>
inline void split_even_odd(const T* src, xsimd::batch<T, A>& even, xsimd::batch<T, A>& odd) {
  using B = xsimd::batch<T, A>;
  using U = xsimd::batch<Lane<T>, A>;
  constexpr auto evens_odds = xsimd::make_batch_constant<U, EvensThenOdds>();
  constexpr auto odds_evens = xsimd::make_batch_constant<U, OddsThenEvens>();
  const auto low = lane_mask<T, A, InLowHalf>();
  const B a = B::load_unaligned(src);
  const B b = B::load_unaligned(src + B::size);
  even = xsimd::select(low, xsimd::swizzle(a, evens_odds), xsimd::swizzle(b, odds_evens));
  odd = xsimd::select(low, xsimd::swizzle(a, odds_evens), xsimd::swizzle(b, evens_odds));
}

// dst[0..2N) = even[0], odd[0], even[1], odd[1], ...
template <class T, class A>
inline void merge_even_odd(const xsimd::batch<T, A>& even, const xsimd::batch<T, A>& odd, T* dst) {
  using U = xsimd::batch<Lane<T>, A>;
  constexpr auto spread_low = xsimd::make_batch_constant<U, SpreadLowHalf>();
  constexpr auto spread_high = xsimd::make_batch_constant<U, SpreadHighHalf>();
  const auto even_lanes = lane_mask<T, A, IsEvenLane>();
  xsimd::select(even_lanes, xsimd::swizzle(even, spread_low), xsimd::swizzle(odd, spread_low))
      .store_unaligned(dst);
  xsimd::select(even_lanes, xsimd::swizzle(even, spread_high), xsimd::swizzle(odd, spread_high))
      .store_unaligned(dst + xsimd::batch<T, A>::size);
}

// Calls body(start, count) over [0, total) in chunks of `width`. When total >= width
// every call is a full chunk: the last one is moved back to end at `total` and redoes a
// few elements (each element is a pure function of its position), which keeps the tail
// vectorised. The start must stay a multiple of `align`; a tail that cannot move back
// gets count < width.
template <class Body>
inline void for_chunks(int64_t total, int64_t width, int64_t align, Body body) {
  int64_t c = 0;
  for (; c + width <= total; c += width) body(c, width);
  if (c == total) return;
  const int64_t back = total - width;
  if (back >= 0 && back % align == 0) {
    body(back, width);
  } else {
    body(c, total - c);
  }
}

// ---------------------------------------------------------------- index output
// Stores N exact non-negative integers held in the element type as int64.
template <class T, class A>
inline void store_indices(const xsimd::batch<T, A>& v, int64_t* dst) {
  using B = xsimd::batch<T, A>;
  if constexpr (sizeof(T) == 4) {
    // Each 32-bit value next to a zero high half is its little-endian int64.
    const B low_bits = xsimd::bitwise_cast<B>(xsimd::to_int(v));
    merge_even_odd<T, A>(low_bits, B(T(0)), reinterpret_cast<T*>(dst));
  } else {
    xsimd::to_int(v).store_unaligned(dst);
  }
}

// ---------------------------------------------------------------- buffers
template <class T>
using Buffer = std::unique_ptr<T[]>;

template <class T>
Buffer<T> make_buffer(int64_t n) {
  return Buffer<T>(new T[static_cast<size_t>(std::max<int64_t>(n, 1))]);
}

template <class T>
void fill(T* p, int64_t n, T v) {
  for (int64_t i = 0; i < n; ++i) p[i] = v;
}

// Width-dim layout of the phase buffers. Position m of phase r holds input column
// s*(m - m0) + r; positions outside the input hold the sentinel. Tap j of output column
// ow reads phase tap_phase[j] at position ow + tap_shift[j].
struct WidthLayout {
  int64_t n = 0;   // lanes
  int64_t s = 1;   // width stride (1 or 2)
  int64_t m0 = 0;  // position of input column 0 (left pad rounded up, over s)
  int64_t in = 0, out = 0;
  int64_t phase_len = 0;  // columns in phase 0: ceil(in / s)
  int64_t len = 0;        // positions per phase that loads may touch
  int64_t pitch = 0;      // distance between phases: len plus one vector of slack
  int64_t max_shift = 0;
  int64_t taps = 0;
  Buffer<int64_t> tap_phase, tap_shift, tap_col;

  WidthLayout(const ConvGeometry& g, int64_t lanes) {
    n = lanes;
    s = g.stride[2];
    in = g.in[2];
    out = g.out[2];
    taps = g.kernel[2];
    const int64_t left = (g.pad[2] + s - 1) / s * s;
    m0 = left / s;
    phase_len = (in + s - 1) / s;
    tap_phase = make_buffer<int64_t>(taps);
    tap_shift = make_buffer<int64_t>(taps);
    tap_col = make_buffer<int64_t>(taps);
    for (int64_t j = 0; j < taps; ++j) {
      const int64_t t = j * g.dilation[2] - g.pad[2];  // column offset from ow * s
      tap_col[j] = t;
      tap_phase[j] = (t + left) % s;
      tap_shift[j] = (t + left) / s;
      max_shift = std::max(max_shift, tap_shift[j]);
    }
    const int64_t out_vec = (out + n - 1) / n * n;
    const int64_t phase_vec = (phase_len + n - 1) / n * n;
    len = std::max(out_vec + max_shift, m0 + phase_vec);
    pitch = len + n;
  }
};

// Splits one input row into its phases with sentinel margins. Vector loads may run past
// the row (never past src_end); what they bring in is overwritten by the right margin.
template <class T, class A>
void split_row(const WidthLayout& w, const T* src, const T* src_end, T sentinel, T* dst) {
  using B = xsimd::batch<T, A>;
  const int64_t n = w.n;
  const int64_t readable = src_end - src;  // elements from src to the end of the tensor
  const B fill_value(sentinel);
  for (int64_t r = 0; r < w.s; ++r) fill(dst + r * w.pitch, w.m0, sentinel);
  if (w.s == 1) {
    T* p = dst + w.m0;
    int64_t c = 0;
    for (; c < w.in && c + n <= readable; c += n) B::load_unaligned(src + c).store_unaligned(p + c);
    for (; c < w.in; ++c) p[c] = src[c];
    for (int64_t m = w.m0 + w.in; m < w.len; m += n) fill_value.store_unaligned(dst + m);
  } else {
    T* even = dst + w.m0;
    T* odd = dst + w.pitch + w.m0;
    int64_t c = 0;
    for (; c < w.in && c + 2 * n <= readable; c += 2 * n) {
      B e, o;
      split_even_odd<T, A>(src + c, e, o);
      e.store_unaligned(even + c / 2);
      o.store_unaligned(odd + c / 2);
    }
    for (; c < w.in; ++c) {
      T* phase = (c % 2 == 0) ? even : odd;
      phase[c / 2] = src[c];
    }
    for (int64_t m = w.m0 + (w.in + 1) / 2; m < w.len; m += n) fill_value.store_unaligned(dst + m);
    for (int64_t m = w.m0 + w.in / 2; m < w.len; m += n) {
      fill_value.store_unaligned(dst + w.pitch + m);
    }
  }
}

// Prepared rows (input rows split into phases, or output rows widened for the backward
// gathers) of the current plane. When all of a plane's rows fit in `budget_bytes` they
// are prepared up front in one sweep; otherwise the cache is direct-mapped, a row's slot
// being its index modulo a power of two at least the span of rows that one window (or
// one gather) needs, so those never evict each other.
template <class T>
class RowCache {
 public:
  RowCache(int64_t rows, int64_t span, int64_t row_size, int64_t budget_bytes)
      : rows_(rows), row_size_(row_size) {
    whole_plane_ = rows * row_size * static_cast<int64_t>(sizeof(T)) <= budget_bytes;
    int64_t capacity = 1;
    while (capacity < (whole_plane_ ? rows : span)) capacity *= 2;
    mask_ = capacity - 1;
    data_ = make_buffer<T>(capacity * row_size);
    tags_ = make_buffer<int64_t>(capacity);
  }

  // Starts a plane: `build(row, slot)` prepares a row.
  template <class Build>
  void start_plane(Build build) {
    if (whole_plane_) {
      for (int64_t row = 0; row < rows_; ++row) {
        build(row, data_.get() + row * row_size_);
        tags_[row] = row;
      }
    } else {
      fill<int64_t>(tags_.get(), mask_ + 1, -1);
    }
  }

  // Pointer to the slot of `row`, prepared first by `build(row, slot)` if needed.
  template <class Build>
  T* get(int64_t row, Build build) {
    const int64_t slot = row & mask_;
    T* p = data_.get() + slot * row_size_;
    if (tags_[slot] != row) {
      build(row, p);
      tags_[slot] = row;
    }
    return p;
  }

 private:
  int64_t rows_;
  int64_t row_size_;
  bool whole_plane_ = false;
  int64_t mask_ = 0;
  Buffer<T> data_;
  Buffer<int64_t> tags_;
};

// Up to this many bytes of prepared rows per task, a whole plane is prepared at once.
constexpr int64_t kWholePlaneBudget = 256 * 1024;

// Lists of linear rows, one list per key row: list k is items[begin[k] .. begin[k+1]).
struct RowLists {
  Buffer<int64_t> begin;
  Buffer<int64_t> items;
  Buffer<int64_t> first;  // forward lists: PyTorch's first in-bounds row of the window
};

// For every output row (linear od * OH + oh), the in-bounds input rows (linear
// id * IH + ih) of its window in scan order, and PyTorch's first in-bounds row (out of
// range when there is none).
inline RowLists window_rows(const ConvGeometry& g) {
  const int64_t out_rows = g.out[0] * g.out[1];
  RowLists l;
  l.begin = make_buffer<int64_t>(out_rows + 1);
  l.items = make_buffer<int64_t>(out_rows * g.kernel[0] * g.kernel[1]);
  l.first = make_buffer<int64_t>(out_rows);
  int64_t k = 0;
  for (int64_t od = 0; od < g.out[0]; ++od)
    for (int64_t oh = 0; oh < g.out[1]; ++oh) {
      const int64_t d0 = od * g.stride[0] - g.pad[0], h0 = oh * g.stride[1] - g.pad[1];
      const int64_t d_end = std::min(d0 + (g.kernel[0] - 1) * g.dilation[0] + 1, g.in[0]);
      const int64_t h_end = std::min(h0 + (g.kernel[1] - 1) * g.dilation[1] + 1, g.in[1]);
      const int64_t d_first = first_tap(d0, g.dilation[0]);
      const int64_t h_first = first_tap(h0, g.dilation[1]);
      const int64_t orow = od * g.out[1] + oh;
      l.begin[orow] = k;
      l.first[orow] = d_first * g.in[1] + h_first;
      for (int64_t id = d_first; id < d_end; id += g.dilation[0])
        for (int64_t ih = h_first; ih < h_end; ih += g.dilation[1])
          l.items[k++] = id * g.in[1] + ih;
    }
  l.begin[out_rows] = k;
  return l;
}

// For every input row, the output rows (raster order) whose windows contain it.
inline RowLists containing_rows(const ConvGeometry& g, const PoolPlan& plan) {
  const Membership& md = plan.member[0];
  const Membership& mh = plan.member[1];
  const int64_t in_rows = g.in[0] * g.in[1];
  RowLists l;
  l.begin = make_buffer<int64_t>(in_rows + 1);
  l.items = make_buffer<int64_t>(static_cast<int64_t>(md.outs.size() * mh.outs.size()) + 1);
  int64_t k = 0;
  for (int64_t id = 0; id < g.in[0]; ++id)
    for (int64_t ih = 0; ih < g.in[1]; ++ih) {
      l.begin[id * g.in[1] + ih] = k;
      for (int64_t a = md.begin[id]; a < md.begin[id + 1]; ++a)
        for (int64_t b = mh.begin[ih]; b < mh.begin[ih + 1]; ++b) {
          l.items[k++] = md.outs[a] * g.out[1] + mh.outs[b];
        }
    }
  l.begin[in_rows] = k;
  return l;
}

// Capacity of the input-row cache: the span of linear rows in one window.
inline int64_t input_row_span(const ConvGeometry& g) {
  const int64_t span =
      (g.kernel[0] - 1) * g.dilation[0] * g.in[1] + (g.kernel[1] - 1) * g.dilation[1] + 1;
  return std::min(span, g.in[0] * g.in[1]);
}

// Capacity of the output-row cache: the span of linear output rows whose windows
// contain one input row.
inline int64_t output_row_span(const ConvGeometry& g) {
  const int64_t nd = (g.kernel[0] - 1) * g.dilation[0] / g.stride[0] + 1;
  const int64_t nh = (g.kernel[1] - 1) * g.dilation[1] / g.stride[1] + 1;
  return std::min((nd - 1) * g.out[1] + nh, g.out[0] * g.out[1]);
}

// ---------------------------------------------------------------- forward kernels
// Where the width taps of a window row come from. CachedTaps reads the row's phases
// (split once into the row cache, sentinels around them); PairTaps serves the common
// 2-wide, stride-2, unpadded window straight from the input row, split in registers.
// Both call f(j, v) for taps j = 0, 1, ... in order with v the tap for N output columns.
template <class T, class A>
struct CachedTaps {
  static constexpr bool kDirect = false;
  const int64_t* offset;  // per tap: phase * pitch + shift
  int64_t taps;

  template <class F>
  void for_each(const T* row, int64_t ow0, F f) const {
    for (int64_t j = 0; j < taps; ++j)
      f(j, xsimd::batch<T, A>::load_unaligned(row + offset[j] + ow0));
  }
};

template <class T, class A>
struct PairTaps {
  static constexpr bool kDirect = true;

  template <class F>
  void for_each(const T* row, int64_t ow0, F f) const {
    xsimd::batch<T, A> even, odd;
    split_even_odd<T, A>(row + 2 * ow0, even, odd);
    f(0, even);
    f(1, odd);
  }
};

// PairTaps applies when every window spans columns (2*ow, 2*ow + 1) of the input and
// there are enough outputs for whole vectors.
inline bool pair_taps_apply(const ConvGeometry& g, int64_t lanes) {
  return g.kernel[2] == 2 && g.stride[2] == 2 && g.pad[2] == 0 && g.dilation[2] == 1 &&
         2 * g.out[2] <= g.in[2] && g.out[2] >= lanes;
}

// Shared driver: for every output row, finds the rows of its window (split into the
// cache unless the taps come directly from the input), then
// `reduce(row_data, rows, count, first, od, oh, orow, ow0, lanes)` returns the values of
// columns [ow0, ow0 + N) of output row `orow` (linear over planes) and stores anything
// else it produces (indices) for `lanes` lanes. `rows` lists the window's `count` input
// rows, `first` is PyTorch's first in-bounds row.
template <class T, class A, class Taps, class Reduce>
[[gnu::flatten]] void forward_rows(const ConvGeometry& g, const WidthLayout& w, int64_t plane_begin,
                                   int64_t plane_end, const T* x, T* y, T sentinel, const Taps&,
                                   Reduce reduce) {
  using B = xsimd::batch<T, A>;
  constexpr int64_t n = B::size;
  const int64_t IW = g.in[2], OH = g.out[1], OW = g.out[2];
  const int64_t in_plane = g.in_spatial();
  const T* x_end = x + g.batch * g.in_channels * in_plane;
  const RowLists windows = window_rows(g);
  Buffer<const T*> row_data = make_buffer<const T*>(g.kernel[0] * g.kernel[1]);
  const int64_t cached_rows = Taps::kDirect ? 1 : g.in[0] * g.in[1];
  RowCache<T> cache(cached_rows, Taps::kDirect ? 1 : input_row_span(g),
                    Taps::kDirect ? 1 : w.s * w.pitch, kWholePlaneBudget);
  alignas(64) T tail[n];

  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const T* xp = x + plane * in_plane;
    auto split = [&](int64_t row, T* dst) {
      split_row<T, A>(w, xp + row * IW, x_end, sentinel, dst);
    };
    if (!Taps::kDirect) cache.start_plane(split);
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t wrow = od * OH + oh;
        const int64_t* rows = windows.items.get() + windows.begin[wrow];
        const int64_t count = windows.begin[wrow + 1] - windows.begin[wrow];
        for (int64_t k = 0; k < count; ++k) {
          row_data[k] = Taps::kDirect ? xp + rows[k] * IW : cache.get(rows[k], split);
        }
        const int64_t orow = plane * g.out[0] * OH + wrow;
        T* yr = y + orow * OW;
        for_chunks(OW, n, 1, [&](int64_t ow0, int64_t lanes) {
          const B v =
              reduce(row_data.get(), rows, count, windows.first[wrow], od, oh, orow, ow0, lanes);
          if (lanes == n) {
            v.store_unaligned(yr + ow0);
          } else {
            v.store_aligned(tail);
            std::memcpy(yr + ow0, tail, static_cast<size_t>(lanes) * sizeof(T));
          }
        });
      }
  }
}

// Runs forward_rows with the tap source that applies.
template <class T, class A, class MakeReduce>
void forward_with_taps(const ConvGeometry& g, const WidthLayout& w, int64_t plane_begin,
                       int64_t plane_end, const T* x, T* y, T sentinel, MakeReduce make_reduce) {
  if (pair_taps_apply(g, w.n)) {
    const PairTaps<T, A> taps;
    forward_rows<T, A>(g, w, plane_begin, plane_end, x, y, sentinel, taps, make_reduce(taps));
  } else {
    Buffer<int64_t> offset = make_buffer<int64_t>(w.taps);
    for (int64_t j = 0; j < w.taps; ++j) offset[j] = w.tap_phase[j] * w.pitch + w.tap_shift[j];
    const CachedTaps<T, A> taps{offset.get(), w.taps};
    forward_rows<T, A>(g, w, plane_begin, plane_end, x, y, sentinel, taps, make_reduce(taps));
  }
}

template <class T, class A>
void max_forward(const ConvGeometry& g, const PoolPlan&, int64_t plane_begin, int64_t plane_end,
                 const T* x, T* y, int64_t* indices) {
  using B = xsimd::batch<T, A>;
  constexpr int64_t n = B::size;
  const WidthLayout w(g, n);
  const int64_t IW = g.in[2], OW = g.out[2];
  const T neg_inf = -std::numeric_limits<T>::infinity();

  // Per output column: PyTorch's first in-bounds input column of the window.
  Buffer<T> first_col = make_buffer<T>(OW + n);
  for (int64_t ow = 0; ow < OW + n; ++ow) {
    first_col[ow] = ow < OW ? static_cast<T>(first_tap(ow * w.s - g.pad[2], g.dilation[2])) : T(0);
  }
  alignas(64) T lane_col[n];
  for (int64_t l = 0; l < n; ++l) lane_col[l] = static_cast<T>(l * w.s);
  const B lane_cols = B::load_aligned(lane_col);
  Buffer<T> tap_col = make_buffer<T>(w.taps);
  for (int64_t j = 0; j < w.taps; ++j) tap_col[j] = static_cast<T>(w.tap_col[j]);
  alignas(64) int64_t idx_tail[n];

  auto make_reduce = [&](const auto& taps) {
    return [&](const T* const* row_data, const int64_t* rows, int64_t count, int64_t first, int64_t,
               int64_t, int64_t orow, int64_t ow0, int64_t lanes) {
      const B cols = lane_cols + B(static_cast<T>(ow0 * w.s));
      B best(neg_inf);
      B best_idx = B::load_unaligned(first_col.get() + ow0) + B(static_cast<T>(first * IW));
      for (int64_t k = 0; k < count; ++k) {
        const T row_start = static_cast<T>(rows[k] * IW);
        taps.for_each(row_data[k], ow0, [&](int64_t j, const B& v) {
          const auto take = (v > best) | xsimd::isnan(v);
          best = xsimd::select(take, v, best);
          best_idx = xsimd::select(take, cols + B(row_start + tap_col[j]), best_idx);
        });
      }
      if (indices) {
        int64_t* ir = indices + orow * OW + ow0;
        if (lanes == n) {
          store_indices<T, A>(best_idx, ir);
        } else {
          store_indices<T, A>(best_idx, idx_tail);
          std::memcpy(ir, idx_tail, static_cast<size_t>(lanes) * sizeof(int64_t));
        }
      }
      return best;
    };
  };
  forward_with_taps<T, A>(g, w, plane_begin, plane_end, x, y, neg_inf, make_reduce);
}

template <class T, class A>
void avg_forward(const ConvGeometry& g, const PoolPlan& plan, int64_t plane_begin,
                 int64_t plane_end, const T* x, T* y) {
  using B = xsimd::batch<T, A>;
  constexpr int64_t n = B::size;
  const WidthLayout w(g, n);
  const int64_t OW = g.out[2];
  const bool override_divisor = plan.divisor_override > 0;

  Buffer<T> width_count = make_buffer<T>(OW + n);
  for (int64_t ow = 0; ow < OW + n; ++ow) {
    width_count[ow] = (override_divisor || ow >= OW) ? T(1) : static_cast<T>(plan.counts[2][ow]);
  }

  auto make_reduce = [&](const auto& taps) {
    return [&](const T* const* row_data, const int64_t*, int64_t count, int64_t, int64_t od,
               int64_t oh, int64_t, int64_t ow0, int64_t) {
      B sum(T(0));
      for (int64_t k = 0; k < count; ++k) {
        taps.for_each(row_data[k], ow0, [&](int64_t, const B& v) { sum += v; });
      }
      const T row_count = override_divisor
                              ? static_cast<T>(plan.divisor_override)
                              : static_cast<T>(plan.counts[0][od] * plan.counts[1][oh]);
      return sum / (B(row_count) * B::load_unaligned(width_count.get() + ow0));
    };
  };
  forward_with_taps<T, A>(g, w, plane_begin, plane_end, x, y, T(0), make_reduce);
}

// ---------------------------------------------------------------- backward gathers
// Taps of each phase in decreasing column offset, i.e. increasing output column for a
// fixed input column: the order in which the scalar gather adds the windows.
struct PhaseTaps {
  Buffer<int64_t> shift;         // grouped by phase
  int64_t begin[3] = {0, 0, 0};  // phase r uses shift[begin[r] .. begin[r+1])
};

inline PhaseTaps phase_taps(const WidthLayout& w) {
  PhaseTaps p;
  p.shift = make_buffer<int64_t>(w.taps);
  int64_t k = 0;
  for (int64_t r = 0; r < w.s; ++r) {
    p.begin[r] = k;
    for (int64_t j = w.taps - 1; j >= 0; --j) {
      if (w.tap_phase[j] == r) p.shift[k++] = w.tap_shift[j];
    }
  }
  p.begin[w.s] = k;
  return p;
}

// Driver of the backward gathers. `prepare(plane, orow, dst)` widens output row
// `orow` into a cache slot of `row_size` elements (position ow at margin + ow);
// `gather(slots, count, r, m, row_start)` returns phase r of the current input row at
// phase positions [m, m + N).
template <class T, class A, class Prepare, class Gather>
[[gnu::flatten]] void backward_rows(const ConvGeometry& g, const PoolPlan& plan,
                                    const WidthLayout& w, int64_t row_size, int64_t plane_begin,
                                    int64_t plane_end, T* gx, Prepare prepare, Gather gather) {
  using B = xsimd::batch<T, A>;
  constexpr int64_t n = B::size;
  const int64_t IH = g.in[1], IW = g.in[2];
  const int64_t in_plane = g.in_spatial();
  const RowLists containing = containing_rows(g, plan);
  const int64_t span = output_row_span(g);
  RowCache<T> cache(g.out[0] * g.out[1], span, row_size, kWholePlaneBudget);
  Buffer<const T*> slots = make_buffer<const T*>(span);
  alignas(64) T tail[2 * n];

  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    T* gxp = gx + plane * in_plane;
    auto build = [&](int64_t orow, T* dst) { prepare(plane, orow, dst); };
    cache.start_plane(build);
    for (int64_t irow = 0; irow < g.in[0] * IH; ++irow) {
      const int64_t* orows = containing.items.get() + containing.begin[irow];
      const int64_t count = containing.begin[irow + 1] - containing.begin[irow];
      for (int64_t k = 0; k < count; ++k) slots[k] = cache.get(orows[k], build);
      const int64_t row_start = irow * IW;
      T* gxr = gxp + row_start;
      if (w.s == 1) {
        for_chunks(IW, n, 1, [&](int64_t c, int64_t lanes) {
          const B v = gather(slots.get(), count, 0, c, row_start);
          if (lanes == n) {
            v.store_unaligned(gxr + c);
          } else {
            v.store_aligned(tail);
            std::memcpy(gxr + c, tail, static_cast<size_t>(lanes) * sizeof(T));
          }
        });
      } else {
        for_chunks(IW, 2 * n, 2, [&](int64_t c, int64_t lanes) {
          const B even = gather(slots.get(), count, 0, c / 2, row_start);
          const B odd = gather(slots.get(), count, 1, c / 2, row_start);
          if (lanes == 2 * n) {
            merge_even_odd<T, A>(even, odd, gxr + c);
          } else {
            merge_even_odd<T, A>(even, odd, tail);
            std::memcpy(gxr + c, tail, static_cast<size_t>(lanes) * sizeof(T));
          }
        });
      }
    }
  }
}

// Room after an output row in a backward slot: gathers read up to one vector past the
// last phase position of the input row.
inline int64_t backward_row_size(const WidthLayout& w) {
  return w.max_shift + std::max(w.out, w.m0 + w.phase_len) + 2 * w.n;
}

template <class T, class A>
void avg_backward(const ConvGeometry& g, const PoolPlan& plan, int64_t plane_begin,
                  int64_t plane_end, const T* gy, T* gx) {
  using B = xsimd::batch<T, A>;
  constexpr int64_t n = B::size;
  const WidthLayout w(g, n);
  const PhaseTaps pt = phase_taps(w);
  const int64_t OH = g.out[1], OW = g.out[2], out_plane = g.out_spatial();
  const int64_t margin = w.max_shift;
  const int64_t row_size = backward_row_size(w);
  const bool override_divisor = plan.divisor_override > 0;
  Buffer<T> width_count = make_buffer<T>(OW);
  for (int64_t ow = 0; ow < OW; ++ow) {
    width_count[ow] = override_divisor ? T(1) : static_cast<T>(plan.counts[2][ow]);
  }

  // A slot holds gy / divisor for one output row, zero outside the row.
  auto prepare = [&](int64_t plane, int64_t orow, T* dst) {
    const T* gr = gy + plane * out_plane + orow * OW;
    const int64_t od = orow / OH, oh = orow % OH;
    const T row_count = override_divisor ? static_cast<T>(plan.divisor_override)
                                         : static_cast<T>(plan.counts[0][od] * plan.counts[1][oh]);
    fill(dst, margin, T(0));
    T* d = dst + margin;
    if (OW >= n) {
      for_chunks(OW, n, 1, [&](int64_t ow, int64_t) {
        const B divisor = B(row_count) * B::load_unaligned(width_count.get() + ow);
        (B::load_unaligned(gr + ow) / divisor).store_unaligned(d + ow);
      });
    } else {
      for (int64_t ow = 0; ow < OW; ++ow) d[ow] = gr[ow] / (row_count * width_count[ow]);
    }
    fill(d + OW, row_size - margin - OW, T(0));
  };
  auto gather = [&](const T* const* slots, int64_t count, int64_t r, int64_t m, int64_t) {
    B acc(T(0));
    for (int64_t k = 0; k < count; ++k) {
      const T* s = slots[k] + margin + w.m0 + m;
      for (int64_t t = pt.begin[r]; t < pt.begin[r + 1]; ++t)
        acc += B::load_unaligned(s - pt.shift[t]);
    }
    return acc;
  };
  backward_rows<T, A>(g, plan, w, row_size, plane_begin, plane_end, gx, prepare, gather);
}

template <class T, class A>
KernelSet<T> kernel_set() {
  return {&max_forward<T, A>, &avg_forward<T, A>, &avg_backward<T, A>};
}

}  // namespace
}  // namespace tg::kernels::pool_simd::impl

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
