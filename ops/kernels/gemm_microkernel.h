// The instruction-set specific half of the GEMM: the register-tiled micro-kernel that
// runs over packed panels, and the packing routines that build those panels.
//
// Every functor here has `template <class Arch> operator()(Arch, ...)`. Its body may only
// be compiled with that instruction set enabled, so it is instantiated explicitly in
// ops/kernels/isa/gemm_<isa>.cpp (next to the IsaOps specialization it needs) and declared
// `extern` at the bottom of this header; the dispatching unit (gemm.cpp, compiled without
// ISA flags) only calls the declarations.
//
// Packed layouts for one K block of depth kc:
//   A: panels of mr rows (the last may have fewer); a panel of r rows is kc x r with
//      element (i, k) at [k * r + i]; panel p starts at p * mr * kc.
//   B: panels of nr columns; a panel is kc x w, w = nr or, for the last panel, the remaining
//      columns rounded up to whole vectors (zero-filled); element (k, j) at [k * w + j];
//      panel p starts at p * nr * kc. The buffer is 64-byte aligned.
#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>
#include <xsimd/xsimd.hpp>

namespace tg::kernels::gemm_detail {

// Register tile per instruction set: mr rows of C times nv vectors of columns.
// avx512: 14 x 2 zmm = 28 accumulators + 2 B vectors + 1 broadcast fit the 32 registers.
template <class Arch>
struct TileConfig;
template <>
struct TileConfig<xsimd::avx512bw> {
  static constexpr int mr = 14, nv = 2, vector_bytes = 64;
  static constexpr const char* name = "avx512bw";
};
template <>
struct TileConfig<xsimd::fma3<xsimd::avx2>> {
  static constexpr int mr = 6, nv = 2, vector_bytes = 32;
  static constexpr const char* name = "fma3<avx2>";
};
template <>
struct TileConfig<xsimd::sse2> {
  static constexpr int mr = 4, nv = 2, vector_bytes = 16;
  static constexpr const char* name = "sse2";
};

// The tile in elements of T, known to the dispatching unit without touching xsimd batches.
struct TileShape {
  int mr;     // rows of C per micro-tile
  int nr;     // columns of C per micro-tile
  int lanes;  // elements per vector register
  const char* isa;
};

template <class T>
struct TileShapeQuery {
  template <class Arch>
  TileShape operator()(Arch) const noexcept {
    using Config = TileConfig<Arch>;
    constexpr int lanes = Config::vector_bytes / static_cast<int>(sizeof(T));
    return {Config::mr, Config::nv * lanes, lanes, Config::name};
  }
};

// C[0:m, 0:n] = alpha * A_packed * B_packed + beta * C for one K block
// (beta == 0: C is write-only).
template <class T>
struct BlockJob {
  const T* a_packed;  // A panels covering m rows
  const T* b_packed;  // B panels covering n columns
  int64_t m, n, kc;
  T* c;
  int64_t ldc;
  T alpha, beta;
};

template <class T>
struct BlockKernel {
  template <class Arch>
  void operator()(Arch, const BlockJob<T>& job) const noexcept;
};

// Packs op(A)[0:m, 0:kc] into A panels. src points at op(A)[0, 0]; op(A)(i, k) is
// src[i * ld + k], or src[k * ld + i] when trans.
template <class T>
struct PackA {
  template <class Arch>
  void operator()(Arch, const T* src, int64_t ld, bool trans, int64_t m, int64_t kc,
                  T* dst) const noexcept;
};

// Packs op(B)[0:kc, 0:n] into B panels. src points at op(B)[0, 0]; op(B)(k, j) is
// src[k * ld + j], or src[j * ld + k] when trans.
template <class T>
struct PackB {
  template <class Arch>
  void operator()(Arch, const T* src, int64_t ld, bool trans, int64_t n, int64_t kc,
                  T* dst) const noexcept;
};

// The few operations generic xsimd 8.1 code cannot express, specialized per instruction set
// in ops/kernels/isa/gemm_<isa>.cpp:
//   static void transpose(xsimd::batch<T, Arch>* rows);    // lanes x lanes block, in place
//   static xsimd::batch<T, Arch> load_first(const T*, int n);  // n < lanes, rest zero
//   static void store_first(T*, const xsimd::batch<T, Arch>&, int n);
template <class Arch, class T>
struct IsaOps;

// Partial loads and stores through a stack buffer, for instruction sets without masks.
template <class Arch, class T>
struct PartialAccessViaBuffer {
  using V = xsimd::batch<T, Arch>;
  static V load_first(const T* src, int n) noexcept {
    alignas(64) T buffer[V::size] = {};
    std::copy(src, src + n, buffer);
    return V::load_aligned(buffer);
  }
  static void store_first(T* dst, const V& v, int n) noexcept {
    alignas(64) T buffer[V::size];
    v.store_aligned(buffer);
    std::copy(buffer, buffer + n, dst);
  }
};

// ------------------------------------------------------------------ micro-kernel

// How many k steps ahead the micro-kernel prefetches its A panel.
constexpr int64_t kPrefetchSteps = 16;

template <class T>
using TileFn = void (*)(const T*, const T*, int64_t, int64_t, T*, int64_t, int64_t, T, T);

// C[0:MR, 0:n] = alpha * a * b + beta * C over depth kc, where b is a panel of NV vectors
// (width NV * lanes >= n) and a is a panel of MR rows.
template <class Arch, class T, int MR, int NV>
void micro_tile(const T* a, const T* b, int64_t b_width, int64_t kc, T* c, int64_t ldc, int64_t n,
                T alpha, T beta) noexcept {
  using V = xsimd::batch<T, Arch>;
  constexpr int lanes = static_cast<int>(V::size);
  // The C tile is only touched after the K loop; fetching it now hides the misses (C is
  // often far larger than the caches when K is small).
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV * lanes; v += 64 / static_cast<int>(sizeof(T)))
      __builtin_prefetch(c + r * ldc + v, 1);
  V acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = V(T(0));

  for (int64_t k = 0; k < kc; ++k, a += MR, b += b_width) {
    // A panels stream from L2 (the B panel stays in L1); keep the next few lines coming.
    __builtin_prefetch(a + kPrefetchSteps * MR);
    V bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = V::load_aligned(b + v * lanes);
    for (int r = 0; r < MR; ++r) {
      const V ar(a[r]);
      for (int v = 0; v < NV; ++v) acc[r][v] = xsimd::fma(ar, bv[v], acc[r][v]);
    }
  }

  using Ops = IsaOps<Arch, T>;
  const V valpha(alpha), vbeta(beta);
  for (int r = 0; r < MR; ++r) {
    for (int v = 0; v < NV; ++v) {
      T* out = c + r * ldc + v * lanes;
      const int64_t count = n - v * lanes;
      if (count >= lanes) {
        const V result = beta == T(0)
                             ? valpha * acc[r][v]
                             : xsimd::fma(valpha, acc[r][v], vbeta * V::load_unaligned(out));
        result.store_unaligned(out);
      } else if (count > 0) {
        const int cnt = static_cast<int>(count);
        const V result = beta == T(0)
                             ? valpha * acc[r][v]
                             : xsimd::fma(valpha, acc[r][v], vbeta * Ops::load_first(out, cnt));
        Ops::store_first(out, result, cnt);
      }
    }
  }
}

// Micro-tile for `rows` in 1..mr and `vectors` in 1..nv.
template <class Arch, class T, int NV, int... R>
TileFn<T> tile_for_rows(int rows, std::integer_sequence<int, R...>) noexcept {
  static constexpr TileFn<T> table[] = {&micro_tile<Arch, T, R + 1, NV>...};
  return table[rows - 1];
}

template <class Arch, class T, int... V>
TileFn<T> tile_for(int rows, int vectors, std::integer_sequence<int, V...>) noexcept {
  using Rows = std::make_integer_sequence<int, TileConfig<Arch>::mr>;
  static constexpr TileFn<T> (*by_vectors[])(int, Rows) = {&tile_for_rows<Arch, T, V + 1>...};
  return by_vectors[vectors - 1](rows, Rows{});
}

template <class T>
template <class Arch>
void BlockKernel<T>::operator()(Arch, const BlockJob<T>& job) const noexcept {
  using Config = TileConfig<Arch>;
  constexpr int lanes = Config::vector_bytes / static_cast<int>(sizeof(T));
  constexpr int nr = Config::nv * lanes;
  using Vectors = std::make_integer_sequence<int, Config::nv>;
  // Each B panel stays in L1 while all A panels stream past it.
  for (int64_t j = 0; j < job.n; j += nr) {
    const int64_t cols = std::min<int64_t>(nr, job.n - j);
    const int vectors = static_cast<int>((cols + lanes - 1) / lanes);
    const TileFn<T> full = tile_for<Arch, T>(Config::mr, vectors, Vectors{});
    const T* b_panel = job.b_packed + j * job.kc;
    for (int64_t i = 0; i < job.m; i += Config::mr) {
      const int rows = static_cast<int>(std::min<int64_t>(Config::mr, job.m - i));
      const TileFn<T> tile =
          rows == Config::mr ? full : tile_for<Arch, T>(rows, vectors, Vectors{});
      tile(job.a_packed + i * job.kc, b_panel, vectors * lanes, job.kc, job.c + i * job.ldc + j,
           job.ldc, cols, job.alpha, job.beta);
    }
  }
}

// ------------------------------------------------------------------ packing

// How far ahead of the current position the packing routines prefetch along a source row.
constexpr int64_t kPrefetchBytes = 512;

// dst[k * dst_ld + r] = src[r * ld + k] for r < rows (zero for rows <= r < out_cols), k < kc:
// lanes x lanes blocks are transposed in registers.
template <class Arch, class T>
void pack_transposed(const T* src, int64_t ld, int64_t rows, int64_t out_cols, int64_t dst_ld,
                     int64_t kc, T* dst) noexcept {
  using V = xsimd::batch<T, Arch>;
  using Ops = IsaOps<Arch, T>;
  constexpr int lanes = static_cast<int>(V::size);
  int64_t k = 0;
  for (; k + lanes <= kc; k += lanes) {
    for (int64_t g = 0; g < out_cols; g += lanes) {
      const int64_t valid = std::clamp<int64_t>(rows - g, 0, lanes);
      const int count = static_cast<int>(std::min<int64_t>(lanes, out_cols - g));
      // Each source row is its own stream; the prefetchers do not keep up with `lanes` of them.
      const T* row = src + g * ld + k;
      V v[lanes];
      if (valid == lanes) {
        for (int i = 0; i < lanes; ++i, row += ld) {
          __builtin_prefetch(row + kPrefetchBytes / sizeof(T));
          v[i] = V::load_unaligned(row);
        }
      } else {
        for (int i = 0; i < lanes; ++i, row += ld) {
          if (i < valid) __builtin_prefetch(row + kPrefetchBytes / sizeof(T));
          v[i] = i < valid ? V::load_unaligned(row) : V(T(0));
        }
      }
      Ops::transpose(v);
      T* out = dst + k * dst_ld + g;
      for (int i = 0; i < lanes; ++i, out += dst_ld) {
        if (count == lanes) {
          v[i].store_unaligned(out);
        } else {
          Ops::store_first(out, v[i], count);
        }
      }
    }
  }
  for (; k < kc; ++k)
    for (int64_t r = 0; r < out_cols; ++r) dst[k * dst_ld + r] = r < rows ? src[r * ld + k] : T(0);
}

// dst[0:out_cols] = src[0:n], zero-filled past n.
template <class Arch, class T>
void copy_row(const T* src, int64_t n, int64_t out_cols, T* dst) noexcept {
  using V = xsimd::batch<T, Arch>;
  using Ops = IsaOps<Arch, T>;
  constexpr int lanes = static_cast<int>(V::size);
  for (int64_t g = 0; g < out_cols; g += lanes) {
    const int64_t valid = std::clamp<int64_t>(n - g, 0, lanes);
    const int count = static_cast<int>(std::min<int64_t>(lanes, out_cols - g));
    const V v = valid == lanes
                    ? V::load_unaligned(src + g)
                    : (valid > 0 ? Ops::load_first(src + g, static_cast<int>(valid)) : V(T(0)));
    if (count == lanes) {
      v.store_unaligned(dst + g);
    } else {
      Ops::store_first(dst + g, v, count);
    }
  }
}

template <class T>
template <class Arch>
void PackA<T>::operator()(Arch, const T* src, int64_t ld, bool trans, int64_t m, int64_t kc,
                          T* dst) const noexcept {
  constexpr int mr = TileConfig<Arch>::mr;
  for (int64_t i = 0; i < m; i += mr, dst += mr * kc) {
    const int64_t rows = std::min<int64_t>(mr, m - i);
    if (trans) {
      for (int64_t k = 0; k < kc; ++k) copy_row<Arch>(src + k * ld + i, rows, rows, dst + k * rows);
    } else {
      pack_transposed<Arch>(src + i * ld, ld, rows, rows, rows, kc, dst);
    }
  }
}

template <class T>
template <class Arch>
void PackB<T>::operator()(Arch, const T* src, int64_t ld, bool trans, int64_t n, int64_t kc,
                          T* dst) const noexcept {
  using Config = TileConfig<Arch>;
  constexpr int64_t lanes = Config::vector_bytes / static_cast<int>(sizeof(T));
  constexpr int64_t nr = Config::nv * lanes;
  auto width_of = [&](int64_t j) { return std::min(nr, (n - j + lanes - 1) / lanes * lanes); };
  if (trans) {
    for (int64_t j = 0; j < n; j += nr)
      pack_transposed<Arch>(src + j * ld, ld, std::min(nr, n - j), width_of(j), width_of(j), kc,
                            dst + j * kc);
    return;
  }
  // Row by row across all panels, so each source row is read front to back. Rows are often
  // pages apart, which the hardware prefetchers do not follow; fetch ahead by hand.
  constexpr int64_t rows_ahead = 4;
  for (int64_t k = 0; k < kc; ++k) {
    const T* ahead = src + std::min(k + rows_ahead, kc - 1) * ld;
    for (int64_t j = 0; j < n; j += 64 / sizeof(T)) __builtin_prefetch(ahead + j);
    const T* row = src + k * ld;
    int64_t j = 0;
    for (; j + nr <= n; j += nr) {  // whole panels
      for (int64_t v = 0; v < nr; v += lanes)
        xsimd::batch<T, Arch>::load_unaligned(row + j + v).store_aligned(dst + j * kc + k * nr + v);
    }
    if (j < n) copy_row<Arch>(row + j, n - j, width_of(j), dst + j * kc + k * width_of(j));
  }
}

// ------------------------------------------------------------------ instantiations

#define TG_GEMM_KERNELS_FOR(PREFIX, ARCH, T)                                                       \
  PREFIX template void BlockKernel<T>::operator()<ARCH>(ARCH, const BlockJob<T>&) const noexcept;  \
  PREFIX template void PackA<T>::operator()<ARCH>(ARCH, const T*, int64_t, bool, int64_t, int64_t, \
                                                  T*) const noexcept;                              \
  PREFIX template void PackB<T>::operator()<ARCH>(ARCH, const T*, int64_t, bool, int64_t, int64_t, \
                                                  T*) const noexcept;

// Used by ops/kernels/isa/gemm_<isa>.cpp with PREFIX empty (definitions) and here with
// `extern` (declarations that stop every other unit from instantiating the bodies).
#define TG_GEMM_KERNELS_FOR_ARCH(PREFIX, ARCH) \
  TG_GEMM_KERNELS_FOR(PREFIX, ARCH, float)     \
  TG_GEMM_KERNELS_FOR(PREFIX, ARCH, double)

TG_GEMM_KERNELS_FOR_ARCH(extern, xsimd::avx512bw)
TG_GEMM_KERNELS_FOR_ARCH(extern, xsimd::fma3<xsimd::avx2>)
TG_GEMM_KERNELS_FOR_ARCH(extern, xsimd::sse2)

}  // namespace tg::kernels::gemm_detail
