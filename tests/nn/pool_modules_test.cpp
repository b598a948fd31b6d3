// Pooling, unpooling and upsampling modules: output shapes, forward equal to the op with every
// option passed through, indices, unpooling round trips, no parameters, train/eval
// invariance, printing, Sequential use and bad options.
#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tapegrad.h"

namespace tg::nn {
namespace {

template <class F>
void expect_error_naming(F&& f, const std::string& needle) {
  try {
    f();
    FAIL() << "expected tg::Error mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

template <class M>
std::string printed(const M& m) {
  std::ostringstream os;
  os << *m;
  return os.str();
}

void expect_same(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.shape(), want.shape());
  ASSERT_EQ(got.dtype(), want.dtype());
  EXPECT_EQ(got.to_vector<double>(), want.to_vector<double>());
}

TEST(NnPoolModules, MaxPoolPassesEveryOption) {
  manual_seed(1);
  const Tensor x = randn({2, 3, 9, 10});
  MaxPool2d pool(MaxPool2dOptions({3, 2}).stride({2, 1}).padding({1, 0}).dilation({1, 2})
                     .ceil_mode(true));
  expect_same(pool(x), max_pool2d(x, {3, 2}, {2, 1}, {1, 0}, {1, 2}, true));
  auto [values, indices] = pool->forward_with_indices(x);
  auto [want_values, want_indices] = max_pool2d_with_indices(x, {3, 2}, {2, 1}, {1, 0}, {1, 2},
                                                             true);
  expect_same(values, want_values);
  expect_same(indices, want_indices);
  EXPECT_EQ(indices.dtype(), kInt64);
  EXPECT_TRUE(pool->parameters().empty());
  EXPECT_TRUE(pool->state_dict().is_empty());

  MaxPool2d halves(2);  // stride defaults to kernel_size
  EXPECT_EQ(halves(x).shape(), Shape({2, 3, 4, 5}));
  const Tensor x1 = randn({2, 3, 11});
  MaxPool1d pool1(MaxPool1dOptions(3).stride(2).padding(1));
  expect_same(pool1(x1), max_pool1d(x1, 3, 2, 1));
  const Tensor x3 = randn({1, 2, 4, 5, 6});
  MaxPool3d pool3(MaxPool3dOptions({2, 2, 3}).dilation({1, 2, 1}));
  expect_same(pool3(x3), max_pool3d(x3, {2, 2, 3}, {2, 2, 3}, 0, {1, 2, 1}));
  expect_same(std::get<1>(pool3->forward_with_indices(x3)),
              std::get<1>(max_pool3d_with_indices(x3, {2, 2, 3}, {2, 2, 3}, 0, {1, 2, 1})));
}

TEST(NnPoolModules, AvgPoolPassesEveryOption) {
  manual_seed(2);
  const Tensor x = randn({2, 3, 9, 10});
  AvgPool2d pool(AvgPool2dOptions(3).stride(2).padding(1).ceil_mode(true)
                     .count_include_pad(false).divisor_override(5));
  expect_same(pool(x), avg_pool2d(x, 3, 2, 1, true, false, 5));
  AvgPool2d plain(AvgPool2dOptions({2, 3}).padding({1, 1}));
  expect_same(plain(x), avg_pool2d(x, {2, 3}, {2, 3}, {1, 1}));
  const Tensor x1 = randn({2, 3, 11});
  AvgPool1d pool1(AvgPool1dOptions(4).stride(3).padding(2).count_include_pad(false));
  expect_same(pool1(x1), avg_pool1d(x1, 4, 3, 2, false, false));
  const Tensor x3 = randn({1, 2, 4, 6, 6});
  AvgPool3d pool3(AvgPool3dOptions(2).stride({2, 3, 3}).divisor_override(3));
  expect_same(pool3(x3), avg_pool3d(x3, 2, {2, 3, 3}, 0, false, true, 3));
  EXPECT_TRUE(pool3->parameters().empty());
}

TEST(NnPoolModules, AdaptivePoolingKeepsAbsentSizes) {
  manual_seed(3);
  const Tensor x = randn({2, 3, 9, 10});
  AdaptiveAvgPool2d avg(AdaptiveAvgPool2dOptions({4, std::nullopt}));
  expect_same(avg(x), adaptive_avg_pool2d(x, {4, 10}));
  AdaptiveMaxPool2d max(3);
  expect_same(max(x), std::get<0>(adaptive_max_pool2d(x, {3, 3})));
  expect_same(std::get<1>(max->forward_with_indices(x)),
              std::get<1>(adaptive_max_pool2d(x, {3, 3})));
  const Tensor x1 = randn({3, 7});  // unbatched [C, L]
  AdaptiveAvgPool1d avg1(3);
  expect_same(avg1(x1), adaptive_avg_pool1d(x1, {3}));
  AdaptiveMaxPool1d max1(4);
  EXPECT_EQ(max1(x1).shape(), Shape({3, 4}));
  const Tensor x3 = randn({1, 2, 5, 6, 7});
  AdaptiveAvgPool3d avg3(AdaptiveAvgPool3dOptions({std::nullopt, 2, 3}));
  expect_same(avg3(x3), adaptive_avg_pool3d(x3, {5, 2, 3}));
  AdaptiveMaxPool3d max3(AdaptiveMaxPool3dOptions({2, 2, std::nullopt}));
  expect_same(max3(x3), std::get<0>(adaptive_max_pool3d(x3, {2, 2, 7})));
  // A global average pool, then flatten: the usual classifier head.
  Sequential head(AdaptiveAvgPool2d(1), Flatten());
  EXPECT_EQ(head(x).shape(), Shape({2, 3}));
}

TEST(NnPoolModules, MaxUnpoolInvertsMaxPool) {
  manual_seed(4);
  // Positive values: pooling the unpooled tensor (zeros elsewhere) then finds the same maxima.
  const Tensor x = rand({2, 3, 7, 9}) + 0.1;
  MaxPool2d pool(MaxPool2dOptions(3).stride(2).padding(1));
  MaxUnpool2d unpool(MaxUnpool2dOptions(3).stride(2).padding(1));
  auto [y, indices] = pool->forward_with_indices(x);
  // Default size: (in - 1) * stride - 2 * padding + kernel = 7, 9.
  const Tensor back_default = unpool(y, indices);
  EXPECT_EQ(back_default.shape(), Shape({2, 3, 7, 9}));
  const Tensor back = unpool(y, indices, std::vector<int64_t>{8, 9});
  expect_same(back, max_unpool2d(y, indices, {8, 9}));
  expect_same(pool(back), y);
  // The full shape is accepted too; sizes more than a stride away are not.
  EXPECT_EQ(unpool(y, indices, std::vector<int64_t>{2, 3, 8, 9}).shape(), Shape({2, 3, 8, 9}));
  expect_error_naming([&] { unpool(y, indices, std::vector<int64_t>{10, 9}); }, "max_unpool2d");

  const Tensor x1 = randn({2, 2, 10});
  MaxPool1d pool1(2);
  MaxUnpool1d unpool1(2);
  auto [y1, i1] = pool1->forward_with_indices(x1);
  expect_same(unpool1(y1, i1), max_unpool1d(y1, i1, {10}));
  const Tensor x3 = rand({1, 2, 4, 4, 6}) + 0.1;
  MaxPool3d pool3(2);
  MaxUnpool3d unpool3(MaxUnpool3dOptions(2));
  auto [y3, i3] = pool3->forward_with_indices(x3);
  expect_same(pool3(unpool3(y3, i3)), y3);
  EXPECT_TRUE(unpool3->parameters().empty());
}

TEST(NnPoolModules, UpsamplePassesEveryOption) {
  manual_seed(5);
  const Tensor x = randn({2, 3, 5, 6});
  Upsample nearest(UpsampleOptions().scale_factor(2.0));
  expect_same(nearest(x), interpolate(x, std::nullopt, std::vector<double>{2.0}));
  EXPECT_EQ(nearest(x).shape(), Shape({2, 3, 10, 12}));
  Upsample bilinear(UpsampleOptions().size(std::vector<int64_t>{7, 9}).mode(kBilinear)
                        .align_corners(true));
  expect_same(bilinear(x), interpolate(x, std::vector<int64_t>{7, 9}, std::nullopt, kBilinear,
                                       true));
  Upsample scaled(UpsampleOptions().scale_factor(std::vector<double>{1.5, 2.5}).mode("bilinear"));
  expect_same(scaled(x), interpolate(x, std::nullopt, std::vector<double>{1.5, 2.5}, kBilinear));
  const Tensor x1 = randn({2, 3, 5});
  Upsample linear(UpsampleOptions().size(11).mode(kLinear));
  expect_same(linear(x1), interpolate(x1, std::vector<int64_t>{11}, std::nullopt,
                                      InterpolateMode::Linear));
  const Tensor x3 = randn({1, 2, 3, 4, 2});
  Upsample trilinear(UpsampleOptions().scale_factor(2.0).mode(kTrilinear).align_corners(false));
  expect_same(trilinear(x3), interpolate(x3, std::nullopt, std::vector<double>{2.0},
                                         kTrilinear, false));
  EXPECT_TRUE(trilinear->parameters().empty());
}

TEST(NnPoolModules, TrainAndEvalGiveTheSameOutput) {
  manual_seed(6);
  const Tensor x = randn({2, 3, 8, 8});
  Sequential net(MaxPool2d(MaxPool2dOptions(3).stride(1).padding(1)), AvgPool2d(2),
                 Upsample(UpsampleOptions().scale_factor(2.0).mode(kBilinear)),
                 AdaptiveMaxPool2d(3), AdaptiveAvgPool2d(2));
  const Tensor a = net(x);
  EXPECT_EQ(a.shape(), Shape({2, 3, 2, 2}));
  net->eval();
  expect_same(net(x), a);
}

TEST(NnPoolModules, GradientsFlowThroughTheModules) {
  manual_seed(7);
  const Tensor x = randn({1, 2, 6, 6}, kFloat64).requires_grad_();
  Sequential net(MaxPool2d(MaxPool2dOptions(2).stride(1)),
                 AvgPool2d(AvgPool2dOptions(2).padding(1)),
                 Upsample(UpsampleOptions().size(std::vector<int64_t>{5, 5}).mode(kBilinear)),
                 AdaptiveAvgPool2d(3));
  EXPECT_TRUE(gradcheck([&](const TensorList& in) { return net(in[0]); }, {x}));
}

TEST(NnPoolModules, PrintsLikeLibtorch) {
  EXPECT_EQ(printed(MaxPool2d(2)),
            "tg::nn::MaxPool2d(kernel_size=[2, 2], stride=[2, 2], padding=[0, 0], "
            "dilation=[1, 1], ceil_mode=false)");
  EXPECT_EQ(printed(MaxPool1d(MaxPool1dOptions(3).stride(1).ceil_mode(true))),
            "tg::nn::MaxPool1d(kernel_size=[3], stride=[1], padding=[0], dilation=[1], "
            "ceil_mode=true)");
  EXPECT_EQ(printed(AvgPool3d(AvgPool3dOptions(2).padding(1))),
            "tg::nn::AvgPool3d(kernel_size=[2, 2, 2], stride=[2, 2, 2], padding=[1, 1, 1])");
  EXPECT_EQ(printed(AdaptiveAvgPool2d(AdaptiveAvgPool2dOptions({7, std::nullopt}))),
            "tg::nn::AdaptiveAvgPool2d(output_size=[7, None])");
  EXPECT_EQ(printed(AdaptiveMaxPool1d(5)), "tg::nn::AdaptiveMaxPool1d(output_size=[5])");
  EXPECT_EQ(printed(MaxUnpool2d(MaxUnpool2dOptions(3).stride(2))),
            "tg::nn::MaxUnpool2d(kernel_size=[3, 3], stride=[2, 2], padding=[0, 0])");
  EXPECT_EQ(printed(Upsample(UpsampleOptions().scale_factor(std::vector<double>{2, 3})
                                 .mode(kBilinear))),
            "tg::nn::Upsample(scale_factor=[2, 3], mode=kBilinear)");
  EXPECT_EQ(printed(Upsample(UpsampleOptions().size(std::vector<int64_t>{4, 5}))),
            "tg::nn::Upsample(size=[4, 5], mode=kNearest)");
}

TEST(NnPoolModules, BadOptionsThrow) {
  expect_error_naming([] { (void)MaxPool2d(MaxPool2dOptions(0)); }, "MaxPool2d: kernel_size");
  expect_error_naming([] { (void)MaxPool1d(MaxPool1dOptions(2).stride(0)); }, "stride");
  expect_error_naming([] { (void)MaxPool3d(MaxPool3dOptions(3).padding(2)); }, "padding");
  expect_error_naming([] { (void)MaxPool2d(MaxPool2dOptions(3).dilation(0)); }, "dilation");
  expect_error_naming([] { (void)AvgPool2d(AvgPool2dOptions(2).padding(-1)); },
                      "AvgPool2d: padding");
  expect_error_naming([] { (void)AvgPool2d(AvgPool2dOptions(2).divisor_override(0)); },
                      "divisor_override");
  expect_error_naming([] { (void)AvgPool1d(AvgPool1dOptions(2).divisor_override(2)); },
                      "AvgPool1d: divisor_override");
  expect_error_naming([] { (void)AdaptiveAvgPool2d(AdaptiveAvgPool2dOptions({0, 2})); },
                      "AdaptiveAvgPool2d: output_size");
  expect_error_naming([] { (void)AdaptiveMaxPool1d(-1); }, "AdaptiveMaxPool1d");
  expect_error_naming([] { (void)MaxUnpool2d(MaxUnpool2dOptions(2).stride(0)); }, "MaxUnpool2d");
  expect_error_naming([] { (void)Upsample(UpsampleOptions()); }, "Upsample: either size");
  expect_error_naming([] { (void)Upsample(UpsampleOptions().size(4).scale_factor(2.0)); },
                      "only one of");
  expect_error_naming([] { (void)Upsample(UpsampleOptions().scale_factor(0.0)); }, "scale_factor");
  expect_error_naming([] { (void)Upsample(UpsampleOptions().size(0)); }, "size");
  expect_error_naming([] { (void)Upsample(UpsampleOptions().size(4).align_corners(true)); },
                      "align_corners");
  // Input errors come from the ops, which name themselves.
  expect_error_naming([] { (void)MaxPool2d(2)(randn({4})); }, "max_pool2d");
  expect_error_naming(
      [] { (void)Upsample(UpsampleOptions().size(4).mode(kBilinear))(randn({1, 2, 3})); },
                      "bilinear");
}

}  // namespace
}  // namespace tg::nn
