// Pooling kernels on contiguous N, C, D, H, W buffers with PyTorch 1.13's semantics.
// 1-d and 2-d pooling are 3-d pooling with leading spatial sizes 1 (see ConvGeometry;
// in_channels must equal out_channels, groups is ignored). Outputs are preallocated by
// the caller and overwritten.
//
// Every kernel is parallel over the N*C planes and writes each element from exactly one
// task, so results are bitwise identical for any thread count. Backward kernels sum, for
// each input-gradient element, the windows that contain it in raster order of those
// windows: the reference loops are gathers; max-pool backward's fast path lets the task
// that owns a plane add each window's gradient at its index in that same order (same
// bits, no atomics). Max-pool forward and average pooling forward and backward have a
// vectorised path (AVX-512 or AVX2, chosen at run time) for width strides 1 and 2.
#pragma once
#include <cstdint>

#include "ops/kernels/conv_geometry.h"

namespace tg::kernels {

// ---------------------------------------------------------------- max pooling
// y[N, C, out...] = max over each window of x[N, C, in...] (kernel, stride, pad and
// dilation from g; `out` must be the floor- or ceil-mode size of pool_output_size).
// Taps outside the input read -inf. `indices` (may be null) receives PyTorch's argmax:
// the flat index into that (n, c)'s D*H*W input plane. A NaN wins the max (the window's
// last NaN); ties keep the first element in scan order; an all -inf window reports its
// first in-bounds element. A dilated window with no in-bounds tap gives -inf and, like
// PyTorch, an index past the plane, which max_pool_backward then ignores.
template <class T>
void max_pool_forward(const ConvGeometry& g, const T* x, T* y, int64_t* indices);

// gx[N, C, in...] = for each element, the sum of gy over the windows that contain it and
// whose index names it. Indices must come from max_pool_forward with the same geometry;
// values outside [0, D*H*W), and the indices of windows that miss the input, count
// nowhere.
template <class T>
void max_pool_backward(const ConvGeometry& g, const T* gy, const int64_t* indices, T* gx);

// ---------------------------------------------------------------- average pooling
// Window sums divided by PyTorch's divisor: divisor_override if > 0, else the window
// size clipped to the padded extent [-pad, in+pad) when count_include_pad, else the
// number of input elements in the window. Dilation must be 1.
template <class T>
void avg_pool_forward(const ConvGeometry& g, const T* x, T* y, bool count_include_pad,
                      int64_t divisor_override);

template <class T>
void avg_pool_backward(const ConvGeometry& g, const T* gy, T* gx, bool count_include_pad,
                       int64_t divisor_override);

// ---------------------------------------------------------------- adaptive pooling
// Output element i of a dim pools input [floor(i*in/out), ceil((i+1)*in/out)). Only
// batch, in_channels, in and out of g are read.
template <class T>
void adaptive_avg_pool_forward(const ConvGeometry& g, const T* x, T* y);

template <class T>
void adaptive_avg_pool_backward(const ConvGeometry& g, const T* gy, T* gx);

// Indices as for max_pool_forward (required here).
template <class T>
void adaptive_max_pool_forward(const ConvGeometry& g, const T* x, T* y, int64_t* indices);

template <class T>
void adaptive_max_pool_backward(const ConvGeometry& g, const T* gy, const int64_t* indices, T* gx);

// ---------------------------------------------------------------- max unpooling
// y[plane, unpooled_size] = 0 except y[plane][indices[plane, i]] = x[plane, i] for the
// `planes` = N*C planes; when an index repeats the last one wins (PyTorch). Throws
// std::invalid_argument if an index is outside [0, unpooled_size).
template <class T>
void max_unpool_forward(int64_t planes, int64_t pooled_size, int64_t unpooled_size, const T* x,
                        const int64_t* indices, T* y);

// gx[plane, i] = gy[plane][indices[plane, i]]: the gather that is unpooling's adjoint.
template <class T>
void max_unpool_backward(int64_t planes, int64_t pooled_size, int64_t unpooled_size, const T* gy,
                         const int64_t* indices, T* gx);

// ---------------------------------------------------------------- implementation choice
// `automatic` uses the best vectorised kernels the CPU supports where they apply;
// `scalar` forces the plain reference loops (gathers) everywhere; `avx2` prefers the AVX2
// kernels even on AVX-512 machines (scalar if the CPU lacks AVX2). Process-wide; the
// tests compare them.
enum class PoolImpl { automatic, scalar, avx2 };
void set_pool_impl(PoolImpl impl);
PoolImpl pool_impl();
// Instruction set the vectorised pooling path uses now ("avx512bw", "fma3+avx2" or
// "scalar").
const char* pool_isa_name();

#define TG_POOL_EXTERN(T)                                                                          \
  extern template void max_pool_forward<T>(const ConvGeometry&, const T*, T*, int64_t*);           \
  extern template void max_pool_backward<T>(const ConvGeometry&, const T*, const int64_t*, T*);    \
  extern template void avg_pool_forward<T>(const ConvGeometry&, const T*, T*, bool, int64_t);      \
  extern template void avg_pool_backward<T>(const ConvGeometry&, const T*, T*, bool, int64_t);     \
  extern template void adaptive_avg_pool_forward<T>(const ConvGeometry&, const T*, T*);            \
  extern template void adaptive_avg_pool_backward<T>(const ConvGeometry&, const T*, T*);           \
  extern template void adaptive_max_pool_forward<T>(const ConvGeometry&, const T*, T*, int64_t*);  \
  extern template void adaptive_max_pool_backward<T>(const ConvGeometry&, const T*,                \
                                                     const int64_t*, T*);                          \
  extern template void max_unpool_forward<T>(int64_t, int64_t, int64_t, const T*, const int64_t*,  \
                                             T*);                                                  \
  extern template void max_unpool_backward<T>(int64_t, int64_t, int64_t, const T*, const int64_t*, \
                                              T*);
TG_POOL_EXTERN(float)
TG_POOL_EXTERN(double)
#undef TG_POOL_EXTERN

}  // namespace tg::kernels
