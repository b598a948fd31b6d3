// Rough edges found by porting libtorch programs: each test failed before its fix.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "tapegrad.h"

using namespace tg;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(RoughEdges, UndefinedTensorMetadataThrows) {
  Tensor p = ones({2}).requires_grad_();
  (p * 2.0).sum().backward();
  p.mutable_grad() = Tensor();  // as zero_grad(set_to_none) leaves it
  EXPECT_NE(error_of([&] { (void)p.grad().shape(); }).find("undefined"), std::string::npos);
  Tensor u;
  EXPECT_THROW((void)u.sizes(), Error);
  EXPECT_THROW((void)u.dim(), Error);
  EXPECT_THROW((void)u.numel(), Error);
  EXPECT_THROW((void)u.dtype(), Error);
  EXPECT_THROW((void)u.size(0), Error);
  EXPECT_THROW((void)u.is_contiguous(), Error);
}

TEST(RoughEdges, OneCycleLRRejectsAOneStepWarmup) {
  Tensor w = zeros({1}).requires_grad_();
  optim::SGD opt({w}, optim::SGDOptions(0.1));
  // pct_start * total_steps == 1: the warm-up phase has no step (PyTorch divides by zero).
  std::string msg = error_of([&] {
    optim::OneCycleLR s(opt, optim::OneCycleLROptions(0.1, 4).pct_start(0.25));
  });
  EXPECT_NE(msg.find("pct_start"), std::string::npos) << msg;
  EXPECT_THROW(optim::OneCycleLR(opt, optim::OneCycleLROptions(0.1, 10).pct_start(1.0)), Error);
  optim::OneCycleLR ok(opt, optim::OneCycleLROptions(0.1, 8).pct_start(0.25));
  for (int i = 0; i < 8; ++i) {
    ok.step();
    EXPECT_TRUE(std::isfinite(opt.param_groups()[0].options().get_lr()));
  }
}

TEST(RoughEdges, MaxUnpoolSecondDerivativeWithRepeatedIndices) {
  // Two pooled values land on the same position in each plane.
  Tensor x = randn({1, 2, 3}, kFloat64).requires_grad_();
  Tensor idx = tensor(std::vector<int64_t>{0, 0, 4, 1, 5, 1}, {1, 2, 3});
  auto f1 = [&](const TensorList& in) { return tg::max_unpool1d(in[0], idx, {6}); };
  EXPECT_TRUE(gradgradcheck(f1, {x})) << gradgradcheck(f1, {x});
  Tensor x2 = randn({1, 1, 2, 2}, kFloat64).requires_grad_();
  Tensor idx2 = tensor(std::vector<int64_t>{3, 3, 0, 3}, {1, 1, 2, 2});
  auto f2 = [&](const TensorList& in) {
    return tg::max_unpool2d(in[0], idx2, {2, 2});
  };
  EXPECT_TRUE(gradgradcheck(f2, {x2})) << gradgradcheck(f2, {x2});
  Tensor x3 = randn({1, 1, 1, 1, 2}, kFloat64).requires_grad_();
  Tensor idx3 = tensor(std::vector<int64_t>{1, 1}, {1, 1, 1, 1, 2});
  auto f3 = [&](const TensorList& in) {
    return tg::max_unpool3d(in[0], idx3, {1, 1, 2});
  };
  EXPECT_TRUE(gradgradcheck(f3, {x3})) << gradgradcheck(f3, {x3});
}

TEST(RoughEdges, GradcheckReportsTheWorstElementAndTheCount) {
  struct Wrong : autograd::Function<Wrong> {
    struct Saved {};
    static Tensor forward(Saved&, const Tensor& x) { return x * 2.0; }
    static TensorList backward(const Saved&, const TensorList& g) {
      // Right except at element [1, 2] (off by 5) and [0, 0] (off by 1).
      Tensor bad = tensor(std::vector<double>{1, 0, 0, 0, 0, 5}, {2, 3});
      return {g[0] * 2.0 + g[0] * bad};
    }
  };
  Tensor x = randn({2, 3}, kFloat64).requires_grad_();
  auto r = gradcheck([](const TensorList& in) { return Wrong::apply(in[0]); }, {x});
  ASSERT_FALSE(r);
  EXPECT_NE(r.message.find("2 of 36 entries differ"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("output #0[1, 2]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("input[1, 2]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("analytical 7"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("numerical 2"), std::string::npos) << r.message;

  auto ok = gradgradcheck([](const TensorList& in) { return (in[0] * in[0]).sum(); }, {x});
  ASSERT_TRUE(ok);
  std::ostringstream os;
  os << ok;
  EXPECT_EQ(os.str(), "gradgradcheck passed");
}

TEST(RoughEdges, ConvErrorsShowWholeKernelsAndTheUsersShape) {
  Tensor w = randn({2, 3, 5, 5});
  std::string msg = error_of([&] { F::conv2d(randn({1, 3, 4, 9}), w); });
  EXPECT_NE(msg.find("kernel ([5, 5]"), std::string::npos) << msg;
  msg = error_of([&] { F::conv2d(randn({3, 4, 9}), w); });  // unbatched
  EXPECT_NE(msg.find("input of shape [3, 4, 9]"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("[1, 3, 4, 9]"), std::string::npos) << msg;
  msg = error_of([&] { F::conv2d(randn({4, 8, 8}), randn({2, 3, 3, 3})); });
  EXPECT_NE(msg.find("[4, 8, 8]"), std::string::npos) << msg;
}

TEST(RoughEdges, RetainGradThenHookFollowsPyTorch113) {
  // PyTorch 1.13 runs tensor hooks in registration order: .grad is retained before a hook
  // registered later changes the gradient, and after one registered earlier.
  Tensor x = ones({2}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  y.retain_grad();
  y.register_hook([](const Tensor& g) { return g * 10.0; });
  y.sum().backward();
  EXPECT_EQ(y.grad().to_vector<double>(), (std::vector<double>{1.0, 1.0}));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{20.0, 20.0}));

  Tensor x2 = ones({2}, kFloat64).requires_grad_();
  Tensor y2 = x2 * 2.0;
  y2.register_hook([](const Tensor& g) { return g * 10.0; });
  y2.retain_grad();
  y2.sum().backward();
  EXPECT_EQ(y2.grad().to_vector<double>(), (std::vector<double>{10.0, 10.0}));
}

TEST(RoughEdges, AbsOfNegativeZeroIsPositiveZero) {
  Tensor a = abs(tensor({-0.0, -1.5, 2.0}, kFloat64));
  EXPECT_FALSE(std::signbit(a.to_vector<double>()[0]));
  EXPECT_FALSE(std::signbit(abs(tensor({-0.0})).item<float>()));
}

TEST(RoughEdges, AnomalyBacktracesAreDemangled) {
  autograd::DetectAnomalyGuard anomaly;
  Tensor x = tensor({-1.0}, kFloat64).requires_grad_();
  std::string msg = error_of([&] { sqrt(x).sum().backward(); });
  ASSERT_NE(msg.find("recorded at"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tg::sqrt(tg::Tensor const&)"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("_ZN2tg"), std::string::npos) << msg;
}

TEST(RoughEdges, MeanOfAnEmptyTensorIsNaN) {
  EXPECT_TRUE(std::isnan(empty({0}).mean().item<float>()));
  Tensor m = empty({0, 3}, kFloat64).mean({0});
  ASSERT_EQ(m.numel(), 3);
  for (double v : m.to_vector<double>()) EXPECT_TRUE(std::isnan(v));
}
