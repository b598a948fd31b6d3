// Internal to the Winograd convolution (conv_winograd.h): the tile transforms, compiled
// once per instruction set (conv_winograd_avx512.cpp, conv_winograd_avx2.cpp, and the SSE2
// baseline in conv_winograd.cpp) and reached through a table of function pointers.
//
// F(2x2, 3x3) with the usual matrices (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks"):
//   input  V = B^T d B,  B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   (d: 4x4 input patch)
//   output Y = A^T M A,  A^T = [1 1 1 0; 0 1 -1 -1]                      (M: 4x4 products)
// (the weight transform U = G g G^T runs once per call in conv_winograd.cpp).
// Both transforms run over one row of tiles at a time, one tile per vector lane: the
// input rows are split into even and odd columns first, so that column 2t + j of tile t is
// a contiguous load of the even or odd half at t or t + 1.
#pragma once
#include <algorithm>
#include <cstdint>
#include <xsimd/xsimd.hpp>

namespace tg::kernels::winograd_simd {

struct Kernels {
  const char* isa;
  int lanes;
  // even[i][j] = row_i[2j], odd[i][j] = row_i[2j + 1] for the four padded input rows of a
  // row of tiles, readable (finite) for j <= round_up(tiles, lanes). Writes the 16 transformed
  // values of tile t to out[xi * ldo + t], xi = 4 * row + column of V, for
  // t < round_up(tiles, lanes).
  void (*input_row)(const float* const* even, const float* const* odd, int64_t tiles, float* out,
                    int64_t ldo);
  // m[xi * ldm + t] for t < round_up(tiles, lanes) (finite) holds the 16 products of tile t.
  // Writes y0[0:width) (output row 2 of the tile row) and, when y1 is not null, y1[0:width)
  // (the row below) as bias + A^T M A; width <= 2 * tiles.
  void (*output_row)(const float* m, int64_t ldm, int64_t tiles, float bias, float* y0,
                     float* y1, int64_t width);
  // The weight gradient's transform of output-gradient tiles, Y' = A y A^T for the 2x2 block
  // y of each tile: even[r][t], odd[r][t] are columns 2t and 2t + 1 of the tile row's output
  // row r (r = 0, 1), readable for t < round_up(tiles, lanes). Writes the 16 values of tile t
  // to out[xi * ldo + t] for t < round_up(tiles, lanes).
  void (*grad_row)(const float* const* even, const float* const* odd, int64_t tiles, float* out,
                   int64_t ldo);
  // even[j] = row[first + 2j], odd[j] = row[first + 2j + 1] for j < pairs, where row[q] is
  // zero outside [0, width).
  void (*split_row)(const float* row, int64_t first, int64_t width, int64_t pairs, float* even,
                    float* odd);
};

// Defined by the per-instruction-set units; call only when the CPU supports that set.
const Kernels& avx512_kernels();
const Kernels& avx2_kernels();
const Kernels& sse2_kernels();

namespace impl {

// Moves between interleaved and split halves; the AVX-512 unit specializes it with masked
// loads, stores and permutes.
template <class Arch>
struct Pairs {
  using V = xsimd::batch<float, Arch>;
  static void split(const float* src, int64_t pairs, float* even, float* odd) {
    for (int64_t j = 0; j < pairs; ++j) {
      even[j] = src[2 * j];
      odd[j] = src[2 * j + 1];
    }
  }
  // dst[2j] = even[j], dst[2j + 1] = odd[j] for 2j, 2j + 1 < count (count <= 2 * lanes).
  static void store_joined(const V& even, const V& odd, float* dst, int64_t count) {
    alignas(64) float e[V::size], o[V::size];
    even.store_aligned(e);
    odd.store_aligned(o);
    for (int64_t i = 0; i < count; ++i) dst[i] = i % 2 ? o[i / 2] : e[i / 2];
  }
  static constexpr bool masked_split = false;
  // even[j] = row[first + 2j], odd[j] = row[first + 2j + 1] for j < pairs, row[q] zero
  // outside [0, width) (only where masked_split).
  static void split_masked(const float* row, int64_t first, int64_t width, int64_t pairs,
                           float* even, float* odd) {}
};

template <class Arch>
void split_row(const float* row, int64_t first, int64_t width, int64_t pairs, float* even,
               float* odd) {
  if constexpr (Pairs<Arch>::masked_split) {
    Pairs<Arch>::split_masked(row, first, width, pairs, even, odd);
    return;
  }
  // Pairs [lo, hi) lie wholly inside the row; the others are done one element at a time.
  const int64_t lo = std::min(pairs, first >= 0 ? int64_t{0} : (1 - first) / 2);
  const int64_t last = width - 2 - first;  // first + 2j + 1 <= width - 1  <=>  2j <= last
  const int64_t hi = std::clamp<int64_t>(last >= 0 ? last / 2 + 1 : 0, lo, pairs);
  auto at = [&](int64_t q) { return q >= 0 && q < width ? row[q] : 0.0f; };
  for (int64_t j = 0; j < lo; ++j) {
    even[j] = at(first + 2 * j);
    odd[j] = at(first + 2 * j + 1);
  }
  if (hi > lo) Pairs<Arch>::split(row + first + 2 * lo, hi - lo, even + lo, odd + lo);
  for (int64_t j = hi; j < pairs; ++j) {
    even[j] = at(first + 2 * j);
    odd[j] = at(first + 2 * j + 1);
  }
}

template <class Arch>
void input_row(const float* const* even, const float* const* odd, int64_t tiles, float* out,
               int64_t ldo) {
  using V = xsimd::batch<float, Arch>;
  constexpr int64_t lanes = V::size;
  for (int64_t t = 0; t < tiles; t += lanes) {
    // d[i][j]: column j of patch row i for `lanes` tiles.
    V d[4][4];
    for (int i = 0; i < 4; ++i) {
      d[i][0] = V::load_unaligned(even[i] + t);
      d[i][1] = V::load_unaligned(odd[i] + t);
      d[i][2] = V::load_unaligned(even[i] + t + 1);
      d[i][3] = V::load_unaligned(odd[i] + t + 1);
    }
    V r[4][4];  // B^T d
    for (int j = 0; j < 4; ++j) {
      r[0][j] = d[0][j] - d[2][j];
      r[1][j] = d[1][j] + d[2][j];
      r[2][j] = d[2][j] - d[1][j];
      r[3][j] = d[1][j] - d[3][j];
    }
    for (int i = 0; i < 4; ++i) {  // (B^T d) B
      float* o = out + 4 * i * ldo + t;
      (r[i][0] - r[i][2]).store_unaligned(o);
      (r[i][1] + r[i][2]).store_unaligned(o + ldo);
      (r[i][2] - r[i][1]).store_unaligned(o + 2 * ldo);
      (r[i][1] - r[i][3]).store_unaligned(o + 3 * ldo);
    }
  }
}

template <class Arch>
void output_row(const float* m, int64_t ldm, int64_t tiles, float bias, float* y0, float* y1,
                int64_t width) {
  using V = xsimd::batch<float, Arch>;
  constexpr int64_t lanes = V::size;
  const V b(bias);
  for (int64_t t = 0; t < tiles; t += lanes) {
    V u[2][4];  // A^T M
    for (int j = 0; j < 4; ++j) {
      const V m0 = V::load_unaligned(m + j * ldm + t);
      const V m1 = V::load_unaligned(m + (4 + j) * ldm + t);
      const V m2 = V::load_unaligned(m + (8 + j) * ldm + t);
      const V m3 = V::load_unaligned(m + (12 + j) * ldm + t);
      u[0][j] = m0 + m1 + m2;
      u[1][j] = m1 - m2 - m3;
    }
    // (A^T M) A: columns 2t' and 2t' + 1 of both rows, written interleaved.
    const int64_t count = std::min(2 * lanes, width - 2 * t);
    Pairs<Arch>::store_joined(b + (u[0][0] + u[0][1] + u[0][2]),
                              b + (u[0][1] - u[0][2] - u[0][3]), y0 + 2 * t, count);
    if (y1)
      Pairs<Arch>::store_joined(b + (u[1][0] + u[1][1] + u[1][2]),
                                b + (u[1][1] - u[1][2] - u[1][3]), y1 + 2 * t, count);
  }
}

template <class Arch>
void grad_row(const float* const* even, const float* const* odd, int64_t tiles, float* out,
              int64_t ldo) {
  using V = xsimd::batch<float, Arch>;
  constexpr int64_t lanes = V::size;
  for (int64_t t = 0; t < tiles; t += lanes) {
    V h[2][4];  // y A^T, A^T = [1 1 1 0; 0 1 -1 -1]
    for (int r = 0; r < 2; ++r) {
      const V y0 = V::load_unaligned(even[r] + t), y1 = V::load_unaligned(odd[r] + t);
      h[r][0] = y0;
      h[r][1] = y0 + y1;
      h[r][2] = y0 - y1;
      h[r][3] = -y1;
    }
    for (int j = 0; j < 4; ++j) {  // A (y A^T)
      (h[0][j]).store_unaligned(out + j * ldo + t);
      (h[0][j] + h[1][j]).store_unaligned(out + (4 + j) * ldo + t);
      (h[0][j] - h[1][j]).store_unaligned(out + (8 + j) * ldo + t);
      (-h[1][j]).store_unaligned(out + (12 + j) * ldo + t);
    }
  }
}

template <class Arch>
Kernels kernels() {
  return {Arch::name(),    static_cast<int>(xsimd::batch<float, Arch>::size),
          &input_row<Arch>, &output_row<Arch>,
          &grad_row<Arch>,  &split_row<Arch>};
}

}  // namespace impl
}  // namespace tg::kernels::winograd_simd
