// AlexNet (Krizhevsky et al., 2012) in torchvision's single-tower form and names:
// features.0/3/6/8/10 (convolutions 64-192-384-256-256 with ReLU and three 3x3 stride-2
// max-pools), avgpool (adaptive, 6x6), classifier.1/4/6 (dropout 0.5, Linear 9216-4096-4096-
// classes). Inputs must be at least 63x63; 224x224 is the usual size.
#pragma once
#include "nn/models/options.h"
#include "nn/modules/container.h"
#include "nn/modules/pooling.h"

namespace tg::nn::models {

class AlexNetImpl : public Module {
 public:
  explicit AlexNetImpl(const ModelOptions& options = {});
  // [N, in_channels, H, W] -> [N, num_classes]
  Tensor forward(const Tensor& x);

  ModelOptions options;
  Sequential features{nullptr};
  AdaptiveAvgPool2d avgpool{nullptr};
  Sequential classifier{nullptr};
};
TG_MODULE(AlexNet);

AlexNet alexnet(const ModelOptions& options = {});  // 61,100,840 parameters

}  // namespace tg::nn::models
