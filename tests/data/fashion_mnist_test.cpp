#include <gtest/gtest.h>

#include "data/fashion_mnist.h"
#include "tapegrad.h"

namespace tg::data {
namespace {

// Reads the files of Debian's dataset-fashion-mnist (installed by scripts/install-deps.sh).
TEST(FashionMNIST, LoadsTheDebianPackageFiles) {
  TensorDataset test = FashionMNIST(Split::Test);
  EXPECT_EQ(test.size(), 10000);
  EXPECT_EQ(test.data().shape(), Shape({10000, 1, 28, 28}));
  EXPECT_EQ(test.targets().dtype(), kInt64);
  const double mean = test.data().mean().item();
  EXPECT_GT(mean, 0.25);  // published pixel mean of the test set is about 0.286
  EXPECT_LT(mean, 0.32);
  EXPECT_GE(test.data().amin({}).item(), 0.0);
  EXPECT_LE(test.data().amax({}).item(), 1.0);
  std::vector<int64_t> counts(10, 0);
  for (int64_t y : test.targets().to_vector<int64_t>()) ++counts.at(static_cast<std::size_t>(y));
  for (int64_t c : counts) EXPECT_EQ(c, 1000);  // the test set is balanced
  EXPECT_STREQ(fashion_mnist_class_name(9), "Ankle boot");
}

TEST(FashionMNIST, MissingFilesNameThePackage) {
  try {
    FashionMNIST(Split::Train, "/nonexistent/dir");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dataset-fashion-mnist"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tg::data
