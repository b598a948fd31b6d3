#include <gtest/gtest.h>

#include <cmath>

#include "distributed/process_group.h"
#include "autograd/random.h"
#include "ops/ops.h"

namespace tg::distributed {
namespace {

std::shared_ptr<ProcessGroupMPI> group() { return ProcessGroupMPI::create(); }

// A tensor whose values depend on the rank: rank r holds (r + 1) * (1, 2, 3, ...).
Tensor ranked(int64_t n, DType dtype, int rank) {
  return (arange(1, n + 1, 1, DType::Float64) * double(rank + 1)).to(dtype);
}

TEST(Distributed, WorldHasTwoRanks) {
  auto pg = group();
  EXPECT_EQ(pg->size(), 2);
  EXPECT_TRUE(pg->rank() == 0 || pg->rank() == 1);
}

TEST(Distributed, AllreduceSumAvgMaxMinFloat) {
  auto pg = group();
  for (DType dtype : {DType::Float32, DType::Float64}) {
    // 1 + 2 (rank factors) = 3, so sum = 3 * i, avg = 1.5 * i, max = 2 * i, min = i.
    const int64_t n = 1001;  // not a multiple of the ring's chunk count
    Tensor s = ranked(n, dtype, pg->rank()), a = s.clone(), mx = s.clone(), mn = s.clone();
    pg->allreduce(s, ReduceOp::SUM)->wait();
    pg->allreduce(a, ReduceOp::AVG)->wait();
    pg->allreduce(mx, ReduceOp::MAX)->wait();
    pg->allreduce(mn, ReduceOp::MIN)->wait();
    Tensor i = arange(1, n + 1, 1, DType::Float64).to(dtype);
    EXPECT_TRUE(equal(s, i * 3.0)) << dtype_name(dtype);
    EXPECT_TRUE(equal(a, i * 1.5)) << dtype_name(dtype);
    EXPECT_TRUE(equal(mx, i * 2.0)) << dtype_name(dtype);
    EXPECT_TRUE(equal(mn, i)) << dtype_name(dtype);
  }
}

TEST(Distributed, AllreduceIntAndBool) {
  auto pg = group();
  Tensor i = arange(0, 10, 1, DType::Int64) + int64_t(pg->rank());
  pg->allreduce(i, ReduceOp::SUM)->wait();
  EXPECT_TRUE(equal(i, arange(0, 10, 1, DType::Int64) * int64_t(2) + int64_t(1)));
  Tensor b = tensor(std::vector<double>{pg->rank() == 0 ? 1.0 : 0.0, 0.0, 1.0}).to(DType::Bool);
  Tensor any = b.clone(), all = b.clone();
  pg->allreduce(any, ReduceOp::MAX)->wait();
  pg->allreduce(all, ReduceOp::MIN)->wait();
  EXPECT_EQ(any.to(DType::Int64).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(all.to(DType::Int64).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 1}));
  EXPECT_THROW(pg->allreduce(i, ReduceOp::AVG), Error);
}

TEST(Distributed, AllreduceIsTheSameBitsOnEveryRank) {
  auto pg = group();
  manual_seed(100 + pg->rank());  // different data per rank
  Tensor x = randn({4097});
  pg->allreduce(x, ReduceOp::SUM)->wait();
  std::vector<Tensor> seen;
  pg->allgather(seen, x)->wait();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(equal(seen[0], seen[1]));
}

TEST(Distributed, MismatchedShapesAreAClearErrorOnEveryRank) {
  auto pg = group();
  Tensor x = zeros({pg->rank() == 0 ? 3 : 4, 2});
  try {
    pg->allreduce(x)->wait();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("allreduce"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[3, 2]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[4, 2]"), std::string::npos) << msg;
  }
  Tensor y = zeros({3}, pg->rank() == 0 ? DType::Float32 : DType::Float64);
  EXPECT_THROW(pg->broadcast(y, 0)->wait(), Error);
}

TEST(Distributed, BroadcastEveryDtype) {
  auto pg = group();
  for (DType dtype : {DType::Float32, DType::Float64, DType::Int64, DType::Bool}) {
    Tensor x = ranked(7, DType::Float64, pg->rank());
    x = (dtype == DType::Bool ? gt(x, 1.5) : x).to(dtype);
    Tensor expected = ranked(7, DType::Float64, 1);
    expected = (dtype == DType::Bool ? gt(expected, 1.5) : expected).to(dtype);
    pg->broadcast(x, 1)->wait();
    EXPECT_TRUE(equal(x, expected)) << dtype_name(dtype);
  }
  Tensor x = zeros({2});
  EXPECT_THROW(pg->broadcast(x, 2), Error);  // no such rank
}

TEST(Distributed, AllgatherCollectsEveryRank) {
  auto pg = group();
  Tensor mine = full({2, 3}, double(pg->rank() + 10), DType::Float32);
  std::vector<Tensor> all;
  pg->allgather(all, mine)->wait();
  ASSERT_EQ(all.size(), 2u);
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(all[r].shape(), (Shape{2, 3}));
    EXPECT_TRUE(equal(all[r], full({2, 3}, double(r + 10), DType::Float32)));
  }
}

TEST(Distributed, AsyncWorkOverlapsAndCompletesInOrder) {
  auto pg = group();
  Tensor a = ones({1 << 20}), b = ones({1 << 20}) * 2.0;
  auto wa = pg->allreduce(a);
  auto wb = pg->allreduce(b);
  Tensor local = randn({256, 256}).matmul(randn({256, 256}));  // work meanwhile
  wb->wait();
  EXPECT_TRUE(wa->is_completed());  // one queue: a finished before b
  wa->wait();
  EXPECT_EQ(a.sum().item<double>(), 2.0 * (1 << 20));
  EXPECT_EQ(b.sum().item<double>(), 4.0 * (1 << 20));
  EXPECT_EQ(local.dim(), 2);
  pg->barrier()->wait();
}

}  // namespace
}  // namespace tg::distributed
