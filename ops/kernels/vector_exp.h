// Vectorised exp for the softmax family (softmax, log_softmax, logsumexp): the best
// instruction set of the machine, picked at run time. Every element goes through the same
// vector code (a short tail is padded), so results depend only on the value, never on its
// position or the thread count.
#pragma once
#include <cstdint>

namespace tg::kernels {

// y[i] = exp(x[i] - shift[i * shift_stride]) for i < n; shift_stride is 0 (one shift for
// all) or 1. y may alias x.
void exp_minus(const float* x, const float* shift, int64_t shift_stride, float* y, int64_t n);
void exp_minus(const double* x, const double* shift, int64_t shift_stride, double* y,
               int64_t n);

// Name of the instruction set the dispatcher picked ("avx512bw", "fma3<avx2>", "sse2").
const char* vector_exp_isa_name();

}  // namespace tg::kernels
