#include <gtest/gtest.h>

#include "tapegrad.h"

namespace tg {
namespace {

TEST(Gradcheck, PassesOnCorrectVjps) {
  manual_seed(0);
  Tensor a = randn({3, 4}, kFloat64).requires_grad_();
  Tensor b = randn({4}, kFloat64).requires_grad_();
  auto fn = [](const TensorList& in) { return (in[0] * in[1] + in[0] / (in[1] * in[1] + 1.0)).exp(); };
  auto r = gradcheck(fn, {a, b});
  EXPECT_TRUE(r) << r;
  auto rr = gradgradcheck(fn, {a, b});
  EXPECT_TRUE(rr) << rr;
}

// A custom op with a deliberately wrong vjp must be caught, with a report that names
// the input and element.
TEST(Gradcheck, ReportsWrongGradientWithLocation) {
  Tensor x = tensor({0.5, 1.5}, kFloat64).requires_grad_();
  auto wrong = [](const TensorList& in) {
    Tensor out = in[0].detach() * in[0].detach();
    return autograd::record("WrongSquare", out, {in[0]}, {in[0]},
        [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
          return {g[0] * c.saved(0) * 3.0};  // should be 2x
        });
  };
  auto r = gradcheck(wrong, {x});
  ASSERT_FALSE(r);
  EXPECT_NE(r.message.find("input #0"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("analytical"), std::string::npos) << r.message;
}

// A residual computed in forward is a constant to the second derivative: gradcheck
// passes but gradgradcheck must fail.
TEST(Gradcheck, GradgradcheckCatchesConstantResidual) {
  Tensor x = tensor({0.3, -0.7}, kFloat64).requires_grad_();
  auto bad = [](const TensorList& in) {
    Tensor cosx = cos(in[0].detach());  // computed once, outside the tape
    Tensor out = sin(in[0].detach());
    return autograd::record("BadSin", out, {in[0]}, {cosx},
        [](const autograd::Ctx& c, const TensorList& g) -> TensorList {
          return {g[0] * c.saved(0)};
        });
  };
  EXPECT_TRUE(gradcheck(bad, {x}));
  EXPECT_FALSE(gradgradcheck(bad, {x}));
}

TEST(Gradcheck, RejectsFloat32Inputs) {
  Tensor x = ones({2}).requires_grad_();
  auto r = gradcheck([](const TensorList& in) { return in[0] * 2.0; }, {x});
  EXPECT_FALSE(r);
  autograd::GradcheckOptions opt;
  opt.raise_exception = true;
  EXPECT_THROW(gradcheck([](const TensorList& in) { return in[0] * 2.0; }, {x}, opt), Error);
}

}  // namespace
}  // namespace tg
