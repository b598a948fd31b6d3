#include "nn/models/alexnet.h"

#include "autograd/error.h"
#include "nn/modules/activation.h"
#include "nn/modules/conv.h"
#include "nn/modules/dropout.h"
#include "nn/modules/linear.h"

namespace tg::nn::models {

AlexNetImpl::AlexNetImpl(const ModelOptions& options_) : options(options_) {
  TG_CHECK(options.num_classes() > 0 && options.in_channels() > 0,
           "AlexNet: num_classes and in_channels must be positive, got ", options.num_classes(),
           " and ", options.in_channels());
  auto pool = [] { return MaxPool2d(MaxPool2dOptions(3).stride(2)); };
  features = register_module(
      "features",
      Sequential(Conv2d(Conv2dOptions(options.in_channels(), 64, 11).stride(4).padding(2)),
                 ReLU(), pool(),
                 Conv2d(Conv2dOptions(64, 192, 5).padding(2)), ReLU(), pool(),
                 Conv2d(Conv2dOptions(192, 384, 3).padding(1)), ReLU(),
                 Conv2d(Conv2dOptions(384, 256, 3).padding(1)), ReLU(),
                 Conv2d(Conv2dOptions(256, 256, 3).padding(1)), ReLU(), pool()));
  avgpool = register_module("avgpool", AdaptiveAvgPool2d(AdaptiveAvgPool2dOptions({6, 6})));
  classifier = register_module(
      "classifier", Sequential(Dropout(0.5), Linear(256 * 6 * 6, 4096), ReLU(),
                               Dropout(0.5), Linear(4096, 4096), ReLU(),
                               Linear(4096, options.num_classes())));
}

Tensor AlexNetImpl::forward(const Tensor& x) {
  return classifier(avgpool(features(x)).flatten(1));
}

AlexNet alexnet(const ModelOptions& options) { return AlexNet(options); }

}  // namespace tg::nn::models
