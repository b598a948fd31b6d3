// Convolution modules: parameter shapes and counts, PyTorch's default initialisation
// (statistically), forward equal to the op with every option passed through, output_size of
// transposed convolutions, train/eval invariance, printing, Sequential use and bad options.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
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
  EXPECT_EQ(got.to_vector<double>(), want.to_vector<double>());
}

int64_t count_params(const Module& m) {
  int64_t n = 0;
  for (const Tensor& p : m.parameters()) n += p.numel();
  return n;
}

// Every value within [-bound, bound], the extremes close to the bound and the variance that
// of a uniform distribution (bound^2 / 3), within sampling error.
void expect_uniform_with_bound(const Tensor& t, double bound, const std::string& what) {
  const std::vector<double> v = t.to_vector<double>();
  double max_abs = 0, mean = 0, var = 0;
  for (double x : v) {
    max_abs = std::max(max_abs, std::abs(x));
    mean += x;
  }
  mean /= v.size();
  for (double x : v) var += (x - mean) * (x - mean);
  var /= v.size();
  const double n = static_cast<double>(v.size());
  EXPECT_LE(max_abs, bound * (1 + 1e-6)) << what;
  EXPECT_GE(max_abs, bound * (1 - 20.0 / n)) << what;
  EXPECT_NEAR(mean, 0.0, 5 * bound / std::sqrt(3 * n)) << what;
  EXPECT_NEAR(var / (bound * bound / 3), 1.0, 6 * std::sqrt(0.8 / n)) << what;
}

TEST(NnConvModules, ParameterShapesAndCounts) {
  Conv1d c1(Conv1dOptions(4, 6, 3).groups(2));
  EXPECT_EQ(c1->weight.shape(), Shape({6, 2, 3}));
  EXPECT_EQ(c1->bias.shape(), Shape({6}));
  EXPECT_EQ(count_params(*c1), 6 * 2 * 3 + 6);

  Conv2d c2(1, 6, 5);
  EXPECT_EQ(c2->weight.shape(), Shape({6, 1, 5, 5}));
  EXPECT_EQ(count_params(*c2), 156);
  EXPECT_EQ(c2->named_parameters().keys(), (std::vector<std::string>{"weight", "bias"}));

  Conv3d c3(Conv3dOptions(2, 4, {1, 2, 3}).bias(false));
  EXPECT_EQ(c3->weight.shape(), Shape({4, 2, 1, 2, 3}));
  EXPECT_FALSE(c3->bias.defined());
  EXPECT_EQ(c3->parameters().size(), 1u);
  EXPECT_EQ(c3->state_dict().keys(), (std::vector<std::string>{"weight"}));

  ConvTranspose2d t2(ConvTranspose2dOptions(6, 4, 3).groups(2));
  EXPECT_EQ(t2->weight.shape(), Shape({6, 2, 3, 3}));
  EXPECT_EQ(t2->bias.shape(), Shape({4}));
  ConvTranspose1d t1(3, 5, 2);
  EXPECT_EQ(t1->weight.shape(), Shape({3, 5, 2}));
  ConvTranspose3d t3(ConvTranspose3dOptions(2, 2, 2).bias(false));
  EXPECT_EQ(t3->weight.shape(), Shape({2, 2, 2, 2, 2}));
  EXPECT_EQ(count_params(*t3), 32);
  for (const Tensor& p : t2->parameters()) {
    EXPECT_TRUE(p.requires_grad());
    EXPECT_TRUE(p.is_leaf());
  }
}

TEST(NnConvModules, DefaultInitialisationMatchesPyTorchBounds) {
  manual_seed(3);
  // kaiming_uniform_(a = sqrt(5)) gives the bound 1/sqrt(fan_in), as the bias has.
  Conv2d conv(Conv2dOptions(16, 64, 3).groups(2));  // fan_in = 8 * 9
  expect_uniform_with_bound(conv->weight, 1.0 / std::sqrt(72.0), "Conv2d weight");
  Conv1d wide(200, 300, 1);  // many biases for the statistics
  expect_uniform_with_bound(wide->bias, 1.0 / std::sqrt(200.0), "Conv1d bias");
  // Transposed: fan_in is read from the [in, out/groups, k...] weight, as PyTorch does.
  ConvTranspose2d up(ConvTranspose2dOptions(64, 32, 4).groups(4));  // fan_in = 8 * 16
  expect_uniform_with_bound(up->weight, 1.0 / std::sqrt(128.0), "ConvTranspose2d weight");
  ConvTranspose1d upb(400, 600, 2);  // fan_in = 600 * 2
  expect_uniform_with_bound(upb->bias, 1.0 / std::sqrt(1200.0), "ConvTranspose1d bias");
}

TEST(NnConvModules, ResetAndResetParameters) {
  manual_seed(1);
  Conv2d conv(3, 4, 3);
  const std::vector<float> before = conv->weight.to_vector<float>();
  conv->reset_parameters();
  EXPECT_NE(conv->weight.to_vector<float>(), before);
  conv->options.out_channels(8).bias(false);
  conv->reset();  // re-creates the parameters from the changed options
  EXPECT_EQ(conv->weight.shape(), Shape({8, 3, 3, 3}));
  EXPECT_FALSE(conv->bias.defined());
  EXPECT_EQ(conv->named_parameters().keys(), (std::vector<std::string>{"weight"}));
  EXPECT_TRUE(conv->weight.is_same(conv->named_parameters()["weight"]));
}

TEST(NnConvModules, ForwardPassesEveryOptionToTheOp) {
  manual_seed(5);
  const Tensor x = randn({2, 4, 9, 8});
  {
    Conv2d conv(Conv2dOptions(4, 6, {3, 2}).stride({2, 1}).padding({1, 2}).dilation({1, 2})
                    .groups(2));
    expect_same(conv(x), conv2d(x, conv->weight, conv->bias, {2, 1}, {1, 2}, {1, 2}, 2));
    EXPECT_EQ(conv(x).shape(), Shape({2, 6, 5, 10}));
  }
  {
    Conv2d conv(Conv2dOptions(4, 3, 3).padding(kSame).dilation(2).bias(false));
    expect_same(conv(x), conv2d(x, conv->weight, Tensor(), 1, kSame, 2, 1));
    EXPECT_EQ(conv(x).shape(), Shape({2, 3, 9, 8}));
  }
  {
    Conv2d conv(Conv2dOptions(4, 3, 3).padding(kValid).stride(2));
    expect_same(conv(x), conv2d(x, conv->weight, conv->bias, 2, kValid, 1, 1));
  }
  for (PaddingMode mode : {kReflect, kReplicate, kCircular}) {
    Conv2d conv(Conv2dOptions(4, 5, 3).padding({1, 2}).padding_mode(mode));
    const Tensor padded = pad(x, {2, 2, 1, 1}, padding_mode_name(mode));
    expect_same(conv(x), conv2d(padded, conv->weight, conv->bias));
    EXPECT_EQ(conv(x).shape(), Shape({2, 5, 9, 10}));
  }
  {
    Conv2d conv(Conv2dOptions(4, 5, 3).padding(kSame).padding_mode(kReflect));
    expect_same(conv(x), conv2d(pad(x, {1, 1, 1, 1}, "reflect"), conv->weight, conv->bias));
  }
  {
    const Tensor x1 = randn({3, 4, 12});
    Conv1d conv(Conv1dOptions(4, 2, 3).stride(3).padding(1));
    expect_same(conv(x1), F::conv1d(x1, conv->weight,
                                    F::Conv1dFuncOptions().bias(conv->bias).stride(3).padding(1)));
    const Tensor x3 = randn({1, 2, 5, 6, 4});
    Conv3d conv3(Conv3dOptions(2, 3, {2, 3, 1}).padding({1, 0, 0}).stride({1, 2, 1}));
    expect_same(conv3(x3), conv3d(x3, conv3->weight, conv3->bias, {1, 2, 1}, {1, 0, 0}));
  }
  {  // unbatched input
    Conv2d conv(4, 2, 3);
    const Tensor one = conv(x[0]), batched = conv(x)[0];
    ASSERT_EQ(one.shape(), batched.shape());
    EXPECT_LE((one - batched).abs().max().item(), 1e-6);
  }
}

TEST(NnConvModules, TransposedForwardAndOutputSize) {
  manual_seed(6);
  const Tensor x = randn({2, 4, 5, 6});
  ConvTranspose2d up(ConvTranspose2dOptions(4, 6, 3).stride(2).padding(1).output_padding(1)
                         .groups(2).dilation(1));
  expect_same(up(x), conv_transpose2d(x, up->weight, up->bias, 2, 1, 1, 2, 1));
  EXPECT_EQ(up(x).shape(), Shape({2, 6, 10, 12}));

  ConvTranspose2d plain(ConvTranspose2dOptions(4, 3, 3).stride(2).padding(1));
  EXPECT_EQ(plain(x).shape(), Shape({2, 3, 9, 11}));
  // output_size picks the output_padding: anything in [natural, natural + stride - 1].
  const Tensor y = plain->forward(x, IntArrayRef({10, 11}));
  EXPECT_EQ(y.shape(), Shape({2, 3, 10, 11}));
  expect_same(y, conv_transpose2d(x, plain->weight, plain->bias, 2, 1, {1, 0}));
  const std::vector<int64_t> full = {2, 3, 9, 12};
  EXPECT_EQ(plain->forward(x, full).shape(), Shape({2, 3, 9, 12}));
  expect_error_naming([&] { plain->forward(x, IntArrayRef({11, 11})); }, "ConvTranspose2d");
  expect_error_naming([&] { plain->forward(x, IntArrayRef({8, 11})); }, "output_size");
  expect_error_naming([&] { plain->forward(x, IntArrayRef({10, 11, 12})); }, "output_size");

  ConvTranspose1d up1(ConvTranspose1dOptions(3, 2, 4).stride(3).dilation(2));
  const Tensor x1 = randn({2, 3, 7});
  expect_same(up1(x1), conv_transpose1d(x1, up1->weight, up1->bias, 3, 0, 0, 1, 2));
  ConvTranspose3d up3(ConvTranspose3dOptions(2, 2, 2).stride(2));
  EXPECT_EQ(up3(randn({1, 2, 2, 3, 4})).shape(), Shape({1, 2, 4, 6, 8}));
}

TEST(NnConvModules, TrainAndEvalGiveTheSameOutput) {
  manual_seed(7);
  const Tensor x = randn({2, 3, 8, 8});
  Conv2d conv(Conv2dOptions(3, 4, 3).padding(1).padding_mode(kCircular));
  ConvTranspose2d up(ConvTranspose2dOptions(3, 2, 2).stride(2));
  const Tensor a = conv(x), b = up(x);
  conv->eval();
  up->eval();
  expect_same(conv(x), a);
  expect_same(up(x), b);
}

TEST(NnConvModules, GradientsReachParameters) {
  manual_seed(8);
  Conv2d conv(Conv2dOptions(2, 3, 3).padding(1).padding_mode(kReflect));
  const Tensor x = randn({2, 2, 5, 5}).requires_grad_();
  conv(x).pow(2).sum().backward();
  EXPECT_EQ(conv->weight.grad().shape(), conv->weight.shape());
  EXPECT_EQ(conv->bias.grad().shape(), conv->bias.shape());
  EXPECT_EQ(x.grad().shape(), x.shape());
}

TEST(NnConvModules, PrintsLikeLibtorch) {
  EXPECT_EQ(printed(Conv2d(Conv2dOptions(1, 6, 5).padding(2))),
            "tg::nn::Conv2d(1, 6, kernel_size=[5, 5], stride=[1, 1], padding=[2, 2])");
  EXPECT_EQ(printed(Conv1d(Conv1dOptions(4, 8, 3).stride(2).dilation(2).groups(4).bias(false)
                        .padding_mode(kReflect).padding(1))),
            "tg::nn::Conv1d(4, 8, kernel_size=[3], stride=[2], padding=[1], dilation=[2], "
            "groups=4, bias=false, padding_mode=kReflect)");
  EXPECT_EQ(printed(Conv3d(Conv3dOptions(2, 2, {1, 2, 3}).padding(kSame))),
            "tg::nn::Conv3d(2, 2, kernel_size=[1, 2, 3], stride=[1, 1, 1], padding='same')");
  EXPECT_EQ(printed(ConvTranspose2d(ConvTranspose2dOptions(6, 3, 4).stride(2).padding(1)
                                        .output_padding(1))),
            "tg::nn::ConvTranspose2d(6, 3, kernel_size=[4, 4], stride=[2, 2], padding=[1, 1], "
            "output_padding=[1, 1])");
}

TEST(NnConvModules, WorkInsideSequential) {
  manual_seed(9);
  Sequential net(Conv2d(Conv2dOptions(1, 4, 3).padding(1)), ReLU(),
                 ConvTranspose2d(ConvTranspose2dOptions(4, 2, 2).stride(2)), Flatten());
  const Tensor y = net(randn({3, 1, 4, 4}));
  EXPECT_EQ(y.shape(), Shape({3, 2 * 8 * 8}));
  EXPECT_EQ(net->state_dict().keys(),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  std::ostringstream os;
  os << *net;
  EXPECT_NE(os.str().find("(0): tg::nn::Conv2d(1, 4, kernel_size=[3, 3]"), std::string::npos)
      << os.str();
}

TEST(NnConvModules, BadOptionsThrow) {
  expect_error_naming([] { (void)Conv2d(Conv2dOptions(3, 4, 3).groups(2)); },
                      "Conv2d: in_channels");
  expect_error_naming([] { (void)Conv2d(Conv2dOptions(4, 3, 3).groups(2)); }, "out_channels");
  expect_error_naming([] { (void)Conv1d(0, 3, 3); }, "Conv1d");
  expect_error_naming([] { (void)Conv2d(Conv2dOptions(2, 2, 3).groups(0)); }, "groups");
  expect_error_naming([] { (void)Conv2d(Conv2dOptions(2, 2, {3, 0})); }, "kernel_size");
  expect_error_naming([] { (void)Conv3d(Conv3dOptions(2, 2, 3).stride(0)); }, "stride");
  expect_error_naming([] { (void)Conv2d(Conv2dOptions(2, 2, 3).dilation({1, 0})); }, "dilation");
  expect_error_naming([] { (void)Conv2d(Conv2dOptions(2, 2, 3).padding(-1)); }, "padding");
  expect_error_naming([] { (void)Conv2d(Conv2dOptions(2, 2, 3).padding(kSame).stride(2)); },
                      "padding='same'");
  expect_error_naming(
      [] { (void)ConvTranspose2d(ConvTranspose2dOptions(2, 2, 3).padding_mode(kReflect)); },
                      "ConvTranspose2d: only padding_mode kZeros");
  expect_error_naming(
      [] { (void)ConvTranspose2d(ConvTranspose2dOptions(2, 2, 3).output_padding(1)); },
                      "output_padding");
  expect_error_naming([] { (void)ConvTranspose1d(ConvTranspose1dOptions(3, 2, 3).groups(2)); },
                      "ConvTranspose1d");
  // Input errors come from the op, which names itself.
  Conv2d conv(3, 4, 3);
  EXPECT_THROW(conv(randn({1, 2, 8, 8})), Error);
  EXPECT_THROW(conv(randn({8, 8})), Error);
}

}  // namespace
}  // namespace tg::nn
