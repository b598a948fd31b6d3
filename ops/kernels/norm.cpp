// Normalization kernels. The gradient formulas, with xhat = (x - mean) * rstd and gy the
// gradient w.r.t. xhat (grad_output times the weight), over the M values of one group:
//   dx = rstd * (gy - sum(gy) / M - xhat * sum(gy * xhat) / M),
//   dweight = sum(grad_output * xhat), dbias = sum(grad_output) over all but the channel.
// Every elementwise pass works on (x - mean) rather than x so no large terms cancel.
#include "ops/kernels/norm.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace tg::kernels {
namespace {

// Work below this many elements runs on the calling thread.
constexpr int64_t kParallelElements = 1 << 15;
// Each parallel chunk covers about this many elements. The chunking is fixed, and each unit
// is computed by one task, so the bits never depend on the thread count.
constexpr int64_t kChunkElements = 1 << 14;

// Runs unit(i) for i in [0, units), each unit touching about `unit_size` elements.
template <class F>
void for_units(int64_t units, int64_t unit_size, F unit) {
  if (units < 2 || units * unit_size < kParallelElements) {
    for (int64_t i = 0; i < units; ++i) unit(i);
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kChunkElements / std::max<int64_t>(unit_size, 1));
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, units, grain),
                    [&](const tbb::blocked_range<int64_t>& r) {
                      for (int64_t i = r.begin(); i != r.end(); ++i) unit(i);
                    },
                    tbb::simple_partitioner());
}

// sum of f(i) for i in [0, n), in double with 8 interleaved accumulators (a fixed order,
// and no single long dependency chain).
template <class F>
double sum_of(int64_t n, F f) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += f(i + j);
  for (int j = 0; i < n; ++i, ++j) acc[j] += f(i);
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// sum_of for two functions at once (one pass over the data).
template <class F1, class F2>
void sums_of(int64_t n, F1 f1, F2 f2, double& s1, double& s2) {
  double a[8] = {0, 0, 0, 0, 0, 0, 0, 0}, b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) a[j] += f1(i + j);
    for (int j = 0; j < 8; ++j) b[j] += f2(i + j);
  }
  for (int j = 0; i < n; ++i, ++j) {
    a[j] += f1(i);
    b[j] += f2(i);
  }
  s1 = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
  s2 = ((b[0] + b[1]) + (b[2] + b[3])) + ((b[4] + b[5]) + (b[6] + b[7]));
}

struct Moments {
  double mean = 0, var = 0, rstd = 0;
};

// Mean, biased variance (two passes) and 1 / sqrt(var + eps) of `blocks` runs of `len`
// contiguous values, `stride` apart.
template <class T>
Moments moments(const T* x, int64_t blocks, int64_t len, int64_t stride, double eps) {
  Moments m;
  const double count = static_cast<double>(blocks * len);
  double s = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    const T* p = x + b * stride;
    s += sum_of(len, [p](int64_t i) { return static_cast<double>(p[i]); });
  }
  m.mean = s / count;
  double q = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    const T* p = x + b * stride;
    const double mean = m.mean;
    q += sum_of(len, [p, mean](int64_t i) {
      const double d = p[i] - mean;
      return d * d;
    });
  }
  m.var = q / count;
  m.rstd = 1.0 / std::sqrt(m.var + eps);
  return m;
}

// Batch norm's moments in one pass over the channel: sums of d and d^2 for d = x - x0 (x0
// the channel's first value, so the sums stay small and var = E[d^2] - E[d]^2 does not
// cancel), in double, in a fixed order.
template <class T>
Moments shifted_moments(const T* x, int64_t blocks, int64_t len, int64_t stride, double eps) {
  Moments m;
  const double count = static_cast<double>(blocks * len);
  const double shift = blocks * len > 0 ? static_cast<double>(x[0]) : 0.0;
  double s1 = 0, s2 = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    const T* p = x + b * stride;
    double a1, a2;
    sums_of(len, [p, shift](int64_t i) { return static_cast<double>(p[i]) - shift; },
            [p, shift](int64_t i) {
              const double d = static_cast<double>(p[i]) - shift;
              return d * d;
            },
            a1, a2);
    s1 += a1;
    s2 += a2;
  }
  const double mean_d = s1 / count;
  m.mean = shift + mean_d;
  m.var = std::max(0.0, s2 / count - mean_d * mean_d);
  m.rstd = 1.0 / std::sqrt(m.var + eps);
  return m;
}

// y[i] = (x[i] - mean) * scale + shift over one contiguous run.
template <class T>
void affine_run(const T* x, T* y, int64_t len, T mean, T scale, T shift) {
  for (int64_t i = 0; i < len; ++i) y[i] = (x[i] - mean) * scale + shift;
}

// dx[i] = g[i] * k + (x[i] - mean) * c1 + c0 over one contiguous run.
template <class T>
void grad_run(const T* x, const T* g, T* dx, int64_t len, T mean, T k, T c1, T c0) {
  for (int64_t i = 0; i < len; ++i) dx[i] = g[i] * k + (x[i] - mean) * c1 + c0;
}

}  // namespace

template <class T>
void batch_norm_forward(const T* x, T* y, int64_t n, int64_t c, int64_t s, const T* w,
                        const T* b, double eps, double* mean, double* var) {
  std::vector<T> mean_t(c), scale(c), shift(c);
  for_units(c, n * s, [&](int64_t ch) {
    const Moments m = shifted_moments(x + ch * s, n, s, c * s, eps);
    mean[ch] = m.mean;
    var[ch] = m.var;
    mean_t[ch] = static_cast<T>(m.mean);
    scale[ch] = static_cast<T>(w ? m.rstd * w[ch] : m.rstd);
    shift[ch] = b ? b[ch] : T(0);
  });
  for_units(n * c, s, [&](int64_t row) {
    const int64_t ch = row % c;
    affine_run(x + row * s, y + row * s, s, mean_t[ch], scale[ch], shift[ch]);
  });
}

template <class T>
void batch_norm_inference(const T* x, T* y, int64_t n, int64_t c, int64_t s, const T* mean,
                          const T* var, const T* w, const T* b, double eps) {
  std::vector<T> scale(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double rstd = 1.0 / std::sqrt(static_cast<double>(var[ch]) + eps);
    scale[ch] = static_cast<T>(w ? rstd * w[ch] : rstd);
  }
  for_units(n * c, s, [&](int64_t row) {
    const int64_t ch = row % c;
    affine_run(x + row * s, y + row * s, s, mean[ch], scale[ch], b ? b[ch] : T(0));
  });
}

template <class T>
void batch_norm_backward(const T* x, const T* g, const T* w, int64_t n, int64_t c, int64_t s,
                         double eps, T* dx, T* dw, T* db, const double* saved_mean,
                         const double* saved_var) {
  const double count = static_cast<double>(n * s);
  for_units(c, 4 * n * s, [&](int64_t ch) {
    Moments m;
    if (saved_mean && saved_var) {
      m.mean = saved_mean[ch];
      m.var = saved_var[ch];
      m.rstd = 1.0 / std::sqrt(m.var + eps);
    } else {
      m = shifted_moments(x + ch * s, n, s, c * s, eps);
    }
    double sum_g = 0, sum_gxc = 0;  // sums of g and of g * (x - mean)
    for (int64_t b = 0; b < n; ++b) {
      const T* xb = x + (b * c + ch) * s;
      const T* gb = g + (b * c + ch) * s;
      const double mean = m.mean;
      double sg, sgx;
      sums_of(s, [gb](int64_t i) { return static_cast<double>(gb[i]); },
              [xb, gb, mean](int64_t i) { return gb[i] * (xb[i] - mean); }, sg, sgx);
      sum_g += sg;
      sum_gxc += sgx;
    }
    const double sum_gxhat = sum_gxc * m.rstd;
    if (dw) dw[ch] = static_cast<T>(sum_gxhat);
    if (db) db[ch] = static_cast<T>(sum_g);
    if (!dx) return;
    const double k = (w ? static_cast<double>(w[ch]) : 1.0) * m.rstd;
    const T c1 = static_cast<T>(-k * m.rstd * sum_gxhat / count);
    const T c0 = static_cast<T>(-k * sum_g / count);
    for (int64_t b = 0; b < n; ++b) {
      const int64_t off = (b * c + ch) * s;
      grad_run(x + off, g + off, dx + off, s, static_cast<T>(m.mean), static_cast<T>(k), c1, c0);
    }
  });
}

template <class T>
void group_norm_forward(const T* x, T* y, int64_t n, int64_t c, int64_t s, int64_t groups,
                        const T* w, const T* b, double eps) {
  const int64_t k = c / groups, row_size = k * s;
  for_units(n * groups, row_size, [&](int64_t r) {
    const T* xr = x + r * row_size;
    T* yr = y + r * row_size;
    const Moments m = moments(xr, 1, row_size, 0, eps);
    const int64_t c0 = (r % groups) * k;
    for (int64_t j = 0; j < k; ++j) {
      const T scale = static_cast<T>(w ? m.rstd * w[c0 + j] : m.rstd);
      affine_run(xr + j * s, yr + j * s, s, static_cast<T>(m.mean), scale,
                 b ? b[c0 + j] : T(0));
    }
  });
}

template <class T>
void group_norm_backward(const T* x, const T* g, const T* w, int64_t n, int64_t c, int64_t s,
                         int64_t groups, double eps, T* dx, T* dw, T* db) {
  const int64_t k = c / groups, row_size = k * s, rows = n * groups;
  const double count = static_cast<double>(row_size);
  // Per (sample, channel): sums of g * (x - mean) and of g; per row: mean and rstd.
  std::vector<double> sum_gxc(n * c), sum_g(n * c), rstd(rows);
  for_units(rows, 4 * row_size, [&](int64_t r) {
    const T* xr = x + r * row_size;
    const T* gr = g + r * row_size;
    const Moments m = moments(xr, 1, row_size, 0, eps);
    rstd[r] = m.rstd;
    const int64_t first = (r / groups) * c + (r % groups) * k;  // index of (sample, channel)
    double a = 0, bsum = 0;  // sum(g * w) and sum(g * w * (x - mean)) over the row
    for (int64_t j = 0; j < k; ++j) {
      const T* xj = xr + j * s;
      const T* gj = gr + j * s;
      const double mean = m.mean;
      double sg, sgx;
      sums_of(s, [gj](int64_t i) { return static_cast<double>(gj[i]); },
              [xj, gj, mean](int64_t i) { return gj[i] * (xj[i] - mean); }, sg, sgx);
      sum_g[first + j] = sg;
      sum_gxc[first + j] = sgx;
      const double wj = w ? static_cast<double>(w[(r % groups) * k + j]) : 1.0;
      a += wj * sg;
      bsum += wj * sgx;
    }
    if (!dx) return;
    const T c1 = static_cast<T>(-m.rstd * m.rstd * m.rstd * bsum / count);
    const T c0 = static_cast<T>(-m.rstd * a / count);
    for (int64_t j = 0; j < k; ++j) {
      const double wj = w ? static_cast<double>(w[(r % groups) * k + j]) : 1.0;
      const int64_t off = r * row_size + j * s;
      grad_run(x + off, g + off, dx + off, s, static_cast<T>(m.mean),
               static_cast<T>(wj * m.rstd), c1, c0);
    }
  });
  if (!dw && !db) return;
  for (int64_t ch = 0; ch < c; ++ch) {  // samples in order: a fixed summation order
    double acc_w = 0, acc_b = 0;
    for (int64_t b = 0; b < n; ++b) {
      acc_w += sum_gxc[b * c + ch] * rstd[b * groups + ch / k];
      acc_b += sum_g[b * c + ch];
    }
    if (dw) dw[ch] = static_cast<T>(acc_w);
    if (db) db[ch] = static_cast<T>(acc_b);
  }
}

template <class T>
void layer_norm_forward(const T* x, T* y, int64_t rows, int64_t k, const T* w, const T* b,
                        double eps) {
  for_units(rows, k, [&](int64_t r) {
    const T* xr = x + r * k;
    T* yr = y + r * k;
    const Moments m = moments(xr, 1, k, 0, eps);
    const T mean = static_cast<T>(m.mean), rstd = static_cast<T>(m.rstd);
    if (w && b) {
      for (int64_t j = 0; j < k; ++j) yr[j] = (xr[j] - mean) * rstd * w[j] + b[j];
    } else {
      for (int64_t j = 0; j < k; ++j)
        yr[j] = (xr[j] - mean) * rstd * (w ? w[j] : T(1)) + (b ? b[j] : T(0));
    }
  });
}

template <class T>
void layer_norm_backward(const T* x, const T* g, const T* w, int64_t rows, int64_t k,
                         double eps, T* dx, T* dw, T* db) {
  const double count = static_cast<double>(k);
  std::vector<double> mean(rows), rstd(rows);
  for_units(rows, 4 * k, [&](int64_t r) {
    const T* xr = x + r * k;
    const T* gr = g + r * k;
    const Moments m = moments(xr, 1, k, 0, eps);
    mean[r] = m.mean;
    rstd[r] = m.rstd;
    if (!dx) return;
    const double mu = m.mean;
    double a, bsum;  // sum(g * w) and sum(g * w * (x - mean))
    if (w) {
      sums_of(k, [gr, w](int64_t j) { return static_cast<double>(gr[j] * w[j]); },
              [gr, w, xr, mu](int64_t j) { return gr[j] * w[j] * (xr[j] - mu); }, a, bsum);
    } else {
      sums_of(k, [gr](int64_t j) { return static_cast<double>(gr[j]); },
              [gr, xr, mu](int64_t j) { return gr[j] * (xr[j] - mu); }, a, bsum);
    }
    const T c1 = static_cast<T>(-m.rstd * m.rstd * m.rstd * bsum / count);
    const T c0 = static_cast<T>(-m.rstd * a / count);
    const T mean_t = static_cast<T>(m.mean), rstd_t = static_cast<T>(m.rstd);
    T* dr = dx + r * k;
    for (int64_t j = 0; j < k; ++j)
      dr[j] = gr[j] * (w ? w[j] : T(1)) * rstd_t + (xr[j] - mean_t) * c1 + c0;
  });
  if (!dw && !db) return;
  // Column sums over the rows: each task owns a block of columns and adds rows in order.
  constexpr int64_t kBlock = 64;
  const int64_t blocks = (k + kBlock - 1) / kBlock;
  for_units(blocks, rows * kBlock, [&](int64_t blk) {
    const int64_t j0 = blk * kBlock, len = std::min(kBlock, k - j0);
    double acc_w[kBlock] = {}, acc_b[kBlock] = {};
    for (int64_t r = 0; r < rows; ++r) {
      const T* xr = x + r * k + j0;
      const T* gr = g + r * k + j0;
      for (int64_t j = 0; j < len; ++j) {
        acc_w[j] += gr[j] * (xr[j] - mean[r]) * rstd[r];
        acc_b[j] += gr[j];
      }
    }
    for (int64_t j = 0; j < len; ++j) {
      if (dw) dw[j0 + j] = static_cast<T>(acc_w[j]);
      if (db) db[j0 + j] = static_cast<T>(acc_b[j]);
    }
  });
}

#define TG_NORM_KERNELS(T)                                                                     \
  template void batch_norm_forward<T>(const T*, T*, int64_t, int64_t, int64_t, const T*,       \
                                      const T*, double, double*, double*);                     \
  template void batch_norm_inference<T>(const T*, T*, int64_t, int64_t, int64_t, const T*,     \
                                        const T*, const T*, const T*, double);                 \
  template void batch_norm_backward<T>(const T*, const T*, const T*, int64_t, int64_t,         \
                                       int64_t, double, T*, T*, T*, const double*,             \
                                       const double*);                                         \
  template void group_norm_forward<T>(const T*, T*, int64_t, int64_t, int64_t, int64_t,        \
                                      const T*, const T*, double);                             \
  template void group_norm_backward<T>(const T*, const T*, const T*, int64_t, int64_t,         \
                                       int64_t, int64_t, double, T*, T*, T*);                  \
  template void layer_norm_forward<T>(const T*, T*, int64_t, int64_t, const T*, const T*,      \
                                      double);                                                 \
  template void layer_norm_backward<T>(const T*, const T*, const T*, int64_t, int64_t, double, \
                                       T*, T*, T*);
TG_NORM_KERNELS(float)
TG_NORM_KERNELS(double)
#undef TG_NORM_KERNELS

}  // namespace tg::kernels
