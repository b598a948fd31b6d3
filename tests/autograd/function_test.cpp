#include <gtest/gtest.h>

#include <cmath>

#include "tapegrad.h"

namespace tg {
namespace {

// softplus(x) = log(1 + exp(x)); d/dx = 1 / (1 + exp(-x)).
struct Softplus : autograd::Function<Softplus> {
  static constexpr const char* name = "SoftplusBackward";
  struct Saved {
    Tensor x;
  };
  static Tensor forward(Saved& s, const Tensor& x) {
    s.x = x;
    return log(exp(x) + 1.0);
  }
  static TensorList backward(const Saved& s, const TensorList& g) {
    return {g[0] / (exp(-s.x) + 1.0)};
  }
};

// The documented trap: the derivative computed in forward is a constant to the second
// derivative.
struct SoftplusWithStaleResidual : autograd::Function<SoftplusWithStaleResidual> {
  struct Saved {
    Tensor slope;
  };
  static Tensor forward(Saved& s, const Tensor& x) {
    s.slope = 1.0 / (exp(-x) + 1.0);
    return log(exp(x) + 1.0);
  }
  static TensorList backward(const Saved& s, const TensorList& g) { return {g[0] * s.slope}; }
};

// Two inputs, one non-tensor argument, two outputs.
struct ScaledSumAndProduct : autograd::Function<ScaledSumAndProduct> {
  struct Saved {
    Tensor a, b;
    double k = 0;
  };
  static TensorList forward(Saved& s, const Tensor& a, const Tensor& b, double k) {
    s.a = a;
    s.b = b;
    s.k = k;
    return {(a + b) * k, a * b};
  }
  static TensorList backward(const Saved& s, const TensorList& g) {
    return {g[0] * s.k + g[1] * s.b, g[0] * s.k + g[1] * s.a};
  }
};

TEST(CustomFunction, ForwardBackwardAndName) {
  Tensor x = tensor({-1.0, 0.5, 2.0}, kFloat64).requires_grad_();
  Tensor y = Softplus::apply(x);
  EXPECT_EQ(y.grad_fn_name(), "SoftplusBackward");
  y.sum().backward();
  std::vector<double> g = x.grad().to_vector<double>();
  EXPECT_NEAR(g[0], 1.0 / (1.0 + std::exp(1.0)), 1e-12);
}

TEST(CustomFunction, GradcheckAndGradgradcheck) {
  Tensor x = tensor({-1.0, 0.5, 2.0}, kFloat64).requires_grad_();
  auto f = [](const TensorList& in) { return Softplus::apply(in[0]); };
  auto r1 = gradcheck(f, {x});
  EXPECT_TRUE(r1) << r1;
  auto r2 = gradgradcheck(f, {x});
  EXPECT_TRUE(r2) << r2;
}

TEST(CustomFunction, StaleResidualIsCaughtByGradgradcheck) {
  Tensor x = tensor({-1.0, 0.5, 2.0}, kFloat64).requires_grad_();
  auto f = [](const TensorList& in) { return SoftplusWithStaleResidual::apply(in[0]); };
  EXPECT_TRUE(gradcheck(f, {x}));
  EXPECT_FALSE(gradgradcheck(f, {x}));
}

TEST(CustomFunction, MultipleInputsAndOutputs) {
  Tensor a = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor b = tensor({3.0, -1.0}, kFloat64).requires_grad_();
  auto f = [](const TensorList& in) { return ScaledSumAndProduct::apply(in[0], in[1], 0.5); };
  auto r1 = gradcheck(f, {a, b});
  EXPECT_TRUE(r1) << r1;
  auto r2 = gradgradcheck(f, {a, b});
  EXPECT_TRUE(r2) << r2;
}

TEST(CustomFunction, InPlaceChangeOfSavedInputIsDetected) {
  Tensor x0 = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor x = x0 * 1.0;
  Tensor y = Softplus::apply(x);
  x.add_(1.0);
  EXPECT_THROW(y.sum().backward(), Error);
}

TEST(CustomFunction, NoRecordingWithoutGrad) {
  Tensor x = tensor({1.0, 2.0}, kFloat64);
  Tensor y = Softplus::apply(x);
  EXPECT_FALSE(y.requires_grad());
}

}  // namespace
}  // namespace tg
