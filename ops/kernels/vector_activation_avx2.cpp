// vector_activation kernels for AVX2 with FMA (this file is compiled with -mavx2 -mfma).
#include "ops/kernels/vector_activation_impl.h"

#if !defined(__AVX2__) || !defined(__FMA__)
#error "vector_activation_avx2.cpp must be compiled with AVX2 and FMA enabled"
#endif

TG_VECTOR_ACTIVATION_FOR_ARCH(, xsimd::fma3<xsimd::avx2>)
