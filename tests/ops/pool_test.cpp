// Pooling, unpooling and resampling beyond the fixtures: bad arguments (tg::Error naming the
// op and the shapes), unbatched inputs, the functional options, and third derivatives.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nn/functional.h"
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

TEST(PoolOps, PaddingMoreThanHalfTheKernel) {
  Tensor x = randn({1, 2, 6, 6});
  expect_error({"max_pool2d", "at most half the kernel", "[2, 2]", "[3, 3]"},
               [&] { max_pool2d(x, 3, 1, 2); });
  expect_error({"avg_pool2d", "at most half the kernel", "[1, 2]", "[2, 2]"},
               [&] { avg_pool2d(x, 2, {}, {1, 2}); });
  expect_error({"max_pool1d", "padding", "[-1]"}, [&] { max_pool1d(randn({1, 6}), 3, 1, -1); });
}

TEST(PoolOps, OutputSizeBelowOne) {
  Tensor x = randn({1, 1, 2, 2});
  expect_error({"max_pool2d", "output size", "[0, 0]", "[1, 1, 2, 2]", "kernel_size [3, 3]"},
               [&] { max_pool2d(x, 3); });
  expect_error({"avg_pool1d", "too small", "[2, 3]"}, [&] { avg_pool1d(randn({2, 3}), 4); });
  expect_error({"max_pool3d", "[1, 1, 2, 2, 2]"},
               [&] { max_pool3d(randn({1, 1, 2, 2, 2}), 2, 1, 0, 2); });
  // PyTorch's 3-d average pooling also needs the unpadded input to hold a window.
  expect_error({"avg_pool3d", "smaller than kernel_size", "[1, 1, 2, 4, 4]"},
               [&] { avg_pool3d(randn({1, 1, 2, 4, 4}), 3, 1, 1); });
  // An output size of 0 gives an empty tensor, as in PyTorch.
  EXPECT_EQ(adaptive_avg_pool2d(x, {0, 2}).sizes(), IntArrayRef({1, 1, 0, 2}));
  expect_error({"adaptive_max_pool1d", "output_size", "[-1]"},
               [&] { adaptive_max_pool1d(randn({1, 4}), -1); });
}

TEST(PoolOps, NonPositiveKernelAndStride) {
  Tensor x = randn({1, 2, 6, 6});
  expect_error({"max_pool2d", "stride", "[0, 0]"}, [&] { max_pool2d(x, 2, 0); });
  expect_error({"avg_pool2d", "stride", "[2, -1]"}, [&] { avg_pool2d(x, 2, {2, -1}); });
  expect_error({"max_pool2d", "kernel_size", "[0, 2]"}, [&] { max_pool2d(x, {0, 2}); });
  expect_error({"max_pool2d", "dilation", "[0, 0]"}, [&] { max_pool2d(x, 2, 1, 0, 0); });
  expect_error({"max_pool2d", "kernel_size must have 1 or 2 values", "[2, 2, 2]"},
               [&] { max_pool2d(x, {2, 2, 2}); });
}

TEST(PoolOps, WrongInputRankAndDtype) {
  expect_error({"max_pool2d", "3-d (unbatched) or 4-d (batched)", "[6, 6]"},
               [&] { max_pool2d(randn({6, 6}), 2); });
  expect_error({"avg_pool1d", "[1, 1, 4, 4]"}, [&] { avg_pool1d(randn({1, 1, 4, 4}), 2); });
  expect_error({"adaptive_avg_pool3d", "[2, 4, 4]"},
               [&] { adaptive_avg_pool3d(randn({2, 4, 4}), 2); });
  expect_error({"max_pool2d", "int64", "[1, 2, 2]"},
               [&] { max_pool2d(arange(4).view({1, 2, 2}), 2); });
  expect_error({"max_pool2d", "non-zero sizes", "[1, 0, 4, 4]"},
               [&] { max_pool2d(randn({1, 0, 4, 4}), 2); });
  expect_error({"avg_pool2d", "divisor_override must not be zero"},
               [&] { avg_pool2d(randn({1, 4, 4}), 2, {}, 0, false, true, 0); });
}

TEST(PoolOps, MaxUnpoolBadArguments) {
  Tensor x = randn({1, 2, 4, 4});
  auto [values, indices] = max_pool2d_with_indices(x, 2);
  expect_error({"max_unpool2d", "int64"}, [&] { max_unpool2d(values, values, {4, 4}); });
  expect_error({"max_unpool2d", "[1, 2, 2, 2]", "[1, 2, 4]"},
               [&] { max_unpool2d(values, indices.flatten(2), {4, 4}); });
  expect_error({"max_unpool2d", "output_size must have 2 values", "[4]"},
               [&] { max_unpool2d(values, indices, {4}); });
  expect_error({"max_unpool2d", "outside the unpooled plane", "[1, 2, 2, 2]"},
               [&] { max_unpool2d(values, indices, {3, 3}); });
  expect_error({"max_unpool2d", "invalid output_size"}, [&] {
    F::max_unpool2d(values, indices, F::MaxUnpool2dFuncOptions(2).output_size({6, 4}));
  });
}

TEST(PoolOps, InterpolateBadArguments) {
  Tensor x = randn({1, 2, 4, 4});
  expect_error({"interpolate", "exactly one of size and scale_factor", "both"},
               [&] { interpolate(x, std::vector<int64_t>{8, 8}, std::vector<double>{2.0}); });
  expect_error({"interpolate", "neither"}, [&] { interpolate(x, std::nullopt); });
  expect_error({"interpolate", "align_corners", "nearest"}, [&] {
    interpolate(x, std::vector<int64_t>{8}, std::nullopt, kNearest, true);
  });
  expect_error({"interpolate", "'bilinear' needs a 4-d input", "[1, 2, 4]"}, [&] {
    F::interpolate(randn({1, 2, 4}), F::InterpolateFuncOptions().size(8).mode(kBilinear));
  });
  expect_error({"interpolate", "size must have 1 or 2 values", "[1, 2, 4, 4]"}, [&] {
    interpolate(x, std::vector<int64_t>{2, 3, 4});
  });
  expect_error({"interpolate", "recompute_scale_factor"}, [&] {
    interpolate(x, std::vector<int64_t>{8}, std::nullopt, kNearest, std::nullopt, true);
  });
  expect_error({"interpolate", "greater than 0", "[1, 2, 4, 4]"},
               [&] { interpolate(x, std::nullopt, std::vector<double>{0.1}); });
  expect_error({"interpolate", "mode", "bicubic"},
               [&] { F::InterpolateFuncOptions().mode("bicubic"); });
  expect_error({"interpolate", "3-d, 4-d or 5-d", "[4, 4]"},
               [&] { interpolate(randn({4, 4}), std::vector<int64_t>{8}); });
}

TEST(PoolOps, UnbatchedMatchesBatched) {
  manual_seed(11);
  Tensor x = randn({3, 7, 6});
  EXPECT_TRUE(equal(max_pool2d(x, 3, 2, 1), max_pool2d(x.unsqueeze(0), 3, 2, 1).squeeze(0)));
  EXPECT_TRUE(equal(avg_pool2d(x, 2, 1), avg_pool2d(x.unsqueeze(0), 2, 1).squeeze(0)));
  auto [v, i] = adaptive_max_pool2d(x, {3, 2});
  EXPECT_EQ(v.shape(), Shape({3, 3, 2}));
  EXPECT_EQ(i.shape(), Shape({3, 3, 2}));
  EXPECT_TRUE(equal(max_unpool2d(v, i, {7, 6}),
                    max_unpool2d(v.unsqueeze(0), i.unsqueeze(0), {7, 6}).squeeze(0)));
}

TEST(PoolOps, FunctionalOptions) {
  manual_seed(12);
  Tensor x = randn({2, 3, 7, 8});
  EXPECT_TRUE(equal(F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2)), max_pool2d(x, 3, 2)));
  EXPECT_TRUE(equal(F::avg_pool2d(x, F::AvgPool2dFuncOptions({3, 2}).padding(1).ceil_mode(true)
                                         .count_include_pad(false).divisor_override(5)),
                    avg_pool2d(x, {3, 2}, {3, 2}, 1, true, false, 5)));
  // A negative divisor_override (allowed by PyTorch) negates.
  EXPECT_TRUE(allclose(avg_pool2d(x, 2, {}, 0, false, true, -4),
                       -avg_pool2d(x, 2, {}, 0, false, true, 4)));
  Tensor a = F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions({3, std::nullopt}));
  EXPECT_TRUE(equal(a, adaptive_avg_pool2d(x, {3, 8})));
  // Unpooling positive maxima and pooling again gives them back.
  Tensor positive = x.abs() + 1.0;
  auto [v, i] = F::max_pool2d_with_indices(positive, F::MaxPool2dFuncOptions(2));
  Tensor u = F::max_unpool2d(v, i, F::MaxUnpool2dFuncOptions(2).output_size({2, 3, 7, 8}));
  EXPECT_EQ(u.shape(), x.shape());
  EXPECT_TRUE(equal(F::max_pool2d(u, F::MaxPool2dFuncOptions(2)), v));
  // tg::kLinear (nn::init's constant) selects linear interpolation.
  Tensor l = randn({1, 2, 5});
  EXPECT_TRUE(equal(F::interpolate(l, F::InterpolateFuncOptions().size(9).mode(kLinear)),
                    upsample_linear(l, {9}, false)));
  EXPECT_TRUE(equal(F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2.0, 1.5})),
                    upsample_nearest(x, {14, 12}, {2.0, 1.5})));
}

// gradgradcheck of x -> d<op(x), v>/dx checks the third derivatives: those of max pooling
// go through the gather's own vjp (a scatter back to the argmax).
TEST(PoolOps, ThirdDerivatives) {
  manual_seed(13);
  Tensor x = rand64({1, 2, 5, 5}), v = rand64({1, 2, 3, 3});
  autograd::MultiOutputFn max_grad = [](const TensorList& t) {
    return autograd::grad({max_pool2d(t[0], 3, 2, 1)}, {t[0]}, {t[1]}, true, true);
  };
  EXPECT_TRUE(gradgradcheck(max_grad, {x, v}));
  autograd::MultiOutputFn avg_grad = [](const TensorList& t) {
    return autograd::grad({avg_pool2d(t[0], 3, 2, 1, false, false)}, {t[0]}, {t[1]}, true, true);
  };
  EXPECT_TRUE(gradgradcheck(avg_grad, {x, v}));
  Tensor va = rand64({1, 2, 4, 3});
  autograd::MultiOutputFn amax_grad = [](const TensorList& t) {
    auto [y, i] = adaptive_max_pool2d(t[0], {4, 3});
    return autograd::grad({y}, {t[0]}, {t[1]}, true, true);
  };
  EXPECT_TRUE(gradgradcheck(amax_grad, {x, va}));
  Tensor vi = rand64({1, 2, 7, 9});
  autograd::MultiOutputFn lin_grad = [](const TensorList& t) {
    return autograd::grad({upsample_linear(t[0], {7, 9}, true)}, {t[0]}, {t[1]}, true, true);
  };
  EXPECT_TRUE(gradgradcheck(lin_grad, {x, vi}));
}

TEST(PoolOps, MaxUnpoolIsDifferentiable) {
  manual_seed(14);
  auto [values, indices] = max_pool1d_with_indices(randn({2, 3, 8}, kFloat64), 2);
  Tensor v = values.detach().requires_grad_();
  autograd::SingleOutputFn unpool = [indices = indices](const TensorList& t) {
    return max_unpool1d(t[0], indices, {9});
  };
  EXPECT_TRUE(gradcheck(unpool, {v}));
  EXPECT_TRUE(gradgradcheck(unpool, {v}));
}

}  // namespace
}  // namespace tg
