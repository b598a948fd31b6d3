// ResNet-18's 3x3 stride-1 layers, float32, through the convolution dispatcher
// (ops/kernels/conv.h) with the algorithm set to Direct or Winograd (ops/conv_algorithm.h):
// forward, input gradient, and a whole layer step (forward + input gradient + weight
// gradient; the weight gradient always runs direct), on 1 and 2 threads. The GFLOP/s counter
// counts the direct algorithm's 2 * multiply-adds per pass, so Winograd's figure is an
// effective rate and the ratio of two figures is the speed-up.
//
// Layers, as (N, C, H=W), C_out = C, padding 1:
//   c64  (32, 64, 32)   c128 (32, 128, 16)   c256 (32, 256, 8)   c512 (32, 512, 4)   CIFAR-style
//   i64  (32, 64, 56)   i128 (32, 128, 28)   i256 (32, 256, 14)  i512 (32, 512, 7)   ImageNet-style
// Select with e.g. --benchmark_filter='BM_Winograd/layer:4/' or 'threads:1'.
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ops/conv_algorithm.h"
#include "ops/kernels/conv.h"

namespace {

using tg::kernels::ConvGeometry;

struct Layer {
  const char* name;
  int64_t batch, channels, size;
};

const Layer kLayers[] = {
    {"c64", 32, 64, 32}, {"c128", 32, 128, 16}, {"c256", 32, 256, 8}, {"c512", 32, 512, 4},
    {"i64", 32, 64, 56}, {"i128", 32, 128, 28}, {"i256", 32, 256, 14}, {"i512", 32, 512, 7},
};

enum Pass { kForward, kInputGrad, kStep };
const char* const kPassNames[] = {"forward", "input_grad", "fwd+bwd"};

ConvGeometry geometry_of(const Layer& l) {
  ConvGeometry g;
  g.batch = l.batch;
  g.in_channels = l.channels;
  g.out_channels = l.channels;
  for (int d = 1; d < 3; ++d) {
    g.in[d] = l.size;
    g.out[d] = l.size;
    g.kernel[d] = 3;
    g.pad[d] = 1;
  }
  return g;
}

std::vector<float> random_floats(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Arguments: layer index, pass, winograd (0/1), threads.
void BM_Winograd(benchmark::State& state) {
  const Layer& layer = kLayers[state.range(0)];
  const auto pass = static_cast<Pass>(state.range(1));
  const bool winograd = state.range(2) != 0;
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<size_t>(state.range(3)));
  const tg::ConvAlgorithm saved = tg::get_conv_algorithm();
  tg::set_conv_algorithm(winograd ? tg::ConvAlgorithm::Winograd : tg::ConvAlgorithm::Direct);
  const ConvGeometry g = geometry_of(layer);
  const int64_t x_size = g.batch * g.in_channels * g.in_spatial();
  const int64_t y_size = g.batch * g.out_channels * g.out_spatial();
  const int64_t w_size = g.out_channels * g.in_channels * 9;
  const auto x = random_floats(x_size, 1), w = random_floats(w_size, 2);
  const auto b = random_floats(g.out_channels, 3), gy = random_floats(y_size, 4);
  std::vector<float> y(y_size), gx(x_size), gw(w_size);

  for (auto _ : state) {
    if (pass != kInputGrad) tg::kernels::conv_forward(g, x.data(), w.data(), b.data(), y.data());
    if (pass != kForward) tg::kernels::conv_backward_input(g, gy.data(), w.data(), gx.data());
    if (pass == kStep) tg::kernels::conv_backward_weight(g, x.data(), gy.data(), gw.data());
    benchmark::ClobberMemory();
  }
  tg::set_conv_algorithm(saved);
  const double passes = pass == kStep ? 3.0 : 1.0;
  const double flops = passes * 2.0 * static_cast<double>(y_size) *
                       static_cast<double>(g.in_channels) * 9.0;
  state.counters["GFLOP/s"] = benchmark::Counter(
      1e-9 * flops * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(layer.name) + " " + kPassNames[pass] +
                 (winograd ? " winograd" : " direct"));
}

void winograd_args(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"layer", "pass", "winograd", "threads"});
  const int64_t layers = static_cast<int64_t>(sizeof(kLayers) / sizeof(kLayers[0]));
  for (int64_t layer = 0; layer < layers; ++layer)
    for (int64_t pass = 0; pass < 3; ++pass)
      for (int64_t threads : {1, 2})
        for (int64_t winograd : {0, 1}) bench->Args({layer, pass, winograd, threads});
}

}  // namespace

// Real time: with 2 threads the CPU time of the calling thread alone would flatter the result.
BENCHMARK(BM_Winograd)->Apply(winograd_args)->UseRealTime()->Unit(benchmark::kMillisecond);
