// Winograd F(2x2, 3x3) (conv_winograd.h) against the reference loops run in double, and the
// algorithm switch (conv_algorithm.h) in the conv kernel dispatcher.
//
// Error bound: for every output element, |winograd - exact| <= 1e-6 * (the sum of
// |x * w| over the element's taps, plus |bias|), i.e. the error scaled by the magnitude of
// the terms summed (exact: the reference loops in double). On ResNet-18's layers Winograd
// measures 0.4e-7 to 1.5e-7 of that scale, the direct kernels 0.2e-7 to 0.9e-7
// (ResNetLayerErrors prints both); every shape is also checked to be within 8x the direct
// kernels' error.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ops/conv_algorithm.h"
#include "ops/kernels/conv.h"
#include "ops/kernels/conv_im2col.h"
#include "ops/kernels/conv_reference.h"
#include "ops/kernels/conv_winograd.h"
#include "ops/kernels/conv_winograd_simd.h"

namespace tg::kernels {
namespace {

constexpr double kBound = 1e-6;

struct Shape {
  int64_t batch, cin, cout, h, w, pad_h, pad_w, pad_h_after, pad_w_after;
};

ConvGeometry geometry(const Shape& s) {
  ConvGeometry g;
  g.batch = s.batch;
  g.in_channels = s.cin;
  g.out_channels = s.cout;
  g.in = {1, s.h, s.w};
  g.kernel = {1, 3, 3};
  g.pad = {0, s.pad_h, s.pad_w};
  g.out = {1, conv_output_size(s.h, s.pad_h, s.pad_h_after, 3, 1, 1),
           conv_output_size(s.w, s.pad_w, s.pad_w_after, 3, 1, 1)};
  return g;
}

std::string describe(const Shape& s) {
  return "N=" + std::to_string(s.batch) + " C=" + std::to_string(s.cin) +
         " K=" + std::to_string(s.cout) + " " + std::to_string(s.h) + "x" + std::to_string(s.w) +
         " pad=(" + std::to_string(s.pad_h) + "," + std::to_string(s.pad_w) + ")/(" +
         std::to_string(s.pad_h_after) + "," + std::to_string(s.pad_w_after) + ")";
}

// Shapes: tiny images (1x1 to 3x3), odd and even sizes, padding 0/1/2 before and after
// (asymmetric too), batch 1 and 33, channel counts that are not multiples of 16.
std::vector<Shape> shapes() {
  return {
      {1, 1, 1, 1, 1, 1, 1, 1, 1},     {1, 3, 5, 1, 1, 2, 2, 2, 2},
      {2, 4, 3, 2, 2, 1, 1, 1, 1},     {1, 5, 7, 2, 2, 2, 0, 1, 2},
      {1, 3, 2, 3, 3, 0, 0, 0, 0},     {3, 6, 9, 3, 3, 1, 1, 1, 1},
      {1, 2, 3, 3, 3, 2, 2, 2, 2},     {1, 17, 20, 7, 7, 0, 0, 0, 0},
      {2, 20, 17, 7, 7, 1, 1, 1, 1},   {1, 33, 12, 7, 7, 2, 2, 2, 2},
      {33, 3, 5, 5, 5, 1, 1, 1, 1},    {33, 16, 24, 4, 4, 1, 1, 1, 1},
      {2, 7, 11, 5, 9, 1, 0, 0, 2},    {1, 9, 13, 13, 6, 2, 1, 0, 1},
      {3, 19, 21, 11, 17, 1, 2, 2, 1}, {1, 70, 33, 9, 11, 1, 1, 1, 1},
      {2, 64, 64, 16, 16, 1, 1, 1, 1}, {1, 130, 40, 19, 9, 1, 1, 1, 1},
      {1, 8, 8, 40, 150, 1, 1, 1, 1},  {4, 24, 40, 14, 14, 1, 1, 1, 1},
  };
}

struct Data {
  std::vector<float> x, w, bias, gy;
};

Data random_data(const ConvGeometry& g, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Data d;
  d.x.resize(g.batch * g.in_channels * g.in_spatial());
  d.w.resize(g.out_channels * g.in_channels * 9);
  d.bias.resize(g.out_channels);
  d.gy.resize(g.batch * g.out_channels * g.out_spatial());
  for (auto* v : {&d.x, &d.w, &d.bias, &d.gy})
    for (float& e : *v) e = dist(rng);
  return d;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<double> widen(const std::vector<float>& v) { return {v.begin(), v.end()}; }
std::vector<double> absolute(const std::vector<float>& v) {
  std::vector<double> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), [](float e) { return std::fabs(double{e}); });
  return out;
}

// Largest |got - exact| / scale over the elements.
double scaled_error(const std::vector<float>& got, const std::vector<double>& exact,
                    const std::vector<double>& scale) {
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, std::fabs(got[i] - exact[i]) / std::max(scale[i], 1e-30));
  return worst;
}

struct Errors {
  double winograd, direct;
};

Errors forward_errors(const ConvGeometry& g, const Data& d) {
  const size_t ny = d.gy.size();
  std::vector<double> exact(ny), scale(ny);
  const auto bias = widen(d.bias), abs_bias = absolute(d.bias);
  conv_forward_ref<double>(g, widen(d.x).data(), widen(d.w).data(), bias.data(), exact.data());
  conv_forward_ref<double>(g, absolute(d.x).data(), absolute(d.w).data(), abs_bias.data(),
                           scale.data());
  std::vector<float> winograd(ny), direct(ny);
  conv_forward_winograd(g, d.x.data(), d.w.data(), d.bias.data(), winograd.data());
  conv_forward_im2col<float>(g, d.x.data(), d.w.data(), d.bias.data(), direct.data());
  return {scaled_error(winograd, exact, scale), scaled_error(direct, exact, scale)};
}

Errors input_grad_errors(const ConvGeometry& g, const Data& d) {
  const size_t nx = d.x.size();
  std::vector<double> exact(nx), scale(nx);
  conv_backward_input_ref<double>(g, widen(d.gy).data(), widen(d.w).data(), exact.data());
  conv_backward_input_ref<double>(g, absolute(d.gy).data(), absolute(d.w).data(), scale.data());
  std::vector<float> winograd(nx), direct(nx);
  conv_backward_input_winograd(g, d.gy.data(), d.w.data(), winograd.data());
  conv_backward_input_im2col<float>(g, d.gy.data(), d.w.data(), direct.data());
  return {scaled_error(winograd, exact, scale), scaled_error(direct, exact, scale)};
}

Errors weight_grad_errors(const ConvGeometry& g, const Data& d) {
  const size_t nw = d.w.size();
  std::vector<double> exact(nw), scale(nw);
  conv_backward_weight_ref<double>(g, widen(d.x).data(), widen(d.gy).data(), exact.data());
  conv_backward_weight_ref<double>(g, absolute(d.x).data(), absolute(d.gy).data(), scale.data());
  // The transforms mix the nine taps of one (output, input) channel pair, so a tap's error
  // scales with the largest of the nine (a tap that only meets padding is exactly zero,
  // Winograd's value a rounding residue of its neighbours).
  for (size_t kc = 0; kc < nw; kc += 9) {
    const double largest = *std::max_element(scale.begin() + kc, scale.begin() + kc + 9);
    std::fill(scale.begin() + kc, scale.begin() + kc + 9, largest);
  }
  std::vector<float> winograd(nw), direct(nw);
  conv_backward_weight_winograd(g, d.x.data(), d.gy.data(), winograd.data());
  conv_backward_weight_im2col<float>(g, d.x.data(), d.gy.data(), direct.data());
  return {scaled_error(winograd, exact, scale), scaled_error(direct, exact, scale)};
}

TEST(ConvWinograd, ForwardMatchesExactWithinBound) {
  unsigned seed = 1;
  for (const Shape& s : shapes()) {
    const ConvGeometry g = geometry(s);
    ASSERT_TRUE(conv_winograd_applies(g)) << describe(s);
    const Errors e = forward_errors(g, random_data(g, seed++));
    EXPECT_LE(e.winograd, kBound) << describe(s);
    EXPECT_LE(e.winograd, 8 * std::max(e.direct, 1e-7)) << describe(s);
  }
}

TEST(ConvWinograd, InputGradientMatchesExactWithinBound) {
  unsigned seed = 100;
  for (const Shape& s : shapes()) {
    const ConvGeometry g = geometry(s);
    if (s.pad_h > 2 || s.pad_w > 2) continue;  // (none here; the gradient needs pad <= 2)
    ASSERT_TRUE(conv_winograd_input_grad_applies(g)) << describe(s);
    const Errors e = input_grad_errors(g, random_data(g, seed++));
    EXPECT_LE(e.winograd, kBound) << describe(s);
    EXPECT_LE(e.winograd, 8 * std::max(e.direct, 1e-7)) << describe(s);
  }
}

// ResNet-18's 3x3 stride-1 layers (batch 1; CIFAR-style 32..4 and ImageNet-style 56..7):
// the bound holds, and the errors are printed (the README quotes them).
TEST(ConvWinograd, ResNetLayerErrors) {
  const int64_t layers[][2] = {{64, 32}, {128, 16}, {256, 8}, {512, 4},
                               {64, 56}, {128, 28}, {256, 14}, {512, 7}};
  unsigned seed = 500;
  for (const auto& l : layers) {
    const Shape s{1, l[0], l[0], l[1], l[1], 1, 1, 1, 1};
    const ConvGeometry g = geometry(s);
    const Data d = random_data(g, seed++);
    const Errors f = forward_errors(g, d), b = input_grad_errors(g, d);
    const Errors wg = weight_grad_errors(g, d);
    EXPECT_LE(f.winograd, kBound) << describe(s);
    EXPECT_LE(b.winograd, kBound) << describe(s);
    EXPECT_LE(wg.winograd, kBound) << describe(s);
    std::printf("%-38s forward %.2e (direct %.2e)  input grad %.2e (%.2e)  weight grad %.2e "
                "(%.2e)\n",
                describe(s).c_str(), f.winograd, f.direct, b.winograd, b.direct, wg.winograd,
                wg.direct);
  }
}

// The transforms of every instruction set this CPU runs give the SSE2 baseline's bits
// (they only add and subtract), on rows of 1 to 40 tiles with the padding on either side.
TEST(ConvWinograd, TransformsAgreeAcrossInstructionSets) {
  const auto available = xsimd::available_architectures();
  std::vector<const winograd_simd::Kernels*> sets{&winograd_simd::sse2_kernels()};
  if (available.fma3_avx2) sets.push_back(&winograd_simd::avx2_kernels());
  if (available.avx512bw) sets.push_back(&winograd_simd::avx512_kernels());
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t tiles = 1; tiles <= 40; tiles += 3) {
    const int64_t width = 2 * tiles + 1, ld = tiles + 40;
    std::vector<float> row(width), m(16 * ld);
    for (float& e : row) e = dist(rng);
    for (float& e : m) e = dist(rng);
    std::vector<std::vector<float>> results;
    for (const auto* k : sets) {
      std::vector<float> halves(8 * ld, 0.0f), out(16 * ld, 0.0f);
      std::vector<float> y(2 * width, 0.0f);
      for (int i = 0; i < 4; ++i)  // the same row split at four offsets
        k->split_row(row.data(), i - 2, width, tiles + 1, halves.data() + 2 * i * ld,
                     halves.data() + (2 * i + 1) * ld);
      const float* even[4];
      const float* odd[4];
      for (int i = 0; i < 4; ++i) {
        even[i] = halves.data() + 2 * i * ld;
        odd[i] = even[i] + ld;
      }
      k->input_row(even, odd, tiles, out.data(), ld);
      k->output_row(m.data(), ld, tiles, 0.25f, y.data(), y.data() + width, width - 1);
      std::vector<float> all;
      for (int xi = 0; xi < 16; ++xi) all.insert(all.end(), &out[xi * ld], &out[xi * ld] + tiles);
      all.insert(all.end(), y.begin(), y.end());
      for (int i = 0; i < 8; ++i)
        all.insert(all.end(), &halves[i * ld], &halves[i * ld] + tiles + 1);
      results.push_back(all);
    }
    for (size_t i = 1; i < results.size(); ++i)
      EXPECT_TRUE(same_bits(results[i], results[0])) << sets[i]->isa << " tiles=" << tiles;
    // Spot values: the split of the row at offset -2 starts with two zeros.
    EXPECT_EQ(results[0][16 * tiles + 2 * width], 0.0f);
  }
}

TEST(ConvWinograd, WeightGradientMatchesExactWithinBound) {
  unsigned seed = 200;
  for (const Shape& s : shapes()) {
    const ConvGeometry g = geometry(s);
    const Errors e = weight_grad_errors(g, random_data(g, seed++));
    EXPECT_LE(e.winograd, kBound) << describe(s);
    EXPECT_LE(e.winograd, 8 * std::max(e.direct, 1e-7)) << describe(s);
  }
  // Several chunks of tiles (batch 40 of 20x20 images with 64 channels: 4000 tiles).
  const ConvGeometry g = geometry({40, 64, 64, 20, 20, 1, 1, 1, 1});
  const Errors e = weight_grad_errors(g, random_data(g, 299));
  EXPECT_LE(e.winograd, kBound);
}

TEST(ConvWinograd, WithoutBiasAndWithLargeValues) {
  const ConvGeometry g = geometry({2, 12, 10, 9, 8, 1, 1, 1, 1});
  Data d = random_data(g, 7);
  for (float& e : d.x) e *= 1000.0f;
  std::vector<double> exact(d.gy.size()), scale(d.gy.size());
  conv_forward_ref<double>(g, widen(d.x).data(), widen(d.w).data(), nullptr, exact.data());
  conv_forward_ref<double>(g, absolute(d.x).data(), absolute(d.w).data(), nullptr, scale.data());
  std::vector<float> y(d.gy.size());
  conv_forward_winograd(g, d.x.data(), d.w.data(), nullptr, y.data());
  EXPECT_LE(scaled_error(y, exact, scale), kBound);
}

template <class Run>
std::vector<float> with_threads(int threads, size_t n, const Run& run) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  std::vector<float> out(n, -1.0f);
  run(out.data());
  return out;
}

TEST(ConvWinograd, SameBitsForAnyThreadCount) {
  // Many blocks (batch 33 at 7x7 with few channels), and a layer with several depth blocks.
  for (const Shape& s : {Shape{33, 10, 12, 7, 7, 1, 1, 1, 1}, Shape{2, 300, 20, 12, 12, 1, 1, 1, 1},
                         Shape{5, 64, 64, 16, 16, 1, 1, 1, 1}}) {
    const ConvGeometry g = geometry(s);
    const Data d = random_data(g, 11);
    auto forward = [&](float* y) {
      conv_forward_winograd(g, d.x.data(), d.w.data(), d.bias.data(), y);
    };
    auto input_grad = [&](float* gx) {
      conv_backward_input_winograd(g, d.gy.data(), d.w.data(), gx);
    };
    auto weight_grad = [&](float* gw) {
      conv_backward_weight_winograd(g, d.x.data(), d.gy.data(), gw);
    };
    const auto w1 = with_threads(1, d.w.size(), weight_grad);
    const auto w2 = with_threads(2, d.w.size(), weight_grad);
    EXPECT_EQ(0, std::memcmp(w1.data(), w2.data(), w1.size() * sizeof(float))) << describe(s);
    const auto y1 = with_threads(1, d.gy.size(), forward);
    const auto y2 = with_threads(2, d.gy.size(), forward);
    const auto y3 = with_threads(3, d.gy.size(), forward);
    EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float))) << describe(s);
    EXPECT_EQ(0, std::memcmp(y1.data(), y3.data(), y1.size() * sizeof(float))) << describe(s);
    const auto g1 = with_threads(1, d.x.size(), input_grad);
    const auto g2 = with_threads(2, d.x.size(), input_grad);
    EXPECT_EQ(0, std::memcmp(g1.data(), g2.data(), g1.size() * sizeof(float))) << describe(s);
  }
}

TEST(ConvWinograd, AppliesOnlyToUndilatedUngroupedStrideOne3x3) {
  const Shape base{2, 8, 8, 9, 9, 1, 1, 1, 1};
  EXPECT_TRUE(conv_winograd_applies(geometry(base)));
  ConvGeometry g = geometry(base);
  g.stride = {1, 2, 2};
  g.out = {1, 5, 5};
  EXPECT_FALSE(conv_winograd_applies(g));
  g = geometry(base);
  g.dilation = {1, 2, 2};
  g.out = {1, 7, 7};
  EXPECT_FALSE(conv_winograd_applies(g));
  g = geometry(base);
  g.groups = 2;
  EXPECT_FALSE(conv_winograd_applies(g));
  g = geometry(base);
  g.kernel = {1, 5, 5};
  g.out = {1, 7, 7};
  EXPECT_FALSE(conv_winograd_applies(g));
  g = geometry(base);
  g.kernel = {3, 3, 3};
  g.in = {3, 9, 9};
  EXPECT_FALSE(conv_winograd_applies(g));
  // Padding 3 (output larger than the input): the forward applies, the gradient does not.
  g = geometry({1, 4, 4, 5, 5, 3, 3, 3, 3});
  EXPECT_TRUE(conv_winograd_applies(g));
  EXPECT_FALSE(conv_winograd_input_grad_applies(g));
  std::vector<float> gy(g.out_channels * g.out_spatial()), w(4 * 4 * 9), gx(4 * 25);
  EXPECT_THROW(conv_backward_input_winograd(g, gy.data(), w.data(), gx.data()),
               std::invalid_argument);
  g = geometry(base);
  g.stride = {1, 2, 2};
  g.out = {1, 5, 5};
  std::vector<float> x(2 * 8 * 81), y(2 * 8 * 25);
  try {
    conv_forward_winograd(g, x.data(), w.data(), nullptr, y.data());
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("conv_forward_winograd"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("stride"), std::string::npos) << e.what();
  }
}

TEST(ConvWinograd, PaddingThreeForward) {
  const ConvGeometry g = geometry({2, 5, 6, 5, 4, 3, 3, 3, 3});
  const Errors e = forward_errors(g, random_data(g, 21));
  EXPECT_LE(e.winograd, kBound);
}

// Restores the algorithm setting after a test that changes it.
class ConvAlgorithmSwitch : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = get_conv_algorithm(); }
  void TearDown() override { set_conv_algorithm(saved_); }
  ConvAlgorithm saved_ = ConvAlgorithm::Direct;
};

TEST_F(ConvAlgorithmSwitch, DispatcherFollowsTheSetting) {
  const ConvGeometry g = geometry({3, 24, 16, 10, 10, 1, 1, 1, 1});
  const Data d = random_data(g, 31);
  const size_t ny = d.gy.size(), nx = d.x.size(), nw = d.w.size();
  std::vector<float> y_direct(ny), y_winograd(ny), gx_direct(nx), gx_winograd(nx);
  std::vector<float> gw_direct(nw), gw_winograd(nw);
  conv_forward_im2col<float>(g, d.x.data(), d.w.data(), d.bias.data(), y_direct.data());
  conv_forward_winograd(g, d.x.data(), d.w.data(), d.bias.data(), y_winograd.data());
  conv_backward_input_im2col<float>(g, d.gy.data(), d.w.data(), gx_direct.data());
  conv_backward_input_winograd(g, d.gy.data(), d.w.data(), gx_winograd.data());
  conv_backward_weight_im2col<float>(g, d.x.data(), d.gy.data(), gw_direct.data());
  conv_backward_weight_winograd(g, d.x.data(), d.gy.data(), gw_winograd.data());
  ASSERT_FALSE(same_bits(y_direct, y_winograd));  // otherwise the test could not tell
  ASSERT_FALSE(same_bits(gx_direct, gx_winograd));
  ASSERT_FALSE(same_bits(gw_direct, gw_winograd));

  std::vector<float> y(ny), gx(nx), gw(nw);
  auto run = [&] {
    conv_forward(g, d.x.data(), d.w.data(), d.bias.data(), y.data());
    conv_backward_input(g, d.gy.data(), d.w.data(), gx.data());
    conv_backward_weight(g, d.x.data(), d.gy.data(), gw.data());
  };
  set_conv_algorithm(ConvAlgorithm::Direct);
  EXPECT_EQ(get_conv_algorithm(), ConvAlgorithm::Direct);
  run();
  EXPECT_TRUE(same_bits(y, y_direct));
  EXPECT_TRUE(same_bits(gx, gx_direct));
  EXPECT_TRUE(same_bits(gw, gw_direct));

  // Winograd: forward and input gradient (the weight gradient stays direct).
  set_conv_algorithm(ConvAlgorithm::Winograd);
  EXPECT_EQ(get_conv_algorithm(), ConvAlgorithm::Winograd);
  run();
  EXPECT_TRUE(same_bits(y, y_winograd));
  EXPECT_TRUE(same_bits(gx, gx_winograd));
  EXPECT_TRUE(same_bits(gw, gw_direct));

  // Auto measures each new (direction, shape) once, the weight gradient too, then keeps
  // its choice.
  set_conv_algorithm(ConvAlgorithm::Auto);
  clear_conv_auto_choices();
  run();
  EXPECT_EQ(conv_auto_choice_count(), 3u);
  EXPECT_TRUE(same_bits(y, y_direct) || same_bits(y, y_winograd));
  EXPECT_TRUE(same_bits(gx, gx_direct) || same_bits(gx, gx_winograd));
  EXPECT_TRUE(same_bits(gw, gw_direct) || same_bits(gw, gw_winograd));
  const std::vector<float> y_first = y, gx_first = gx, gw_first = gw;
  run();
  EXPECT_EQ(conv_auto_choice_count(), 3u);
  EXPECT_TRUE(same_bits(y, y_first));
  EXPECT_TRUE(same_bits(gx, gx_first));
  EXPECT_TRUE(same_bits(gw, gw_first));
  clear_conv_auto_choices();
  EXPECT_EQ(conv_auto_choice_count(), 0u);
}

TEST_F(ConvAlgorithmSwitch, OtherLayersAndDoubleStayDirect) {
  set_conv_algorithm(ConvAlgorithm::Winograd);
  // float64: the same bits as the direct kernel.
  const ConvGeometry g = geometry({2, 6, 5, 8, 8, 1, 1, 1, 1});
  const Data d = random_data(g, 41);
  const auto x = widen(d.x), w = widen(d.w), b = widen(d.bias);
  std::vector<double> y(d.gy.size()), y_direct(d.gy.size());
  conv_forward(g, x.data(), w.data(), b.data(), y.data());
  conv_forward_im2col<double>(g, x.data(), w.data(), b.data(), y_direct.data());
  EXPECT_EQ(0, std::memcmp(y.data(), y_direct.data(), y.size() * sizeof(double)));
  // A strided float32 layer: not eligible, runs direct.
  ConvGeometry s = g;
  s.stride = {1, 2, 2};
  s.out = {1, 4, 4};
  std::vector<float> ys(2 * 5 * 16), ys_direct(2 * 5 * 16);
  conv_forward(s, d.x.data(), d.w.data(), d.bias.data(), ys.data());
  conv_forward_im2col<float>(s, d.x.data(), d.w.data(), d.bias.data(), ys_direct.data());
  EXPECT_TRUE(same_bits(ys, ys_direct));
}

TEST(ConvAlgorithmNames, ParseAndPrint) {
  EXPECT_EQ(parse_conv_algorithm("auto"), ConvAlgorithm::Auto);
  EXPECT_EQ(parse_conv_algorithm("Direct"), ConvAlgorithm::Direct);
  EXPECT_EQ(parse_conv_algorithm("WINOGRAD"), ConvAlgorithm::Winograd);
  EXPECT_STREQ(conv_algorithm_name(ConvAlgorithm::Winograd), "winograd");
  EXPECT_THROW(parse_conv_algorithm("fft"), std::invalid_argument);
  EXPECT_THROW(parse_conv_algorithm(""), std::invalid_argument);
}

}  // namespace
}  // namespace tg::kernels
