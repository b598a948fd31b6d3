// Depthwise convolution: every input channel is its own group (groups == C_in), with
// C_out / C_in output channels per input channel (the channel multiplier). Direct
// vectorised loops over whole planes instead of im2col + GEMM, whose matrices would be
// only multiplier x kD*kH*kW.
//
// Each plane is first copied into a zero-padded buffer, so the inner loops never test
// bounds: forward and weight gradient read the padded input (split by stride phase along
// the width, so strided taps are contiguous loads); the input gradient reads the output
// gradient spread out by the stride and padded, and correlates it with the flipped kernel
// (a gather: each input-gradient plane has one writer).
//
// Same buffer layouts and contracts as conv_reference.h. Bitwise identical results for any
// thread count: one task per plane (forward, input gradient) or per input channel (weight
// gradient, summing the batch in order, per-plane partial sums added in double).
#pragma once
#include <cstdint>

#include "ops/kernels/conv_geometry.h"

namespace tg::kernels {

// True when the depthwise kernels handle g: groups == in_channels > 1.
bool conv_is_depthwise(const ConvGeometry& g);

// False when one padded plane of g would take more than 64 MiB of thread-local buffer.
bool conv_depthwise_fits(const ConvGeometry& g, int64_t element_bytes);

// The three kernels, with the contracts of conv_reference.h. They throw
// std::invalid_argument naming the function for an invalid geometry, null pointers, or a
// geometry that is not depthwise.
template <class T>
void conv_forward_depthwise(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y);
template <class T>
void conv_backward_input_depthwise(const ConvGeometry& g, const T* gy, const T* w, T* gx);
template <class T>
void conv_backward_weight_depthwise(const ConvGeometry& g, const T* x, const T* gy, T* gw);

// Instruction set of the vector loops ("avx512bw", "fma3<avx2>" or "sse2").
const char* conv_depthwise_isa_name();

#define TG_CONV_DEPTHWISE_DECLARE(PREFIX, T)                                                    \
  PREFIX template void conv_forward_depthwise<T>(const ConvGeometry&, const T*, const T*,       \
                                                 const T*, T*);                                 \
  PREFIX template void conv_backward_input_depthwise<T>(const ConvGeometry&, const T*, const T*, \
                                                        T*);                                    \
  PREFIX template void conv_backward_weight_depthwise<T>(const ConvGeometry&, const T*, const T*, \
                                                         T*);

TG_CONV_DEPTHWISE_DECLARE(extern, float)
TG_CONV_DEPTHWISE_DECLARE(extern, double)

}  // namespace tg::kernels
