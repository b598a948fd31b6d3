// Vectorised float32 forward kernels of the activations whose formula needs exp, expm1,
// tanh, erfc or log1p (sigmoid, tanh, silu, elu, gelu in both forms, softplus), for the
// best instruction set of the machine, picked at run time. Every element goes through the
// same vector code (a short tail is padded), so a result depends only on its input value,
// never on its position, the chunking or the thread count.
//
// Accuracy (float32 against the function evaluated in double, on every 4093rd float32 bit
// pattern plus [-12, 12] in steps of 2^-10; tests/kernels/vector_activation_test.cpp holds
// the bounds): sigmoid 2.0 ulp, tanh 1.2, elu 2.0, softplus 1.5, silu 2.8 for x >= -87
// (below, exp(x) is subnormal and the error reaches 45 ulp; the plain quotient gave -0).
// gelu: 4.5 ulp for x >= 0; for x < 0 the error follows the function's condition number
// (about x^2) and xsimd's float erfc (6 to 72 ulp): 12 ulp at -3, 57 at -6, 239 at -12.2.
// The former scalar code (erf in double) was within 1 ulp down to -5.5 and lost every
// digit below; 1 + erf in float loses hundreds of ulp from -2 on. gelu(tanh): 3 ulp for
// x >= 0, up to 157 ulp at -9.9 (condition number 200), where 1 + tanh in float (the
// former code) rounds to 0 from -5 on. Subnormal results are within 2^-126 absolute.
// NaN stays NaN; ±0 keep their sign; ±inf and saturation (sigmoid(±100), tanh(±20)) give
// the values of the scalar libm formulas.
#pragma once
#include <cstdint>

namespace tg::kernels {

enum class Activation {
  kSigmoid,   // 1 / (1 + exp(-x))
  kTanh,      // tanh(x)
  kSilu,      // x / (1 + exp(-x))
  kElu,       // x > 0 ? x : alpha * expm1(x)
  kGeluErf,   // x * Phi(x) = x / 2 * erfc(-x / sqrt(2))
  kGeluTanh,  // x / 2 * (1 + tanh(u)) = x / (1 + exp(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3)
  kSoftplus,  // beta * x > threshold ? x : log1p(exp(beta * x)) / beta
};

// Constants of the parametrised activations, in float as the kernels compute.
struct ActivationParams {
  float alpha = 1.0f;       // elu
  float beta = 1.0f;        // softplus
  float threshold = 20.0f;  // softplus
};

// y[i] = f(x[i]) for i < n; y may alias x.
void activation_forward(Activation f, const ActivationParams& p, const float* x, float* y,
                        int64_t n);

// dx[i] = g[i] * f'(x[i]) for i < n, for the activations where has_vector_backward(f): the
// first-order backward of silu, both gelus and softplus, which otherwise take several
// tensor passes (and, for gelu, exp and erf one element at a time). Same position
// independence; silu's and the gelus' derivative is within a few ulp of the composed
// formula, softplus's is the composed formula's bits (tested).
bool has_vector_backward(Activation f);
void activation_backward(Activation f, const ActivationParams& p, const float* x,
                         const float* g, float* dx, int64_t n);

// Name of the instruction set the dispatcher picked ("avx512bw", "fma3<avx2>", "sse2").
const char* vector_activation_isa_name();

}  // namespace tg::kernels
