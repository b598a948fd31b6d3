// DistributedDataParallel on two ranks: each rank takes half of a global batch, and after
// backward its gradients must equal those of one process on the whole batch.
#include <gtest/gtest.h>

#include "distributed/ddp.h"
#include "nn/functional.h"
#include "nn/nn.h"
#include "autograd/random.h"
#include "ops/ops.h"
#include "optim/optim.h"

namespace tg::distributed {
namespace {

namespace F = tg::nn::functional;

nn::Sequential small_cnn() {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)), nn::ReLU(),
                        nn::MaxPool2d(nn::MaxPool2dOptions(2)), nn::Flatten(),
                        nn::Linear(4 * 4 * 4, 5));
}

// The same global batch on every rank (same seed); rank r reads rows [r*h, (r+1)*h).
struct Batch {
  Tensor x, y;
};
Batch global_batch(int64_t n, uint64_t seed) {
  manual_seed(seed);
  return {randn({n, 1, 8, 8}), randint(0, 5, {n})};
}
Batch local_half(const Batch& b, int rank) {
  const int64_t h = b.x.size(0) / 2;
  return {b.x.narrow(0, rank * h, h), b.y.narrow(0, rank * h, h)};
}

double max_relative_difference(const Tensor& a, const Tensor& b) {
  return (a - b).abs().max().item<double>() / std::max(b.abs().max().item<double>(), 1e-30);
}

// A second model, not wrapped, with the same (rank 0's) weights: the single-process oracle.
nn::Sequential copy_of(const nn::Sequential& m) {
  nn::Sequential c = small_cnn();
  c->load_state_dict(m->state_dict());
  return c;
}

TEST(DistributedDataParallel, ConstructionMakesEveryRankStartFromRankZerosWeights) {
  auto pg = ProcessGroupMPI::create();
  manual_seed(1000 + pg->rank());  // different initial weights per rank
  nn::Sequential net = small_cnn();
  DistributedDataParallel<nn::Sequential> ddp(net, pg);
  for (const auto& item : net->named_parameters()) {
    std::vector<Tensor> all;
    pg->allgather(all, item.value().detach())->wait();
    EXPECT_TRUE(equal(all[0], all[1])) << item.key();
  }
}

TEST(DistributedDataParallel, GradientsEqualSingleProcessGradientsOfTheGlobalBatch) {
  auto pg = ProcessGroupMPI::create();
  manual_seed(7);
  nn::Sequential net = small_cnn();
  nn::Sequential oracle = copy_of(net);
  // A tiny bucket cap gives several buckets, so the in-order launching is exercised.
  DistributedDataParallel<nn::Sequential> ddp(net, pg, DDPOptions().bucket_cap_mb(1e-6));
  ASSERT_GT(ddp.reducer().buckets().size(), 2u);

  Batch global = global_batch(8, 42), mine = local_half(global, pg->rank());
  F::cross_entropy(ddp(mine.x), mine.y).backward();
  F::cross_entropy(oracle->forward(global.x), global.y).backward();

  auto got = net->named_parameters();
  auto want = oracle->named_parameters();
  for (const auto& item : want) {
    const Tensor& g = got[item.key()].grad();
    ASSERT_TRUE(g.defined()) << item.key();
    EXPECT_LT(max_relative_difference(g, item.value().grad()), 1e-6) << item.key();
  }
}

TEST(DistributedDataParallel, TrainingStaysInStepWithOneProcess) {
  auto pg = ProcessGroupMPI::create();
  manual_seed(3);
  nn::Sequential net = small_cnn();
  nn::Sequential oracle = copy_of(net);
  DistributedDataParallel<nn::Sequential> ddp(net, pg);
  optim::SGD opt(net->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  optim::SGD opt_oracle(oracle->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  for (int step = 0; step < 20; ++step) {
    Batch global = global_batch(8, 100 + step), mine = local_half(global, pg->rank());
    opt.zero_grad();
    F::cross_entropy(ddp(mine.x), mine.y).backward();
    opt.step();
    opt_oracle.zero_grad();
    F::cross_entropy(oracle->forward(global.x), global.y).backward();
    opt_oracle.step();
  }
  auto got = net->named_parameters();
  for (const auto& item : oracle->named_parameters())
    EXPECT_LT(max_relative_difference(got[item.key()].detach(), item.value().detach()), 1e-5)
        << item.key();
}

TEST(DistributedDataParallel, NoSyncAccumulatesLocallyThenAveragesTheSum) {
  auto pg = ProcessGroupMPI::create();
  manual_seed(11);
  nn::Sequential net = small_cnn();
  nn::Sequential oracle = copy_of(net);
  DistributedDataParallel<nn::Sequential> ddp(net, pg);
  Batch a = global_batch(8, 5), b = global_batch(8, 6);
  Batch a_mine = local_half(a, pg->rank()), b_mine = local_half(b, pg->rank());
  {
    auto guard = ddp.no_sync();
    F::cross_entropy(ddp(a_mine.x), a_mine.y).backward();
  }
  // Inside no_sync the gradient stayed local: it differs between the ranks.
  Tensor local_grad = net->parameters()[0].grad().clone();
  std::vector<Tensor> seen;
  pg->allgather(seen, local_grad)->wait();
  EXPECT_FALSE(equal(seen[0], seen[1]));

  F::cross_entropy(ddp(b_mine.x), b_mine.y).backward();  // synchronised
  F::cross_entropy(oracle->forward(a.x), a.y).backward();
  F::cross_entropy(oracle->forward(b.x), b.y).backward();
  auto got = net->named_parameters();
  for (const auto& item : oracle->named_parameters())
    EXPECT_LT(max_relative_difference(got[item.key()].grad(), item.value().grad()), 1e-6)
        << item.key();
}

TEST(DistributedDataParallel, UnusedParametersStillAgreeAcrossRanks) {
  auto pg = ProcessGroupMPI::create();
  manual_seed(12);
  nn::Linear used(3, 2), unused(3, 2);
  nn::Sequential both(used, unused);
  DistributedDataParallel<nn::Sequential> ddp(both, pg);
  Tensor x = randn({4, 3});
  used->forward(x).sum().backward();  // `unused` takes no part in this pass
  for (const Tensor& p : both->parameters()) ASSERT_TRUE(p.grad().defined());
  EXPECT_EQ(unused->weight.grad().abs().sum().item<double>(), 0.0);
}

TEST(DistributedDataParallel, BucketsRunInReverseRegistrationOrderWithASmallFirstBucket) {
  auto pg = ProcessGroupMPI::create();
  // Three 1 MiB weights: the first bucket closes after the last layer's, the rest share one.
  nn::Sequential net(nn::Linear(512, 512), nn::Linear(512, 512), nn::Linear(512, 512));
  DistributedDataParallel<nn::Sequential> ddp(net, pg);
  const auto& buckets = ddp.reducer().buckets();
  ASSERT_EQ(buckets.size(), 2u);
  // Parameters in registration order: 0.weight 0.bias 1.weight 1.bias 2.weight 2.bias.
  EXPECT_EQ(buckets[0].params, (std::vector<std::size_t>{5, 4}));
  EXPECT_EQ(buckets[1].params, (std::vector<std::size_t>{3, 2, 1, 0}));
  EXPECT_EQ(buckets[1].flat.numel(), 2 * (512 * 512 + 512));
}

TEST(DistributedDataParallel, DifferentModelsOnTwoRanksAreRejected) {
  auto pg = ProcessGroupMPI::create();
  nn::Sequential net = pg->rank() == 0 ? nn::Sequential(nn::Linear(3, 2))
                                       : nn::Sequential(nn::Linear(2, 3));
  EXPECT_THROW((DistributedDataParallel<nn::Sequential>(net, pg)), Error);
}

}  // namespace
}  // namespace tg::distributed
