// vector_exp: the run-time dispatch (this unit is compiled without extra instruction-set
// flags) and the SSE2 kernels, which need none.
#include "ops/kernels/vector_exp.h"

#include "ops/kernels/vector_exp_impl.h"

TG_VECTOR_EXP_FOR_ARCH(, xsimd::sse2)

namespace tg::kernels {
namespace {

using Isas = xsimd::arch_list<xsimd::avx512bw, xsimd::fma3<xsimd::avx2>, xsimd::sse2>;

template <class F>
auto dispatched() {
  return xsimd::dispatch<Isas>(F{});
}

struct IsaName {
  template <class Arch>
  const char* operator()(Arch) const { return Arch::name(); }
};

}  // namespace

void exp_minus(const float* x, const float* shift, int64_t shift_stride, float* y, int64_t n) {
  dispatched<vector_exp_detail::ExpMinus<float>>()(x, shift, shift_stride, y, n);
}

void exp_minus(const double* x, const double* shift, int64_t shift_stride, double* y,
               int64_t n) {
  dispatched<vector_exp_detail::ExpMinus<double>>()(x, shift, shift_stride, y, n);
}

const char* vector_exp_isa_name() { return dispatched<IsaName>()(); }

}  // namespace tg::kernels
