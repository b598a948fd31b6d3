// The one place that chooses which convolution kernels the ops run (conv.cpp): direct
// vector loops for depthwise convolutions (conv_depthwise.h), im2col + a register-tiled
// GEMM for the rest (conv_im2col.h), the reference loops of conv_reference.h as the
// fallback. All agree with the reference and give the same bits for any thread count.
//
// Buffers are contiguous N, C, D, H, W (1-d and 2-d problems have leading spatial sizes 1,
// see ConvGeometry); weights are [C_out, C_in/groups, kD, kH, kW]. Outputs are overwritten.
#pragma once
#include "ops/kernels/conv_geometry.h"

namespace tg::kernels {

// y = conv(x, w) + bias (bias may be null).
void conv_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                  float* y);
void conv_forward(const ConvGeometry& g, const double* x, const double* w, const double* bias,
                  double* y);

// gx = dL/dx for gy = dL/dy; also conv_transpose's forward with the geometry of the
// convolution it transposes.
void conv_backward_input(const ConvGeometry& g, const float* gy, const float* w, float* gx);
void conv_backward_input(const ConvGeometry& g, const double* gy, const double* w, double* gx);

// gw = dL/dw for gy = dL/dy.
void conv_backward_weight(const ConvGeometry& g, const float* x, const float* gy, float* gw);
void conv_backward_weight(const ConvGeometry& g, const double* x, const double* gy, double* gw);

// Name of the implementation in use, for benchmarks and reports.
const char* conv_impl_name();

}  // namespace tg::kernels
