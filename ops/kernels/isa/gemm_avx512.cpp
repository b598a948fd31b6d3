// GEMM kernels for AVX-512 (this file is compiled with -mavx512f/cd/dq/bw/vl, -mavx2, -mfma).
#include <immintrin.h>

#include "ops/kernels/gemm_microkernel.h"

#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__FMA__)
#error "gemm_avx512.cpp must be compiled with AVX-512 (F, BW) and FMA enabled"
#endif

// GCC 12 reports the deliberately undefined pass-through operand inside the AVX-512 shuffle
// intrinsics as "may be used uninitialized"; the warning is spurious.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace tg::kernels::gemm_detail {
namespace {

// out[i] = [u0.lane(i), u1.lane(i), u2.lane(i), u3.lane(i)] for 128-bit lanes i = 0..3.
template <class Reg, class Shuffle>
void transpose_lanes(const Reg (&u)[4], Reg (&out)[4], Shuffle shuffle) {
  const Reg v0 = shuffle(u[0], u[1], std::integral_constant<int, 0x44>{});
  const Reg v1 = shuffle(u[0], u[1], std::integral_constant<int, 0xEE>{});
  const Reg v2 = shuffle(u[2], u[3], std::integral_constant<int, 0x44>{});
  const Reg v3 = shuffle(u[2], u[3], std::integral_constant<int, 0xEE>{});
  out[0] = shuffle(v0, v2, std::integral_constant<int, 0x88>{});
  out[1] = shuffle(v0, v2, std::integral_constant<int, 0xDD>{});
  out[2] = shuffle(v1, v3, std::integral_constant<int, 0x88>{});
  out[3] = shuffle(v1, v3, std::integral_constant<int, 0xDD>{});
}

}  // namespace

template <>
struct IsaOps<xsimd::avx512bw, float> {
  using V = xsimd::batch<float, xsimd::avx512bw>;

  static void transpose(V* rows) noexcept {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_unpacklo_ps(rows[i], rows[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps(rows[i], rows[i + 1]);
    }
    // u[g][c]: in 128-bit lane l, rows 4g..4g+3 of column 4l + c.
    __m512 u[4][4];
    for (int g = 0; g < 4; ++g) {
      const __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 2]);
      const __m512d c = _mm512_castps_pd(t[4 * g + 1]), d = _mm512_castps_pd(t[4 * g + 3]);
      u[g][0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      u[g][1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
      u[g][2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
      u[g][3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
    }
    auto shuffle = [](__m512 x, __m512 y, auto imm) {
      return _mm512_shuffle_f32x4(x, y, decltype(imm)::value);
    };
    for (int c = 0; c < 4; ++c) {
      const __m512 group[4] = {u[0][c], u[1][c], u[2][c], u[3][c]};
      __m512 out[4];
      transpose_lanes(group, out, shuffle);
      for (int l = 0; l < 4; ++l) rows[4 * l + c] = out[l];
    }
  }
  static V load_first(const float* src, int n) noexcept {
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), src);
  }
  static void store_first(float* dst, const V& v, int n) noexcept {
    _mm512_mask_storeu_ps(dst, static_cast<__mmask16>((1u << n) - 1), v);
  }
};

template <>
struct IsaOps<xsimd::avx512bw, double> {
  using V = xsimd::batch<double, xsimd::avx512bw>;

  static void transpose(V* rows) noexcept {
    // t[2g + c]: in 128-bit lane l, rows 2g, 2g+1 of column 2l + c.
    __m512d t[8];
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm512_unpacklo_pd(rows[i], rows[i + 1]);
      t[i + 1] = _mm512_unpackhi_pd(rows[i], rows[i + 1]);
    }
    auto shuffle = [](__m512d x, __m512d y, auto imm) {
      return _mm512_shuffle_f64x2(x, y, decltype(imm)::value);
    };
    for (int c = 0; c < 2; ++c) {
      const __m512d group[4] = {t[c], t[2 + c], t[4 + c], t[6 + c]};
      __m512d out[4];
      transpose_lanes(group, out, shuffle);
      for (int l = 0; l < 4; ++l) rows[2 * l + c] = out[l];
    }
  }
  static V load_first(const double* src, int n) noexcept {
    return _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << n) - 1), src);
  }
  static void store_first(double* dst, const V& v, int n) noexcept {
    _mm512_mask_storeu_pd(dst, static_cast<__mmask8>((1u << n) - 1), v);
  }
};

TG_GEMM_KERNELS_FOR_ARCH(, xsimd::avx512bw)

}  // namespace tg::kernels::gemm_detail
