// Reference convolution kernels against PyTorch fixtures, thread-count invariance, and
// the adjoint identities that tie the three kernels together.
#include "ops/kernels/conv_reference.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <stdexcept>
#include <vector>

#include "kernel_fixtures.h"

namespace tg::kernels {
namespace {

using test_support::expect_close;
using test_support::Fixtures;

const Fixtures& conv_fixtures() {
  static const Fixtures f(test_support::fixture_path("conv.bin"));
  return f;
}

// params: N, C_in, C_out, groups, in[3], out[3], kernel[3], stride[3], dilation[3],
// pad[3], has_bias (see make_kernel_fixtures.py).
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

int64_t weight_size(const ConvGeometry& g) {
  return g.out_channels * g.in_per_group() * g.kernel_spatial();
}

template <class T>
void check_conv_case(const std::string& name) {
  const Fixtures& f = conv_fixtures();
  const auto& params = f.get(name + "/params").ints;
  const ConvGeometry g = geometry_from(params);
  const bool has_bias = params[22] != 0;
  const auto x = f.get(name + "/x").as<T>();
  const auto w = f.get(name + "/w").as<T>();
  const auto gy = f.get(name + "/gy").as<T>();
  std::vector<T> b = has_bias ? f.get(name + "/b").as<T>() : std::vector<T>{};

  std::vector<T> y(g.batch * g.out_channels * g.out_spatial());
  conv_forward_ref<T>(g, x.data(), w.data(), has_bias ? b.data() : nullptr, y.data());
  expect_close(y, f.get(name + "/y").values, name + " forward");

  std::vector<T> gx(x.size(), T(7));  // stale values must be overwritten
  conv_backward_input_ref<T>(g, gy.data(), w.data(), gx.data());
  expect_close(gx, f.get(name + "/gx").values, name + " backward input");

  std::vector<T> gw(w.size(), T(7));
  conv_backward_weight_ref<T>(g, x.data(), gy.data(), gw.data());
  expect_close(gw, f.get(name + "/gw").values, name + " backward weight");
}

template <class T>
void check_transpose_case(const std::string& name) {
  const Fixtures& f = conv_fixtures();
  const ConvGeometry g = geometry_from(f.get(name + "/params").ints);
  const auto gy = f.get(name + "/gy").as<T>();
  const auto w = f.get(name + "/w").as<T>();
  std::vector<T> gx(g.batch * g.in_channels * g.in_spatial());
  conv_backward_input_ref<T>(g, gy.data(), w.data(), gx.data());
  expect_close(gx, f.get(name + "/gx").values, name + " conv_transpose forward");
}

TEST(ConvReference, MatchesPyTorchDouble) {
  const auto cases = conv_fixtures().cases("conv");
  ASSERT_GE(cases.size(), 9u);
  for (const auto& c : cases) check_conv_case<double>(c);
}

TEST(ConvReference, MatchesPyTorchFloat) {
  for (const auto& c : conv_fixtures().cases("conv")) check_conv_case<float>(c);
}

TEST(ConvReference, BackwardInputIsConvTransposeForward) {
  const auto cases = conv_fixtures().cases("transpose");
  ASSERT_GE(cases.size(), 3u);
  for (const auto& c : cases) {
    check_transpose_case<double>(c);
    check_transpose_case<float>(c);
  }
}

// A geometry exercising groups, strides, dilation, padding and a padded tail.
ConvGeometry mixed_geometry() {
  ConvGeometry g;
  g.batch = 3;
  g.in_channels = 4;
  g.out_channels = 6;
  g.groups = 2;
  g.in = {4, 7, 9};
  g.kernel = {2, 3, 2};
  g.stride = {1, 2, 2};
  g.dilation = {2, 1, 2};
  g.pad = {1, 1, 1};
  for (int d = 0; d < 3; ++d) {
    g.out[d] =
        conv_output_size(g.in[d], g.pad[d], g.pad[d] + 1, g.kernel[d], g.stride[d], g.dilation[d]);
  }
  return g;
}

TEST(ConvReference, SameBitsForOneAndTwoThreads) {
  const ConvGeometry g = mixed_geometry();
  const auto x = test_support::random_values(g.batch * g.in_channels * g.in_spatial(), 1);
  const auto w = test_support::random_values(weight_size(g), 2);
  const auto b = test_support::random_values(g.out_channels, 3);
  const auto gy = test_support::random_values(g.batch * g.out_channels * g.out_spatial(), 4);
  std::vector<double> results[2][3];
  for (int threads = 1; threads <= 2; ++threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    auto& r = results[threads - 1];
    r[0].resize(gy.size());
    r[1].resize(x.size());
    r[2].resize(w.size());
    conv_forward_ref<double>(g, x.data(), w.data(), b.data(), r[0].data());
    conv_backward_input_ref<double>(g, gy.data(), w.data(), r[1].data());
    conv_backward_weight_ref<double>(g, x.data(), gy.data(), r[2].data());
  }
  for (int k = 0; k < 3; ++k)
    EXPECT_TRUE(test_support::bitwise_equal(results[0][k], results[1][k]));
}

// <gy, conv(x, w)> = <backward_input(gy, w), x> = <backward_weight(x, gy), w>.
TEST(ConvReference, BackwardKernelsAreAdjoints) {
  const ConvGeometry g = mixed_geometry();
  const auto x = test_support::random_values(g.batch * g.in_channels * g.in_spatial(), 5);
  const auto w = test_support::random_values(weight_size(g), 6);
  const auto gy = test_support::random_values(g.batch * g.out_channels * g.out_spatial(), 7);
  std::vector<double> y(gy.size()), gx(x.size()), gw(w.size());
  conv_forward_ref<double>(g, x.data(), w.data(), nullptr, y.data());
  conv_backward_input_ref<double>(g, gy.data(), w.data(), gx.data());
  conv_backward_weight_ref<double>(g, x.data(), gy.data(), gw.data());
  const double forward = test_support::dot(gy, y);
  EXPECT_NEAR(test_support::dot(gx, x), forward, 1e-12 * (1 + std::abs(forward)) * 100);
  EXPECT_NEAR(test_support::dot(gw, w), forward, 1e-12 * (1 + std::abs(forward)) * 100);
}

TEST(ConvReference, RejectsBadArguments) {
  ConvGeometry g = mixed_geometry();
  std::vector<double> buf(100000);
  g.groups = 3;  // 4 input channels are not divisible by 3
  EXPECT_THROW(conv_forward_ref<double>(g, buf.data(), buf.data(), nullptr, buf.data()),
               std::invalid_argument);
  g = mixed_geometry();
  g.stride[1] = 0;
  EXPECT_THROW(conv_backward_input_ref<double>(g, buf.data(), buf.data(), buf.data()),
               std::invalid_argument);
  g = mixed_geometry();
  EXPECT_THROW(conv_backward_weight_ref<double>(g, nullptr, buf.data(), buf.data()),
               std::invalid_argument);
  try {
    g.pad[0] = -1;
    conv_forward_ref<double>(g, buf.data(), buf.data(), nullptr, buf.data());
    FAIL() << "negative padding accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("conv_forward_ref"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("pad="), std::string::npos);
  }
}

TEST(ConvGeometryHelpers, SamePaddingSplitsLikePyTorch) {
  EXPECT_EQ(same_padding(3, 1).before, 1);
  EXPECT_EQ(same_padding(3, 1).after, 1);
  EXPECT_EQ(same_padding(4, 1).before, 1);
  EXPECT_EQ(same_padding(4, 1).after, 2);
  EXPECT_EQ(same_padding(3, 2).before, 2);
  EXPECT_EQ(same_padding(3, 2).after, 2);
  EXPECT_EQ(same_padding(4, 3).before, 4);
  EXPECT_EQ(same_padding(4, 3).after, 5);
  EXPECT_EQ(same_padding(1, 5).before, 0);
  EXPECT_EQ(same_padding(1, 5).after, 0);
  // A stride-1 convolution with that padding keeps the size.
  for (int64_t k = 1; k <= 6; ++k)
    for (int64_t d = 1; d <= 3; ++d) {
      const SamePadding p = same_padding(k, d);
      EXPECT_EQ(conv_output_size(10, p.before, p.after, k, 1, d), 10);
    }
}

TEST(ConvGeometryHelpers, PoolPaddingCheck) {
  EXPECT_NO_THROW(check_pool_padding(3, 1));
  EXPECT_NO_THROW(check_pool_padding(4, 2));
  EXPECT_NO_THROW(check_pool_padding(1, 0));
  EXPECT_THROW(check_pool_padding(3, 2), std::invalid_argument);
  EXPECT_THROW(check_pool_padding(1, 1), std::invalid_argument);
  EXPECT_THROW(check_pool_padding(2, -1), std::invalid_argument);
  EXPECT_THROW(check_pool_padding({1, 3, 3}, {0, 1, 2}), std::invalid_argument);
}

}  // namespace
}  // namespace tg::kernels
