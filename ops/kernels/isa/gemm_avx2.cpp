// GEMM kernels for AVX2 with FMA (this file is compiled with -mavx2 -mfma).
#include <immintrin.h>

#include "ops/kernels/gemm_microkernel.h"

#if !defined(__AVX2__) || !defined(__FMA__)
#error "gemm_avx2.cpp must be compiled with AVX2 and FMA enabled"
#endif

namespace tg::kernels::gemm_detail {

using Avx2 = xsimd::fma3<xsimd::avx2>;

template <>
struct IsaOps<Avx2, float> {
  using V = xsimd::batch<float, Avx2>;

  static void transpose(V* rows) noexcept {
    __m256 t[8];
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(rows[i], rows[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(rows[i], rows[i + 1]);
    }
    // u[g][c]: in 128-bit lane l, rows 4g..4g+3 of column 4l + c.
    __m256 u[2][4];
    for (int g = 0; g < 2; ++g) {
      u[g][0] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
      u[g][1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
      u[g][2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
      u[g][3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
    }
    for (int c = 0; c < 4; ++c) {
      rows[c] = _mm256_permute2f128_ps(u[0][c], u[1][c], 0x20);
      rows[4 + c] = _mm256_permute2f128_ps(u[0][c], u[1][c], 0x31);
    }
  }
  static __m256i mask(int n) noexcept {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static V load_first(const float* src, int n) noexcept { return _mm256_maskload_ps(src, mask(n)); }
  static void store_first(float* dst, const V& v, int n) noexcept {
    _mm256_maskstore_ps(dst, mask(n), v);
  }
};

template <>
struct IsaOps<Avx2, double> {
  using V = xsimd::batch<double, Avx2>;

  static void transpose(V* rows) noexcept {
    const __m256d t0 = _mm256_unpacklo_pd(rows[0], rows[1]);  // a0 b0 | a2 b2
    const __m256d t1 = _mm256_unpackhi_pd(rows[0], rows[1]);  // a1 b1 | a3 b3
    const __m256d t2 = _mm256_unpacklo_pd(rows[2], rows[3]);
    const __m256d t3 = _mm256_unpackhi_pd(rows[2], rows[3]);
    rows[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    rows[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    rows[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    rows[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
  }
  static __m256i mask(int n) noexcept {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static V load_first(const double* src, int n) noexcept {
    return _mm256_maskload_pd(src, mask(n));
  }
  static void store_first(double* dst, const V& v, int n) noexcept {
    _mm256_maskstore_pd(dst, mask(n), v);
  }
};

TG_GEMM_KERNELS_FOR_ARCH(, Avx2)

}  // namespace tg::kernels::gemm_detail
