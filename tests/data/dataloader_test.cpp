#include <gtest/gtest.h>

#include "data/dataloader.h"
#include "tapegrad.h"

namespace tg::data {
namespace {

TensorDataset toy(int64_t n) {
  Tensor x = arange(n * 4).to(kFloat32).reshape({n, 1, 2, 2});
  Tensor y = arange(n);
  return TensorDataset(x, y);
}

std::vector<int64_t> targets_of(DataLoader& loader, int64_t epoch) {
  std::vector<int64_t> all;
  for (const Example<>& b : loader.epoch(epoch)) {
    std::vector<int64_t> t = b.target.to_vector<int64_t>();
    all.insert(all.end(), t.begin(), t.end());
  }
  return all;
}

TEST(DataLoader, BatchesCoverTheDatasetInOrder) {
  DataLoader loader(toy(10), DataLoaderOptions(4));
  EXPECT_EQ(loader.num_batches(), 3);
  std::vector<int64_t> sizes;
  for (const Example<>& b : loader.epoch(0)) {
    sizes.push_back(b.data.size(0));
    EXPECT_EQ(b.data.size(0), b.target.size(0));
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 4, 2}));
  EXPECT_EQ(targets_of(loader, 0), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(DataLoader, DropLast) {
  DataLoader loader(toy(10), DataLoaderOptions(4).drop_last(true));
  EXPECT_EQ(loader.num_batches(), 2);
  EXPECT_EQ(targets_of(loader, 0).size(), 8u);
}

TEST(DataLoader, ShuffleIsAPermutationFixedBySeedAndEpoch) {
  DataLoader a(toy(50), DataLoaderOptions(8).shuffle(true).seed(7));
  DataLoader b(toy(50), DataLoaderOptions(8).shuffle(true).seed(7));
  DataLoader c(toy(50), DataLoaderOptions(8).shuffle(true).seed(8));
  std::vector<int64_t> e0 = targets_of(a, 0);
  EXPECT_EQ(e0, targets_of(b, 0));
  EXPECT_NE(e0, targets_of(c, 0));
  EXPECT_NE(e0, targets_of(a, 1));  // a new order every epoch
  std::vector<int64_t> sorted = e0;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[i], i);
}

TEST(DataLoader, PrefetchingGivesTheSameBatches) {
  Transform aug = Compose({RandomCrop(2, 1), RandomHorizontalFlip(0.5)});
  DataLoader with(toy(40), DataLoaderOptions(6).shuffle(true).seed(3).prefetch(true), aug);
  DataLoader without(toy(40), DataLoaderOptions(6).shuffle(true).seed(3).prefetch(false), aug);
  std::vector<float> x, y;
  for (const Example<>& b : with.epoch(2)) {
    auto v = b.data.to_vector<float>();
    x.insert(x.end(), v.begin(), v.end());
  }
  for (const Example<>& b : without.epoch(2)) {
    auto v = b.data.to_vector<float>();
    y.insert(y.end(), v.begin(), v.end());
  }
  EXPECT_EQ(x, y);
  // A single batch can be recomputed on its own (what --resume relies on).
  Example<> again = with.batch(2, 3);
  Example<> direct;
  int64_t i = 0;
  for (const Example<>& b : without.epoch(2))
    if (i++ == 3) direct = b;
  EXPECT_TRUE(equal(again.data, direct.data));
}

TEST(Transforms, NormalizePerChannel) {
  Tensor x = ones({2, 2, 1, 1});
  Example<> out = Normalize({0.5, 1.0}, {0.25, 2.0})(Example<>{x, zeros({2}, kInt64)},
                                                       default_generator());
  EXPECT_EQ(out.data.to_vector<float>(), (std::vector<float>{2.f, 0.f, 2.f, 0.f}));
}

TEST(Transforms, FlipMirrorsRows) {
  Tensor x = arange(6).to(kFloat32).reshape({1, 1, 2, 3});
  Generator gen(1);
  Example<> out = RandomHorizontalFlip(1.0)(Example<>{x, zeros({1}, kInt64)}, gen);
  EXPECT_EQ(out.data.to_vector<float>(), (std::vector<float>{2, 1, 0, 5, 4, 3}));
}

TEST(Transforms, CropWithPaddingKeepsValuesOrZeros) {
  Tensor x = ones({5, 1, 4, 4});
  Generator gen(2);
  Example<> out = RandomCrop(4, 2)(Example<>{x, zeros({5}, kInt64)}, gen);
  EXPECT_EQ(out.data.shape(), Shape({5, 1, 4, 4}));
  for (float v : out.data.to_vector<float>()) EXPECT_TRUE(v == 0.f || v == 1.f);
  EXPECT_THROW(RandomCrop(9, 2)(Example<>{x, zeros({5}, kInt64)}, gen), Error);
}

TEST(DataLoader, BadArguments) {
  EXPECT_THROW(DataLoader(toy(4), DataLoaderOptions(0)), Error);
  EXPECT_THROW(TensorDataset(zeros({3, 2}), zeros({4}, kInt64)), Error);
  EXPECT_THROW(toy(4).get(4), Error);
}

}  // namespace
}  // namespace tg::data
