// ResNet-18/34/50 (He et al., 2015) with torchvision's module layout and parameter names
// (conv1, bn1, layer1.0.conv1, layer2.0.downsample.0, fc, ...), so torchvision's state_dict
// loads into it. ResNet-50 uses the Bottleneck block with the stride on its 3x3 convolution
// (torchvision's "v1.5").
//
//   auto net = tg::nn::models::resnet18(tg::nn::models::ModelOptions().num_classes(10));
//   tg::Tensor logits = net(images);  // [N, 3, H, W] -> [N, 10]
//
// small_input: a 3x3 stride-1 stem and no max-pool (the usual form for 32x32 images);
// conv1.weight is then [64, in_channels, 3, 3] and maxpool is an Identity.
#pragma once
#include <cstdint>
#include <vector>

#include "nn/models/options.h"
#include "nn/modules/activation.h"
#include "nn/modules/container.h"
#include "nn/modules/conv.h"
#include "nn/modules/linear.h"
#include "nn/modules/normalization.h"
#include "nn/modules/pooling.h"

namespace tg::nn::models {

// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), both convolutions 3x3.
class BasicBlockImpl : public Module {
 public:
  static constexpr int64_t expansion = 1;
  // `downsample` (1x1 conv + batch norm, or empty) maps x to the block's output shape.
  BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, Sequential downsample);
  Tensor forward(const Tensor& x);

  Conv2d conv1{nullptr}, conv2{nullptr};
  BatchNorm2d bn1{nullptr}, bn2{nullptr};
  ReLU relu{nullptr};
  Sequential downsample{nullptr};
};
TG_MODULE(BasicBlock);

// 1x1 reduce to `planes`, 3x3 (with the stride), 1x1 expand to 4 * planes, plus shortcut.
class BottleneckImpl : public Module {
 public:
  static constexpr int64_t expansion = 4;
  BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, Sequential downsample);
  Tensor forward(const Tensor& x);

  Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  ReLU relu{nullptr};
  Sequential downsample{nullptr};
};
TG_MODULE(Bottleneck);

class ResNetImpl : public Module {
 public:
  enum class Block { kBasic, kBottleneck };
  // `layers`: the number of blocks in each of the four stages.
  ResNetImpl(Block block, const std::vector<int64_t>& layers, const ModelOptions& options = {});
  // [N, in_channels, H, W] -> [N, num_classes]
  Tensor forward(const Tensor& x);

  ModelOptions options;
  Conv2d conv1{nullptr};
  BatchNorm2d bn1{nullptr};
  ReLU relu{nullptr};
  AnyModule maxpool;  // MaxPool2d, or Identity with small_input
  Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  AdaptiveAvgPool2d avgpool{nullptr};
  Linear fc{nullptr};

 private:
  Sequential make_layer(Block block, int64_t planes, int64_t blocks, int64_t stride);
  int64_t inplanes_ = 64;
};
TG_MODULE(ResNet);

ResNet resnet18(const ModelOptions& options = {});  // 11,689,512 parameters
ResNet resnet34(const ModelOptions& options = {});  // 21,797,672
ResNet resnet50(const ModelOptions& options = {});  // 25,557,032

}  // namespace tg::nn::models
