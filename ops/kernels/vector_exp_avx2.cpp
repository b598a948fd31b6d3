// vector_exp kernels for AVX2 with FMA (this file is compiled with -mavx2 -mfma).
#include "ops/kernels/vector_exp_impl.h"

#if !defined(__AVX2__) || !defined(__FMA__)
#error "vector_exp_avx2.cpp must be compiled with AVX2 and FMA enabled"
#endif

TG_VECTOR_EXP_FOR_ARCH(, xsimd::fma3<xsimd::avx2>)
