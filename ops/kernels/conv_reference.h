// Reference convolution kernels: plain loops over contiguous N, C, D, H, W buffers that
// define what every fast convolution must compute (the tests' oracle). 1-d and 2-d
// problems are 3-d problems with leading spatial sizes 1 (see ConvGeometry).
//
// Weights follow PyTorch: [C_out, C_in/groups, kD, kH, kW]. Taps outside [0, in) read
// zero, so `pad` plus `out` describe any (also asymmetric) zero padding.
// Results are bitwise identical for any thread count: every output plane is computed by
// one task in a fixed order.
#pragma once
#include <cstdint>

#include "ops/kernels/conv_geometry.h"

namespace tg::kernels {

// y[N, C_out, out...] = conv(x[N, C_in, in...], w) + bias[C_out]; bias may be null.
template <class T>
void conv_forward_ref(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y);

// gx[N, C_in, in...] = dL/dx for gy[N, C_out, out...] (overwrites gx). Each input plane
// gathers from the output planes of its group, contributions arriving in
// (c_out, kd, kh, kw) order. This is also conv_transpose's forward, with the geometry of
// the convolution it transposes (the transpose's output is `in`).
template <class T>
void conv_backward_input_ref(const ConvGeometry& g, const T* gy, const T* w, T* gx);

// gw[C_out, C_in/groups, kD, kH, kW] = dL/dw (overwrites gw). One writer per weight
// element; the sum over batch and output positions runs in double, which costs nothing
// in a scalar reduction and keeps float32 results close to the exact value.
template <class T>
void conv_backward_weight_ref(const ConvGeometry& g, const T* x, const T* gy, T* gw);

extern template void conv_forward_ref<float>(const ConvGeometry&, const float*, const float*,
                                             const float*, float*);
extern template void conv_forward_ref<double>(const ConvGeometry&, const double*, const double*,
                                              const double*, double*);
extern template void conv_backward_input_ref<float>(const ConvGeometry&, const float*, const float*,
                                                    float*);
extern template void conv_backward_input_ref<double>(const ConvGeometry&, const double*,
                                                     const double*, double*);
extern template void conv_backward_weight_ref<float>(const ConvGeometry&, const float*,
                                                     const float*, float*);
extern template void conv_backward_weight_ref<double>(const ConvGeometry&, const double*,
                                                      const double*, double*);

}  // namespace tg::kernels
