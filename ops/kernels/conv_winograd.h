// Winograd F(2x2, 3x3) convolution for float32 2-d layers with a 3x3 kernel, stride 1,
// dilation 1 and one group (any padding, batch and channel counts): each 2x2 block of
// outputs (a tile) comes from its 4x4 input patch with 16 multiplies per (input, output)
// channel pair instead of 36.
//
//   U[xi] = (G w G^T)[xi]          weights, [C_out, C_in] per xi of the 16, once per call
//   V[xi] = (B^T d B)[xi]          input patches, [C_in, tiles]
//   M[xi] = U[xi] * V[xi]          16 products through the im2col convolution's micro-kernel
//   y     = A^T M A (+ bias)       per tile
//
// The tiles are cut into blocks of whole tile rows (across images when the images are
// small), one task per block, each transforming, multiplying and writing its own outputs;
// every output element's arithmetic is the same whatever the block, so the bits do not
// depend on the thread count.
//
// Accuracy: the transforms add and subtract up to 16 terms, so the error is larger than
// the direct kernels' (measured against them in tests/kernels/conv_winograd_test.cpp and
// stated in the README). float64 never comes here.
#pragma once
#include "ops/kernels/conv_geometry.h"

namespace tg::kernels {

// Whether g is such a layer (and its buffers stay within bounds).
bool conv_winograd_applies(const ConvGeometry& g);
// Whether the input gradient of g can run as a Winograd forward convolution (g applies and
// its padding is at most 2, so the gradient's padding 2 - pad is not negative).
bool conv_winograd_input_grad_applies(const ConvGeometry& g);

// Same contracts as conv_forward / conv_backward_input (conv.h); g must apply.
void conv_forward_winograd(const ConvGeometry& g, const float* x, const float* w,
                           const float* bias, float* y);
void conv_backward_input_winograd(const ConvGeometry& g, const float* gy, const float* w,
                                  float* gx);

// dL/dw (conv_backward_weight's contract) as G^T [sum over tiles of (A gy A^T) . (B^T x B)] G,
// the sum through the GEMM (gemm.h) over chunks of tiles; g must apply.
void conv_backward_weight_winograd(const ConvGeometry& g, const float* x, const float* gy,
                                   float* gw);

// The instruction set of the transforms ("avx512bw", "fma3<avx2>", "sse2").
const char* conv_winograd_isa_name();

}  // namespace tg::kernels
