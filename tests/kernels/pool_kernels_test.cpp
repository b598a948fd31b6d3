// Pooling kernels against PyTorch fixtures (every implementation: scalar, AVX2, AVX-512
// where the CPU has them), vectorised against scalar bit for bit on random geometries,
// thread-count invariance, adjoint identities and argument checks.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernel_fixtures.h"
#include "ops/kernels/pool.h"

namespace tg::kernels {
namespace {

using test_support::expect_close;
using test_support::Fixtures;

const Fixtures& pool_fixtures() {
  static const Fixtures f(test_support::fixture_path("pool.bin"));
  return f;
}

// Restores the automatic choice when a test ends.
struct ImplGuard {
  explicit ImplGuard(PoolImpl impl) { set_pool_impl(impl); }
  ~ImplGuard() { set_pool_impl(PoolImpl::automatic); }
};

const PoolImpl kImpls[] = {PoolImpl::scalar, PoolImpl::avx2, PoolImpl::automatic};

const char* impl_name(PoolImpl impl) {
  switch (impl) {
    case PoolImpl::scalar:
      return "scalar";
    case PoolImpl::avx2:
      return "avx2";
    case PoolImpl::automatic:
      break;
  }
  return "automatic";
}

// params: N, C, in[3], out[3], kernel[3], stride[3], pad[3], dilation[3], ceil_mode,
// count_include_pad, divisor_override (see make_kernel_fixtures.py).
struct PoolCase {
  ConvGeometry g;
  bool count_include_pad = false;
  int64_t divisor_override = 0;
};

PoolCase pool_case(const std::vector<int64_t>& p) {
  PoolCase c;
  c.g.batch = p[0];
  c.g.in_channels = c.g.out_channels = p[1];
  for (int d = 0; d < 3; ++d) {
    c.g.in[d] = p[2 + d];
    c.g.out[d] = p[5 + d];
    c.g.kernel[d] = p[8 + d];
    c.g.stride[d] = p[11 + d];
    c.g.pad[d] = p[14 + d];
    c.g.dilation[d] = p[17 + d];
  }
  c.count_include_pad = p[21] != 0;
  c.divisor_override = p[22];
  return c;
}

int64_t in_size(const ConvGeometry& g) { return g.batch * g.in_channels * g.in_spatial(); }
int64_t out_size(const ConvGeometry& g) { return g.batch * g.in_channels * g.out_spatial(); }

template <class T>
void check_fixture_case(const std::string& name, PoolImpl impl) {
  const Fixtures& f = pool_fixtures();
  const PoolCase c = pool_case(f.get(name + "/params").ints);
  const ConvGeometry& g = c.g;
  const std::string what =
      name + " [" + impl_name(impl) + ", " + (sizeof(T) == 4 ? "float" : "double") + "]";
  const auto x = f.get(name + "/x").as<T>();
  const auto gy = f.get(name + "/gy").as<T>();
  std::vector<T> y(out_size(g), T(7)), gx(in_size(g), T(7));
  std::vector<int64_t> idx(out_size(g), -7);
  const bool is_max = name.rfind("max", 0) == 0, is_avg = name.rfind("avg", 0) == 0;
  const bool is_amax = name.rfind("amax", 0) == 0;
  if (is_max || is_amax) {
    if (is_max) {
      max_pool_forward<T>(g, x.data(), y.data(), idx.data());
    } else {
      adaptive_max_pool_forward<T>(g, x.data(), y.data(), idx.data());
    }
    expect_close(y, f.get(name + "/y").values, what + " forward");
    EXPECT_EQ(idx, f.get(name + "/idx").ints) << what << " indices";
    const auto& torch_idx = f.get(name + "/idx").ints;
    if (is_max) {
      max_pool_backward<T>(g, gy.data(), torch_idx.data(), gx.data());
    } else {
      adaptive_max_pool_backward<T>(g, gy.data(), torch_idx.data(), gx.data());
    }
  } else if (is_avg) {
    avg_pool_forward<T>(g, x.data(), y.data(), c.count_include_pad, c.divisor_override);
    expect_close(y, f.get(name + "/y").values, what + " forward");
    avg_pool_backward<T>(g, gy.data(), gx.data(), c.count_include_pad, c.divisor_override);
  } else {
    adaptive_avg_pool_forward<T>(g, x.data(), y.data());
    expect_close(y, f.get(name + "/y").values, what + " forward");
    adaptive_avg_pool_backward<T>(g, gy.data(), gx.data());
  }
  expect_close(gx, f.get(name + "/gx").values, what + " backward");
}

template <class T>
void check_all_fixtures() {
  const auto cases = pool_fixtures().cases();
  int checked = 0;
  for (PoolImpl impl : kImpls) {
    ImplGuard guard(impl);
    for (const auto& name : cases) {
      if (name.rfind("unpool", 0) == 0) continue;
      check_fixture_case<T>(name, impl);
      ++checked;
    }
  }
  EXPECT_GE(checked, 3 * 35);
}

TEST(PoolKernels, MatchPyTorchDouble) { check_all_fixtures<double>(); }
TEST(PoolKernels, MatchPyTorchFloat) { check_all_fixtures<float>(); }

template <class T>
void check_unpool_fixtures() {
  const Fixtures& f = pool_fixtures();
  const auto cases = f.cases("unpool");
  ASSERT_GE(cases.size(), 3u);
  for (const auto& name : cases) {
    const auto& p = f.get(name + "/params").ints;
    const int64_t planes = p[0], pooled = p[1], unpooled = p[2];
    const auto x = f.get(name + "/x").as<T>();
    const auto gy = f.get(name + "/gy").as<T>();
    const auto& idx = f.get(name + "/idx").ints;
    std::vector<T> y(planes * unpooled, T(7)), gx(planes * pooled, T(7));
    max_unpool_forward<T>(planes, pooled, unpooled, x.data(), idx.data(), y.data());
    expect_close(y, f.get(name + "/y").values, name + " forward");
    max_unpool_backward<T>(planes, pooled, unpooled, gy.data(), idx.data(), gx.data());
    expect_close(gx, f.get(name + "/gx").values, name + " backward");
  }
}

TEST(PoolKernels, UnpoolMatchesPyTorch) {
  check_unpool_fixtures<double>();
  check_unpool_fixtures<float>();
}

// ---------------------------------------------------------------- vector vs scalar
int64_t pick(std::mt19937& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

// A random valid pooling geometry of rank 1-3 (width stride 1-3).
ConvGeometry random_geometry(std::mt19937& rng, bool dilated) {
  for (;;) {
    ConvGeometry g;
    g.batch = pick(rng, 1, 2);
    g.in_channels = g.out_channels = pick(rng, 1, 3);
    const int rank = static_cast<int>(pick(rng, 1, 3));
    const bool ceil = pick(rng, 0, 1) == 1;
    bool ok = true;
    for (int d = 3 - rank; d < 3; ++d) {
      g.kernel[d] = pick(rng, 1, 4);
      g.stride[d] = pick(rng, 1, 3);
      g.dilation[d] = dilated ? pick(rng, 1, 2) : 1;
      g.pad[d] = pick(rng, 0, g.kernel[d] / 2);
      g.in[d] = pick(rng, 1, d == 2 ? 75 : 9);
      g.out[d] = pool_output_size(g.in[d], g.pad[d], g.kernel[d], g.stride[d], g.dilation[d], ceil);
      ok = ok && g.out[d] >= 1;
    }
    if (ok) return g;
  }
}

template <class T>
std::vector<T> random_input(std::mt19937& rng, int64_t n, bool specials) {
  std::vector<T> x(n);
  for (auto& v : x) v = static_cast<T>(pick(rng, -4, 4));  // many ties
  if (specials) {
    for (int k = 0; k < 4; ++k) x[pick(rng, 0, n - 1)] = std::numeric_limits<T>::quiet_NaN();
    for (int k = 0; k < 4; ++k) x[pick(rng, 0, n - 1)] = -std::numeric_limits<T>::infinity();
  }
  return x;
}

template <class T>
void compare_vector_with_scalar(PoolImpl vector_impl, int iterations) {
  std::mt19937 rng(42);
  for (int it = 0; it < iterations; ++it) {
    const bool dilated = it % 2 == 0;
    const ConvGeometry g = random_geometry(rng, dilated);
    const auto x = random_input<T>(rng, in_size(g), it % 3 == 0);
    std::vector<T> gy(out_size(g));
    for (auto& v : gy) v = static_cast<T>(std::normal_distribution<double>()(rng));
    const bool cip = pick(rng, 0, 1) == 1;
    const int64_t divisor = pick(rng, 0, 2) == 0 ? pick(rng, 1, 7) : 0;

    std::vector<T> y[2], gx[2], ay[2], agx[2];
    std::vector<int64_t> idx[2];
    for (int k = 0; k < 2; ++k) {
      ImplGuard guard(k == 0 ? PoolImpl::scalar : vector_impl);
      y[k].resize(out_size(g));
      idx[k].resize(out_size(g));
      gx[k].resize(in_size(g));
      max_pool_forward<T>(g, x.data(), y[k].data(), idx[k].data());
      max_pool_backward<T>(g, gy.data(), idx[0].data(), gx[k].data());
      if (!dilated) {
        ay[k].resize(out_size(g));
        agx[k].resize(in_size(g));
        avg_pool_forward<T>(g, x.data(), ay[k].data(), cip, divisor);
        avg_pool_backward<T>(g, gy.data(), agx[k].data(), cip, divisor);
      }
    }
    ASSERT_TRUE(test_support::bitwise_equal(y[0], y[1])) << "max forward, iteration " << it;
    ASSERT_EQ(idx[0], idx[1]) << "max indices, iteration " << it;
    ASSERT_TRUE(test_support::bitwise_equal(gx[0], gx[1])) << "max backward, iteration " << it;
    ASSERT_TRUE(test_support::bitwise_equal(ay[0], ay[1])) << "avg forward, iteration " << it;
    ASSERT_TRUE(test_support::bitwise_equal(agx[0], agx[1])) << "avg backward, iteration " << it;
  }
}

// Wide 2x2 stride-2 windows take the vector path that reads input rows directly.
template <class T>
void compare_pair_windows_with_scalar(PoolImpl vector_impl) {
  std::mt19937 rng(7);
  for (const auto& size : {std::array<int64_t, 3>{1, 6, 70}, std::array<int64_t, 3>{3, 5, 67},
                           std::array<int64_t, 3>{1, 2, 32}}) {
    ConvGeometry g;
    g.batch = 2;
    g.in_channels = g.out_channels = 3;
    g.in = size;
    g.kernel = {size[0] > 1 ? 2 : 1, 2, 2};
    g.stride = {1, 2, 2};
    for (int d = 0; d < 3; ++d) {
      g.out[d] = pool_output_size(g.in[d], 0, g.kernel[d], g.stride[d], 1, false);
    }
    const auto x = random_input<T>(rng, in_size(g), true);
    std::vector<T> y[2], ay[2];
    std::vector<int64_t> idx[2];
    for (int k = 0; k < 2; ++k) {
      ImplGuard guard(k == 0 ? PoolImpl::scalar : vector_impl);
      y[k].resize(out_size(g));
      ay[k].resize(out_size(g));
      idx[k].resize(out_size(g));
      max_pool_forward<T>(g, x.data(), y[k].data(), idx[k].data());
      avg_pool_forward<T>(g, x.data(), ay[k].data(), true, 0);
    }
    EXPECT_TRUE(test_support::bitwise_equal(y[0], y[1])) << "max forward";
    EXPECT_EQ(idx[0], idx[1]) << "max indices";
    EXPECT_TRUE(test_support::bitwise_equal(ay[0], ay[1])) << "avg forward";
  }
}

TEST(PoolKernels, PairWindowPathEqualsScalarBitwise) {
  for (PoolImpl impl : {PoolImpl::automatic, PoolImpl::avx2}) {
    compare_pair_windows_with_scalar<float>(impl);
    compare_pair_windows_with_scalar<double>(impl);
  }
}

TEST(PoolKernels, VectorPathsEqualScalarBitwise) {
  for (PoolImpl impl : {PoolImpl::automatic, PoolImpl::avx2}) {
    compare_vector_with_scalar<float>(impl, 600);
    compare_vector_with_scalar<double>(impl, 200);
  }
}

// ---------------------------------------------------------------- threads
TEST(PoolKernels, SameBitsForOneAndTwoThreads) {
  ConvGeometry g;
  g.batch = 2;
  g.in_channels = g.out_channels = 9;
  g.in = {3, 21, 38};
  g.kernel = {2, 3, 3};
  g.stride = {1, 2, 2};
  g.pad = {1, 1, 1};
  for (int d = 0; d < 3; ++d)
    g.out[d] = pool_output_size(g.in[d], 1, g.kernel[d], g.stride[d], 1, true);
  ConvGeometry ga = g;  // adaptive
  ga.out = {2, 5, 7};
  const auto x = test_support::random_values(in_size(g), 11);
  const auto gy = test_support::random_values(out_size(g), 12);
  const auto gya = test_support::random_values(out_size(ga), 13);
  for (PoolImpl impl : kImpls) {
    ImplGuard guard(impl);
    std::vector<std::vector<double>> runs[2];
    std::vector<int64_t> idx[2];
    for (int threads = 1; threads <= 2; ++threads) {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
      auto& r = runs[threads - 1];
      r.assign(8, {});
      for (int k : {0, 2, 4}) r[k].resize(out_size(g));
      r[6].resize(out_size(ga));
      for (int k : {1, 3, 5, 7}) r[k].resize(in_size(g));
      idx[threads - 1].resize(out_size(g));
      std::vector<int64_t> aidx(out_size(ga));
      max_pool_forward<double>(g, x.data(), r[0].data(), idx[threads - 1].data());
      max_pool_backward<double>(g, gy.data(), idx[threads - 1].data(), r[1].data());
      avg_pool_forward<double>(g, x.data(), r[2].data(), false, 0);
      avg_pool_backward<double>(g, gy.data(), r[3].data(), false, 0);
      adaptive_avg_pool_forward<double>(ga, x.data(), r[4].data());
      adaptive_avg_pool_backward<double>(ga, gya.data(), r[5].data());
      adaptive_max_pool_forward<double>(ga, x.data(), r[6].data(), aidx.data());
      adaptive_max_pool_backward<double>(ga, gya.data(), aidx.data(), r[7].data());
    }
    EXPECT_EQ(idx[0], idx[1]) << impl_name(impl);
    for (int k = 0; k < 8; ++k) {
      EXPECT_TRUE(test_support::bitwise_equal(runs[0][k], runs[1][k]))
          << impl_name(impl) << " " << k;
    }
  }
}

// ---------------------------------------------------------------- adaptive average pooling
// Output 1x1x1 takes a lane-summing path, other sizes sum whole rows: against the float64
// reference loops (scalar impl) in float and double, on odd and even sizes with overlapping
// and disjoint windows, and the same bits for 1 and 2 threads. The global backward is a
// fill and equals the reference bit for bit.
template <class T>
void check_adaptive_avg_pool(const ConvGeometry& g, uint32_t seed) {
  const bool global = g.out[0] == 1 && g.out[1] == 1 && g.out[2] == 1;
  const std::string what = std::to_string(g.in[0]) + "x" + std::to_string(g.in[1]) + "x" +
                           std::to_string(g.in[2]) + " -> " + std::to_string(g.out[0]) + "x" +
                           std::to_string(g.out[1]) + "x" + std::to_string(g.out[2]) +
                           (sizeof(T) == 4 ? " float" : " double");
  const auto xd = test_support::random_values(in_size(g), seed);
  const auto gyd = test_support::random_values(out_size(g), seed + 1);
  std::vector<double> ref_y(out_size(g)), ref_gx(in_size(g));
  {
    ImplGuard guard(PoolImpl::scalar);
    adaptive_avg_pool_forward<double>(g, xd.data(), ref_y.data());
    adaptive_avg_pool_backward<double>(g, gyd.data(), ref_gx.data());
  }
  const std::vector<T> x(xd.begin(), xd.end()), gy(gyd.begin(), gyd.end());
  std::vector<T> y[2], gx[2];
  for (int threads = 1; threads <= 2; ++threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    y[threads - 1].assign(out_size(g), T(7));
    gx[threads - 1].assign(in_size(g), T(7));
    adaptive_avg_pool_forward<T>(g, x.data(), y[threads - 1].data());
    adaptive_avg_pool_backward<T>(g, gy.data(), gx[threads - 1].data());
  }
  EXPECT_TRUE(test_support::bitwise_equal(y[0], y[1])) << what;
  EXPECT_TRUE(test_support::bitwise_equal(gx[0], gx[1])) << what;
  const double tol = sizeof(T) == 4 ? 1e-6 : 1e-14;
  expect_close(y[0], ref_y, "adaptive avg forward " + what, tol);
  expect_close(gx[0], ref_gx, "adaptive avg backward " + what, tol);
  if constexpr (sizeof(T) == 8) {
    if (global) {
      ImplGuard guard(PoolImpl::scalar);
      std::vector<double> scalar_gx(in_size(g));
      adaptive_avg_pool_backward<double>(g, gyd.data(), scalar_gx.data());
      EXPECT_TRUE(test_support::bitwise_equal(gx[0], scalar_gx)) << what;
    }
  }
}

TEST(PoolKernels, AdaptiveAveragePoolFastPathsMatchReference) {
  struct Case {
    std::array<int64_t, 3> in, out;
  };
  const Case cases[] = {{{1, 1, 1}, {1, 1, 1}},  {{1, 1, 15}, {1, 1, 1}}, {{1, 7, 9}, {1, 1, 1}},
                        {{3, 5, 6}, {1, 1, 1}},  {{1, 56, 56}, {1, 1, 1}}, {{1, 13, 17}, {1, 1, 1}},
                        {{1, 56, 56}, {1, 7, 7}}, {{1, 13, 17}, {1, 4, 5}}, {{1, 7, 10}, {1, 3, 4}},
                        {{3, 7, 10}, {2, 3, 4}},  {{1, 5, 6}, {1, 5, 6}},   {{1, 3, 4}, {1, 7, 9}},
                        {{1, 1, 20}, {1, 1, 7}}};
  uint32_t seed = 40;
  for (const Case& c : cases) {
    ConvGeometry g;
    g.batch = 3;
    g.in_channels = g.out_channels = 37;  // many planes: both threads get work
    g.in = c.in;
    g.out = c.out;
    check_adaptive_avg_pool<float>(g, seed);
    check_adaptive_avg_pool<double>(g, seed);
    seed += 2;
  }
}

// ---------------------------------------------------------------- adjoints
void expect_adjoint(double forward_dot, double backward_dot, const char* what) {
  EXPECT_NEAR(backward_dot, forward_dot, 1e-12 * (1.0 + std::abs(forward_dot)) * 100) << what;
}

TEST(PoolKernels, BackwardKernelsAreAdjoints) {
  ConvGeometry g;
  g.batch = 2;
  g.in_channels = g.out_channels = 3;
  g.in = {4, 11, 13};
  g.kernel = {2, 3, 4};
  g.stride = {1, 2, 2};
  g.pad = {1, 1, 2};
  for (int d = 0; d < 3; ++d)
    g.out[d] = pool_output_size(g.in[d], g.pad[d], g.kernel[d], g.stride[d], 1, true);
  const auto x = test_support::random_values(in_size(g), 21);
  const auto gy = test_support::random_values(out_size(g), 22);
  std::vector<double> y(out_size(g)), gx(in_size(g));
  std::vector<int64_t> idx(out_size(g));
  for (PoolImpl impl : kImpls) {
    ImplGuard guard(impl);
    for (bool cip : {false, true})
      for (int64_t divisor : {0, 5}) {
        avg_pool_forward<double>(g, x.data(), y.data(), cip, divisor);
        avg_pool_backward<double>(g, gy.data(), gx.data(), cip, divisor);
        expect_adjoint(test_support::dot(gy, y), test_support::dot(gx, x), "avg_pool");
      }
    // With its indices fixed, max pooling is the linear map y = x[idx].
    max_pool_forward<double>(g, x.data(), y.data(), idx.data());
    max_pool_backward<double>(g, gy.data(), idx.data(), gx.data());
    expect_adjoint(test_support::dot(gy, y), test_support::dot(gx, x), "max_pool");
  }
  ConvGeometry ga = g;
  ga.out = {3, 4, 17};  // shrinking and growing dims
  const auto gya = test_support::random_values(out_size(ga), 23);
  std::vector<double> ya(out_size(ga));
  std::vector<int64_t> aidx(out_size(ga));
  adaptive_avg_pool_forward<double>(ga, x.data(), ya.data());
  adaptive_avg_pool_backward<double>(ga, gya.data(), gx.data());
  expect_adjoint(test_support::dot(gya, ya), test_support::dot(gx, x), "adaptive_avg_pool");
  adaptive_max_pool_forward<double>(ga, x.data(), ya.data(), aidx.data());
  adaptive_max_pool_backward<double>(ga, gya.data(), aidx.data(), gx.data());
  expect_adjoint(test_support::dot(gya, ya), test_support::dot(gx, x), "adaptive_max_pool");

  // Unpooling with the distinct indices of non-overlapping windows.
  ConvGeometry gp;
  gp.batch = 2;
  gp.in_channels = gp.out_channels = 3;
  gp.in = {1, 8, 10};
  gp.kernel = {1, 2, 2};
  gp.stride = {1, 2, 2};
  gp.out = {1, 4, 5};
  const auto xp = test_support::random_values(in_size(gp), 24);
  std::vector<double> pooled(out_size(gp)), unpooled(in_size(gp)), gpooled(out_size(gp));
  std::vector<int64_t> pidx(out_size(gp));
  max_pool_forward<double>(gp, xp.data(), pooled.data(), pidx.data());
  const int64_t planes = gp.batch * gp.in_channels;
  max_unpool_forward<double>(planes, gp.out_spatial(), gp.in_spatial(), pooled.data(), pidx.data(),
                             unpooled.data());
  const auto gu = test_support::random_values(unpooled.size(), 25);
  max_unpool_backward<double>(planes, gp.out_spatial(), gp.in_spatial(), gu.data(), pidx.data(),
                              gpooled.data());
  expect_adjoint(test_support::dot(gu, unpooled), test_support::dot(gpooled, pooled), "max_unpool");
}

// ---------------------------------------------------------------- arguments
template <class F>
void expect_invalid(F f, const std::string& function) {
  try {
    f();
    ADD_FAILURE() << function << " accepted bad arguments";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(function), std::string::npos) << e.what();
  }
}

TEST(PoolKernels, RejectsBadArguments) {
  ConvGeometry g;
  g.batch = 1;
  g.in_channels = g.out_channels = 2;
  g.in = {1, 6, 6};
  g.kernel = {1, 3, 3};
  g.stride = {1, 2, 2};
  g.pad = {0, 1, 1};
  g.out = {1, 3, 3};
  std::vector<double> buf(1000);
  std::vector<int64_t> idx(1000, 0);
  ConvGeometry bad = g;
  bad.out[2] = 5;
  expect_invalid([&] { max_pool_forward<double>(bad, buf.data(), buf.data(), nullptr); },
                 "max_pool_forward");
  bad = g;
  bad.pad[1] = 2;
  expect_invalid([&] { avg_pool_forward<double>(bad, buf.data(), buf.data(), true, 0); },
                 "avg_pool_forward");
  bad = g;
  bad.out_channels = 3;
  expect_invalid([&] { max_pool_backward<double>(bad, buf.data(), idx.data(), buf.data()); },
                 "max_pool_backward");
  bad = g;
  bad.dilation[2] = 2;
  bad.out[2] = pool_output_size(6, 1, 3, 2, 2, false);
  expect_invalid([&] { avg_pool_backward<double>(bad, buf.data(), buf.data(), true, 0); },
                 "avg_pool_backward");
  expect_invalid([&] { avg_pool_forward<double>(g, buf.data(), buf.data(), true, -2); },
                 "avg_pool_forward");
  expect_invalid([&] { max_pool_backward<double>(g, buf.data(), nullptr, buf.data()); },
                 "max_pool_backward");
  expect_invalid([&] { adaptive_max_pool_forward<double>(g, buf.data(), buf.data(), nullptr); },
                 "adaptive_max_pool_forward");
  idx[3] = 99;  // outside a 6-element unpooled plane
  expect_invalid(
      [&] { max_unpool_forward<double>(2, 4, 6, buf.data(), idx.data(), buf.data() + 100); },
      "max_unpool_forward");
  expect_invalid(
      [&] { max_unpool_backward<double>(2, 4, 6, buf.data(), idx.data(), buf.data() + 100); },
      "max_unpool_backward");
  // ceil-mode sizes are accepted as well as floor-mode ones.
  ConvGeometry ceil_mode = g;  // height in ceil mode (4), width in floor mode (3)
  ceil_mode.out = {1, 4, 3};
  EXPECT_NO_THROW(max_pool_forward<double>(ceil_mode, buf.data(), buf.data(), nullptr));
}

TEST(PoolKernels, ReportsInstructionSet) {
  {
    ImplGuard guard(PoolImpl::scalar);
    EXPECT_STREQ(pool_isa_name(), "scalar");
  }
  EXPECT_NE(std::string(pool_isa_name()), "");
}

}  // namespace
}  // namespace tg::kernels
