// The float32 vector activation kernels against the functions evaluated in double: the
// error bound in ulp on a sweep of float32 bit patterns, the special values (±0, ±inf,
// NaN, saturation) against the scalar libm formulas, and independence of the position
// (tails of 1..40 elements, aliasing).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "ops/kernels/vector_activation.h"

namespace tg::kernels {
namespace {

constexpr double kFloatMin = 1.17549435082228750797e-38;  // smallest normal float

struct Case {
  std::string name;
  Activation kind;
  ActivationParams params;
  std::function<double(double)> exact;  // the function in double
  // Allowed error in ulp at x with condition number kappa = |x f'(x) / f(x)|: the kernels
  // round x * constant and the like in float, whose relative error f amplifies by kappa.
  std::function<double(double x, double kappa)> bound;
};

double sigmoid_exact(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double gelu_tanh_exact(double x) {
  const double u = 0.79788456080286535588 * (x + 0.044715 * x * x * x);
  return x * sigmoid_exact(2.0 * u);  // x/2 (1 + tanh u), without its cancellation
}
double softplus_exact(double x, double beta) {
  const double z = x * beta;
  return z > 20.0 ? x : (std::max(z, 0.0) + std::log1p(std::exp(-std::fabs(z)))) / beta;
}

std::vector<Case> cases() {
  auto flat = [](double ulp) { return [ulp](double, double) { return ulp; }; };
  ActivationParams elu17;
  elu17.alpha = 1.7f;
  ActivationParams half_beta;
  half_beta.beta = 0.5f;
  return {
      {"sigmoid", Activation::kSigmoid, {}, sigmoid_exact, flat(2.5)},
      {"tanh", Activation::kTanh, {}, [](double x) { return std::tanh(x); }, flat(2.0)},
      // Below -87.3, exp(x) is subnormal and carries fewer bits: there the bound grows.
      {"silu", Activation::kSilu, {}, [](double x) { return x * sigmoid_exact(x); },
       [](double x, double kappa) { return x >= -87.0 ? 3.5 : 4 + 2 * kappa; }},
      {"elu", Activation::kElu, {}, [](double x) { return x > 0 ? x : std::expm1(x); },
       flat(2.5)},
      {"elu(alpha=1.7)", Activation::kElu, elu17,
       [](double x) { return x > 0 ? x : double(1.7f) * std::expm1(x); }, flat(2.5)},
      // xsimd's float erfc alone is 4 ulp off near 0 and 6 to 72 ulp off on (0, 9]; and
      // x/sqrt(2) is rounded.
      {"gelu", Activation::kGeluErf, {},
       [](double x) { return 0.5 * x * std::erfc(-x * 0.70710678118654752440); },
       [](double x, double kappa) { return x >= 0 ? 4.5 : 8 + 2 * kappa; }},
      {"gelu(tanh)", Activation::kGeluTanh, {}, gelu_tanh_exact,
       [](double x, double kappa) { return x >= 0 ? 3.0 : 4 + 2 * kappa; }},
      {"softplus", Activation::kSoftplus, {}, [](double x) { return softplus_exact(x, 1.0); },
       flat(2.0)},
      {"softplus(beta=0.5)", Activation::kSoftplus, half_beta,
       [](double x) { return softplus_exact(x, 0.5); }, flat(2.0)},
  };
}

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// |r - exact| in units of the last place of float at exact (subnormal spacing below
// FLT_MIN).
double ulp_error(float r, double exact) {
  const int e = std::max(std::ilogb(std::fabs(exact)), -126);
  return std::fabs(static_cast<double>(r) - exact) / std::ldexp(1.0, e - 23);
}

std::vector<float> sweep() {
  std::vector<float> x;
  for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 4093) x.push_back(from_bits(uint32_t(b)));
  for (float v = -12.0f; v <= 12.0f; v += 1.0f / 1024) x.push_back(v);  // dense where it bends
  return x;
}

std::vector<float> run_kernel(const Case& c, const std::vector<float>& x) {
  std::vector<float> y(x.size());
  activation_forward(c.kind, c.params, x.data(), y.data(), int64_t(x.size()));
  return y;
}

TEST(VectorActivation, WithinTheStatedUlpOfTheExactFunction) {
  const std::vector<float> x = sweep();
  for (const Case& c : cases()) {
    const std::vector<float> y = run_kernel(c, x);
    double worst = 0, worst_ratio = 0;
    float worst_x = 0, ratio_x = 0;
    int64_t failures = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double xd = x[i], exact = c.exact(xd);
      if (std::isnan(xd) || std::isnan(exact)) {
        failures += !std::isnan(y[i]);
        continue;
      }
      if (std::isinf(static_cast<float>(exact))) {  // overflows in float as it must
        failures += y[i] != static_cast<float>(exact);
        continue;
      }
      if (std::fabs(exact) < kFloatMin) {  // subnormal results: an absolute bound
        failures += !(std::fabs(y[i] - exact) <= kFloatMin);
        continue;
      }
      const double h = 1e-7;
      const double kappa =
          std::fabs(c.exact(xd * (1 + h)) - c.exact(xd * (1 - h))) / (2 * h * std::fabs(exact));
      const double err = ulp_error(y[i], exact), allowed = c.bound(xd, kappa);
      if (!(err <= allowed)) {
        if (++failures <= 5)
          ADD_FAILURE() << c.name << "(" << x[i] << ") = " << y[i] << ", exact " << exact
                        << ": " << err << " ulp > " << allowed;
      }
      if (err > worst) {
        worst = err;
        worst_x = x[i];
      }
      if (err / allowed > worst_ratio) {
        worst_ratio = err / allowed;
        ratio_x = x[i];
      }
    }
    EXPECT_EQ(failures, 0) << c.name;
    // The measured maximum, for the record (the kernels' header states these).
    std::printf("%-20s max %.2f ulp (at x = %g), %.0f%% of the bound at worst (x = %g)\n",
                c.name.c_str(), worst, worst_x, 100 * worst_ratio, ratio_x);
  }
}

// ±0 (with its sign), ±1, ±inf, NaN and saturation give what the scalar libm formulas give
// in float; silu and gelu are compared with their exact values instead, which they keep in
// the far negative tail where the scalar quotient (silu) and 1 + erf (gelu, even in
// double) round to -0.
TEST(VectorActivation, SpecialValuesAsTheScalarFormulas) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {0.0f,  -0.0f,  inf,    -inf,   NAN,   100.0f, -100.0f,
                                20.0f, -20.0f, 1e-30f, -1e-30f, 88.5f, -88.5f, 9.0f, -9.0f};
  struct Scalar {
    Activation kind;
    std::function<float(float)> f;
  };
  const std::vector<Scalar> scalar = {
      {Activation::kSigmoid, [](float v) { return 1.0f / (1.0f + std::exp(-v)); }},
      {Activation::kTanh, [](float v) { return std::tanh(v); }},
      {Activation::kSilu, [](float v) { return float(v * sigmoid_exact(v)); }},
      {Activation::kElu, [](float v) { return v > 0 ? v : std::expm1(v); }},
      {Activation::kGeluErf,
       [](float v) { return float(0.5 * v * std::erfc(-v * 0.70710678118654752440)); }},
      {Activation::kGeluTanh, [](float v) { return float(gelu_tanh_exact(v)); }},
      {Activation::kSoftplus,
       [](float v) { return v > 20.0f ? v : float(std::log1p(std::exp(v))); }},
  };
  for (const Scalar& s : scalar) {
    std::vector<float> y(x.size());
    activation_forward(s.kind, {}, x.data(), y.data(), int64_t(x.size()));
    for (size_t i = 0; i < x.size(); ++i) {
      const float want = s.f(x[i]);
      SCOPED_TRACE("activation " + std::to_string(int(s.kind)) + " at x = " +
                   std::to_string(x[i]));
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(y[i]));
      } else if (want == 0 || std::isinf(want) || std::fabs(want) == 1.0f) {
        EXPECT_EQ(y[i], want);
        EXPECT_EQ(std::signbit(y[i]), std::signbit(want));
      } else {  // the far tails (gelu(-9), subnormal silu(-100)) as the sweep bounds them
        EXPECT_NEAR(y[i], want, std::max(1e-5 * std::fabs(want), kFloatMin));
      }
    }
  }
  std::vector<float> y(2);
  const float sat[] = {100.0f, -100.0f};
  activation_forward(Activation::kSigmoid, {}, sat, y.data(), 2);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], 0.0f);
  const float tanh_sat[] = {20.0f, -20.0f};
  activation_forward(Activation::kTanh, {}, tanh_sat, y.data(), 2);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], -1.0f);
}

// A value's result does not depend on where it sits: every length 1..40, at every offset
// of a longer run, and in place, gives the bits of the same value inside a long run.
TEST(VectorActivation, TailsAndOffsetsGiveTheSameBits) {
  std::vector<float> x(64);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i) * 1.7f) * 6.0f;
  for (const Case& c : cases()) {
    const std::vector<float> whole = run_kernel(c, x);
    for (int64_t n = 1; n <= 40; ++n) {
      for (int64_t off : {int64_t{0}, int64_t{3}, 24 - n % 7}) {
        std::vector<float> y(size_t(n), -1.0f);
        activation_forward(c.kind, c.params, x.data() + off, y.data(), n);
        EXPECT_EQ(0, std::memcmp(y.data(), whole.data() + off, size_t(n) * sizeof(float)))
            << c.name << " n=" << n << " offset=" << off;
      }
      std::vector<float> inplace(x.begin(), x.begin() + n);
      activation_forward(c.kind, c.params, inplace.data(), inplace.data(), n);
      EXPECT_EQ(0, std::memcmp(inplace.data(), whole.data(), size_t(n) * sizeof(float)))
          << c.name << " in place, n=" << n;
    }
  }
  EXPECT_FALSE(std::string(vector_activation_isa_name()).empty());
}

}  // namespace
}  // namespace tg::kernels
