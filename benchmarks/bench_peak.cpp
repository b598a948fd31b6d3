// The machine's ceilings, to judge the kernels against: the peak float32 FMA rate (per core
// and on all cores) and the STREAM-triad memory bandwidth.
//
// This directory is compiled without instruction-set flags, so the FMA loops carry their
// own target attribute and the widest one the CPU supports is picked at run time.
#include <benchmark/benchmark.h>
#include <immintrin.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace {

// Independent chains: enough accumulators to cover FMA latency times the FMA ports, so the
// loop is limited by FMA throughput only. Each returns the number of float FLOPs done.
constexpr int kChains = 16;

__attribute__((target("avx512f"))) double fma_chains_avx512(int64_t iterations) {
  __m512 acc[kChains];
#pragma GCC unroll 16
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(1.0f + 0.001f * c);
  const __m512 scale = _mm512_set1_ps(0.999999f), shift = _mm512_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], scale, shift);
    // An empty asm that "changes" the registers keeps the compiler from folding iterations.
#pragma GCC unroll 16
    for (int c = 0; c < kChains; c += 4)
      __asm__("" : "+v"(acc[c]), "+v"(acc[c + 1]), "+v"(acc[c + 2]), "+v"(acc[c + 3]));
  }
  __m512 sum = acc[0];
#pragma GCC unroll 16
  for (int c = 1; c < kChains; ++c) sum = _mm512_add_ps(sum, acc[c]);
  benchmark::DoNotOptimize(sum);
  return 2.0 * 16 * kChains * static_cast<double>(iterations);
}

__attribute__((target("avx2,fma"))) double fma_chains_avx2(int64_t iterations) {
  constexpr int chains = 12;  // 16 ymm registers
  __m256 acc[chains];
#pragma GCC unroll 16
  for (int c = 0; c < chains; ++c) acc[c] = _mm256_set1_ps(1.0f + 0.001f * c);
  const __m256 scale = _mm256_set1_ps(0.999999f), shift = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < chains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], scale, shift);
#pragma GCC unroll 16
    for (int c = 0; c < chains; c += 4)
      __asm__("" : "+x"(acc[c]), "+x"(acc[c + 1]), "+x"(acc[c + 2]), "+x"(acc[c + 3]));
  }
  __m256 sum = acc[0];
#pragma GCC unroll 16
  for (int c = 1; c < chains; ++c) sum = _mm256_add_ps(sum, acc[c]);
  benchmark::DoNotOptimize(sum);
  return 2.0 * 8 * chains * static_cast<double>(iterations);
}

// SSE2 has no FMA: a multiply and an add per lane, counted as two FLOPs like an FMA.
double fma_chains_sse2(int64_t iterations) {
  constexpr int chains = 6;
  __m128 acc[chains];
#pragma GCC unroll 16
  for (int c = 0; c < chains; ++c) acc[c] = _mm_set1_ps(1.0f + 0.001f * c);
  const __m128 scale = _mm_set1_ps(0.999999f), shift = _mm_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < chains; ++c) acc[c] = _mm_add_ps(_mm_mul_ps(acc[c], scale), shift);
    __asm__(""
            : "+x"(acc[0]), "+x"(acc[1]), "+x"(acc[2]), "+x"(acc[3]), "+x"(acc[4]), "+x"(acc[5]));
  }
  __m128 sum = acc[0];
#pragma GCC unroll 16
  for (int c = 1; c < chains; ++c) sum = _mm_add_ps(sum, acc[c]);
  benchmark::DoNotOptimize(sum);
  return 2.0 * 4 * chains * static_cast<double>(iterations);
}

using FmaChains = double (*)(int64_t);

struct BestFma {
  FmaChains run;
  const char* isa;
};

BestFma best_fma() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {fma_chains_avx512, "avx512f"};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {fma_chains_avx2, "avx2+fma"};
  return {fma_chains_sse2, "sse2"};
}

// One FMA loop per thread, all running at once.
void BM_PeakFmaFloat(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  const BestFma fma = best_fma();
  constexpr int64_t kIterations = 1 << 22;
  double flops = 0;
  for (auto _ : state) {
    std::vector<double> done(threads, 0.0);
    tbb::parallel_for(
        0, threads, [&](int t) { done[t] = fma.run(kIterations); }, tbb::static_partitioner());
    for (double d : done) flops += d;
  }
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsRate);
  state.SetLabel(fma.isa);
}
BENCHMARK(BM_PeakFmaFloat)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();

// STREAM triad a[i] = b[i] + s * c[i] on three 64 MiB double arrays, 24 bytes per element.
void BM_StreamTriad(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  constexpr int64_t kCount = (int64_t{64} << 20) / sizeof(double);
  constexpr int64_t kChunk = 1 << 16;  // fixed chunks, spread evenly over the threads
  std::unique_ptr<double[]> a(new double[kCount]), b(new double[kCount]), c(new double[kCount]);
  const double s = 3.0;
  auto for_chunks = [&](auto&& body) {
    tbb::parallel_for(
        int64_t{0}, kCount / kChunk,
        [&](int64_t chunk) { body(chunk * kChunk, (chunk + 1) * kChunk); },
        tbb::static_partitioner());
  };
  // First touch from the threads that will use the pages.
  for_chunks([&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) a[i] = 0.0, b[i] = 1.0, c[i] = 2.0;
  });
  for (auto _ : state) {
    for_chunks([&](int64_t begin, int64_t end) {
      double* __restrict out = a.get();
      const double* __restrict x = b.get();
      const double* __restrict y = c.get();
      for (int64_t i = begin; i < end; ++i) out[i] = x[i] + s * y[i];
    });
    benchmark::ClobberMemory();
  }
  const double bytes = 3.0 * sizeof(double) * static_cast<double>(kCount);
  state.counters["GB/s"] = benchmark::Counter(
      bytes * 1e-9 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StreamTriad)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();

}  // namespace
