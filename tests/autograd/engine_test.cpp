#include <gtest/gtest.h>

#include "autograd/backward_callbacks.h"
#include "tapegrad.h"

namespace tg {
namespace {

TEST(Engine, ChainRuleOnScalars) {
  Tensor x = tensor({2.0}, kFloat64).requires_grad_();
  Tensor y = tensor({3.0}, kFloat64).requires_grad_();
  Tensor z = (x * y + x * x).sum();  // dz/dx = y + 2x = 7, dz/dy = x = 2
  z.backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 7.0);
  EXPECT_DOUBLE_EQ(y.grad().item(), 2.0);
  EXPECT_EQ(z.grad_fn_name(), "SumBackward");
}

TEST(Engine, GradAccumulatesAcrossBackwardCalls) {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  (x * 3.0).sum().backward();
  (x * 3.0).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{6.0, 6.0}));
}

TEST(Engine, BroadcastingGradientsReduceToInputShape) {
  Tensor a = ones({2, 3}, kFloat64).requires_grad_();
  Tensor b = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  (a * b).sum().backward();
  EXPECT_EQ(b.grad().shape(), Shape({3}));
  EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{2.0, 2.0, 2.0}));
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{1, 2, 3, 1, 2, 3}));
}

TEST(Engine, SecondBackwardThroughFreedGraphThrows) {
  Tensor x = tensor({1.5}, kFloat64).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("second time"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("MulBackward"), std::string::npos) << e.what();
  }
}

TEST(Engine, RetainGraphAllowsSecondBackward) {
  Tensor x = tensor({1.5}, kFloat64).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 6.0);
}

TEST(Engine, InPlaceModificationOfSavedTensorIsDetected) {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor h = x * 2.0;
  Tensor y = h * h;  // saves h
  h.add_(1.0);
  try {
    y.sum().backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("modified by an in-place operation"), std::string::npos) << msg;
    EXPECT_NE(msg.find("MulBackward"), std::string::npos) << msg;
  }
}

TEST(Engine, InPlaceOnLeafRequiringGradThrows) {
  Tensor x = ones({2}).requires_grad_();
  EXPECT_THROW(x.add_(1.0), Error);
  NoGradGuard guard;
  x.add_(1.0);  // fine without recording
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{2.f, 2.f}));
}

TEST(Engine, InPlaceOnNonLeafRebasesHistory) {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 3.0;
  y.mul_(x);  // y = 3x^2, dy/dx = 6x
  EXPECT_EQ(y.grad_fn_name(), "MulBackward");
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{6.0, 12.0}));
}

TEST(Engine, HigherOrderGradients) {
  Tensor x = tensor({2.0}, kFloat64).requires_grad_();
  Tensor y = (x * x * x).sum();  // y' = 3x^2 = 12, y'' = 6x = 12
  TensorList g = autograd::grad({y}, {x}, {}, {}, /*create_graph=*/true);
  EXPECT_DOUBLE_EQ(g[0].item(), 12.0);
  TensorList gg = autograd::grad({g[0].sum()}, {x});
  EXPECT_DOUBLE_EQ(gg[0].item(), 12.0);
  EXPECT_FALSE(x.grad().defined());  // grad() never touches .grad
}

TEST(Engine, GradWithUnusedInput) {
  Tensor x = tensor({2.0}, kFloat64).requires_grad_();
  Tensor u = tensor({2.0}, kFloat64).requires_grad_();
  Tensor y = (x * x).sum();
  EXPECT_THROW(autograd::grad({y}, {x, u}, {}, true), Error);
  TensorList g = autograd::grad({y}, {x, u}, {}, true, false, /*allow_unused=*/true);
  EXPECT_DOUBLE_EQ(g[0].item(), 4.0);
  EXPECT_FALSE(g[1].defined());
}

TEST(Engine, NonScalarBackwardNeedsGradient) {
  Tensor x = ones({3}).requires_grad_();
  Tensor y = x * 2.0;
  EXPECT_THROW(y.backward(), Error);
  y.backward(tensor({1.0, 2.0, 3.0}));
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{2.f, 4.f, 6.f}));
}

TEST(Engine, HooksCanReplaceGradients) {
  Tensor x = tensor({1.0}, kFloat64).requires_grad_();
  Tensor h = x * 2.0;
  h.register_hook([](const Tensor& g) { return g * 10.0; });
  int leaf_calls = 0;
  x.register_hook([&](const Tensor& g) { ++leaf_calls; return Tensor(); });
  (h * 1.0).sum().backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 20.0);
  EXPECT_EQ(leaf_calls, 1);
}

TEST(Engine, RetainGradOnNonLeaf) {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor h = x * 2.0;
  h.retain_grad();
  (h * h).sum().backward();
  EXPECT_EQ(h.grad().to_vector<double>(), (std::vector<double>{4.0, 8.0}));
}

TEST(Engine, NoGradGuardStopsRecording) {
  Tensor x = ones({2}).requires_grad_();
  {
    NoGradGuard guard;
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EnableGradGuard enable;
    EXPECT_TRUE((x * 2.0).requires_grad());
  }
  EXPECT_TRUE((x * 2.0).requires_grad());
}

TEST(Engine, LongChainIsDestroyedWithoutStackOverflow) {
  Tensor x = ones({1}).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 200000; ++i) y = y * 1.0;
  y = Tensor();  // tearing down 200k nodes must not recurse
  SUCCEED();
}

TEST(Engine, LongChainBackward) {
  Tensor x = tensor({1.0}, kFloat64).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y + 1.0;
  y.sum().backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 1.0);
}

TEST(Engine, AnomalyModeNamesTheOp) {
  autograd::DetectAnomalyGuard anomaly;
  Tensor x = tensor({0.0}, kFloat64).requires_grad_();
  Tensor y = sqrt(x).sum();  // d sqrt(x)/dx at 0 is inf
  try {
    y.backward();
    FAIL() << "expected an anomaly error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SqrtBackward"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tg

namespace tg {
namespace {

TEST(GraphExport, DotListsOpsAndLeaves) {
  Tensor a = ones({2, 3}).requires_grad_();
  Tensor b = ones({3}).requires_grad_();
  Tensor y = (a * b + a).sum();
  const std::string dot = autograd::to_dot(y);
  EXPECT_NE(dot.find("digraph"), std::string::npos);
  EXPECT_NE(dot.find("SumBackward"), std::string::npos);
  EXPECT_NE(dot.find("MulBackward"), std::string::npos);
  EXPECT_NE(dot.find("AddBackward"), std::string::npos);
  EXPECT_NE(dot.find("leaf [2, 3]"), std::string::npos);
  EXPECT_NE(dot.find("leaf [3]"), std::string::npos);
  // a feeds two ops but appears once
  EXPECT_EQ(dot.find("leaf [2, 3]"), dot.rfind("leaf [2, 3]"));
}

}  // namespace
}  // namespace tg

namespace tg {
namespace {

TEST(Random, SameSeedSameValuesAndStateRoundTrip) {
  manual_seed(42);
  Tensor a = randn({100});
  manual_seed(42);
  Tensor b = randn({100});
  EXPECT_TRUE(equal(a, b));
  Generator g(5);
  g.normal();  // leaves a spare value pending
  const std::string state = g.get_state();
  std::vector<double> first = {g.normal(), g.normal(), g.uniform()};
  g.set_state(state);
  std::vector<double> second = {g.normal(), g.normal(), g.uniform()};
  EXPECT_EQ(first, second);
  EXPECT_THROW(g.set_state("garbage"), Error);
}

TEST(Random, DistributionsLookRight) {
  manual_seed(1);
  Tensor u = rand({20000}, kFloat64);
  EXPECT_NEAR(u.mean().item(), 0.5, 0.01);
  Tensor n = randn({20000}, kFloat64);
  EXPECT_NEAR(n.mean().item(), 0.0, 0.02);
  EXPECT_NEAR((n * n).mean().item(), 1.0, 0.03);
  Tensor r = randint(3, 7, {1000});
  for (int64_t v : r.to_vector<int64_t>()) EXPECT_TRUE(v >= 3 && v < 7);
  std::vector<int64_t> p = randperm(50).to_vector<int64_t>();
  std::sort(p.begin(), p.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(p[i], i);
}

}  // namespace
}  // namespace tg

TEST(Engine, QueuedCallbacksRunAfterEveryGradientIsAccumulated) {
  tg::Tensor a = tg::tensor({1.0, 2.0}).requires_grad_();
  tg::Tensor b = tg::tensor({3.0}).requires_grad_();
  std::vector<std::string> events;
  a.register_hook([&](const tg::Tensor& g) {
    events.push_back("hook a");
    EXPECT_TRUE(tg::autograd::in_backward_pass());
    tg::autograd::queue_callback([&] {
      // Both leaves hold their gradients by now.
      events.push_back("callback: a.grad " + std::to_string(a.grad().sum().item<double>()) +
                       ", b.grad " + std::to_string(b.grad().sum().item<double>()));
      tg::autograd::queue_callback([&] { events.push_back("queued by a callback"); });
    });
    return tg::Tensor();
  });
  ((a * 2.0).sum() + (b * 5.0).sum()).backward();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], "hook a");
  EXPECT_EQ(events[1], "callback: a.grad 4.000000, b.grad 5.000000");
  EXPECT_EQ(events[2], "queued by a callback");
  EXPECT_FALSE(tg::autograd::in_backward_pass());
  EXPECT_THROW(tg::autograd::queue_callback([] {}), tg::Error);
}

TEST(Engine, CallbacksAreNotRunByAutogradGrad) {
  tg::Tensor a = tg::tensor({1.0}).requires_grad_();
  bool in_pass = true;
  a.register_hook([&](const tg::Tensor& g) {
    in_pass = tg::autograd::in_backward_pass();
    return tg::Tensor();
  });
  tg::autograd::grad({(a * 3.0).sum()}, {a});
  EXPECT_FALSE(in_pass);
}
