// Winograd tile transforms compiled for AVX-512 (this unit gets the AVX-512 flags): the
// even/odd splits and joins through two-source permutes.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "ops/kernels/conv_winograd_simd.h"

#if !defined(__AVX512F__) || !defined(__FMA__)
#error "conv_winograd_avx512.cpp must be compiled with AVX-512 and FMA enabled"
#endif

namespace tg::kernels::winograd_simd {
namespace impl {

template <>
struct Pairs<xsimd::avx512bw> {
  using V = xsimd::batch<float, xsimd::avx512bw>;
  static __mmask16 first_lanes(int64_t n) {
    return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1);
  }
  static void split(const float* src, int64_t pairs, float* even, float* odd) {
    split_masked(src, 0, 2 * pairs, pairs, even, odd);
  }
  static void store_joined(const V& even, const V& odd, float* dst, int64_t count) {
    const __m512i lo_index =
        _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi_index = _mm512_add_epi32(lo_index, _mm512_set1_epi32(8));
    _mm512_mask_storeu_ps(dst, first_lanes(count), _mm512_permutex2var_ps(even, lo_index, odd));
    if (count > 16)
      _mm512_mask_storeu_ps(dst + 16, first_lanes(count - 16),
                            _mm512_permutex2var_ps(even, hi_index, odd));
  }
  static constexpr bool masked_split = true;
  // Masked loads read only the lanes inside [0, width), so no element outside the row is
  // touched.
  static void split_masked(const float* row, int64_t first, int64_t width, int64_t pairs,
                           float* even, float* odd) {
    const __m512i even_index =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd_index = _mm512_add_epi32(even_index, _mm512_set1_epi32(1));
    const auto base = reinterpret_cast<std::uintptr_t>(row);
    auto load = [&](int64_t q) {  // row[q .. q + 16), zero outside [0, width)
      const int64_t skip = std::max<int64_t>(0, -q);
      const __mmask16 valid =
          static_cast<__mmask16>(first_lanes(width - q) & ~first_lanes(skip));
      if (valid == 0) return _mm512_setzero_ps();
      const auto at = base + static_cast<std::uintptr_t>(q * int64_t{sizeof(float)});
      return _mm512_maskz_loadu_ps(valid, reinterpret_cast<const float*>(at));
    };
    for (int64_t j = 0; j < pairs; j += 16) {
      const int64_t q = first + 2 * j;
      const __m512 lo = load(q), hi = load(q + 16);
      const __mmask16 keep = first_lanes(pairs - j);
      _mm512_mask_storeu_ps(even + j, keep, _mm512_permutex2var_ps(lo, even_index, hi));
      _mm512_mask_storeu_ps(odd + j, keep, _mm512_permutex2var_ps(lo, odd_index, hi));
    }
  }
};

}  // namespace impl

const Kernels& avx512_kernels() {
  static const Kernels kernels = impl::kernels<xsimd::avx512bw>();
  return kernels;
}

}  // namespace tg::kernels::winograd_simd
