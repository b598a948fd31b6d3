#include <utility>
#include <vector>

#include "autograd/error.h"
#include "nn/models/conv_norm_act.h"
#include "nn/models/mobilenet.h"
#include "nn/modules/activation.h"

namespace tg::nn::models {
namespace {

// (output channels, stride) of the 13 depthwise-separable blocks.
const std::vector<std::pair<int64_t, int64_t>> kBlocks = {
    {64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2},  {512, 1},
    {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};

// 3x3 depthwise conv, BN, ReLU, 1x1 pointwise conv, BN, ReLU: children 0-5.
Sequential depthwise_separable(int64_t in, int64_t out, int64_t stride) {
  Sequential block = conv_norm_act<ReLU>(in, in, 3, stride, /*groups=*/in);
  block->extend(*conv_norm_act<ReLU>(in, out, 1));
  return block;
}

}  // namespace

MobileNetV1Impl::MobileNetV1Impl(const ModelOptions& options_) : options(options_) {
  TG_CHECK(options.num_classes() > 0 && options.in_channels() > 0,
           "MobileNetV1: num_classes and in_channels must be positive, got ",
           options.num_classes(), " and ", options.in_channels());
  TG_CHECK(options.width_mult() > 0, "MobileNetV1: width_mult must be positive, got ",
           options.width_mult());
  Sequential f;
  int64_t channels = make_divisible(32 * options.width_mult());
  f->push_back(conv_norm_act<ReLU>(options.in_channels(), channels, 3,
                                   options.small_input() ? 1 : 2));
  for (const auto& [out, stride] : kBlocks) {
    const int64_t c = make_divisible(static_cast<double>(out) * options.width_mult());
    f->push_back(depthwise_separable(channels, c, stride));
    channels = c;
  }
  features = register_module("features", f);
  avgpool = register_module("avgpool", AdaptiveAvgPool2d(AdaptiveAvgPool2dOptions({1, 1})));
  classifier = register_module("classifier", Linear(channels, options.num_classes()));
}

Tensor MobileNetV1Impl::forward(const Tensor& x) {
  return classifier(avgpool(features(x)).flatten(1));
}

MobileNetV1 mobilenet_v1(const ModelOptions& options) { return MobileNetV1(options); }

}  // namespace tg::nn::models
