// Pooling throughput on a ResNet-sized activation, (32, 64, 56, 56) float: max pooling
// 2x2 stride 2 and 3x3 stride 2 pad 1, average pooling 2x2 stride 2, forward and
// backward, on 1 and 2 threads. GB/s counts the bytes each call must read and write
// (inputs, outputs, int64 indices); compare with bench_peak's STREAM triad. The label
// names the instruction set the kernels ran with.
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <cstdint>
#include <random>
#include <vector>

#include "ops/kernels/pool.h"

namespace {

using tg::kernels::ConvGeometry;

enum class Op { max_forward, max_backward, avg_forward, avg_backward };

ConvGeometry pool_geometry(int64_t kernel, int64_t stride, int64_t pad) {
  ConvGeometry g;
  g.batch = 32;
  g.in_channels = g.out_channels = 64;
  g.in = {1, 56, 56};
  g.kernel = {1, kernel, kernel};
  g.stride = {1, stride, stride};
  g.pad = {0, pad, pad};
  for (int d = 1; d < 3; ++d) {
    g.out[d] = tg::kernels::pool_output_size(56, pad, kernel, stride, 1, false);
  }
  return g;
}

void run_pool(benchmark::State& state, Op op, int64_t kernel, int64_t stride, int64_t pad) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<size_t>(state.range(0)));
  const ConvGeometry g = pool_geometry(kernel, stride, pad);
  const int64_t planes = g.batch * g.in_channels;
  const int64_t in_size = planes * g.in_spatial(), out_size = planes * g.out_spatial();
  std::mt19937 rng(7);
  std::normal_distribution<float> dist;
  std::vector<float> x(in_size), gx(in_size), y(out_size), gy(out_size);
  std::vector<int64_t> indices(out_size);
  for (auto& v : x) v = dist(rng);
  for (auto& v : gy) v = dist(rng);
  tg::kernels::max_pool_forward<float>(g, x.data(), y.data(), indices.data());

  for (auto _ : state) {
    switch (op) {
      case Op::max_forward:
        tg::kernels::max_pool_forward<float>(g, x.data(), y.data(), indices.data());
        break;
      case Op::max_backward:
        tg::kernels::max_pool_backward<float>(g, gy.data(), indices.data(), gx.data());
        break;
      case Op::avg_forward:
        tg::kernels::avg_pool_forward<float>(g, x.data(), y.data(), true, 0);
        break;
      case Op::avg_backward:
        tg::kernels::avg_pool_backward<float>(g, gy.data(), gx.data(), true, 0);
        break;
    }
    benchmark::ClobberMemory();
  }
  const double in_bytes = 4.0 * static_cast<double>(in_size);
  const double out_bytes = 4.0 * static_cast<double>(out_size);
  const double index_bytes = 8.0 * static_cast<double>(out_size);
  const bool is_max = op == Op::max_forward || op == Op::max_backward;
  const double bytes = in_bytes + out_bytes + (is_max ? index_bytes : 0.0);
  state.counters["GB/s"] = benchmark::Counter(
      1e-9 * bytes * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(tg::kernels::pool_isa_name());
}

void BM_MaxPool2d_k2s2_Forward(benchmark::State& s) { run_pool(s, Op::max_forward, 2, 2, 0); }
void BM_MaxPool2d_k2s2_Backward(benchmark::State& s) { run_pool(s, Op::max_backward, 2, 2, 0); }
void BM_MaxPool2d_k3s2p1_Forward(benchmark::State& s) { run_pool(s, Op::max_forward, 3, 2, 1); }
void BM_MaxPool2d_k3s2p1_Backward(benchmark::State& s) { run_pool(s, Op::max_backward, 3, 2, 1); }
void BM_AvgPool2d_k2s2_Forward(benchmark::State& s) { run_pool(s, Op::avg_forward, 2, 2, 0); }
void BM_AvgPool2d_k2s2_Backward(benchmark::State& s) { run_pool(s, Op::avg_backward, 2, 2, 0); }

#define TG_POOL_BENCH(name) \
  BENCHMARK(name)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()
TG_POOL_BENCH(BM_MaxPool2d_k2s2_Forward);
TG_POOL_BENCH(BM_MaxPool2d_k2s2_Backward);
TG_POOL_BENCH(BM_MaxPool2d_k3s2p1_Forward);
TG_POOL_BENCH(BM_MaxPool2d_k3s2p1_Backward);
TG_POOL_BENCH(BM_AvgPool2d_k2s2_Forward);
TG_POOL_BENCH(BM_AvgPool2d_k2s2_Backward);
#undef TG_POOL_BENCH

}  // namespace
