// Winograd tile transforms compiled for AVX-512 (this unit gets the AVX-512 flags): the
// even/odd splits and joins through two-source permutes.
#include <immintrin.h>

#include "ops/kernels/conv_winograd_simd.h"

#if !defined(__AVX512F__) || !defined(__FMA__)
#error "conv_winograd_avx512.cpp must be compiled with AVX-512 and FMA enabled"
#endif

namespace tg::kernels::winograd_simd {
namespace impl {

template <>
struct Pairs<xsimd::avx512bw> {
  static void split(const float* src, int64_t pairs, float* even, float* odd) {
    const __m512i even_index =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd_index = _mm512_add_epi32(even_index, _mm512_set1_epi32(1));
    int64_t j = 0;
    for (; j + 16 <= pairs; j += 16) {
      const __m512 lo = _mm512_loadu_ps(src + 2 * j), hi = _mm512_loadu_ps(src + 2 * j + 16);
      _mm512_storeu_ps(even + j, _mm512_permutex2var_ps(lo, even_index, hi));
      _mm512_storeu_ps(odd + j, _mm512_permutex2var_ps(lo, odd_index, hi));
    }
    for (; j < pairs; ++j) {
      even[j] = src[2 * j];
      odd[j] = src[2 * j + 1];
    }
  }
  static void join(const float* even, const float* odd, int64_t pairs, float bias, float* dst) {
    const __m512i lo_index =
        _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi_index = _mm512_add_epi32(lo_index, _mm512_set1_epi32(8));
    const __m512 b = _mm512_set1_ps(bias);
    int64_t j = 0;
    for (; j + 16 <= pairs; j += 16) {
      const __m512 e = _mm512_add_ps(b, _mm512_loadu_ps(even + j));
      const __m512 o = _mm512_add_ps(b, _mm512_loadu_ps(odd + j));
      _mm512_storeu_ps(dst + 2 * j, _mm512_permutex2var_ps(e, lo_index, o));
      _mm512_storeu_ps(dst + 2 * j + 16, _mm512_permutex2var_ps(e, hi_index, o));
    }
    for (; j < pairs; ++j) {
      dst[2 * j] = bias + even[j];
      dst[2 * j + 1] = bias + odd[j];
    }
  }
};

}  // namespace impl

const Kernels& avx512_kernels() {
  static const Kernels kernels = impl::kernels<xsimd::avx512bw>();
  return kernels;
}

}  // namespace tg::kernels::winograd_simd
