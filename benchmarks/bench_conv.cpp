// Convolution kernels on typical CNN layers, float32: forward, input gradient and weight
// gradient, through the dispatch of ops/kernels/conv.h ("fast") and the reference loops
// ("ref"), on 1 and 2 threads. The GFLOP/s counter counts 2 * multiply-adds of the
// convolution (N * C_out * out_spatial * C_in/groups * kernel taps), the same for all
// three passes.
//
// Layers, as (N, C_in, H=W, C_out, k, stride, pad, groups, dilation):
//   A (64, 1, 28, 32, 5, 1, 0, 1, 1)   first layer, one input channel
//   B (64, 32, 14, 64, 5, 1, 2, 1, 1)
//   C (32, 64, 56, 64, 3, 1, 1, 1, 1)
//   D (32, 128, 28, 128, 3, 2, 1, 1, 1) strided
//   E (32, 64, 56, 64, 3, 1, 1, 64, 1) depthwise
//   F (32, 64, 56, 256, 1, 1, 0, 1, 1) pointwise
//   G (8, 3, 224, 64, 7, 2, 3, 1, 1)   first layer, 7x7 stride 2
//   H (32, 64, 56, 64, 3, 1, 2, 1, 2)  dilated
// Select with e.g. --benchmark_filter='layer:2/' (C) or 'ref:0/threads:1'.
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ops/kernels/conv.h"
#include "ops/kernels/conv_reference.h"

namespace {

using tg::kernels::ConvGeometry;

struct Layer {
  const char* name;
  int64_t batch, in_channels, size, out_channels, kernel, stride, pad, groups, dilation;
};

const Layer kLayers[] = {
    {"A", 64, 1, 28, 32, 5, 1, 0, 1, 1},    {"B", 64, 32, 14, 64, 5, 1, 2, 1, 1},
    {"C", 32, 64, 56, 64, 3, 1, 1, 1, 1},   {"D", 32, 128, 28, 128, 3, 2, 1, 1, 1},
    {"E", 32, 64, 56, 64, 3, 1, 1, 64, 1},  {"F", 32, 64, 56, 256, 1, 1, 0, 1, 1},
    {"G", 8, 3, 224, 64, 7, 2, 3, 1, 1},    {"H", 32, 64, 56, 64, 3, 1, 2, 1, 2},
};

enum Pass { kForward, kInputGrad, kWeightGrad };
const char* const kPassNames[] = {"forward", "input_grad", "weight_grad"};

ConvGeometry geometry_of(const Layer& l) {
  ConvGeometry g;
  g.batch = l.batch;
  g.in_channels = l.in_channels;
  g.out_channels = l.out_channels;
  g.groups = l.groups;
  for (int d = 1; d < 3; ++d) {
    g.in[d] = l.size;
    g.kernel[d] = l.kernel;
    g.stride[d] = l.stride;
    g.dilation[d] = l.dilation;
    g.pad[d] = l.pad;
    g.out[d] = tg::kernels::conv_output_size(l.size, l.pad, l.pad, l.kernel, l.stride, l.dilation);
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

// Arguments: layer index, pass, reference (0/1), threads.
void BM_Conv(benchmark::State& state) {
  const Layer& layer = kLayers[state.range(0)];
  const auto pass = static_cast<Pass>(state.range(1));
  const bool reference = state.range(2) != 0;
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<size_t>(state.range(3)));
  const ConvGeometry g = geometry_of(layer);
  const int64_t x_size = g.batch * g.in_channels * g.in_spatial();
  const int64_t y_size = g.batch * g.out_channels * g.out_spatial();
  const int64_t w_size = g.out_channels * g.in_per_group() * g.kernel_spatial();
  const auto x = random_floats(x_size, 1), w = random_floats(w_size, 2);
  const auto b = random_floats(g.out_channels, 3), gy = random_floats(y_size, 4);
  std::vector<float> y(y_size), gx(x_size), gw(w_size);

  for (auto _ : state) {
    switch (pass) {
      case kForward:
        if (reference) {
          tg::kernels::conv_forward_ref(g, x.data(), w.data(), b.data(), y.data());
        } else {
          tg::kernels::conv_forward(g, x.data(), w.data(), b.data(), y.data());
        }
        break;
      case kInputGrad:
        if (reference) {
          tg::kernels::conv_backward_input_ref(g, gy.data(), w.data(), gx.data());
        } else {
          tg::kernels::conv_backward_input(g, gy.data(), w.data(), gx.data());
        }
        break;
      case kWeightGrad:
        if (reference) {
          tg::kernels::conv_backward_weight_ref(g, x.data(), gy.data(), gw.data());
        } else {
          tg::kernels::conv_backward_weight(g, x.data(), gy.data(), gw.data());
        }
        break;
    }
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * static_cast<double>(y_size) * static_cast<double>(g.in_per_group()) *
                       static_cast<double>(g.kernel_spatial());
  state.counters["GFLOP/s"] = benchmark::Counter(
      1e-9 * flops * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(layer.name) + " " + kPassNames[pass] +
                 (reference ? " ref" : " fast"));
}

void conv_args(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"layer", "pass", "ref", "threads"});
  const int64_t layers = static_cast<int64_t>(sizeof(kLayers) / sizeof(kLayers[0]));
  for (int64_t layer = 0; layer < layers; ++layer)
    for (int64_t pass = 0; pass < 3; ++pass)
      for (int64_t reference : {0, 1})
        for (int64_t threads : {1, 2}) bench->Args({layer, pass, reference, threads});
}

}  // namespace

// Real time: with 2 threads the CPU time of the calling thread alone would flatter the result.
BENCHMARK(BM_Conv)->Apply(conv_args)->UseRealTime()->Unit(benchmark::kMillisecond);
