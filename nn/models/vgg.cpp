#include "nn/models/vgg.h"

#include "autograd/error.h"
#include "nn/modules/activation.h"
#include "nn/modules/conv.h"
#include "nn/modules/dropout.h"
#include "nn/modules/linear.h"
#include "nn/modules/normalization.h"

namespace tg::nn::models {
namespace {

constexpr int64_t M = 0;  // a max-pool in a configuration
const std::vector<int64_t> kVgg11 = {64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
const std::vector<int64_t> kVgg13 = {64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M,
                                     512, 512, M};
const std::vector<int64_t> kVgg16 = {64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M,
                                     512, 512, 512, M};
const std::vector<int64_t> kVgg19 = {64, 64, M, 128, 128, M, 256, 256, 256, 256, M,
                                     512, 512, 512, 512, M, 512, 512, 512, 512, M};

}  // namespace

VGGImpl::VGGImpl(const std::vector<int64_t>& config, bool batch_norm,
                 const ModelOptions& options_)
    : options(options_) {
  TG_CHECK(options.num_classes() > 0 && options.in_channels() > 0,
           "VGG: num_classes and in_channels must be positive, got ", options.num_classes(),
           " and ", options.in_channels());
  TG_CHECK(!config.empty() && config.back() == M && config.front() != M,
           "VGG: the configuration must start with a convolution and end with a max-pool");
  Sequential f;
  int64_t channels = options.in_channels();
  for (std::size_t i = 0; i < config.size(); ++i) {
    if (config[i] == M) {
      if (i + 1 == config.size() && options.small_input()) break;
      f->push_back(MaxPool2d(MaxPool2dOptions(2).stride(2)));
      continue;
    }
    f->push_back(Conv2d(Conv2dOptions(channels, config[i], 3).padding(1)));
    if (batch_norm) f->push_back(BatchNorm2d(config[i]));
    f->push_back(ReLU());
    channels = config[i];
  }
  features = register_module("features", f);

  const int64_t pooled = options.small_input() ? 1 : 7;
  const int64_t hidden = options.small_input() ? 512 : 4096;
  avgpool = register_module("avgpool", AdaptiveAvgPool2d(AdaptiveAvgPool2dOptions(pooled)));
  classifier = register_module(
      "classifier", Sequential(Linear(channels * pooled * pooled, hidden), ReLU(), Dropout(0.5),
                               Linear(hidden, hidden), ReLU(), Dropout(0.5),
                               Linear(hidden, options.num_classes())));
}

Tensor VGGImpl::forward(const Tensor& x) {
  return classifier(avgpool(features(x)).flatten(1));
}

VGG vgg11(const ModelOptions& options) { return VGG(kVgg11, false, options); }
VGG vgg11_bn(const ModelOptions& options) { return VGG(kVgg11, true, options); }
VGG vgg13(const ModelOptions& options) { return VGG(kVgg13, false, options); }
VGG vgg13_bn(const ModelOptions& options) { return VGG(kVgg13, true, options); }
VGG vgg16(const ModelOptions& options) { return VGG(kVgg16, false, options); }
VGG vgg16_bn(const ModelOptions& options) { return VGG(kVgg16, true, options); }
VGG vgg19(const ModelOptions& options) { return VGG(kVgg19, false, options); }
VGG vgg19_bn(const ModelOptions& options) { return VGG(kVgg19, true, options); }

}  // namespace tg::nn::models
