#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <thread>
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

TEST(Random, SetStateRefusesAnAllZeroStateAndLeavesTheGeneratorAsItWas) {
  Generator g(42);
  g.normal();  // a spare normal is pending
  const std::string before = g.get_state();
  for (const std::string bad : {"0 0 0 0 0 0 0", "1 2 3", "1 2 3 4 5 2 0", "1 2 3 4 5 0 0 junk",
                                "x", ""}) {
    EXPECT_THROW(g.set_state(bad), Error) << bad;
    EXPECT_EQ(g.get_state(), before) << bad;
  }
  Generator h(7);
  h.set_state(before);
  EXPECT_EQ(h.normal(), g.normal());
  EXPECT_EQ(h.next_u64(), g.next_u64());
}

TEST(Random, TheDefaultGeneratorHandsEachDrawToOneThread) {
  // Two threads draw from the default generator at once, one in tensor fills and one value at
  // a time; together they must have drawn exactly the first N values of the stream, each once.
  constexpr int kFills = 400, kPerFill = 500, kSingles = 400000;
  manual_seed(2024);
  std::vector<double> a, b;
  std::thread ta([&] {
    for (int i = 0; i < kFills; ++i) {
      std::vector<double> v = rand({kPerFill}, kFloat64).to_vector<double>();
      a.insert(a.end(), v.begin(), v.end());
    }
  });
  std::thread tb([&] {
    for (int i = 0; i < kSingles; ++i) b.push_back(default_generator().uniform());
  });
  ta.join();
  tb.join();
  std::vector<double> all = a;
  all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  Generator ref(2024);
  std::vector<double> expected(all.size());
  for (double& v : expected) v = ref.uniform();
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a value was drawn twice";
  EXPECT_TRUE(all == expected) << "the draws are not the stream's first " << all.size();
  // Each fill took its kPerFill values in one consecutive run of the stream.
  Generator ref2(2024);
  std::vector<double> stream(all.size());
  for (double& v : stream) v = ref2.uniform();
  for (int i = 0; i < kFills; ++i) {
    auto at = std::find(stream.begin(), stream.end(), a[static_cast<std::size_t>(i) * kPerFill]);
    ASSERT_NE(at, stream.end());
    ASSERT_LE(at + kPerFill, stream.end());
    EXPECT_TRUE(std::equal(at, at + kPerFill, a.begin() + i * kPerFill)) << "fill " << i;
  }
}

TEST(Random, SingleThreadedDrawsAreUnchanged) {
  // xoshiro256** seeded through splitmix64: the first draws of seed 0, computed independently
  // of this code, the same one at a time, in bulk and from the default generator.
  const uint64_t expected[3] = {11091344671253066420ULL, 13793997310169335082ULL,
                                1900383378846508768ULL};
  Generator g(0);
  for (uint64_t e : expected) EXPECT_EQ(g.next_u64(), e);
  Generator h(0);
  uint64_t bulk[3];
  h.fill_u64(bulk, 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bulk[i], expected[i]);
  manual_seed(0);
  EXPECT_EQ(default_generator().next_u64(), expected[0]);
  manual_seed(0);
  EXPECT_EQ(rand({1}, kFloat64).item<double>(), static_cast<double>(expected[0] >> 11) * 0x1.0p-53);
}

}  // namespace
}  // namespace tg
