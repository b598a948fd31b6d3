// vector_activation kernels for AVX-512 (this file is compiled with the AVX-512 flags).
// GCC 12 flags the deliberately undefined pass-through operands inside its own AVX-512
// intrinsics headers (used by xsimd's math) as maybe-uninitialized: a false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "ops/kernels/vector_activation_impl.h"

#if !defined(__AVX512BW__)
#error "vector_activation_avx512.cpp must be compiled with AVX-512BW enabled"
#endif

TG_VECTOR_ACTIVATION_FOR_ARCH(, xsimd::avx512bw)
