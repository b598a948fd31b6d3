// im2col convolution loops compiled for AVX-512 (this unit gets the AVX-512 flags): partial
// vectors through masked loads and stores, block transposes through shuffles.
#include <immintrin.h>

#include <algorithm>
#include <type_traits>

#include <cstdint>

#include "ops/kernels/conv_im2col_simd.h"

#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__FMA__)
#error "conv_im2col_avx512.cpp must be compiled with AVX-512 (F, BW) and FMA enabled"
#endif

// GCC 12 reports the deliberately undefined pass-through operand inside the AVX-512 shuffle
// intrinsics as "may be used uninitialized"; the warning is spurious.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace tg::kernels::im2col_simd {
namespace impl {

template <>
struct Partial<xsimd::avx512bw, float> {
  using V = Vec<xsimd::avx512bw, float>;
  static __mmask16 mask(int64_t n) { return static_cast<__mmask16>((1u << n) - 1); }
  static V load(const float* src, int64_t n) { return _mm512_maskz_loadu_ps(mask(n), src); }
  static void store(float* dst, const V& v, int64_t n) { _mm512_mask_storeu_ps(dst, mask(n), v); }
  static void copy(float* dst, const float* src, int64_t n) {
    _mm512_mask_storeu_ps(dst, mask(n), _mm512_maskz_loadu_ps(mask(n), src));
  }
  static V load_lanes(const V& v, const float* src, int64_t first, int64_t n) {
    return _mm512_mask_loadu_ps(v, static_cast<__mmask16>(mask(n) << first), src);
  }
  static void copy_rows(const float* const* rows, int64_t offset, int64_t count, int64_t n,
                        float* dst, int64_t ld) {
    const __mmask16 m = mask(n);
    for (int64_t r = 0; r < count; ++r, dst += ld)
      _mm512_mask_storeu_ps(dst, m, _mm512_maskz_loadu_ps(m, rows[r] + offset));
  }
  static void stream(float* dst, const V& v) {
    if (reinterpret_cast<std::uintptr_t>(dst) % 64 == 0) {
      _mm512_stream_ps(dst, v);
    } else {
      _mm512_storeu_ps(dst, v);
    }
  }
  static void fence() { _mm_sfence(); }
  static void zero(float* dst, int64_t n) {
    for (; n >= 16; n -= 16, dst += 16) _mm512_storeu_ps(dst, _mm512_setzero_ps());
    if (n > 0) _mm512_mask_storeu_ps(dst, mask(n), _mm512_setzero_ps());
  }
  static void deinterleave(const float* src, int64_t n, float* even, float* odd) {
    const __m512i even_index =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd_index = _mm512_add_epi32(even_index, _mm512_set1_epi32(1));
    for (int64_t j = 0; j < n; j += 16, src += 32) {
      const int64_t count = std::min<int64_t>(16, n - j);
      const __m512 lo = _mm512_maskz_loadu_ps(mask(std::min<int64_t>(16, 2 * count)), src);
      const __m512 hi = _mm512_maskz_loadu_ps(mask(std::max<int64_t>(0, 2 * count - 16)), src + 16);
      _mm512_mask_storeu_ps(even + j, mask(count), _mm512_permutex2var_ps(lo, even_index, hi));
      _mm512_mask_storeu_ps(odd + j, mask(count), _mm512_permutex2var_ps(lo, odd_index, hi));
    }
  }
  static void interleave_add(const float* even, const float* odd, int64_t n, float* dst) {
    // lo takes lanes 0..7 of even/odd alternately, hi lanes 8..15 (index 16+ picks odd).
    const __m512i lo_index =
        _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi_index = _mm512_add_epi32(lo_index, _mm512_set1_epi32(8));
    for (int64_t j = 0; j < n; j += 16, dst += 32) {
      const int64_t count = std::min<int64_t>(16, n - j);
      const __m512 e = _mm512_maskz_loadu_ps(mask(count), even + j);
      const __m512 o = _mm512_maskz_loadu_ps(mask(count), odd + j);
      const __mmask16 lo_mask = mask(std::min<int64_t>(16, 2 * count));
      const __mmask16 hi_mask = mask(std::max<int64_t>(0, 2 * count - 16));
      const __m512 lo = _mm512_add_ps(_mm512_maskz_loadu_ps(lo_mask, dst),
                                      _mm512_permutex2var_ps(e, lo_index, o));
      const __m512 hi = _mm512_add_ps(_mm512_maskz_loadu_ps(hi_mask, dst + 16),
                                      _mm512_permutex2var_ps(e, hi_index, o));
      _mm512_mask_storeu_ps(dst, lo_mask, lo);
      _mm512_mask_storeu_ps(dst + 16, hi_mask, hi);
    }
  }
};

template <>
struct Partial<xsimd::avx512bw, double> {
  using V = Vec<xsimd::avx512bw, double>;
  static __mmask8 mask(int64_t n) { return static_cast<__mmask8>((1u << n) - 1); }
  static V load(const double* src, int64_t n) { return _mm512_maskz_loadu_pd(mask(n), src); }
  static void store(double* dst, const V& v, int64_t n) { _mm512_mask_storeu_pd(dst, mask(n), v); }
  static void copy(double* dst, const double* src, int64_t n) {
    _mm512_mask_storeu_pd(dst, mask(n), _mm512_maskz_loadu_pd(mask(n), src));
  }
  static V load_lanes(const V& v, const double* src, int64_t first, int64_t n) {
    return _mm512_mask_loadu_pd(v, static_cast<__mmask8>(mask(n) << first), src);
  }
  static void copy_rows(const double* const* rows, int64_t offset, int64_t count, int64_t n,
                        double* dst, int64_t ld) {
    const __mmask8 m = mask(n);
    for (int64_t r = 0; r < count; ++r, dst += ld)
      _mm512_mask_storeu_pd(dst, m, _mm512_maskz_loadu_pd(m, rows[r] + offset));
  }
  static void stream(double* dst, const V& v) {
    if (reinterpret_cast<std::uintptr_t>(dst) % 64 == 0) {
      _mm512_stream_pd(dst, v);
    } else {
      _mm512_storeu_pd(dst, v);
    }
  }
  static void fence() { _mm_sfence(); }
  static void zero(double* dst, int64_t n) {
    for (; n >= 8; n -= 8, dst += 8) _mm512_storeu_pd(dst, _mm512_setzero_pd());
    if (n > 0) _mm512_mask_storeu_pd(dst, mask(n), _mm512_setzero_pd());
  }
  static void deinterleave(const double* src, int64_t n, double* even, double* odd) {
    const __m512i even_index = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
    const __m512i odd_index = _mm512_add_epi64(even_index, _mm512_set1_epi64(1));
    for (int64_t j = 0; j < n; j += 8, src += 16) {
      const int64_t count = std::min<int64_t>(8, n - j);
      const __m512d lo = _mm512_maskz_loadu_pd(mask(std::min<int64_t>(8, 2 * count)), src);
      const __m512d hi = _mm512_maskz_loadu_pd(mask(std::max<int64_t>(0, 2 * count - 8)), src + 8);
      _mm512_mask_storeu_pd(even + j, mask(count), _mm512_permutex2var_pd(lo, even_index, hi));
      _mm512_mask_storeu_pd(odd + j, mask(count), _mm512_permutex2var_pd(lo, odd_index, hi));
    }
  }
  static void interleave_add(const double* even, const double* odd, int64_t n, double* dst) {
    const __m512i lo_index = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    const __m512i hi_index = _mm512_add_epi64(lo_index, _mm512_set1_epi64(4));
    for (int64_t j = 0; j < n; j += 8, dst += 16) {
      const int64_t count = std::min<int64_t>(8, n - j);
      const __m512d e = _mm512_maskz_loadu_pd(mask(count), even + j);
      const __m512d o = _mm512_maskz_loadu_pd(mask(count), odd + j);
      const __mmask8 lo_mask = mask(std::min<int64_t>(8, 2 * count));
      const __mmask8 hi_mask = mask(std::max<int64_t>(0, 2 * count - 8));
      const __m512d lo = _mm512_add_pd(_mm512_maskz_loadu_pd(lo_mask, dst),
                                       _mm512_permutex2var_pd(e, lo_index, o));
      const __m512d hi = _mm512_add_pd(_mm512_maskz_loadu_pd(hi_mask, dst + 8),
                                       _mm512_permutex2var_pd(e, hi_index, o));
      _mm512_mask_storeu_pd(dst, lo_mask, lo);
      _mm512_mask_storeu_pd(dst + 8, hi_mask, hi);
    }
  }
};

// 4 x 4 transpose of 128-bit lanes: out[l] = (in[0].lane(l), in[1].lane(l), in[2].lane(l),
// in[3].lane(l)). Shuffle picks lanes (a[i0], a[i1], b[i2], b[i3]) from its 8-bit immediate.
template <class Reg, class Shuffle>
void transpose_lanes(const Reg (&in)[4], Reg (&out)[4], Shuffle shuffle) {
  const Reg low01 = shuffle(in[0], in[1], std::integral_constant<int, 0x44>{});
  const Reg high01 = shuffle(in[0], in[1], std::integral_constant<int, 0xEE>{});
  const Reg low23 = shuffle(in[2], in[3], std::integral_constant<int, 0x44>{});
  const Reg high23 = shuffle(in[2], in[3], std::integral_constant<int, 0xEE>{});
  out[0] = shuffle(low01, low23, std::integral_constant<int, 0x88>{});
  out[1] = shuffle(low01, low23, std::integral_constant<int, 0xDD>{});
  out[2] = shuffle(high01, high23, std::integral_constant<int, 0x88>{});
  out[3] = shuffle(high01, high23, std::integral_constant<int, 0xDD>{});
}

template <>
struct Transpose<xsimd::avx512bw, float> {
  static void block(Vec<xsimd::avx512bw, float>* rows) {
    // Pairs of rows interleaved, then pairs of pairs: quad[4g + c] holds, in 128-bit lane l,
    // rows 4g .. 4g+3 at column 4l + c.
    __m512 pairs[16], quad[16];
    for (int i = 0; i < 16; i += 2) {
      pairs[i] = _mm512_unpacklo_ps(rows[i], rows[i + 1]);
      pairs[i + 1] = _mm512_unpackhi_ps(rows[i], rows[i + 1]);
    }
    for (int g = 0; g < 4; ++g) {
      const __m512d a = _mm512_castps_pd(pairs[4 * g]), b = _mm512_castps_pd(pairs[4 * g + 2]);
      const __m512d c = _mm512_castps_pd(pairs[4 * g + 1]), d = _mm512_castps_pd(pairs[4 * g + 3]);
      quad[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      quad[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
      quad[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
      quad[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
    }
    auto shuffle = [](__m512 x, __m512 y, auto imm) {
      return _mm512_shuffle_f32x4(x, y, decltype(imm)::value);
    };
    for (int c = 0; c < 4; ++c) {
      const __m512 in[4] = {quad[c], quad[4 + c], quad[8 + c], quad[12 + c]};
      __m512 out[4];
      transpose_lanes(in, out, shuffle);
      for (int l = 0; l < 4; ++l) rows[4 * l + c] = out[l];
    }
  }
};

template <>
struct Transpose<xsimd::avx512bw, double> {
  static void block(Vec<xsimd::avx512bw, double>* rows) {
    // pairs[2g + c] holds, in 128-bit lane l, rows 2g, 2g+1 at column 2l + c.
    __m512d pairs[8];
    for (int i = 0; i < 8; i += 2) {
      pairs[i] = _mm512_unpacklo_pd(rows[i], rows[i + 1]);
      pairs[i + 1] = _mm512_unpackhi_pd(rows[i], rows[i + 1]);
    }
    auto shuffle = [](__m512d x, __m512d y, auto imm) {
      return _mm512_shuffle_f64x2(x, y, decltype(imm)::value);
    };
    for (int c = 0; c < 2; ++c) {
      const __m512d in[4] = {pairs[c], pairs[2 + c], pairs[4 + c], pairs[6 + c]};
      __m512d out[4];
      transpose_lanes(in, out, shuffle);
      for (int l = 0; l < 4; ++l) rows[2 * l + c] = out[l];
    }
  }
};

}  // namespace impl

const Kernels& avx512_kernels() {
  static const Kernels kernels = impl::kernels<xsimd::avx512bw>();
  return kernels;
}

}  // namespace tg::kernels::im2col_simd
