// Winograd tile transforms compiled for AVX2 + FMA (this unit gets -mavx2 -mfma).
#include "ops/kernels/conv_winograd_simd.h"

namespace tg::kernels::winograd_simd {

const Kernels& avx2_kernels() {
  static const Kernels kernels = impl::kernels<xsimd::fma3<xsimd::avx2>>();
  return kernels;
}

}  // namespace tg::kernels::winograd_simd
