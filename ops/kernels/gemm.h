// Dense matrix multiply on raw row-major buffers: the one GEMM every matmul,
// linear layer and convolution in tapegrad goes through.
#pragma once
#include <cstdint>

namespace tg::kernels {

// C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C[M,N], all row-major.
// op(A) = A (lda >= K) or A^T when trans_a (A stored K x M, lda >= M); same for B.
// beta == 0 means C is write-only (NaNs in C are not propagated).
// Deterministic: the result bits do not depend on the thread count.
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
          int64_t ldc);
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
          const double* A, int64_t lda, const double* B, int64_t ldb, double beta, double* C,
          int64_t ldc);

// Name of the instruction set the dispatcher picked ("avx512bw", "fma3<avx2>", "sse2").
const char* gemm_isa_name();

}  // namespace tg::kernels
