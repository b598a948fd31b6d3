// Internal to the vector_exp units: the kernel body, instantiated once per instruction set
// in a unit compiled for it (vector_exp_avx512.cpp, vector_exp_avx2.cpp; sse2 in
// vector_exp.cpp) and declared `extern` here for everyone else.
#pragma once
#include <cstdint>
#include <xsimd/xsimd.hpp>

namespace tg::kernels::vector_exp_detail {

template <class T>
struct ExpMinus {
  template <class Arch>
  void operator()(Arch, const T* x, const T* shift, int64_t shift_stride, T* y,
                  int64_t n) const;
};

// Defined outside the class (so not implicitly inline): the `extern` declarations below
// then keep units compiled without an instruction set from instantiating its body.
template <class T>
template <class Arch>
void ExpMinus<T>::operator()(Arch, const T* x, const T* shift, int64_t shift_stride, T* y,
                             int64_t n) const {
  using V = xsimd::batch<T, Arch>;
  constexpr int64_t W = V::size;
  int64_t i = 0;
  if (shift_stride == 0) {
    const V s(*shift);
    for (; i + W <= n; i += W) xsimd::exp(V::load_unaligned(x + i) - s).store_unaligned(y + i);
  } else {
    for (; i + W <= n; i += W)
      xsimd::exp(V::load_unaligned(x + i) - V::load_unaligned(shift + i)).store_unaligned(y + i);
  }
  const int64_t rest = n - i;
  if (rest > 0) {  // the tail goes through the same vector code, padded
    T xb[W] = {}, sb[W] = {}, yb[W];
    for (int64_t k = 0; k < rest; ++k) {
      xb[k] = x[i + k];
      sb[k] = shift[(i + k) * shift_stride];
    }
    xsimd::exp(V::load_unaligned(xb) - V::load_unaligned(sb)).store_unaligned(yb);
    for (int64_t k = 0; k < rest; ++k) y[i + k] = yb[k];
  }
}

}  // namespace tg::kernels::vector_exp_detail

#define TG_VECTOR_EXP_FOR_ARCH(PREFIX, ARCH)                                                \
  PREFIX template void tg::kernels::vector_exp_detail::ExpMinus<float>::operator()<ARCH>(  \
      ARCH, const float*, const float*, int64_t, float*, int64_t) const;                    \
  PREFIX template void tg::kernels::vector_exp_detail::ExpMinus<double>::operator()<ARCH>( \
      ARCH, const double*, const double*, int64_t, double*, int64_t) const;

TG_VECTOR_EXP_FOR_ARCH(extern, xsimd::avx512bw)
TG_VECTOR_EXP_FOR_ARCH(extern, xsimd::fma3<xsimd::avx2>)
TG_VECTOR_EXP_FOR_ARCH(extern, xsimd::sse2)
