// Vectorised pooling kernels compiled for AVX-512 (this unit gets the AVX-512 flags).
#include "ops/kernels/pool_simd_impl.h"

namespace tg::kernels::pool_simd {

const Kernels& avx512_kernels() {
  using A = xsimd::avx512bw;
  static const Kernels kernels{A::name(), impl::kernel_set<float, A>(),
                               impl::kernel_set<double, A>()};
  return kernels;
}

}  // namespace tg::kernels::pool_simd
