// Fused normalization kernels on contiguous data (no autograd): forward passes of batch,
// group and layer norm, and their first-order backward passes. Statistics are mean and
// biased variance, accumulated in double in a fixed order; work is split into fixed units
// (a channel, a group row, a block of columns), each written by one task, so results are
// bitwise identical for any thread count. Pointers to optional tensors may be null.
#pragma once
#include <cstdint>

namespace tg::kernels {

// x, y: [n, c, s]. Per channel: mean[c], var[c] (biased; one pass of shifted sums in
// double) of the n * s values, and
// y = (x - mean) / sqrt(var + eps) * w[c] + b[c].
template <class T>
void batch_norm_forward(const T* x, T* y, int64_t n, int64_t c, int64_t s, const T* w,
                        const T* b, double eps, double* mean, double* var);

// Evaluation mode: y = (x - mean[c]) / sqrt(var[c] + eps) * w[c] + b[c] with given (running)
// statistics mean, var of shape [c].
template <class T>
void batch_norm_inference(const T* x, T* y, int64_t n, int64_t c, int64_t s, const T* mean,
                          const T* var, const T* w, const T* b, double eps);

// The gradients of batch_norm_forward for grad_output g: dx [n, c, s], dw [c], db [c].
// saved_mean / saved_var: the statistics batch_norm_forward returned for this x (the same
// bits it would recompute: one pass over x fewer), or null to recompute them.
template <class T>
void batch_norm_backward(const T* x, const T* g, const T* w, int64_t n, int64_t c, int64_t s,
                         double eps, T* dx, T* dw, T* db, const double* saved_mean = nullptr,
                         const double* saved_var = nullptr);

// x, y: [n, c, s] with c = groups * (c / groups). Statistics per (sample, group) over its
// c / groups channels and s positions; w, b per channel.
template <class T>
void group_norm_forward(const T* x, T* y, int64_t n, int64_t c, int64_t s, int64_t groups,
                        const T* w, const T* b, double eps);

template <class T>
void group_norm_backward(const T* x, const T* g, const T* w, int64_t n, int64_t c, int64_t s,
                         int64_t groups, double eps, T* dx, T* dw, T* db);

// x, y: [rows, k]. Statistics per row; w, b per column.
template <class T>
void layer_norm_forward(const T* x, T* y, int64_t rows, int64_t k, const T* w, const T* b,
                        double eps);

template <class T>
void layer_norm_backward(const T* x, const T* g, const T* w, int64_t rows, int64_t k,
                         double eps, T* dx, T* dw, T* db);

}  // namespace tg::kernels
