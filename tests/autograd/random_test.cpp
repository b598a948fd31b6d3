#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tapegrad.h"

namespace tg {
namespace {

TEST(Random, FillU64IsTheSameStreamAsNextU64) {
  Generator a(123), b(123);
  std::vector<uint64_t> bulk(1000);
  a.fill_u64(bulk.data(), 1000);
  for (uint64_t v : bulk) ASSERT_EQ(v, b.next_u64());
  EXPECT_EQ(a.next_u64(), b.next_u64());  // and leaves the same state behind
}

TEST(Random, BernoulliIsUniformBelowP) {
  for (double p : {0.0, 0.25, 0.5, 0.9, 1.0}) {
    Generator a(7), b(7);
    Tensor t = bernoulli({1500}, p, kFloat32, &a);  // crosses a block boundary
    const float* v = t.data_ptr<float>();
    for (int64_t i = 0; i < 1500; ++i) ASSERT_EQ(v[i], b.uniform() < p ? 1.0f : 0.0f) << p << " " << i;
  }
}

TEST(Random, BernoulliFrequencyAndValues) {
  manual_seed(3);
  Tensor t = bernoulli({200000}, 0.3, kFloat64);
  EXPECT_EQ(logical_or(eq(t, 0.0), eq(t, 1.0)).sum().item<int64_t>(), 200000);
  EXPECT_NEAR(t.mean().item<double>(), 0.3, 4 * std::sqrt(0.3 * 0.7 / 200000));
  EXPECT_THROW(bernoulli({3}, 1.5), std::exception);
  EXPECT_THROW(bernoulli({3}, -0.1), std::exception);
}

TEST(Random, BernoulliScaledIsBernoulliTimesValue) {
  Generator a(11), b(11);
  Tensor scaled = bernoulli_scaled({64, 9}, 0.75, 1.0 / 0.75, kFloat32, &a);
  Tensor plain = bernoulli({64, 9}, 0.75, kFloat32, &b);
  EXPECT_TRUE(equal(scaled, plain * static_cast<float>(1.0 / 0.75)));
  Tensor flags = bernoulli_scaled({10}, 0.5, true, kBool, &a);
  EXPECT_EQ(flags.dtype(), kBool);
}

TEST(Random, DropoutMaskMatchesDivisionByKeepProbability) {
  // Dropout's output is x * bernoulli(1 - p) / (1 - p), like PyTorch's.
  manual_seed(5);
  Tensor x = randn({32, 17});
  nn::Dropout drop(nn::DropoutOptions(0.3));
  manual_seed(9);
  Tensor y = drop->forward(x);
  manual_seed(9);
  Tensor mask = bernoulli({32, 17}, 0.7, kFloat32);
  mask.div_(0.7);
  EXPECT_TRUE(equal(y, x * mask));
}

}  // namespace
}  // namespace tg
