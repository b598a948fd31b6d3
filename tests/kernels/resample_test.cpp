// Upsampling kernels against PyTorch fixtures, thread-count invariance, adjoint
// identities, source-index rules and argument checks.
#include "ops/kernels/resample.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <stdexcept>
#include <vector>

#include "kernel_fixtures.h"

namespace tg::kernels {
namespace {

using test_support::expect_close;
using test_support::Fixtures;

const Fixtures& resample_fixtures() {
  static const Fixtures f(test_support::fixture_path("resample.bin"));
  return f;
}

// params: N, C, in[3], out[3], mode (0 nearest, 1 linear), align_corners; scale[3].
struct ResampleCase {
  ResampleGeometry g;
  bool linear = false;
  bool align_corners = false;
};

ResampleCase resample_case(const Fixtures& f, const std::string& name) {
  const auto& p = f.get(name + "/params").ints;
  const auto& s = f.get(name + "/scale").values;
  ResampleCase c;
  c.g.batch = p[0];
  c.g.channels = p[1];
  for (int d = 0; d < 3; ++d) {
    c.g.in[d] = p[2 + d];
    c.g.out[d] = p[5 + d];
    c.g.scale[d] = s[d];
  }
  c.linear = p[8] == 1;
  c.align_corners = p[9] == 1;
  return c;
}

template <class T>
void check_case(const std::string& name) {
  const Fixtures& f = resample_fixtures();
  const ResampleCase c = resample_case(f, name);
  const std::string what = name + (sizeof(T) == 4 ? " [float]" : " [double]");
  const auto x = f.get(name + "/x").as<T>();
  const auto gy = f.get(name + "/gy").as<T>();
  std::vector<T> y(c.g.planes() * c.g.out_spatial(), T(7));
  std::vector<T> gx(x.size(), T(7));
  if (c.linear) {
    upsample_linear_forward<T>(c.g, c.align_corners, x.data(), y.data());
    upsample_linear_backward<T>(c.g, c.align_corners, gy.data(), gx.data());
  } else {
    upsample_nearest_forward<T>(c.g, x.data(), y.data());
    upsample_nearest_backward<T>(c.g, gy.data(), gx.data());
  }
  expect_close(y, f.get(name + "/y").values, what + " forward");
  expect_close(gx, f.get(name + "/gx").values, what + " backward");
}

TEST(Resample, MatchesPyTorch) {
  const auto cases = resample_fixtures().cases();
  ASSERT_GE(cases.size(), 20u);
  for (const auto& name : cases) {
    check_case<double>(name);
    check_case<float>(name);
  }
}

ResampleGeometry mixed_geometry() {
  ResampleGeometry g;
  g.batch = 2;
  g.channels = 3;
  g.in = {3, 5, 7};
  g.out = {5, 5, 4};
  g.scale = {0.0, 0.0, 0.6};
  return g;
}

TEST(Resample, SameBitsForOneAndTwoThreads) {
  const ResampleGeometry g = mixed_geometry();
  const auto x = test_support::random_values(g.planes() * g.in_spatial(), 31);
  const auto gy = test_support::random_values(g.planes() * g.out_spatial(), 32);
  std::vector<double> r[2][4];
  for (int threads = 1; threads <= 2; ++threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    auto& out = r[threads - 1];
    out[0].resize(gy.size());
    out[1].resize(x.size());
    out[2].resize(gy.size());
    out[3].resize(x.size());
    upsample_nearest_forward<double>(g, x.data(), out[0].data());
    upsample_nearest_backward<double>(g, gy.data(), out[1].data());
    upsample_linear_forward<double>(g, false, x.data(), out[2].data());
    upsample_linear_backward<double>(g, true, gy.data(), out[3].data());
  }
  for (int k = 0; k < 4; ++k) EXPECT_TRUE(test_support::bitwise_equal(r[0][k], r[1][k])) << k;
}

TEST(Resample, BackwardKernelsAreAdjoints) {
  const ResampleGeometry g = mixed_geometry();
  const auto x = test_support::random_values(g.planes() * g.in_spatial(), 33);
  const auto gy = test_support::random_values(g.planes() * g.out_spatial(), 34);
  std::vector<double> y(gy.size()), gx(x.size());
  auto check = [&](const char* what) {
    const double forward = test_support::dot(gy, y);
    EXPECT_NEAR(test_support::dot(gx, x), forward, 1e-10 * (1.0 + std::abs(forward))) << what;
  };
  upsample_nearest_forward<double>(g, x.data(), y.data());
  upsample_nearest_backward<double>(g, gy.data(), gx.data());
  check("nearest");
  for (bool align : {false, true}) {
    upsample_linear_forward<double>(g, align, x.data(), y.data());
    upsample_linear_backward<double>(g, align, gy.data(), gx.data());
    check(align ? "linear, align_corners" : "linear");
  }
}

TEST(Resample, SourceIndexRules) {
  // Same size copies; twice the size halves; otherwise floor(dst * in / out) in float.
  EXPECT_EQ(nearest_source_index(4, 6, 6, 0.0), 4);
  EXPECT_EQ(nearest_source_index(5, 4, 8, 0.0), 2);
  EXPECT_EQ(nearest_source_index(2, 7, 3, 0.0), 4);
  EXPECT_EQ(nearest_source_index(7, 5, 8, 1.7), 4);  // floor(7 / 1.7)
  EXPECT_EQ(nearest_source_index(7, 5, 8, 0.0), 4);  // floor(7 * 5 / 8)
  // Linear, align_corners=false: source coordinates below 0 clamp to 0.
  const LinearTaps<double> first = linear_source<double>(0, 4, 8, false, 0.0);
  EXPECT_EQ(first.index0, 0);
  EXPECT_EQ(first.index1, 1);
  EXPECT_EQ(first.weight1, 0.0);
  const LinearTaps<double> mid = linear_source<double>(3, 4, 8, false, 0.0);  // src = 1.25
  EXPECT_EQ(mid.index0, 1);
  EXPECT_DOUBLE_EQ(mid.weight1, 0.25);
  const LinearTaps<double> last = linear_source<double>(7, 4, 8, false, 0.0);  // src = 3.25
  EXPECT_EQ(last.index0, 3);
  EXPECT_EQ(last.index1, 3);
  // align_corners=true maps the corners onto each other; one output reads element 0.
  const LinearTaps<double> corner = linear_source<double>(8, 5, 9, true, 0.0);  // src = 4
  EXPECT_EQ(corner.index0, 4);
  EXPECT_EQ(corner.index1, 4);
  EXPECT_EQ(corner.weight1, 0.0);
  EXPECT_EQ(linear_source<double>(0, 5, 1, true, 0.0).index0, 0);
  // A given scale factor replaces in/out when align_corners is false.
  EXPECT_DOUBLE_EQ(linear_source<double>(1, 4, 9, false, 2.0).weight1, 0.25);  // src = 0.25
}

TEST(Resample, RejectsBadArguments) {
  std::vector<double> buf(10000);
  ResampleGeometry g = mixed_geometry();
  g.out[1] = 0;
  EXPECT_THROW(upsample_nearest_forward<double>(g, buf.data(), buf.data()), std::invalid_argument);
  g = mixed_geometry();
  g.scale[2] = -1.0;
  EXPECT_THROW(upsample_linear_forward<double>(g, false, buf.data(), buf.data()),
               std::invalid_argument);
  g = mixed_geometry();
  EXPECT_THROW(upsample_linear_backward<double>(g, false, nullptr, buf.data()),
               std::invalid_argument);
  try {
    upsample_nearest_backward<double>(g, buf.data(), nullptr);
    FAIL() << "null output accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("upsample_nearest_backward"), std::string::npos);
  }
}

}  // namespace
}  // namespace tg::kernels
