#include <gtest/gtest.h>

#include "tapegrad.h"

namespace tg {
namespace {

TEST(Str, StreamsEveryPartIntoOneString) {
  EXPECT_EQ(str("dcgan-sample-", 3, ".pt"), "dcgan-sample-3.pt");
  EXPECT_EQ(str(), "");
  EXPECT_EQ(str(kFloat64, " ", 2.5, ' ', Shape({2, 3})), "float64 2.5 [2, 3]");
}

}  // namespace
}  // namespace tg
