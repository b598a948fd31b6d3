// Internal to the depthwise convolution kernels: the two vectorised plane loops they are
// built from, compiled once per instruction set (conv_depthwise_avx512.cpp,
// conv_depthwise_avx2.cpp, and the SSE2 baseline in conv_depthwise.cpp) and picked at run
// time through a table of function pointers.
//
// Both loops read a prepared source buffer through one pointer per kernel tap: output
// row (a, b) of a plane reads tap t at taps[t] + a * step_d + b * step_h, element j at +j.
// The caller pads the buffer so that reads up to j < round_up(width, 64 bytes) stay inside
// it and are finite.
#pragma once
#include <algorithm>
#include <cstdint>
#include <xsimd/xsimd.hpp>

namespace tg::kernels::depthwise_simd {

template <class T>
struct TapPass {
  const T* const* taps;
  int64_t ntaps;
  int64_t rows_d, rows_h;   // output rows per plane
  int64_t width;            // elements per output row
  int64_t step_d, step_h;   // source offset per output row along d and h
};

template <class T>
struct KernelSet {
  // out row (a, b)[j] = (accumulate ? out : init) + sum_t w[t] * tap_t[j] for j < width;
  // rows of out are out_row apart.
  void (*tap_sums)(const TapPass<T>& p, const T* w, T init, bool accumulate, T* out,
                   int64_t out_row);
  // acc[t] += sum over rows and j < width of a[row][j] * (tap_t[j] & keep[j]); width is a
  // multiple of 64 bytes, rows of a are a_row apart. keep[j] is all-ones bits where column j
  // is a real output and zero bits elsewhere: a thrown-away column then adds 0 * 0, never
  // 0 * (an inf or NaN of the input that this tap does not read), which would poison the
  // sum. Each plane's sum is formed in T, then added in double.
  void (*tap_dots)(const TapPass<T>& p, const T* a, int64_t a_row, const T* keep, double* acc);
};

struct Kernels {
  const char* isa;
  KernelSet<float> f32;
  KernelSet<double> f64;

  template <class T>
  const KernelSet<T>& get() const {
    if constexpr (sizeof(T) == sizeof(float)) {
      return f32;
    } else {
      return f64;
    }
  }
};

// Defined by the per-instruction-set units; call only when the CPU supports that set.
const Kernels& avx512_kernels();
const Kernels& avx2_kernels();
const Kernels& sse2_kernels();

// Everything below is templated on the instruction set, so the copies compiled into
// units with different flags never stand in for one another.
namespace impl {

template <class Arch, class T>
using Vec = xsimd::batch<T, Arch>;

// The first n elements of a vector (n < size), the rest zero.
template <class Arch, class T>
Vec<Arch, T> load_part(const T* src, int64_t n) {
  constexpr int64_t lanes = Vec<Arch, T>::size;
  if (n >= lanes) return Vec<Arch, T>::load_unaligned(src);
  alignas(64) T buffer[lanes] = {};
  std::copy(src, src + n, buffer);
  return Vec<Arch, T>::load_aligned(buffer);
}

template <class Arch, class T>
void store_part(T* dst, const Vec<Arch, T>& v, int64_t n) {
  constexpr int64_t lanes = Vec<Arch, T>::size;
  if (n >= lanes) {
    v.store_unaligned(dst);
    return;
  }
  alignas(64) T buffer[lanes];
  v.store_aligned(buffer);
  std::copy(buffer, buffer + n, dst);
}

// One chunk of NV vectors of an output row holding n elements, (NV - 1) * lanes < n.
template <class Arch, class T, int NV>
void tap_sum_chunk(const TapPass<T>& p, int64_t offset, const T* w, T init, bool accumulate,
                   T* out, int64_t n) {
  using V = Vec<Arch, T>;
  constexpr int64_t lanes = V::size;
  V acc[NV];
  for (int i = 0; i < NV; ++i) acc[i] = accumulate ? load_part<Arch>(out + i * lanes, n - i * lanes)
                                                   : V(init);
  for (int64_t t = 0; t < p.ntaps; ++t) {
    const V wt(w[t]);
    const T* src = p.taps[t] + offset;
    for (int i = 0; i < NV; ++i)
      acc[i] = xsimd::fma(wt, V::load_unaligned(src + i * lanes), acc[i]);
  }
  for (int i = 0; i < NV; ++i) store_part<Arch>(out + i * lanes, acc[i], n - i * lanes);
}

template <class Arch, class T>
void tap_sums(const TapPass<T>& p, const T* w, T init, bool accumulate, T* out, int64_t out_row) {
  constexpr int64_t lanes = Vec<Arch, T>::size;
  constexpr int64_t chunk = 4 * lanes;
  for (int64_t a = 0; a < p.rows_d; ++a) {
    for (int64_t b = 0; b < p.rows_h; ++b) {
      T* o = out + (a * p.rows_h + b) * out_row;
      const int64_t row_offset = a * p.step_d + b * p.step_h;
      for (int64_t j = 0; j < p.width; j += chunk) {
        const int64_t n = std::min(chunk, p.width - j);
        const int64_t at = row_offset + j;
        switch ((n + lanes - 1) / lanes) {
          case 4: tap_sum_chunk<Arch, T, 4>(p, at, w, init, accumulate, o + j, n); break;
          case 3: tap_sum_chunk<Arch, T, 3>(p, at, w, init, accumulate, o + j, n); break;
          case 2: tap_sum_chunk<Arch, T, 2>(p, at, w, init, accumulate, o + j, n); break;
          default: tap_sum_chunk<Arch, T, 1>(p, at, w, init, accumulate, o + j, n);
        }
      }
    }
  }
}

template <class Arch, class T>
void tap_dots(const TapPass<T>& p, const T* a, int64_t a_row, const T* keep, double* acc) {
  using V = Vec<Arch, T>;
  constexpr int64_t lanes = V::size;
  for (int64_t t = 0; t < p.ntaps; ++t) {
    // Four independent chains hide the FMA latency.
    V s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0));
    for (int64_t r = 0; r < p.rows_d; ++r) {
      for (int64_t q = 0; q < p.rows_h; ++q) {
        const T* ar = a + (r * p.rows_h + q) * a_row;
        const T* src = p.taps[t] + r * p.step_d + q * p.step_h;
        int64_t j = 0;
        // The tap's input at column j, zero where column j is thrown away.
        auto kept = [&](int64_t j) {
          return xsimd::bitwise_and(V::load_unaligned(src + j), V::load_unaligned(keep + j));
        };
        for (; j + 4 * lanes <= p.width; j += 4 * lanes) {
          const T* a0 = ar + j;
          s0 = xsimd::fma(V::load_unaligned(a0), kept(j), s0);
          s1 = xsimd::fma(V::load_unaligned(a0 + lanes), kept(j + lanes), s1);
          s2 = xsimd::fma(V::load_unaligned(a0 + 2 * lanes), kept(j + 2 * lanes), s2);
          s3 = xsimd::fma(V::load_unaligned(a0 + 3 * lanes), kept(j + 3 * lanes), s3);
        }
        for (; j < p.width; j += lanes) s0 = xsimd::fma(V::load_unaligned(ar + j), kept(j), s0);
      }
    }
    acc[t] += static_cast<double>(xsimd::hadd((s0 + s1) + (s2 + s3)));
  }
}

template <class Arch, class T>
KernelSet<T> kernel_set() {
  return {&tap_sums<Arch, T>, &tap_dots<Arch, T>};
}

template <class Arch>
Kernels kernels() {
  return {Arch::name(), kernel_set<Arch, float>(), kernel_set<Arch, double>()};
}

}  // namespace impl
}  // namespace tg::kernels::depthwise_simd
