// SyncBatchNorm on two ranks, each with half a batch, against BatchNorm2d on the whole
// batch: outputs, input gradients, summed parameter gradients and running statistics.
#include <gtest/gtest.h>

#include "distributed/sync_batchnorm.h"
#include "nn/nn.h"
#include <cmath>

#include "autograd/engine.h"
#include "autograd/random.h"
#include "ops/ops.h"

namespace tg::distributed {
namespace {

double max_difference(const Tensor& a, const Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(SyncBatchNorm, MatchesBatchNormOnTheGlobalBatch) {
  auto pg = ProcessGroupMPI::create();
  manual_seed(21);
  Tensor x_all = randn({6, 3, 4, 5}, DType::Float64) * 2.0 + 1.0;
  Tensor r_all = randn({6, 3, 4, 5}, DType::Float64);  // weights of the test loss
  const int64_t h = 3;
  Tensor x = x_all.narrow(0, pg->rank() * h, h).clone().requires_grad_();
  Tensor r = r_all.narrow(0, pg->rank() * h, h);

  SyncBatchNorm sync(nn::BatchNormOptions(3));
  nn::BatchNorm2d plain(nn::BatchNormOptions(3));
  sync->to(DType::Float64);
  plain->to(DType::Float64);
  Tensor y = sync->forward(x);
  (y * r).sum().backward();

  Tensor xa = x_all.clone().requires_grad_();
  Tensor ya = plain->forward(xa);
  (ya * r_all).sum().backward();

  EXPECT_LT(max_difference(y.detach(), ya.detach().narrow(0, pg->rank() * h, h)), 1e-12);
  EXPECT_LT(max_difference(x.grad(), xa.grad().narrow(0, pg->rank() * h, h)), 1e-12);
  for (Tensor* pair : {&sync->weight, &sync->bias}) {
    Tensor g = pair->grad().clone();
    pg->allreduce(g, ReduceOp::SUM)->wait();  // what DDP would sum (up to its 1/world)
    Tensor want = pair == &sync->weight ? plain->weight.grad() : plain->bias.grad();
    EXPECT_LT(max_difference(g, want), 1e-12);
  }
  EXPECT_LT(max_difference(sync->running_mean, plain->running_mean), 1e-12);
  EXPECT_LT(max_difference(sync->running_var, plain->running_var), 1e-12);
  EXPECT_EQ(sync->num_batches_tracked.item<int64_t>(), 1);
}

TEST(SyncBatchNorm, SecondDerivativeThroughTheCollectives) {
  auto pg = ProcessGroupMPI::create();
  manual_seed(22 + pg->rank());
  SyncBatchNorm sync(nn::BatchNormOptions(2));
  sync->to(DType::Float64);
  Tensor x = randn({2, 2, 3}, DType::Float64).requires_grad_();
  Tensor y = sync->forward(x);
  Tensor g = autograd::grad({(y * y * y).sum()}, {x}, {}, true, true)[0];
  Tensor gg = autograd::grad({g.pow(2).sum()}, {x})[0];
  EXPECT_TRUE(gg.defined());
  EXPECT_TRUE(std::isfinite(gg.sum().item<double>()));
}

TEST(SyncBatchNorm, BadInput) {
  SyncBatchNorm sync(nn::BatchNormOptions(3));
  EXPECT_THROW(sync->forward(zeros({2, 4, 5})), Error);
}

}  // namespace
}  // namespace tg::distributed
