// nn::init: gains, fans, and the statistics of each initialiser (the generator differs from
// PyTorch's, so bounds, means and standard deviations are what is compared).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "nn/nn.h"
#include "tapegrad.h"

namespace tg {
namespace {

namespace init = nn::init;

struct Stats {
  double mean = 0, std = 0, max_abs = 0;
};

Stats stats_of(const Tensor& t) {
  const auto v = t.to(kFloat64).contiguous().to_vector<double>();
  Stats s;
  for (double x : v) s.mean += x;
  s.mean /= v.size();
  for (double x : v) {
    s.std += (x - s.mean) * (x - s.mean);
    s.max_abs = std::max(s.max_abs, std::abs(x));
  }
  s.std = std::sqrt(s.std / (v.size() - 1));
  return s;
}

template <class F>
void expect_error_naming(F&& f, const std::string& needle) {
  try {
    f();
    FAIL() << "expected tg::Error mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(NnInit, CalculateGain) {
  EXPECT_DOUBLE_EQ(init::calculate_gain(kLinear), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(kConv2D), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(kSigmoid), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(kTanh), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(kReLU), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain(kLeakyReLU), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(init::calculate_gain(kLeakyReLU, 0.2), std::sqrt(2.0 / 1.04));
  EXPECT_DOUBLE_EQ(init::calculate_gain(kSELU), 0.75);
  EXPECT_DOUBLE_EQ(init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu", std::sqrt(5.0)), std::sqrt(2.0 / 6.0));
  expect_error_naming([] { init::calculate_gain("swish"); }, "calculate_gain");
}

TEST(NnInit, FanInFanOut) {
  auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(empty({16, 8, 3, 3}));
  EXPECT_EQ(fan_in, 8 * 9);
  EXPECT_EQ(fan_out, 16 * 9);
  auto [in2, out2] = init::_calculate_fan_in_and_fan_out(empty({5, 7}));
  EXPECT_EQ(in2, 7);
  EXPECT_EQ(out2, 5);
  expect_error_naming([] { init::calculate_fan_in_and_fan_out(empty({5})); }, "fan");
  expect_error_naming([] { init::kaiming_uniform_(empty({5})); }, "kaiming_uniform_");
  expect_error_naming([] { init::xavier_normal_(empty({5})); }, "xavier_normal_");
}

TEST(NnInit, KaimingUniform) {
  manual_seed(1);
  Tensor w = empty({256, 512});
  init::kaiming_uniform_(w, 0, kFanIn, kReLU);
  const double bound = std::sqrt(3.0) * std::sqrt(2.0) / std::sqrt(512.0);
  Stats s = stats_of(w);
  EXPECT_LE(s.max_abs, bound);
  EXPECT_GT(s.max_abs, 0.99 * bound);
  EXPECT_NEAR(s.std, bound / std::sqrt(3.0), 0.01 * bound);
  EXPECT_NEAR(s.mean, 0.0, 0.01 * bound);
  init::kaiming_uniform_(w, 0, kFanOut, kReLU);
  EXPECT_LE(stats_of(w).max_abs, std::sqrt(6.0 / 256.0));
  EXPECT_GT(stats_of(w).max_abs, 0.99 * std::sqrt(6.0 / 256.0));
  // The Linear default: a = sqrt(5) gives bound 1 / sqrt(fan_in).
  init::kaiming_uniform_(w, std::sqrt(5.0));
  EXPECT_LE(stats_of(w).max_abs, 1.0 / std::sqrt(512.0));
}

TEST(NnInit, KaimingNormal) {
  manual_seed(2);
  Tensor w = empty({64, 32, 3, 3}, kFloat64);
  init::kaiming_normal_(w, 0, kFanOut, kReLU);
  const double std = std::sqrt(2.0) / std::sqrt(64.0 * 9);
  Stats s = stats_of(w);
  EXPECT_NEAR(s.std, std, 0.02 * std);
  EXPECT_NEAR(s.mean, 0.0, 0.02 * std);
  init::kaiming_normal_(w, 0.1, kFanIn, kLeakyReLU);
  const double std_in = std::sqrt(2.0 / 1.01) / std::sqrt(32.0 * 9);
  EXPECT_NEAR(stats_of(w).std, std_in, 0.02 * std_in);
}

TEST(NnInit, Xavier) {
  manual_seed(3);
  Tensor w = empty({300, 200});
  init::xavier_uniform_(w, 2.0);
  const double bound = 2.0 * std::sqrt(6.0 / 500.0);
  Stats s = stats_of(w);
  EXPECT_LE(s.max_abs, bound);
  EXPECT_GT(s.max_abs, 0.99 * bound);
  EXPECT_NEAR(s.std, bound / std::sqrt(3.0), 0.01 * bound);
  init::xavier_normal_(w);
  const double std = std::sqrt(2.0 / 500.0);
  EXPECT_NEAR(stats_of(w).std, std, 0.02 * std);
}

TEST(NnInit, SimpleFills) {
  manual_seed(4);
  Tensor w = empty({100, 100});
  init::uniform_(w, -2.0, 3.0);
  Stats s = stats_of(w);
  EXPECT_NEAR(s.mean, 0.5, 0.05);
  EXPECT_NEAR(s.std, 5.0 / std::sqrt(12.0), 0.03);
  EXPECT_LE(w.max().item<double>(), 3.0);
  EXPECT_GE(w.min().item<double>(), -2.0);
  init::normal_(w, 1.0, 0.5);
  s = stats_of(w);
  EXPECT_NEAR(s.mean, 1.0, 0.02);
  EXPECT_NEAR(s.std, 0.5, 0.01);
  init::constant_(w, 0.25);
  EXPECT_EQ(w.min().item<double>(), 0.25);
  EXPECT_EQ(w.max().item<double>(), 0.25);
  init::ones_(w);
  EXPECT_EQ(w.sum().item<double>(), 10000.0);
  init::zeros_(w);
  EXPECT_EQ(w.abs().sum().item<double>(), 0.0);
  init::eye_(w);
  EXPECT_EQ(w.sum().item<double>(), 100.0);
  EXPECT_EQ(w[3][3].item<double>(), 1.0);
  expect_error_naming([&] { init::uniform_(w, 1.0, 0.0); }, "uniform_");
  expect_error_naming([&] { init::normal_(w, 0.0, -1.0); }, "normal_");
}

TEST(NnInit, InPlaceOnParametersWithoutRecording) {
  Tensor p = empty({8, 4}).requires_grad_(true);
  Tensor alias = p;
  const uint64_t version = p.version();
  init::kaiming_normal_(p);
  EXPECT_TRUE(p.is_leaf());
  EXPECT_TRUE(p.requires_grad());
  EXPECT_GT(p.version(), version);
  EXPECT_TRUE(alias.is_same(p));
  // A non-contiguous view is filled through to its storage.
  Tensor base = zeros({4, 6});
  Tensor view = base.t();
  init::constant_(view, 2.0);
  EXPECT_EQ(base.sum().item<double>(), 48.0);
  init::uniform_(view, 5.0, 6.0);
  EXPECT_GE(base.min().item<double>(), 5.0);
  // Zero elements: nothing to do, as in PyTorch.
  Tensor none = empty({0, 3});
  EXPECT_NO_THROW(init::kaiming_uniform_(none));
}

TEST(NnInit, SeededAndReproducible) {
  Tensor a = empty({10, 10}), b = empty({10, 10});
  manual_seed(42);
  init::xavier_uniform_(a);
  manual_seed(42);
  init::xavier_uniform_(b);
  EXPECT_TRUE(equal(a, b));
  manual_seed(42);
  nn::Linear l1(10, 10);
  manual_seed(42);
  nn::Linear l2(10, 10);
  EXPECT_TRUE(equal(l1->weight, l2->weight));
  EXPECT_TRUE(equal(l1->bias, l2->bias));
}

}  // namespace
}  // namespace tg
