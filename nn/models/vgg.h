// VGG-11/13/16/19 (Simonyan & Zisserman, 2014), with and without batch norm, with
// torchvision's layout and names: features.N (3x3 convolutions, [BatchNorm2d,] ReLU, and
// max-pools), avgpool (adaptive, 7x7), classifier.0/3/6 (Linear 25088-4096-4096-classes
// with ReLU and dropout 0.5). Inputs must be at least 32x32.
//
//   auto net = tg::nn::models::vgg16_bn();   // 138,365,992 parameters
//
// small_input (for 28x28 and 32x32 images): the last max-pool is left out, the adaptive
// pool gives 1x1 and the classifier is 512-512-512-classes; names stay the same.
#pragma once
#include <cstdint>
#include <vector>

#include "nn/models/options.h"
#include "nn/modules/container.h"
#include "nn/modules/pooling.h"

namespace tg::nn::models {

class VGGImpl : public Module {
 public:
  // `config`: the output channels of each 3x3 convolution in order, 0 for a 2x2 max-pool
  // (torchvision's "M").
  VGGImpl(const std::vector<int64_t>& config, bool batch_norm, const ModelOptions& options = {});
  // [N, in_channels, H, W] -> [N, num_classes]
  Tensor forward(const Tensor& x);

  ModelOptions options;
  Sequential features{nullptr};
  AdaptiveAvgPool2d avgpool{nullptr};
  Sequential classifier{nullptr};
};
TG_MODULE(VGG);

VGG vgg11(const ModelOptions& options = {});     // 132,863,336 parameters
VGG vgg11_bn(const ModelOptions& options = {});  // 132,868,840
VGG vgg13(const ModelOptions& options = {});     // 133,047,848
VGG vgg13_bn(const ModelOptions& options = {});  // 133,053,736
VGG vgg16(const ModelOptions& options = {});     // 138,357,544
VGG vgg16_bn(const ModelOptions& options = {});  // 138,365,992
VGG vgg19(const ModelOptions& options = {});     // 143,667,240
VGG vgg19_bn(const ModelOptions& options = {});  // 143,678,248

}  // namespace tg::nn::models
