// Autograd overhead: a chain of 10,000 scalar ops (alternating add and mul), forward and
// backward. Reported as microseconds per op; the tensors are one element, so the time is
// almost all bookkeeping (allocation, recording, the engine).
#include <benchmark/benchmark.h>

#include "tapegrad.h"

namespace {

void BM_ScalarChainForwardBackward(benchmark::State& state) {
  const int64_t ops = state.range(0);
  tg::Tensor x = tg::tensor({1.0}, tg::kFloat32).requires_grad_();
  tg::Tensor c = tg::tensor({1.0001}, tg::kFloat32);
  for (auto _ : state) {
    tg::Tensor y = x;
    for (int64_t i = 0; i < ops; i += 2) {
      y = y * c;
      y = y + c;
    }
    y.backward();
    benchmark::DoNotOptimize(x.grad().raw_data());
    x.mutable_grad() = tg::Tensor();
  }
  state.counters["us_per_op"] = benchmark::Counter(
      static_cast<double>(ops), benchmark::Counter::kIsIterationInvariantRate |
                                    benchmark::Counter::kInvert);
  state.counters["us_per_op"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * ops,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_ScalarChainForwardBackward)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_ScalarChainForwardOnly(benchmark::State& state) {
  const int64_t ops = state.range(0);
  tg::Tensor x = tg::tensor({1.0}, tg::kFloat32).requires_grad_();
  tg::Tensor c = tg::tensor({1.0001}, tg::kFloat32);
  for (auto _ : state) {
    tg::Tensor y = x;
    for (int64_t i = 0; i < ops; i += 2) {
      y = y * c;
      y = y + c;
    }
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.counters["us_per_op"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * ops,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_ScalarChainForwardOnly)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
