// Internal to ops/: walking several strided tensors of one (broadcast) shape together.
// The outer dims are visited in row-major order, the innermost dim is handed to a
// callback as one run, so contiguous data gets a plain (vectorisable) loop.
#pragma once
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <array>

#include "autograd/parallel.h"
#include "autograd/tensor.h"

namespace tg::detail {

// Elements per task of the dense elementwise loops (parallel_chunks).
constexpr int64_t kDenseChunk = int64_t{1} << 15;

// Broadcast shape of a and b (NumPy rules); throws naming `op` when incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Strides that read `t` as if it had shape `out` (stride 0 along broadcast dims).
Shape broadcast_strides(const Tensor& t, const Shape& out);

template <int K>
struct StridedLoop {
  int ndim = 0;
  int64_t sizes[kMaxDims];
  int64_t strides[K][kMaxDims];  // in elements

  // Builds the loop over `shape`, merging dims that are contiguous in every operand.
  StridedLoop(const Shape& shape, const std::array<Shape, K>& operand_strides) {
    if (shape.numel() == 0) {  // nothing to visit
      sizes[0] = 0;
      for (int k = 0; k < K; ++k) strides[k][0] = 0;
      ndim = 1;
      return;
    }
    for (int d = 0; d < shape.size(); ++d) {
      if (shape[d] == 1) continue;
      if (ndim > 0) {
        bool mergeable = true;
        for (int k = 0; k < K; ++k)
          mergeable = mergeable && strides[k][ndim - 1] == operand_strides[k][d] * shape[d];
        if (mergeable) {
          sizes[ndim - 1] *= shape[d];
          for (int k = 0; k < K; ++k) strides[k][ndim - 1] = operand_strides[k][d];
          continue;
        }
      }
      sizes[ndim] = shape[d];
      for (int k = 0; k < K; ++k) strides[k][ndim] = operand_strides[k][d];
      ++ndim;
    }
    if (ndim == 0) {  // a scalar (or all-ones shape): one run of length 1
      sizes[0] = 1;
      for (int k = 0; k < K; ++k) strides[k][0] = 0;
      ndim = 1;
    }
  }

  int64_t inner() const { return sizes[ndim - 1]; }
  int64_t outer() const {
    int64_t n = 1;
    for (int d = 0; d + 1 < ndim; ++d) n *= sizes[d];
    return n;
  }

  // Calls f(offsets, inner_strides, n) for outer rows [begin, end).
  template <class F>
  void run_rows(int64_t begin, int64_t end, F&& f) const {
    int64_t idx[kMaxDims] = {};
    int64_t rem = begin;
    for (int d = ndim - 2; d >= 0; --d) {
      idx[d] = rem % sizes[d];
      rem /= sizes[d];
    }
    std::array<int64_t, K> off{};
    for (int k = 0; k < K; ++k)
      for (int d = 0; d + 1 < ndim; ++d) off[k] += idx[d] * strides[k][d];
    std::array<int64_t, K> inner_strides;
    for (int k = 0; k < K; ++k) inner_strides[k] = strides[k][ndim - 1];
    for (int64_t row = begin; row < end; ++row) {
      f(off, inner_strides, sizes[ndim - 1]);
      for (int d = ndim - 2; d >= 0; --d) {  // odometer increment
        ++idx[d];
        for (int k = 0; k < K; ++k) off[k] += strides[k][d];
        if (idx[d] < sizes[d]) break;
        for (int k = 0; k < K; ++k) off[k] -= strides[k][d] * sizes[d];
        idx[d] = 0;
      }
    }
  }

  // Runs every row; in parallel (fixed chunks, one writer per element) when large.
  template <class F>
  void run(F&& f) const {
    const int64_t rows = outer();
    const int64_t total = rows * inner();
    constexpr int64_t kParallelThreshold = 1 << 16;
    if (total < kParallelThreshold) {
      run_rows(0, rows, f);
      return;
    }
    if (rows == 1) {  // one long run (dense operands): cut it into fixed chunks
      parallel_chunks(inner(), kDenseChunk, [&](int64_t begin, int64_t end) {
        std::array<int64_t, K> off, st;
        for (int k = 0; k < K; ++k) {
          st[k] = strides[k][0];
          off[k] = begin * st[k];
        }
        f(off, st, end - begin);
      });
      return;
    }
    const int64_t grain = std::max<int64_t>(1, kParallelThreshold / 4 / std::max<int64_t>(inner(), 1));
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, rows, grain),
                      [&](const tbb::blocked_range<int64_t>& r) { run_rows(r.begin(), r.end(), f); },
                      tbb::simple_partitioner());
  }
};

// out[i] = f(a[i]) over same-shaped tensors (out contiguous, a any layout).
template <class Out, class In, class F>
void unary_kernel(const Tensor& out, const Tensor& a, F f) {
  Out* po = static_cast<Out*>(out.raw_data());
  const In* pa = static_cast<const In*>(a.raw_data());
  if (a.is_contiguous()) {
    parallel_chunks(out.numel(), kDenseChunk, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) po[i] = f(pa[i]);
    });
    return;
  }
  StridedLoop<2> loop(out.shape(), {out.strides(), a.strides()});
  loop.run([&](const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st, int64_t n) {
    Out* o = po + off[0];
    const In* x = pa + off[1];
    for (int64_t i = 0; i < n; ++i) o[i * st[0]] = f(x[i * st[1]]);
  });
}

// out = f(a, b) with broadcasting; out is contiguous with the broadcast shape.
template <class Out, class In, class F>
void binary_kernel(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
  Out* po = static_cast<Out*>(out.raw_data());
  const In* pa = static_cast<const In*>(a.raw_data());
  const In* pb = static_cast<const In*>(b.raw_data());
  if (a.shape() == out.shape() && b.shape() == out.shape() && a.is_contiguous() &&
      b.is_contiguous() && out.is_contiguous()) {  // the common case: one flat loop
    parallel_chunks(out.numel(), kDenseChunk, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) po[i] = f(pa[i], pb[i]);
    });
    return;
  }
  StridedLoop<3> loop(out.shape(), {out.strides(), broadcast_strides(a, out.shape()),
                                    broadcast_strides(b, out.shape())});
  loop.run([&](const std::array<int64_t, 3>& off, const std::array<int64_t, 3>& st, int64_t n) {
    Out* o = po + off[0];
    const In* x = pa + off[1];
    const In* y = pb + off[2];
    if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
    } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {
      const In yv = *y;
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
    } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
      const In xv = *x;
      for (int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * st[0]] = f(x[i * st[1]], y[i * st[2]]);
    }
  });
}

}  // namespace tg::detail
