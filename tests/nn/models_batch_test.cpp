// Whole zoo networks at a training batch size against the same network one image at a time
// (eval mode, so images do not interact): the logits, the input gradients and the parameter
// gradients of a batch must equal those of its images taken alone. The kernels pick different
// paths for one image and for 32 (panels across images, batched GEMMs), so this catches a path
// that is wrong only at realistic batch sizes, as the convolution forward once was for outputs
// smaller than a panel at batch 25 and more.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "tapegrad.h"

namespace tg::nn::models {
namespace {

double relative_error(const Tensor& got, const Tensor& want) {
  const double scale = want.abs().max().item<double>();
  return (got - want).abs().max().item<double>() / std::max(scale, 1e-30);
}

struct Gradients {
  Tensor logits, input_grad;
  std::vector<Tensor> param_grads;
};

// Logits of `x` and the gradients of sum(logits * weights) with respect to x and to every
// parameter.
Gradients run(AnyModule& model, const Tensor& x, const Tensor& weights) {
  Module& m = *model.ptr();
  m.zero_grad();
  Tensor input = x.detach().requires_grad_();
  Tensor logits = model.forward(input);
  (logits * weights).sum().backward();
  Gradients g{logits.detach(), input.grad(), {}};
  for (const Tensor& p : m.parameters()) g.param_grads.push_back(p.grad().clone());
  return g;
}

void expect_batch_equals_images(const std::string& name, int64_t batch, int64_t size) {
  manual_seed(5);
  AnyModule model =
      create_model(name, ModelOptions().num_classes(10).in_channels(3).small_input(true));
  Module& m = *model.ptr();
  m.eval();
  const Tensor x = randn({batch, 3, size, size});
  const Tensor weights = randn({batch, 10});

  const Gradients whole = run(model, x, weights);
  std::vector<Tensor> logits, input_grads;
  std::vector<Tensor> summed(whole.param_grads.size());
  for (int64_t n = 0; n < batch; ++n) {
    const Gradients one = run(model, x.narrow(0, n, 1), weights.narrow(0, n, 1));
    logits.push_back(one.logits);
    input_grads.push_back(one.input_grad);
    for (std::size_t i = 0; i < summed.size(); ++i)
      summed[i] = n == 0 ? one.param_grads[i] : summed[i] + one.param_grads[i];
  }
  EXPECT_LE(relative_error(whole.logits, cat(logits, 0)), 1e-4) << name << " logits";
  EXPECT_LE(relative_error(whole.input_grad, cat(input_grads, 0)), 1e-4) << name << " dx";
  const auto params = m.named_parameters();
  for (std::size_t i = 0; i < summed.size(); ++i) {
    EXPECT_LE(relative_error(whole.param_grads[i], summed[i]), 1e-3)
        << name << " gradient of " << params.items()[i].key();
  }
}

// 16x16 images keep the test short: the last stages then run on 4x4 and 2x2 maps, and 26
// images make tasks of two and three images.
TEST(ZooBatch, ResNet18SmallInputBatch26EqualsImageByImage) {
  expect_batch_equals_images("resnet18", 26, 16);
}

TEST(ZooBatch, MobileNetV2SmallInputBatch26EqualsImageByImage) {
  expect_batch_equals_images("mobilenet_v2", 26, 16);
}

TEST(ZooBatch, Vgg11BnSmallInputBatch26EqualsImageByImage) {
  expect_batch_equals_images("vgg11_bn", 26, 16);
}

}  // namespace
}  // namespace tg::nn::models
