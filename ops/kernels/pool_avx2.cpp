// Vectorised pooling kernels compiled for AVX2 + FMA (this unit gets those flags).
#include "ops/kernels/pool_simd_impl.h"

namespace tg::kernels::pool_simd {

const Kernels& avx2_kernels() {
  using A = xsimd::fma3<xsimd::avx2>;
  static const Kernels kernels{A::name(), impl::kernel_set<float, A>(),
                               impl::kernel_set<double, A>()};
  return kernels;
}

}  // namespace tg::kernels::pool_simd
