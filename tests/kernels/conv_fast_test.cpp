// The fast convolution kernels (im2col + GEMM, depthwise, and the choice between them in
// conv.h) against the reference loops: random 1-3d geometries in float and double, special
// shapes, the PyTorch kernel fixtures, bitwise thread-count invariance, argument checks.
#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernel_fixtures.h"
#include "ops/kernels/conv.h"
#include "ops/kernels/conv_depthwise.h"
#include "ops/kernels/conv_im2col.h"
#include "ops/kernels/conv_reference.h"

namespace tg::kernels {
namespace {

int64_t input_size(const ConvGeometry& g) { return g.batch * g.in_channels * g.in_spatial(); }
int64_t output_size(const ConvGeometry& g) { return g.batch * g.out_channels * g.out_spatial(); }
int64_t weight_size(const ConvGeometry& g) {
  return g.out_channels * g.in_per_group() * g.kernel_spatial();
}

std::string describe(const ConvGeometry& g) {
  auto dims = [](const std::array<int64_t, 3>& a) {
    return "[" + std::to_string(a[0]) + "," + std::to_string(a[1]) + "," + std::to_string(a[2]) +
           "]";
  };
  return "N=" + std::to_string(g.batch) + " Cin=" + std::to_string(g.in_channels) +
         " Cout=" + std::to_string(g.out_channels) + " groups=" + std::to_string(g.groups) +
         " in=" + dims(g.in) + " out=" + dims(g.out) + " k=" + dims(g.kernel) +
         " s=" + dims(g.stride) + " d=" + dims(g.dilation) + " pad=" + dims(g.pad);
}

// One convolution with padding `pad` before and `pad_after` after each spatial dim.
ConvGeometry make_geometry(int64_t batch, int64_t cin, int64_t cout, int64_t groups,
                           std::array<int64_t, 3> in, std::array<int64_t, 3> kernel,
                           std::array<int64_t, 3> stride = {1, 1, 1},
                           std::array<int64_t, 3> pad = {0, 0, 0},
                           std::array<int64_t, 3> pad_after = {0, 0, 0},
                           std::array<int64_t, 3> dilation = {1, 1, 1}) {
  ConvGeometry g;
  g.batch = batch;
  g.in_channels = cin;
  g.out_channels = cout;
  g.groups = groups;
  g.in = in;
  g.kernel = kernel;
  g.stride = stride;
  g.pad = pad;
  g.dilation = dilation;
  for (int d = 0; d < 3; ++d)
    g.out[d] = conv_output_size(in[d], pad[d], pad_after[d], kernel[d], stride[d], dilation[d]);
  return g;
}

// 2-d square convolution, PyTorch-style arguments.
ConvGeometry conv2d(int64_t batch, int64_t cin, int64_t size, int64_t cout, int64_t k,
                    int64_t stride, int64_t pad, int64_t groups = 1, int64_t dilation = 1) {
  return make_geometry(batch, cin, cout, groups, {1, size, size}, {1, k, k}, {1, stride, stride},
                       {0, pad, pad}, {0, pad, pad}, {1, dilation, dilation});
}

enum class Path { dispatch, im2col, depthwise };

template <class T>
struct Outputs {
  std::vector<T> y, gx, gw;
};

struct Inputs {
  std::vector<double> x, w, b, gy;
};

Inputs random_inputs(const ConvGeometry& g, bool bias, uint32_t seed) {
  Inputs in;
  in.x = test_support::random_values(input_size(g), seed);
  in.w = test_support::random_values(weight_size(g), seed + 1);
  if (bias) in.b = test_support::random_values(g.out_channels, seed + 2);
  in.gy = test_support::random_values(output_size(g), seed + 3);
  return in;
}

// Inputs rounded to T, so every kernel sees exactly the same values.
template <class T, class S>
std::vector<T> as(const std::vector<S>& v) {
  return std::vector<T>(v.begin(), v.end());
}

template <class T>
Outputs<T> run(Path path, const ConvGeometry& g, const Inputs& in) {
  const auto x = as<T>(in.x), w = as<T>(in.w), b = as<T>(in.b), gy = as<T>(in.gy);
  const T* bias = b.empty() ? nullptr : b.data();
  Outputs<T> out;
  // Stale values in the outputs must be overwritten.
  out.y.assign(output_size(g), T(7));
  out.gx.assign(input_size(g), T(7));
  out.gw.assign(weight_size(g), T(7));
  switch (path) {
    case Path::dispatch:
      conv_forward(g, x.data(), w.data(), bias, out.y.data());
      conv_backward_input(g, gy.data(), w.data(), out.gx.data());
      conv_backward_weight(g, x.data(), gy.data(), out.gw.data());
      break;
    case Path::im2col:
      conv_forward_im2col<T>(g, x.data(), w.data(), bias, out.y.data());
      conv_backward_input_im2col<T>(g, gy.data(), w.data(), out.gx.data());
      conv_backward_weight_im2col<T>(g, x.data(), gy.data(), out.gw.data());
      break;
    case Path::depthwise:
      conv_forward_depthwise<T>(g, x.data(), w.data(), bias, out.y.data());
      conv_backward_input_depthwise<T>(g, gy.data(), w.data(), out.gx.data());
      conv_backward_weight_depthwise<T>(g, x.data(), gy.data(), out.gw.data());
      break;
  }
  return out;
}

// The reference in double on the inputs rounded to T: the exact answer for T's inputs.
template <class T>
Outputs<double> run_reference(const ConvGeometry& g, const Inputs& in) {
  Inputs rounded{as<double>(as<T>(in.x)), as<double>(as<T>(in.w)), as<double>(as<T>(in.b)),
                 as<double>(as<T>(in.gy))};
  const double* bias = rounded.b.empty() ? nullptr : rounded.b.data();
  Outputs<double> out;
  out.y.resize(output_size(g));
  out.gx.resize(input_size(g));
  out.gw.resize(weight_size(g));
  conv_forward_ref<double>(g, rounded.x.data(), rounded.w.data(), bias, out.y.data());
  conv_backward_input_ref<double>(g, rounded.gy.data(), rounded.w.data(), out.gx.data());
  conv_backward_weight_ref<double>(g, rounded.x.data(), rounded.gy.data(), out.gw.data());
  return out;
}

// max |got - want| / max |want|: the error relative to the result's scale.
template <class T>
double relative_error(const std::vector<T>& got, const std::vector<double>& want) {
  double err = 0, scale = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double g = static_cast<double>(got[i]);
    if (!std::isfinite(g)) return INFINITY;
    err = std::max(err, std::abs(g - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return scale > 0 ? err / scale : err;
}

template <class T>
constexpr double kTolerance = sizeof(T) == sizeof(float) ? 1e-5 : 1e-12;

template <class T>
void expect_matches_reference(Path path, const ConvGeometry& g, bool bias, uint32_t seed) {
  const Inputs in = random_inputs(g, bias, seed);
  const Outputs<T> got = run<T>(path, g, in);
  const Outputs<double> want = run_reference<T>(g, in);
  const std::string what = describe(g) + (bias ? " with bias" : "");
  EXPECT_LE(relative_error(got.y, want.y), kTolerance<T>) << "forward, " << what;
  EXPECT_LE(relative_error(got.gx, want.gx), kTolerance<T>) << "input grad, " << what;
  EXPECT_LE(relative_error(got.gw, want.gw), kTolerance<T>) << "weight grad, " << what;
}

enum class Grouping { dense, grouped, depthwise };

// A random convolution of rank `dims` (trailing spatial dims), small enough for the
// reference, with strides, dilations and asymmetric padding.
ConvGeometry random_geometry(std::mt19937& rng, int dims, Grouping grouping) {
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  ConvGeometry g;
  g.batch = pick(1, 3);
  if (grouping == Grouping::depthwise) {
    g.groups = g.in_channels = pick(2, 5);
    g.out_channels = g.groups * pick(1, 3);
  } else {
    g.groups = grouping == Grouping::grouped ? pick(2, 3) : 1;
    g.in_channels = g.groups * pick(1, 4);
    g.out_channels = g.groups * pick(1, 5);
  }
  for (int d = 3 - dims; d < 3; ++d) {
    g.kernel[d] = pick(1, 4);
    g.stride[d] = pick(1, 3);
    g.dilation[d] = pick(1, 2);
    g.pad[d] = pick(0, 2);
    const int64_t pad_after = pick(0, 3);
    const int64_t span = g.dilation[d] * (g.kernel[d] - 1) + 1;
    g.in[d] = std::max<int64_t>(span - g.pad[d] - pad_after, 1) + pick(0, 9);
    g.out[d] = conv_output_size(g.in[d], g.pad[d], pad_after, g.kernel[d], g.stride[d],
                                g.dilation[d]);
  }
  return g;
}

template <class T>
void check_random_geometries(Path path, Grouping grouping, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int dims = 1; dims <= 3; ++dims) {
    for (int i = 0; i < 40; ++i) {
      const ConvGeometry g = random_geometry(rng, dims, grouping);
      ASSERT_GE(g.out[0] * g.out[1] * g.out[2], 1);
      expect_matches_reference<T>(path, g, i % 2 == 0, seed + i);
    }
  }
}

TEST(ConvFast, Im2colRandomGeometriesDouble) {
  check_random_geometries<double>(Path::im2col, Grouping::dense, 100);
  check_random_geometries<double>(Path::im2col, Grouping::grouped, 200);
  check_random_geometries<double>(Path::im2col, Grouping::depthwise, 300);
}

TEST(ConvFast, Im2colRandomGeometriesFloat) {
  check_random_geometries<float>(Path::im2col, Grouping::dense, 400);
  check_random_geometries<float>(Path::im2col, Grouping::grouped, 500);
  check_random_geometries<float>(Path::im2col, Grouping::depthwise, 600);
}

// Twelve images or more with small outputs: the forward runs its panels across image
// boundaries (and a batch of 1x1 layers takes the GEMM input gradient).
TEST(ConvFast, LargeBatchesOfSmallImages) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 24; ++i) {
    ConvGeometry g = random_geometry(rng, 2, Grouping::dense);
    g.batch = std::uniform_int_distribution<int64_t>(12, 19)(rng);
    expect_matches_reference<float>(Path::im2col, g, i % 2 == 0, 1300 + i);
    expect_matches_reference<double>(Path::dispatch, g, i % 2 == 1, 1400 + i);
  }
  expect_matches_reference<float>(Path::dispatch, conv2d(13, 6, 9, 10, 1, 1, 0), true, 1500);
  expect_matches_reference<double>(Path::im2col, conv2d(16, 8, 14, 12, 5, 1, 2), true, 1501);
}

// Many images per task (the forward splits the batch into at most 12 tasks) whose outputs
// are smaller than a panel (1x1 to 4x4 positions): a panel of positions covers three images
// or more. These once came out as garbage (a DCGAN's discriminator on 28x28 images, batch 64).
TEST(ConvFast, ManyImagesSmallerThanAPanel) {
  for (int64_t batch : {25, 37, 64}) {
    for (int64_t size : {1, 2, 3, 5, 7}) {
      const ConvGeometry strided = conv2d(batch, 5, size, 7, 3, 2, 1);
      expect_matches_reference<float>(Path::im2col, strided, true, 1700 + batch + size);
      expect_matches_reference<double>(Path::dispatch, strided, false, 1800 + batch + size);
      const ConvGeometry same = conv2d(batch, 4, size, 6, 3, 1, 1);
      expect_matches_reference<float>(Path::dispatch, same, false, 1900 + batch + size);
    }
  }
  // The discriminator's and generator's layers that showed it, at the size they ran.
  expect_matches_reference<float>(Path::dispatch, conv2d(64, 128, 7, 256, 4, 2, 1), false, 2000);
  expect_matches_reference<float>(Path::dispatch, conv2d(64, 256, 3, 1, 3, 1, 0), false, 2001);
}

// An output beyond 64 MiB written in one depth block: its stores bypass the caches (when
// 64-byte aligned, as tensor storage is; std::vector's memory need not be, so the output here
// is allocated aligned).
TEST(ConvFast, HugeOutputWithStreamingStores) {
  const ConvGeometry g = conv2d(2, 8, 64, 2100, 1, 1, 0);
  const Inputs in = random_inputs(g, true, 1600);
  const Outputs<double> want = run_reference<float>(g, in);
  const auto x = as<float>(in.x), w = as<float>(in.w), b = as<float>(in.b);
  const size_t n = static_cast<size_t>(output_size(g));
  std::unique_ptr<float, decltype(&std::free)> y(
      static_cast<float*>(std::aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64)), &std::free);
  ASSERT_NE(y.get(), nullptr);
  std::fill(y.get(), y.get() + n, 7.0f);
  conv_forward_im2col<float>(g, x.data(), w.data(), b.data(), y.get());
  EXPECT_LE(relative_error(std::vector<float>(y.get(), y.get() + n), want.y), kTolerance<float>);
}

TEST(ConvFast, DepthwiseRandomGeometries) {
  check_random_geometries<double>(Path::depthwise, Grouping::depthwise, 700);
  check_random_geometries<float>(Path::depthwise, Grouping::depthwise, 800);
}

TEST(ConvFast, DispatchRandomGeometries) {
  check_random_geometries<double>(Path::dispatch, Grouping::dense, 900);
  check_random_geometries<float>(Path::dispatch, Grouping::grouped, 1000);
  check_random_geometries<float>(Path::dispatch, Grouping::depthwise, 1100);
}

// Shapes the random ones rarely hit: 1x1 (with and without the direct GEMM), output size
// 1, batch 1 with channel chunks, many blocks with partial rows, first layers, wide rows.
std::vector<ConvGeometry> special_geometries() {
  return {
      conv2d(2, 8, 9, 12, 1, 1, 0),                 // pointwise
      conv2d(1, 6, 7, 4, 1, 1, 0, 2),               // pointwise, grouped, batch 1
      conv2d(2, 8, 9, 12, 1, 2, 0),                 // 1x1 with stride
      conv2d(2, 8, 9, 12, 1, 1, 1),                 // 1x1 with padding
      conv2d(3, 4, 5, 6, 5, 1, 0),                  // output 1x1
      conv2d(1, 3, 6, 5, 3, 4, 1),                  // stride > kernel
      conv2d(1, 40, 12, 8, 3, 1, 1),                // batch 1: input channels in chunks
      conv2d(2, 64, 21, 16, 3, 1, 1),               // K = 576: many blocks, partial rows
      conv2d(2, 1, 28, 8, 5, 1, 0),                 // first layer, C_in = 1
      conv2d(1, 3, 30, 8, 7, 2, 3),                 // first layer, 7x7 stride 2
      conv2d(2, 6, 9, 6, 3, 1, 2, 1, 2),            // dilation 2
      make_geometry(2, 4, 6, 2, {5, 6, 7}, {2, 3, 2}, {2, 1, 2}, {1, 0, 1}, {0, 2, 0},
                    {1, 2, 1}),                     // 3-d, grouped, asymmetric padding
      make_geometry(1, 3, 5, 1, {1, 1, 300}, {1, 1, 7}, {1, 1, 3}, {0, 0, 2}, {0, 0, 5},
                    {1, 1, 2}),                     // 1-d, long
      conv2d(2, 6, 70, 12, 3, 1, 1, 6),             // depthwise x2, rows over 64 wide
      conv2d(2, 5, 33, 5, 3, 2, 1, 5),              // depthwise, stride 2
      conv2d(1, 4, 17, 4, 5, 3, 4, 4, 2),           // depthwise, stride 3, dilation 2
      make_geometry(2, 3, 6, 3, {4, 5, 19}, {3, 2, 3}, {2, 1, 2}, {1, 1, 0}, {2, 0, 3},
                    {1, 2, 2}),                     // 3-d depthwise x2, asymmetric padding
      make_geometry(2, 3, 3, 3, {1, 4, 4}, {1, 3, 3}, {1, 1, 1}, {0, 5, 0}, {0, 0, 4}),
                                                    // padding larger than the kernel
      conv2d(1, 16, 190, 4, 3, 1, 1),               // region over 1 MiB: row blocks
      conv2d(1, 16, 190, 8, 3, 2, 1),               // the same, strided
      make_geometry(1, 4, 4, 1, {9, 40, 40}, {3, 3, 3}, {2, 1, 1}, {1, 1, 1}, {1, 1, 1}),
                                                    // 3-d row blocks spanning depth slices
  };
}

TEST(ConvFast, SpecialGeometries) {
  uint32_t seed = 2000;
  for (const ConvGeometry& g : special_geometries()) {
    for (Path path : {Path::dispatch, Path::im2col}) {
      expect_matches_reference<double>(path, g, true, seed);
      expect_matches_reference<float>(path, g, false, seed);
    }
    if (conv_is_depthwise(g)) {
      expect_matches_reference<double>(Path::depthwise, g, false, seed);
      expect_matches_reference<float>(Path::depthwise, g, true, seed);
    }
    seed += 10;
  }
}

TEST(ConvFast, FloatWeightGradOverLongSums) {
  // 16 images of 56x56: the weight gradient sums 50176 products per element.
  const ConvGeometry dense = conv2d(16, 4, 56, 8, 3, 1, 1);
  const ConvGeometry depthwise = conv2d(16, 4, 56, 4, 3, 1, 1, 4);
  expect_matches_reference<float>(Path::im2col, dense, false, 3000);
  expect_matches_reference<float>(Path::depthwise, depthwise, false, 3001);
}

// ----------------------------------------------------------------- PyTorch fixtures

ConvGeometry geometry_from(const std::vector<int64_t>& p) {
  ConvGeometry g;
  g.batch = p[0];
  g.in_channels = p[1];
  g.out_channels = p[2];
  g.groups = p[3];
  for (int d = 0; d < 3; ++d) {
    g.in[d] = p[4 + d];
    g.out[d] = p[7 + d];
    g.kernel[d] = p[10 + d];
    g.stride[d] = p[13 + d];
    g.dilation[d] = p[16 + d];
    g.pad[d] = p[19 + d];
  }
  return g;
}

template <class T>
void check_fixtures() {
  static const test_support::Fixtures f(test_support::fixture_path("conv.bin"));
  const auto cases = f.cases("conv");
  ASSERT_GE(cases.size(), 9u);
  for (const auto& name : cases) {
    const auto& params = f.get(name + "/params").ints;
    const ConvGeometry g = geometry_from(params);
    Inputs in{f.get(name + "/x").values, f.get(name + "/w").values,
              params[22] != 0 ? f.get(name + "/b").values : std::vector<double>{},
              f.get(name + "/gy").values};
    const Outputs<T> got = run<T>(Path::dispatch, g, in);
    test_support::expect_close(got.y, f.get(name + "/y").values, name + " forward");
    test_support::expect_close(got.gx, f.get(name + "/gx").values, name + " input grad");
    test_support::expect_close(got.gw, f.get(name + "/gw").values, name + " weight grad");
  }
}

TEST(ConvFast, DispatchMatchesPyTorchFixtures) {
  check_fixtures<double>();
  check_fixtures<float>();
}

// ----------------------------------------------------------------- threads

// Runs fn on exactly `threads` threads (the arena may exceed the core count).
template <class Fn>
void on_threads(int threads, const Fn& fn) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(threads);
  arena.execute(fn);
}

template <class T>
void expect_same_bits_for_1_2_3_threads(Path path, const ConvGeometry& g) {
  const Inputs in = random_inputs(g, true, 77);
  Outputs<T> results[3];
  for (int threads = 1; threads <= 3; ++threads)
    on_threads(threads, [&] { results[threads - 1] = run<T>(path, g, in); });
  for (int t = 1; t < 3; ++t) {
    EXPECT_TRUE(test_support::bitwise_equal(results[0].y, results[t].y))
        << "forward, " << t + 1 << " threads, " << describe(g);
    EXPECT_TRUE(test_support::bitwise_equal(results[0].gx, results[t].gx))
        << "input grad, " << t + 1 << " threads, " << describe(g);
    EXPECT_TRUE(test_support::bitwise_equal(results[0].gw, results[t].gw))
        << "weight grad, " << t + 1 << " threads, " << describe(g);
  }
}

// Big enough that the tasks and the GEMMs inside them run in parallel.
std::vector<ConvGeometry> parallel_geometries() {
  return {
      conv2d(4, 32, 24, 48, 3, 1, 1),    // several images and blocks
      conv2d(1, 64, 24, 32, 3, 1, 1),    // batch 1: channel chunks
      conv2d(7, 16, 20, 24, 3, 2, 1),    // 7 images in 6 weight-gradient chunks
      conv2d(1, 32, 30, 48, 3, 2, 1),    // batch 1, strided: input channels in chunks
      conv2d(2, 64, 30, 96, 1, 1, 0),    // pointwise
      conv2d(3, 16, 40, 32, 3, 1, 1, 16),  // depthwise x2
      conv2d(13, 8, 14, 16, 5, 1, 2),    // panels across image boundaries
      make_geometry(2, 8, 16, 2, {8, 12, 12}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}),
  };
}

TEST(ConvFast, SameBitsForOneTwoThreeThreadsFloat) {
  for (const ConvGeometry& g : parallel_geometries()) {
    expect_same_bits_for_1_2_3_threads<float>(Path::dispatch, g);
  }
  expect_same_bits_for_1_2_3_threads<float>(Path::im2col, conv2d(3, 16, 40, 32, 3, 1, 1, 16));
}

TEST(ConvFast, SameBitsForOneTwoThreeThreadsDouble) {
  expect_same_bits_for_1_2_3_threads<double>(Path::dispatch, conv2d(4, 32, 24, 48, 3, 1, 1));
  expect_same_bits_for_1_2_3_threads<double>(Path::dispatch, conv2d(3, 8, 30, 8, 5, 1, 2, 8));
}

// Deep layers on small images (a ResNet's last stages): the weight gradient's products run
// over several whole images at once. Odd sizes, strides, a batch not divisible by the
// images per product, float and double against the reference, and the same bits for 1, 2
// and 3 threads.
TEST(ConvFast, WeightGradientAcrossSmallImages) {
  const ConvGeometry geometries[] = {
      conv2d(11, 40, 4, 24, 3, 1, 1),   // 4x4: 16 positions an image
      conv2d(23, 17, 5, 9, 3, 1, 1),    // 5x5, odd channel counts
      conv2d(9, 12, 7, 20, 3, 2, 1),    // strided: 4x4 outputs
      conv2d(14, 24, 8, 16, 1, 2, 0),   // 1x1 downsample
      conv2d(5, 8, 3, 8, 3, 1, 0),      // one output position an image
  };
  uint32_t seed = 1700;
  for (const ConvGeometry& g : geometries) {
    expect_matches_reference<float>(Path::im2col, g, false, seed++);
    expect_matches_reference<double>(Path::im2col, g, true, seed++);
    expect_matches_reference<double>(Path::dispatch, g, false, seed++);
  }
  expect_same_bits_for_1_2_3_threads<float>(Path::dispatch, geometries[0]);
  expect_same_bits_for_1_2_3_threads<double>(Path::im2col, geometries[1]);
}

// Depthwise planes with narrow output rows (a MobileNet's late layers) run as one flat row
// per plane (ops/kernels/conv_depthwise.cpp): rows from 1 to 20 wide, every stride,
// dilation and padding the layouts treat differently, non-square kernels, asymmetric
// padding, channel multiplier 1 and 2, against the reference in float and double.
TEST(ConvFast, DepthwiseFlatPlanes) {
  uint32_t seed = 2100;
  int checked = 0;
  for (int64_t size = 1; size <= 20; ++size) {
    for (int64_t stride = 1; stride <= 3; ++stride) {
      for (int64_t dilation = 1; dilation <= 2; ++dilation) {
        for (int64_t pad = 0; pad <= 2; ++pad) {
          const int64_t mult = 1 + seed % 2;
          const int64_t kh = 1 + seed % 3, kw = 1 + (seed / 3) % 4;
          const ConvGeometry g = make_geometry(
              2, 3, 3 * mult, 3, {1, size + seed % 3, size}, {1, kh, kw}, {1, stride, stride},
              {0, pad, pad}, {0, pad, (pad + 1) % 3}, {1, dilation, dilation});
          ++seed;
          if (g.out[1] < 1 || g.out[2] < 1) continue;
          ++checked;
          expect_matches_reference<double>(Path::depthwise, g, seed % 2 == 0, seed);
          expect_matches_reference<float>(Path::depthwise, g, seed % 2 == 1, seed);
        }
      }
    }
  }
  EXPECT_GT(checked, 250);
  // Enough planes and channels for several tasks, so the thread counts split them apart.
  const ConvGeometry parallel[] = {
      conv2d(4, 160, 7, 160, 3, 1, 1, 160),   // 7x7, multiplier 1
      conv2d(3, 96, 14, 192, 3, 2, 1, 96),    // 14x14 stride 2 to 7x7, multiplier 2
      conv2d(2, 64, 19, 64, 5, 3, 2, 64, 2),  // stride 3, dilation 2
  };
  for (const ConvGeometry& g : parallel) {
    expect_same_bits_for_1_2_3_threads<float>(Path::depthwise, g);
    expect_same_bits_for_1_2_3_threads<double>(Path::depthwise, g);
  }
}

// ----------------------------------------------------------------- arguments

TEST(ConvFast, EmptyBatch) {
  ConvGeometry g = conv2d(0, 4, 6, 6, 3, 1, 1);
  std::vector<float> gw(weight_size(g), 7.0f);
  conv_forward(g, static_cast<const float*>(nullptr), nullptr, nullptr, nullptr);
  conv_backward_input(g, static_cast<const float*>(nullptr), nullptr, nullptr);
  conv_backward_weight(g, nullptr, nullptr, gw.data());
  EXPECT_TRUE(std::all_of(gw.begin(), gw.end(), [](float v) { return v == 0.0f; }));
  g = conv2d(0, 4, 6, 4, 3, 1, 1, 4);
  std::vector<double> gwd(weight_size(g), 7.0);
  conv_backward_weight_depthwise<double>(g, nullptr, nullptr, gwd.data());
  EXPECT_TRUE(std::all_of(gwd.begin(), gwd.end(), [](double v) { return v == 0.0; }));
}

template <class Fn>
void expect_invalid_argument_naming(const char* name, const Fn& fn) {
  try {
    fn();
    ADD_FAILURE() << name << " accepted a bad argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

TEST(ConvFast, RejectsBadArguments) {
  std::vector<double> buf(100000);
  double* p = buf.data();
  ConvGeometry g = conv2d(2, 4, 6, 6, 3, 1, 1);
  g.groups = 3;  // 4 input channels are not divisible by 3
  expect_invalid_argument_naming("conv_forward", [&] { conv_forward(g, p, p, nullptr, p); });
  g = conv2d(2, 4, 6, 6, 3, 1, 1);
  g.stride[1] = 0;
  expect_invalid_argument_naming("conv_backward_input", [&] { conv_backward_input(g, p, p, p); });
  g = conv2d(2, 4, 6, 6, 3, 1, 1);
  g.pad[2] = -1;
  expect_invalid_argument_naming("conv_backward_weight",
                                 [&] { conv_backward_weight(g, p, p, p); });
  g = conv2d(2, 4, 6, 6, 3, 1, 1);
  expect_invalid_argument_naming("conv_forward_im2col",
                                 [&] { conv_forward_im2col<double>(g, nullptr, p, nullptr, p); });
  expect_invalid_argument_naming("conv_backward_weight_im2col",
                                 [&] { conv_backward_weight_im2col<double>(g, p, p, nullptr); });
  expect_invalid_argument_naming("conv_forward_depthwise", [&] {
    conv_forward_depthwise<double>(g, p, p, nullptr, p);  // not depthwise
  });
  g = conv2d(2, 4, 6, 4, 3, 1, 1, 4);
  expect_invalid_argument_naming("conv_backward_input_depthwise",
                                 [&] { conv_backward_input_depthwise<double>(g, p, nullptr, p); });
}

TEST(ConvFast, HugeBuffersFallBackToTheReference) {
  EXPECT_TRUE(conv_im2col_fits(conv2d(32, 512, 56, 512, 3, 1, 1), sizeof(float)));
  // One output row of a 1-d convolution over 2^25 inputs with 8 channels: 1 GiB of region.
  const ConvGeometry wide =
      make_geometry(1, 8, 8, 1, {1, 1, int64_t{1} << 25}, {1, 1, 3}, {1, 1, 1}, {0, 0, 1},
                    {0, 0, 1});
  EXPECT_FALSE(conv_im2col_fits(wide, sizeof(float)));
  EXPECT_TRUE(conv_depthwise_fits(conv2d(32, 64, 56, 64, 3, 1, 1, 64), sizeof(double)));
  EXPECT_FALSE(conv_depthwise_fits(
      make_geometry(1, 2, 2, 2, {1, 1, int64_t{1} << 25}, {1, 1, 3}), sizeof(double)));
}

TEST(ConvFast, ImplementationName) {
  EXPECT_NE(std::string(conv_impl_name()).find("im2col"), std::string::npos);
}

}  // namespace
}  // namespace tg::kernels
