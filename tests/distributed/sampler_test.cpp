#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "distributed/process_group.h"
#include "distributed/sampler.h"
#include "autograd/random.h"
#include "ops/ops.h"

namespace tg::distributed {
namespace {

TEST(DistributedSampler, ShardsCoverTheDatasetOnceWithPadding) {
  // 10 items over 3 replicas: 4 each, the first two indices repeated as padding.
  std::vector<int64_t> all;
  for (int r = 0; r < 3; ++r) {
    DistributedSampler s(10, 3, r, /*shuffle=*/false);
    EXPECT_EQ(s.num_samples(), 4);
    auto mine = s.indices();
    EXPECT_EQ(mine.size(), 4u);
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<int64_t>{0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(DistributedSampler(10, 3, 1, false).indices(), (std::vector<int64_t>{1, 4, 7, 0}));
}

TEST(DistributedSampler, DropLastTrims) {
  DistributedSampler s(10, 3, 2, false, 0, /*drop_last=*/true);
  EXPECT_EQ(s.num_samples(), 3);
  EXPECT_EQ(s.indices(), (std::vector<int64_t>{2, 5, 8}));
}

TEST(DistributedSampler, ShuffleDependsOnSeedAndEpochOnly) {
  DistributedSampler a(100, 2, 0, true, 5), b(100, 2, 0, true, 5);
  EXPECT_EQ(a.indices(), b.indices());
  auto epoch0 = a.indices();
  a.set_epoch(1);
  EXPECT_NE(a.indices(), epoch0);
  // Both ranks' shards of one epoch partition the dataset.
  DistributedSampler r1(100, 2, 1, true, 5);
  r1.set_epoch(1);
  std::set<int64_t> seen;
  for (int64_t i : a.indices()) seen.insert(i);
  for (int64_t i : r1.indices()) seen.insert(i);
  EXPECT_EQ(seen.size(), 100u);
}

TEST(DistributedSampler, RanksOfARealJobPartitionTheData) {
  auto pg = ProcessGroupMPI::create();
  DistributedSampler s(37, pg->size(), pg->rank(), true, 9);
  s.set_epoch(3);
  auto mine = s.indices();
  Tensor t = tensor(mine, {static_cast<int64_t>(mine.size())});
  std::vector<Tensor> all;
  pg->allgather(all, t)->wait();
  std::set<int64_t> seen;
  for (const Tensor& part : all)
    for (int64_t i : part.to_vector<int64_t>()) seen.insert(i);
  EXPECT_EQ(seen.size(), 37u);
}

TEST(DistributedSampler, BadArguments) {
  EXPECT_THROW(DistributedSampler(10, 0, 0), Error);
  EXPECT_THROW(DistributedSampler(10, 2, 2), Error);
  EXPECT_THROW(DistributedSampler(-1, 2, 0), Error);
}

}  // namespace
}  // namespace tg::distributed
