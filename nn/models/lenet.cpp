#include "nn/models/lenet.h"

#include "autograd/error.h"
#include "nn/modules/activation.h"
#include "nn/modules/conv.h"
#include "nn/modules/linear.h"
#include "nn/modules/pooling.h"

namespace tg::nn::models {

LeNet5Impl::LeNet5Impl(const ModelOptions& options_) : options(options_) {
  TG_CHECK(options.num_classes() > 0 && options.in_channels() > 0,
           "LeNet5: num_classes and in_channels must be positive, got ", options.num_classes(),
           " and ", options.in_channels());
  features = register_module(
      "features", Sequential(Conv2d(Conv2dOptions(options.in_channels(), 6, 5).padding(2)),
                             ReLU(), MaxPool2d(MaxPool2dOptions(2)),
                             Conv2d(Conv2dOptions(6, 16, 5)), ReLU(),
                             MaxPool2d(MaxPool2dOptions(2))));
  classifier = register_module(
      "classifier", Sequential(Linear(16 * 5 * 5, 120), ReLU(), Linear(120, 84), ReLU(),
                               Linear(84, options.num_classes())));
}

Tensor LeNet5Impl::forward(const Tensor& x) {
  TG_CHECK(x.dim() == 4 && x.size(2) == 28 && x.size(3) == 28,
           "LeNet5: expected input [N, ", options.in_channels(), ", 28, 28], got ", x.shape());
  return classifier(features(x).flatten(1));
}

LeNet5 lenet5(const ModelOptions& options) { return LeNet5(options); }

}  // namespace tg::nn::models
