// Depthwise convolution plane loops compiled for AVX-512 (this unit gets the AVX-512 flags).

// GCC 12 reports the deliberately undefined pass-through operand inside the AVX-512
// intrinsics behind xsimd::hadd as "may be used uninitialized"; the warning is spurious.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "ops/kernels/conv_depthwise_simd.h"

namespace tg::kernels::depthwise_simd {

const Kernels& avx512_kernels() {
  static const Kernels kernels = impl::kernels<xsimd::avx512bw>();
  return kernels;
}

}  // namespace tg::kernels::depthwise_simd
