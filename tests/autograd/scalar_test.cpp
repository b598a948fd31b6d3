// Scalar keeps a floating value as a double and converts it to an integer only when it is
// finite and in range (converting NaN, an infinity or 1e300 to int64 is undefined behaviour).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tapegrad.h"

namespace tg {
namespace {

TEST(Scalar, NonFiniteAndHugeDoublesAreKeptAsDoubles) {
  const double inf = INFINITY;
  for (double v : {std::nan(""), inf, -inf, 1e300, -1e300, 0x1.0p63}) {
    Scalar s(v);
    EXPECT_FALSE(s.is_integral());
    if (std::isnan(v)) EXPECT_TRUE(std::isnan(s.to_double()));
    else EXPECT_EQ(s.to_double(), v);
    EXPECT_THROW(s.to_int(), Error) << v;
    EXPECT_THROW(s.to<int64_t>(), Error) << v;
    EXPECT_TRUE(s.to<bool>());
  }
}

TEST(Scalar, FiniteDoublesTruncateTowardZero) {
  EXPECT_EQ(Scalar(-2.75).to_int(), -2);
  EXPECT_EQ(Scalar(2.75).to<int64_t>(), 2);
  EXPECT_EQ(Scalar(-0x1.0p63).to_int(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Scalar(int64_t{-7}).to_int(), -7);
  EXPECT_TRUE(Scalar(int64_t{3}).is_integral());
  EXPECT_THROW(Scalar(int64_t{1} << 40).to<int32_t>(), Error);
}

TEST(Scalar, NonFiniteFillsOfIntegerTensorsThrowFloatOnesWork) {
  EXPECT_THROW(full({2}, std::nan(""), kInt64), Error);
  EXPECT_THROW(full({2}, -INFINITY, kInt64), Error);
  EXPECT_THROW(full({2}, 1e300, kInt64), Error);
  EXPECT_TRUE(std::isnan(full({2}, std::nan("")).to_vector<float>()[1]));
  Tensor x = zeros({3});
  Tensor m = gt(tensor(std::vector<double>{1, 0, 1}), 0.5);
  Tensor y = masked_fill(x, m, -INFINITY);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{-INFINITY, 0, -INFINITY}));
  Tensor z = ones({2}, kFloat64) * 1e300;
  EXPECT_EQ(z.to_vector<double>()[0], 1e300);
  EXPECT_EQ(full({1}, INFINITY, kFloat64).item<double>(), INFINITY);
}

}  // namespace
}  // namespace tg
