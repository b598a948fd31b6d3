#include <gtest/gtest.h>

#include "autograd/xtensor_interop.h"
#include "tapegrad.h"

namespace tg {
namespace {

TEST(XtensorInterop, FromXarrayTakesTheBufferWithoutCopy) {
  xt::xarray<double> a = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  const double* buffer = a.data();
  Tensor t = from_xarray(std::move(a));
  EXPECT_EQ(t.raw_data(), buffer);
  EXPECT_EQ(t.shape(), Shape({2, 3}));
  EXPECT_EQ(t.dtype(), kFloat64);
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST(XtensorInterop, StridedViewSeesTheSameMemory) {
  Tensor t = arange(6).to(kFloat32).reshape({2, 3});
  Tensor tt = t.t();  // non-contiguous
  auto view = as_xexpression<float>(tt);
  EXPECT_EQ(view.shape()[0], 3u);
  EXPECT_FLOAT_EQ(view(2, 1), 5.0f);
  view(0, 1) = 42.0f;  // writes through to t[1][0]
  EXPECT_FLOAT_EQ(t.to_vector<float>()[3], 42.0f);
  xt::xarray<float> copy = to_xarray<float>(tt);
  EXPECT_FLOAT_EQ(copy(1, 0), 1.0f);
}

TEST(XtensorInterop, ExpressionsOverTensorsAndGradients) {
  Tensor x = from_xarray(xt::xarray<double>{1.0, 2.0, 3.0}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  xt::xarray<double> g = to_xarray<double>(x.grad());
  xt::xarray<double> expected = 2.0 * to_xarray<double>(x);
  EXPECT_TRUE(xt::allclose(g, expected));
}

TEST(XtensorInterop, WrongDtypeThrows) {
  Tensor t = zeros({2});
  EXPECT_THROW(as_xexpression<double>(t), Error);
}

}  // namespace
}  // namespace tg
