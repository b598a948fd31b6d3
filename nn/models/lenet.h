// LeNet-5 (LeCun et al., 1998) with ReLU and max-pooling, for 28x28 images (the first
// convolution pads by 2, which is the original's 32x32 input): features.0/3 (5x5
// convolutions to 6 and 16 channels, each followed by ReLU and a 2x2 max-pool),
// classifier.0/2/4 (Linear 400-120-84-classes with ReLU). torchvision has no LeNet: the names
// follow its features/classifier convention.
#pragma once
#include "nn/models/options.h"
#include "nn/modules/container.h"

namespace tg::nn::models {

class LeNet5Impl : public Module {
 public:
  explicit LeNet5Impl(const ModelOptions& options = ModelOptions().num_classes(10).in_channels(1));
  // [N, in_channels, 28, 28] -> [N, num_classes]
  Tensor forward(const Tensor& x);

  ModelOptions options;
  Sequential features{nullptr};
  Sequential classifier{nullptr};
};
TG_MODULE(LeNet5);

// 61,706 parameters with 10 classes and one input channel.
LeNet5 lenet5(const ModelOptions& options = ModelOptions().num_classes(10).in_channels(1));

}  // namespace tg::nn::models
