// GEMM kernels for SSE2, the x86-64 baseline (no extra compiler flags needed).
#include <emmintrin.h>

#include "ops/kernels/gemm_microkernel.h"

namespace tg::kernels::gemm_detail {

template <>
struct IsaOps<xsimd::sse2, float> : PartialAccessViaBuffer<xsimd::sse2, float> {
  static void transpose(xsimd::batch<float, xsimd::sse2>* rows) noexcept {
    __m128 r0 = rows[0], r1 = rows[1], r2 = rows[2], r3 = rows[3];
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    rows[0] = r0, rows[1] = r1, rows[2] = r2, rows[3] = r3;
  }
};

template <>
struct IsaOps<xsimd::sse2, double> : PartialAccessViaBuffer<xsimd::sse2, double> {
  static void transpose(xsimd::batch<double, xsimd::sse2>* rows) noexcept {
    const __m128d r0 = rows[0], r1 = rows[1];
    rows[0] = _mm_unpacklo_pd(r0, r1);
    rows[1] = _mm_unpackhi_pd(r0, r1);
  }
};

TG_GEMM_KERNELS_FOR_ARCH(, xsimd::sse2)

}  // namespace tg::kernels::gemm_detail
