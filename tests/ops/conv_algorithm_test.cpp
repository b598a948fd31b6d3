// tg::set_conv_algorithm seen from the ops: a ResNet-style conv2d layer trained one step with
// Direct and with Winograd gives close outputs and input gradients (the weight gradient runs
// direct in both modes), and float64 gradcheck / gradgradcheck still pass with Winograd set,
// because float64 never leaves the direct kernels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/conv_algorithm.h"
#include "tapegrad.h"

namespace tg {
namespace {

class ConvAlgorithmOps : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = get_conv_algorithm(); }
  void TearDown() override { set_conv_algorithm(saved_); }
  ConvAlgorithm saved_ = ConvAlgorithm::Direct;
};

struct Step {
  std::vector<float> y, gx, gw;
};

std::vector<float> values(const Tensor& t) {
  const Tensor c = t.contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

Step step(const Tensor& x0, const Tensor& w0, const Tensor& b0, const Tensor& gy) {
  Tensor x = x0.detach().requires_grad_(), w = w0.detach().requires_grad_();
  Tensor b = b0.detach().requires_grad_();
  Tensor y = conv2d(x, w, b, 1, 1);
  y.backward(gy);
  return {values(y), values(x.grad()), values(w.grad())};
}

// Largest |a - b| over the largest |b|.
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(double{a[i]} - b[i]));
    scale = std::max(scale, std::fabs(double{b[i]}));
  }
  return diff / scale;
}

TEST_F(ConvAlgorithmOps, WinogradStepMatchesDirect) {
  manual_seed(3);
  Tensor x = randn({3, 24, 11, 9}), w = randn({20, 24, 3, 3}), b = randn({20});
  Tensor gy = randn({3, 20, 11, 9});
  set_conv_algorithm(ConvAlgorithm::Direct);
  const Step direct = step(x, w, b, gy);
  set_conv_algorithm(ConvAlgorithm::Winograd);
  const Step winograd = step(x, w, b, gy);
  ASSERT_EQ(direct.y.size(), winograd.y.size());
  EXPECT_NE(direct.y, winograd.y);  // Winograd did run
  EXPECT_LT(relative_error(winograd.y, direct.y), 1e-5);
  EXPECT_NE(direct.gx, winograd.gx);
  EXPECT_LT(relative_error(winograd.gx, direct.gx), 1e-5);
  EXPECT_EQ(direct.gw, winograd.gw);  // same x and gy, and Winograd mode leaves it direct
}

TEST_F(ConvAlgorithmOps, Float64GradientsStayExactWithWinograd) {
  set_conv_algorithm(ConvAlgorithm::Winograd);
  manual_seed(4);
  Tensor x = randn({2, 3, 5, 6}, kFloat64).requires_grad_();
  Tensor w = randn({4, 3, 3, 3}, kFloat64).requires_grad_();
  auto f = [](const TensorList& t) { return conv2d(t[0], t[1], {}, 1, 1); };
  EXPECT_TRUE(gradcheck(autograd::SingleOutputFn(f), {x, w}));
  EXPECT_TRUE(gradgradcheck(autograd::SingleOutputFn(f), {x, w}));
}

}  // namespace
}  // namespace tg
