// GEMM throughput on the shapes tapegrad actually runs: convolutions lowered by im2col,
// linear layers, the transposed products of their backward passes, and square matrices.
// Each shape runs on 1 and 2 threads; the GFLOP/s counter counts 2*M*N*K per call.
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <cstdint>
#include <random>
#include <vector>

#include "ops/kernels/gemm.h"

namespace {

template <class T>
void run_gemm(benchmark::State& state) {
  const bool trans_a = state.range(0) != 0, trans_b = state.range(1) != 0;
  const int64_t M = state.range(2), N = state.range(3), K = state.range(4);
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<size_t>(state.range(5)));
  std::mt19937 rng(42);
  std::uniform_real_distribution<T> dist(-1, 1);
  std::vector<T> A(M * K), B(K * N), C(M * N);
  for (auto& x : A) x = dist(rng);
  for (auto& x : B) x = dist(rng);
  const int64_t lda = trans_a ? M : K, ldb = trans_b ? K : N;
  for (auto _ : state) {
    tg::kernels::gemm(trans_a, trans_b, M, N, K, T(1), A.data(), lda, B.data(), ldb, T(0), C.data(),
                      N);
    benchmark::ClobberMemory();
  }
  const double gflop = 2e-9 * static_cast<double>(M) * static_cast<double>(N) * K;
  state.counters["GFLOP/s"] = benchmark::Counter(gflop * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
  state.SetLabel(tg::kernels::gemm_isa_name());
}

void BM_GemmFloat(benchmark::State& state) { run_gemm<float>(state); }
void BM_GemmDouble(benchmark::State& state) { run_gemm<double>(state); }

// {trans_a, trans_b, M, N, K}
const std::vector<std::vector<int64_t>> kShapes = {
    // conv 3x3, 64 -> 64 channels on 56x56: forward, backward-data, backward-weight
    {0, 0, 64, 3136, 576},
    {1, 0, 576, 3136, 64},
    {0, 1, 64, 576, 3136},
    // conv 3x3, 128 -> 128 channels on 28x28
    {0, 0, 128, 784, 1152},
    {1, 0, 1152, 784, 128},
    {0, 1, 128, 1152, 784},
    // conv 1x1, 64 -> 256 channels on 56x56
    {0, 0, 256, 3136, 64},
    // linear 9216 -> 128, batch 64: forward, backward-data, backward-weight
    {0, 1, 64, 128, 9216},
    {0, 0, 64, 9216, 128},
    {1, 0, 128, 9216, 64},
    // linear 128 -> 10, batch 64
    {0, 1, 64, 10, 128},
    {0, 0, 64, 128, 10},
    {1, 0, 10, 128, 64},
    // square
    {0, 0, 256, 256, 256},
    {0, 0, 512, 512, 512},
    {0, 0, 1024, 1024, 1024},
};

void float_shapes(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"ta", "tb", "M", "N", "K", "threads"});
  for (const auto& shape : kShapes)
    for (int64_t threads : {1, 2}) {
      std::vector<int64_t> args = shape;
      args.push_back(threads);
      bench->Args(args);
    }
}

void double_shapes(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"ta", "tb", "M", "N", "K", "threads"});
  for (int64_t threads : {1, 2}) {
    bench->Args({0, 0, 64, 3136, 576, threads});
    bench->Args({0, 0, 512, 512, 512, threads});
  }
  bench->Args({0, 0, 16, 16, 16, 1});  // gradcheck-sized
}

}  // namespace

// Real time: with 2 threads the CPU time of the calling thread alone would flatter the result.
BENCHMARK(BM_GemmFloat)->Apply(float_shapes)->UseRealTime();
BENCHMARK(BM_GemmDouble)->Apply(double_shapes)->UseRealTime();
