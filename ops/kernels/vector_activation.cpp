// vector_activation: the run-time dispatch (this unit is compiled without extra
// instruction-set flags) and the SSE2 kernels, which need none.
#include "ops/kernels/vector_activation.h"

#include "ops/kernels/vector_activation_impl.h"

TG_VECTOR_ACTIVATION_FOR_ARCH(, xsimd::sse2)

namespace tg::kernels {
namespace {

using Isas = xsimd::arch_list<xsimd::avx512bw, xsimd::fma3<xsimd::avx2>, xsimd::sse2>;

struct IsaName {
  template <class Arch>
  const char* operator()(Arch) const { return Arch::name(); }
};

}  // namespace

void activation_forward(Activation f, const ActivationParams& p, const float* x, float* y,
                        int64_t n) {
  xsimd::dispatch<Isas>(vector_activation_detail::Forward{})(f, p, x, y, n);
}

bool has_vector_backward(Activation f) {
  return f == Activation::kSilu || f == Activation::kGeluErf || f == Activation::kGeluTanh ||
         f == Activation::kSoftplus;
}

void activation_backward(Activation f, const ActivationParams& p, const float* x,
                         const float* g, float* dx, int64_t n) {
  xsimd::dispatch<Isas>(vector_activation_detail::Backward{})(f, p, x, g, dx, n);
}

const char* vector_activation_isa_name() {
  return xsimd::dispatch<Isas>(IsaName{})();
}

}  // namespace tg::kernels
