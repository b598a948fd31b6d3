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

TEST(Scalar, NonFiniteFloatsConvertToInt64AsPyTorchOnX86) {
  // NaN, the infinities and out-of-range values are undefined in C++; tapegrad defines them as
  // int64's most negative value (PyTorch's answer on x86), the rest truncate toward zero.
  const int64_t lowest = std::numeric_limits<int64_t>::min();
  for (DType dtype : {kFloat32, kFloat64}) {
    Tensor x = tensor(std::vector<double>{std::nan(""), INFINITY, -INFINITY, 1e19, -1e300,
                                          9.2e18, 2.7, -2.7}).to(dtype);
    EXPECT_EQ(x.to(kInt64).to_vector<int64_t>(),
              (std::vector<int64_t>{lowest, lowest, lowest, lowest, lowest,
                                    dtype == kFloat32 ? static_cast<int64_t>(9.2e18f) : 9200000000000000000,
                                    2, -2}));
  }
  EXPECT_EQ(full({1}, -0x1.0p63, kFloat64).to(kInt64).item<int64_t>(), lowest);  // in range
}

TEST(Scalar, IntegerClampIsExactAndFloatBoundsPromoteAsPyTorch) {
  // Integer bounds of an int64 tensor compare as int64: exact beyond 2^53.
  const int64_t big = (int64_t{1} << 62) + 1;
  Tensor x = full({2}, Scalar(big), kInt64);
  EXPECT_EQ(clamp_max(x, Scalar(big - 1)).to_vector<int64_t>(),
            (std::vector<int64_t>{big - 1, big - 1}));
  EXPECT_EQ(clamp_min(x, Scalar(big - 1)).to_vector<int64_t>(), (std::vector<int64_t>{big, big}));
  EXPECT_EQ(clamp(x, Scalar(std::numeric_limits<int64_t>::min()),
                  Scalar(std::numeric_limits<int64_t>::max())).dtype(), kInt64);
  // A floating-point bound clamps in float32, as PyTorch's type promotion; one beyond float32's
  // range is refused (PyTorch refuses it too), never converted to int64.
  Tensor y = clamp(arange(4), Scalar(0.5), Scalar(2.5));
  EXPECT_EQ(y.dtype(), kFloat32);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0.5f, 1, 2, 2.5f}));
  EXPECT_EQ(clamp_min(arange(3), Scalar(INFINITY)).to_vector<float>()[0], INFINITY);
  try {
    clamp_min(arange(3), Scalar(1e300));
    ADD_FAILURE() << "clamp with bound 1e300 on int64 did not throw";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("clamp"), std::string::npos) << msg;
    EXPECT_NE(msg.find("1e+300"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[3]"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace tg
