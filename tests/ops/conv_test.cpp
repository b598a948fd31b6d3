// Convolutions beyond the fixtures: bad arguments (tg::Error naming the op and the shapes),
// the functional options, unbatched inputs, asymmetric padding, the public backward ops and
// derivatives up to third order.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "nn/functional.h"
#include "ops/kernels/conv.h"
#include "tapegrad.h"

namespace tg {
namespace {

// Runs f, expecting a tg::Error whose message contains every one of `parts`.
template <class F>
void expect_error(const std::vector<std::string>& parts, F&& f) {
  try {
    f();
    ADD_FAILURE() << "expected tg::Error mentioning " << parts[0];
  } catch (const Error& e) {
    for (const std::string& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
          << "'" << p << "' missing from: " << e.what();
  }
}

Tensor rand64(IntArrayRef shape) { return randn(shape, kFloat64).requires_grad_(); }

TEST(ConvOps, KernelLargerThanPaddedInput) {
  Tensor x = randn({1, 1, 2, 2}), w = randn({1, 1, 3, 3});
  expect_error({"conv2d", "larger than the padded input", "[1, 1, 2, 2]", "[1, 1, 3, 3]"},
               [&] { conv2d(x, w); });
  // With padding it fits; with dilation it no longer does.
  EXPECT_EQ(conv2d(x, w, {}, 1, 1).shape(), Shape({1, 1, 2, 2}));
  expect_error({"conv2d", "dilation", "[1, 1, 2, 2]"}, [&] { conv2d(x, w, {}, 1, 1, 2); });
  expect_error({"conv1d", "[2, 3, 4]", "[1, 3, 5]"},
               [&] { conv1d(randn({2, 3, 4}), randn({1, 3, 5})); });
  expect_error({"conv3d", "[1, 2, 3, 3, 3]", "[2, 2, 4, 1, 1]"},
               [&] { conv3d(randn({1, 2, 3, 3, 3}), randn({2, 2, 4, 1, 1})); });
}

TEST(ConvOps, ChannelsNotDivisibleByGroups) {
  expect_error({"conv2d", "divisible by groups", "[1, 5, 4, 4]"},
               [&] { conv2d(randn({1, 5, 4, 4}), randn({4, 2, 3, 3}), {}, 1, 0, 1, 2); });
  expect_error({"conv2d", "output channels", "[3, 2, 3, 3]"},
               [&] { conv2d(randn({1, 4, 4, 4}), randn({3, 2, 3, 3}), {}, 1, 0, 1, 2); });
  expect_error({"conv_transpose2d", "divisible by groups", "[1, 3, 4, 4]"}, [&] {
    conv_transpose2d(randn({1, 3, 4, 4}), randn({3, 2, 3, 3}), {}, 1, 0, 0, 2);
  });
  expect_error({"conv1d", "groups must be >= 1"},
               [&] { conv1d(randn({1, 2, 5}), randn({2, 2, 3}), {}, 1, 0, 1, 0); });
}

TEST(ConvOps, WrongWeightShape) {
  Tensor x = randn({1, 3, 5, 5});
  expect_error({"conv2d", "weight", "[4, 3, 3]"}, [&] { conv2d(x, randn({4, 3, 3})); });
  expect_error({"conv2d", "expects input with 2 channels", "[4, 2, 3, 3]", "[1, 3, 5, 5]"},
               [&] { conv2d(x, randn({4, 2, 3, 3})); });
  expect_error({"conv2d", "bias", "[5]"}, [&] { conv2d(x, randn({4, 3, 3, 3}), randn({5})); });
  expect_error({"conv_transpose2d", "[2, 4, 3, 3]", "[1, 3, 5, 5]"},
               [&] { conv_transpose2d(x, randn({2, 4, 3, 3})); });
  expect_error({"convolution", "weight", "[2, 3]"},
               [&] { convolution(x, randn({2, 3}), {}, 1, 0, 0, 1, 1); });
}

TEST(ConvOps, NonPositiveStrideAndDilation) {
  Tensor x = randn({1, 2, 6, 6}), w = randn({3, 2, 3, 3});
  expect_error({"conv2d", "stride", "[0, 0]"}, [&] { conv2d(x, w, {}, 0); });
  expect_error({"conv2d", "stride", "[1, -1]"}, [&] { conv2d(x, w, {}, {1, -1}); });
  expect_error({"conv2d", "dilation", "[0, 0]"}, [&] { conv2d(x, w, {}, 1, 0, 0); });
  expect_error({"conv2d", "padding", "[-1, -1]"}, [&] { conv2d(x, w, {}, 1, -1); });
  expect_error({"conv2d", "stride must have 1 or 2 values", "[1, 1, 1]"},
               [&] { conv2d(x, w, {}, {1, 1, 1}); });
  expect_error({"conv_transpose2d", "stride", "[0, 0]"},
               [&] { conv_transpose2d(x, randn({2, 3, 3, 3}), {}, 0); });
}

TEST(ConvOps, OutputSizeBelowOne) {
  // A transposed convolution whose padding crops everything away.
  expect_error({"conv_transpose1d", "output size", "[1, 2, 1]", "[2, 2, 3]"}, [&] {
    conv_transpose1d(randn({1, 2, 1}), randn({2, 2, 3}), {}, 1, 2);
  });
  expect_error({"conv_transpose2d", "output_padding must be smaller than either stride or "
                "dilation"}, [&] {
    conv_transpose2d(randn({1, 2, 3, 3}), randn({2, 2, 3, 3}), {}, 2, 0, 2);
  });
}

TEST(ConvOps, WrongInputRank) {
  Tensor w = randn({3, 2, 3, 3});
  expect_error({"conv2d", "3-d (unbatched) or 4-d (batched)", "[2, 6]"},
               [&] { conv2d(randn({2, 6}), w); });
  expect_error({"conv2d", "[1, 1, 2, 6, 6]"}, [&] { conv2d(randn({1, 1, 2, 6, 6}), w); });
  expect_error({"conv1d", "[1, 2, 3, 6]"}, [&] { conv1d(randn({1, 2, 3, 6}), randn({1, 2, 3})); });
  expect_error({"conv2d", "input", "undefined"}, [&] { conv2d(Tensor(), w); });
}

TEST(ConvOps, SameWithStride) {
  Tensor x = randn({1, 2, 6, 6}), w = randn({3, 2, 3, 3});
  expect_error({"conv2d", "padding='same'", "strided", "[3, 2, 3, 3]"},
               [&] { conv2d(x, w, {}, 2, kSame); });
  expect_error({"conv2d", "same"},
               [&] { F::conv2d(x, w, F::Conv2dFuncOptions().stride({1, 2}).padding(kSame)); });
  expect_error({"conv_with_padding_mode", "same"}, [&] {
    conv_with_padding_mode(x, w, {}, 2, kSame, 1, 1, "reflect");
  });
}

TEST(ConvOps, DtypeMismatch) {
  Tensor x = randn({1, 2, 5, 5}, kFloat64), w = randn({3, 2, 3, 3});
  expect_error({"conv2d", "same dtype", "float64", "float32", "[1, 2, 5, 5]", "[3, 2, 3, 3]"},
               [&] { conv2d(x, w); });
  expect_error({"conv2d", "bias", "float64"},
               [&] { conv2d(x.to(kFloat32), w, randn({3}, kFloat64)); });
  expect_error({"conv2d", "int64"}, [&] { conv2d(arange(50).view({1, 2, 5, 5}), w); });
  expect_error({"conv_transpose2d", "same dtype"},
               [&] { conv_transpose2d(x, randn({2, 3, 3, 3})); });
}

TEST(ConvOps, BadPaddingModeAndBackwardSizes) {
  Tensor x = randn({1, 2, 5, 5}), w = randn({3, 2, 3, 3});
  expect_error({"conv_with_padding_mode", "padding_mode", "mirror"},
               [&] { conv_with_padding_mode(x, w, {}, 1, 1, 1, 1, "mirror"); });
  Tensor gy = randn({1, 3, 3, 3});
  expect_error({"conv_backward_input", "[1, 5, 5, 5]", "[3, 2, 3, 3]"},
               [&] { conv_backward_input(gy, w, {1, 5, 5, 5}, 1, 0, 1, 1); });
  expect_error({"conv_backward_weight", "[3, 4, 3, 3]"},
               [&] { conv_backward_weight(x, gy, {3, 4, 3, 3}, 1, 0, 1, 1); });
  expect_error({"ExpandingArray", "expected 2 values"},
               [&] { F::conv2d(x, w, F::Conv2dFuncOptions().stride({1, 2, 3})); });
}

TEST(ConvOps, FunctionalOptionsMatchOps) {
  manual_seed(1);
  Tensor x = randn({2, 4, 7, 6}), w = randn({6, 2, 3, 2}), b = randn({6});
  Tensor want = conv2d(x, w, b, {2, 1}, {1, 0}, {1, 2}, 2);
  Tensor got = F::conv2d(x, w, F::Conv2dFuncOptions().stride({2, 1}).padding({1, 0})
                                 .dilation({1, 2}).groups(2).bias(b));
  EXPECT_TRUE(equal(got, want));
  EXPECT_TRUE(equal(F::conv2d(x, w, F::Conv2dFuncOptions().groups(2).padding(kValid)),
                    conv2d(x, w, {}, 1, 0, 1, 2)));
  // "same" with an even kernel: one more element after than before (PyTorch's split).
  Tensor same = F::conv2d(x, w, F::Conv2dFuncOptions().groups(2).padding(kSame));
  EXPECT_EQ(same.shape(), Shape({2, 6, 7, 6}));
  EXPECT_TRUE(allclose(same, convolution(x, w, {}, 1, {1, 0}, {1, 1}, 1, 2), 1e-6, 1e-6));
  Tensor wt = randn({4, 3, 3, 3});
  EXPECT_TRUE(equal(F::conv_transpose2d(x, wt, F::ConvTranspose2dFuncOptions().stride(2)
                                                   .output_padding(1).groups(2).bias(b)),
                    conv_transpose2d(x, wt, b, 2, 0, 1, 2)));
  EXPECT_NE(std::string(kernels::conv_impl_name()), "");  // fast or reference, both exact
}

TEST(ConvOps, UnbatchedMatchesBatched) {
  manual_seed(2);
  Tensor x = randn({3, 5, 4}), w = randn({2, 3, 2, 2}), b = randn({2});
  EXPECT_TRUE(equal(conv2d(x, w, b, 1, 1), conv2d(x.unsqueeze(0), w, b, 1, 1).squeeze(0)));
  Tensor x1 = randn({3, 6}), w1 = randn({4, 3, 3});
  EXPECT_TRUE(equal(conv1d(x1, w1, {}, 2), conv1d(x1.unsqueeze(0), w1, {}, 2).squeeze(0)));
  Tensor wt = randn({3, 2, 2, 2});
  EXPECT_TRUE(equal(conv_transpose2d(x, wt, b, 2),
                    conv_transpose2d(x.unsqueeze(0), wt, b, 2).squeeze(0)));
}

TEST(ConvOps, AsymmetricPaddingEqualsExplicitPad) {
  manual_seed(3);
  Tensor x = randn({2, 2, 5, 6}), w = randn({3, 2, 3, 2}), b = randn({3});
  Tensor got = convolution(x, w, b, {1, 2}, {2, 0}, {1, 3}, 1, 1);
  Tensor want = conv2d(pad(x, {0, 3, 2, 1}), w, b, {1, 2});  // (left, right, top, bottom)
  EXPECT_TRUE(allclose(got, want, 1e-6, 1e-6));
}

TEST(ConvOps, TransposeIsBackwardInputPlusBias) {
  manual_seed(4);
  Tensor x = randn({2, 4, 3, 3}), w = randn({4, 3, 3, 3}), b = randn({6});
  Tensor y = conv_transpose2d(x, w, b, 2, 1, 1, 2);
  Tensor gx = conv_backward_input(x, w, {2, 6, 6, 6}, 2, 1, 1, 2);
  EXPECT_TRUE(allclose(y, gx + b.view({1, 6, 1, 1}), 1e-6, 1e-6));
}

TEST(ConvOps, BackwardOpsAreDifferentiable) {
  manual_seed(5);
  // Asymmetric geometry: stride 2, pad 1, dilation (1, 2), groups 2.
  Tensor x = rand64({2, 4, 6, 7}), w = rand64({4, 2, 3, 2});
  Tensor gy = conv2d(x, w, {}, 2, 1, {1, 2}, 2).detach().requires_grad_();
  auto input_grad = [](const TensorList& t) {
    return conv_backward_input(t[0], t[1], {2, 4, 6, 7}, 2, 1, {1, 2}, 2);
  };
  auto weight_grad = [](const TensorList& t) {
    return conv_backward_weight(t[0], t[1], {4, 2, 3, 2}, 2, 1, {1, 2}, 2);
  };
  EXPECT_TRUE(gradcheck(autograd::SingleOutputFn(input_grad), {gy, w}));
  EXPECT_TRUE(gradgradcheck(autograd::SingleOutputFn(input_grad), {gy, w}));
  EXPECT_TRUE(gradcheck(autograd::SingleOutputFn(weight_grad), {x, gy}));
  EXPECT_TRUE(gradgradcheck(autograd::SingleOutputFn(weight_grad), {x, gy}));
}

// 1x1 kernels with stride run as the stride-1 convolution of the strided slice: same values
// as the kernels' direct strided path (conv_backward_input / _weight, which the op does not
// rewrite), gradients through the slice, gradcheck and gradgradcheck in float64, odd sizes,
// 1-d, 2-d (unequal strides) and 3-d.
TEST(ConvOps, StridedPointwiseConvolution) {
  manual_seed(9);
  Tensor x = rand64({3, 5, 7, 9}), w = rand64({4, 5, 1, 1}), b = rand64({4});
  Tensor y = conv2d(x, w, b, {2, 3});
  ASSERT_EQ(y.shape(), Shape({3, 4, 4, 3}));
  Tensor gy = randn(y.shape(), kFloat64);
  y.backward(gy);
  Tensor want_gx = conv_backward_input(gy, w.detach(), {3, 5, 7, 9}, {2, 3}, 0, 1, 1);
  Tensor want_gw = conv_backward_weight(x.detach(), gy, {4, 5, 1, 1}, {2, 3}, 0, 1, 1);
  EXPECT_TRUE(allclose(x.grad(), want_gx, 1e-12, 1e-12));
  EXPECT_TRUE(allclose(w.grad(), want_gw, 1e-12, 1e-12));
  EXPECT_TRUE(allclose(b.grad(), gy.sum({0, 2, 3}), 1e-12, 1e-12));
  // Values against the explicit slice.
  Tensor xs = x.detach().slice(2, 0, 7, 2).slice(3, 0, 9, 3);
  EXPECT_TRUE(allclose(y.detach(), conv2d(xs, w.detach(), b.detach()), 1e-12, 1e-12));
  auto f2 = [](const TensorList& t) { return conv2d(t[0], t[1], t[2], {2, 3}); };
  auto f1 = [](const TensorList& t) { return conv1d(t[0], t[1], {}, 2); };
  auto f3 = [](const TensorList& t) { return conv3d(t[0], t[1], {}, {1, 2, 2}, 0, 1, 2); };
  Tensor x2 = rand64({2, 3, 5, 4}), w2 = rand64({2, 3, 1, 1}), b2 = rand64({2});
  EXPECT_TRUE(gradcheck(autograd::SingleOutputFn(f2), {x2, w2, b2}));
  EXPECT_TRUE(gradgradcheck(autograd::SingleOutputFn(f2), {x2, w2, b2}));
  Tensor x1 = rand64({2, 3, 7}), w1 = rand64({4, 3, 1});
  EXPECT_TRUE(gradcheck(autograd::SingleOutputFn(f1), {x1, w1}));
  EXPECT_TRUE(gradgradcheck(autograd::SingleOutputFn(f1), {x1, w1}));
  Tensor x3 = rand64({1, 4, 3, 5, 3}), w3 = rand64({2, 2, 1, 1, 1});  // groups 2
  EXPECT_TRUE(gradcheck(autograd::SingleOutputFn(f3), {x3, w3}));
  EXPECT_TRUE(gradgradcheck(autograd::SingleOutputFn(f3), {x3, w3}));
  // Padding after the input that adds an output: not the rewrite, still right.
  Tensor xp = randn({1, 2, 4, 4}, kFloat64), wp = randn({3, 2, 1, 1}, kFloat64);
  EXPECT_TRUE(allclose(convolution(xp, wp, {}, {2, 2}, {0, 0}, {1, 1}, {1, 1}, 1),
                       conv2d(pad(xp, {0, 1, 0, 1}), wp, {}, 2), 1e-12, 1e-12));
}

TEST(ConvOps, ThirdDerivative) {
  manual_seed(6);
  // f(x, w, b, v) = d<conv(x, w, b), v>/d(x, w, b): gradgradcheck of f checks third
  // derivatives of convolution (all zero for a bilinear op, so they must come out zero).
  Tensor x = rand64({1, 2, 5, 4}), w = rand64({3, 2, 2, 3}), b = rand64({3});
  Tensor v = rand64({1, 3, 4, 2});
  autograd::MultiOutputFn first = [](const TensorList& t) {
    Tensor y = conv2d(t[0], t[1], t[2], 1, {0, 0}, 1, 1);
    return autograd::grad({y}, {t[0], t[1], t[2]}, {t[3]}, true, true);
  };
  EXPECT_TRUE(gradgradcheck(first, {x, w, b, v}));
}

TEST(ConvOps, PaddingModeHelperMatchesExplicitPad) {
  manual_seed(7);
  Tensor x = randn({1, 2, 5, 6}), w = randn({3, 2, 3, 3}), b = randn({3});
  auto options = nn::Conv2dOptions(2, 3, 3).padding({1, 2}).padding_mode(kReflect);
  Tensor got = F::conv_nd_with_padding_mode(x, w, b, options);
  Tensor want = conv2d(pad(x, {2, 2, 1, 1}, "reflect"), w, b);
  EXPECT_TRUE(equal(got, want));
  // zeros keeps the implicit padding
  options.padding_mode(kZeros);
  EXPECT_TRUE(equal(F::conv_nd_with_padding_mode(x, w, b, options), conv2d(x, w, b, 1, {1, 2})));
}

}  // namespace
}  // namespace tg

namespace tg {
namespace {

// An inf in the input reaches the weight gradient only through the taps that read it; the
// other taps stay finite, as in PyTorch. The depthwise kernels compute columns they throw
// away, and once multiplied such an unread inf by a zero output gradient (NaN). Both the
// narrow planes (computed flat) and wide ones (row by row), with stride 1 and 2.
TEST(ConvOps, DepthwiseWeightGradientIgnoresUnreadInfinities) {
  for (int64_t width : {7, 40}) {
    for (int64_t stride : {1, 2}) {
      manual_seed(5);
      Tensor x = randn({2, 3, width, width}, kFloat64);
      x.index_put_({1, 2, 3, width - 1}, INFINITY);  // the last column of one plane
      Tensor w = randn({3, 1, 3, 3}, kFloat64).requires_grad_();
      Tensor y = conv2d(x.to(kFloat32), w.to(kFloat32), {}, stride, 1, 1, 3);
      TensorList gw = autograd::grad({y.sum()}, {w});
      // Expected: the same gradient through groups of one channel each (the im2col path).
      Tensor want = zeros({3, 1, 3, 3}, kFloat32);
      for (int64_t c = 0; c < 3; ++c) {
        Tensor wc = w.index({indexing::Slice(c, c + 1)}).detach().to(kFloat32).requires_grad_();
        Tensor yc = conv2d(x.index({indexing::Slice(), indexing::Slice(c, c + 1)}).to(kFloat32), wc, {}, stride, 1);
        want.index_put_({indexing::Slice(c, c + 1)}, autograd::grad({yc.sum()}, {wc})[0]);
      }
      std::vector<float> got = gw[0].to_vector<float>(), exp = want.to_vector<float>();
      int finite = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        SCOPED_TRACE("width " + std::to_string(width) + " stride " + std::to_string(stride) +
                     " element " + std::to_string(i));
        if (std::isfinite(exp[i])) {
          ++finite;
          EXPECT_NEAR(got[i], exp[i], 1e-3 * (1 + std::fabs(exp[i])));
        } else {
          EXPECT_EQ(std::isnan(got[i]), std::isnan(exp[i]));
          if (!std::isnan(exp[i])) EXPECT_EQ(got[i], exp[i]);
        }
      }
      EXPECT_GT(finite, 18);  // channels 0 and 1 entirely, and the unread taps of channel 2
    }
  }
}

}  // namespace
}  // namespace tg
