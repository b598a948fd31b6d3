// Repeated retain_graph / create_graph backward cycles leave nothing behind: after every
// cycle the live storages, their bytes and the autograd nodes (tg::memory::live_objects) are
// back at the baseline, exactly. Under the ASan build LeakSanitizer also checks the process.
#include <gtest/gtest.h>

#include "autograd/live_objects.h"
#include "tapegrad.h"

namespace tg {
namespace {

void expect_at_baseline(const memory::LiveObjects& base, int cycle) {
  const memory::LiveObjects now = memory::live_objects();
  ASSERT_EQ(now.nodes, base.nodes) << "after cycle " << cycle;
  ASSERT_EQ(now.storages, base.storages) << "after cycle " << cycle;
  ASSERT_EQ(now.storage_bytes, base.storage_bytes) << "after cycle " << cycle;
}

TEST(Leaks, RetainGraphAndCreateGraphCyclesReturnToTheBaseline) {
  manual_seed(21);
  Tensor w = randn({16, 16}, kFloat64).requires_grad_();
  Tensor b = randn({16}, kFloat64).requires_grad_();
  const Tensor x = randn({8, 16}, kFloat64);
  const memory::LiveObjects base = memory::live_objects();
  for (int cycle = 0; cycle < 200; ++cycle) {
    {
      Tensor h = tanh(matmul(x, w) + b);
      Tensor loss = (h * h).sum() + sigmoid(h).mean();
      // Three passes over one retained graph, the last one freeing it.
      autograd::backward({loss}, {}, /*retain_graph=*/true);
      autograd::backward({loss}, {}, /*retain_graph=*/true);
      // A gradient with its own graph, differentiated again (a Hessian-vector product).
      TensorList g = autograd::grad({loss}, {w, b}, {}, /*retain_graph=*/true,
                                    /*create_graph=*/true);
      Tensor penalty = g[0].pow(2).sum() + g[1].pow(2).sum();
      TensorList hvp = autograd::grad({penalty}, {w}, {}, /*retain_graph=*/true,
                                      /*create_graph=*/true);
      autograd::backward({hvp[0].sum() + penalty}, {}, /*retain_graph=*/true);
      loss.backward();
      EXPECT_TRUE(w.grad().defined());
    }
    // backward(create_graph) puts a gradient with a graph into .grad, which then refers to
    // its own leaf (as in PyTorch): reset it, as a training loop's zero_grad does.
    {
      Tensor loss = (tanh(matmul(x, w)) * 3.0).sum();
      autograd::backward({loss}, {}, /*retain_graph=*/false, /*create_graph=*/true);
      EXPECT_TRUE(w.grad().requires_grad());
    }
    w.mutable_grad() = Tensor();
    b.mutable_grad() = Tensor();
    expect_at_baseline(base, cycle);
  }
}

// nn modules and an optimizer: a few hundred steps with a gradient penalty (create_graph)
// keep the same numbers of storages and nodes alive after every step.
TEST(Leaks, TrainingStepsWithAGradientPenaltyKeepLiveObjectsFlat) {
  manual_seed(22);
  nn::Sequential net(nn::Linear(10, 32), nn::Tanh(), nn::Linear(32, 1));
  optim::Adam adam(net->parameters(), optim::AdamOptions(1e-3));
  Tensor x = randn({16, 10}).requires_grad_();
  const Tensor y = randn({16, 1});
  auto step = [&] {
    adam.zero_grad();
    Tensor out = net->forward(x);
    Tensor dx = autograd::grad({out.sum()}, {x}, {}, true, true)[0];
    Tensor loss = mse_loss(out, y) + 0.1 * dx.pow(2).mean();
    loss.backward();
    adam.step();
    x.mutable_grad() = Tensor();
  };
  for (int i = 0; i < 5; ++i) step();  // optimizer state created
  const memory::LiveObjects base = memory::live_objects();
  for (int i = 0; i < 300; ++i) {
    step();
    expect_at_baseline(base, i);
  }
}

}  // namespace
}  // namespace tg
