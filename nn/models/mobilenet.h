// MobileNetV1 (Howard et al., 2017) and MobileNetV2 (Sandler et al., 2018). Both take a width
// multiplier (ModelOptions::width_mult: every layer's channels times it, rounded to a
// multiple of 8).
//
// MobileNetV2 has torchvision's layout and names: features.0 (3x3 stride-2 conv, BatchNorm2d,
// ReLU6 as features.0.0/1/2), features.1-17 (inverted residuals, features.N.conv.*),
// features.18 (1x1 conv to 1280 channels), a global average pool, classifier.1 (after a
// dropout of 0.2).
//
// MobileNetV1 (not in torchvision) is laid out the same way: features.0 (3x3 stride-2 conv to
// 32 channels, BatchNorm2d, ReLU), features.1-13 (depthwise-separable blocks: 3x3 depthwise
// conv, BatchNorm2d, ReLU, 1x1 pointwise conv, BatchNorm2d, ReLU as features.N.0-5), avgpool,
// classifier (Linear).
//
// small_input (both): the stem convolution has stride 1, for 28x28 and 32x32 images.
#pragma once
#include <cstdint>

#include "nn/models/options.h"
#include "nn/modules/container.h"
#include "nn/modules/linear.h"
#include "nn/modules/pooling.h"

namespace tg::nn::models {

class MobileNetV1Impl : public Module {
 public:
  explicit MobileNetV1Impl(const ModelOptions& options = {});
  // [N, in_channels, H, W] -> [N, num_classes]
  Tensor forward(const Tensor& x);

  ModelOptions options;
  Sequential features{nullptr};
  AdaptiveAvgPool2d avgpool{nullptr};
  Linear classifier{nullptr};
};
TG_MODULE(MobileNetV1);

// x + block(x) when the stride is 1 and the channels stay the same, else block(x), where
// block is a 1x1 expansion (skipped for expand_ratio 1), a 3x3 depthwise convolution
// (each with BatchNorm2d and ReLU6) and a linear 1x1 projection with BatchNorm2d.
class InvertedResidualImpl : public Module {
 public:
  InvertedResidualImpl(int64_t in, int64_t out, int64_t stride, int64_t expand_ratio);
  Tensor forward(const Tensor& x);

  Sequential conv{nullptr};
  bool use_res_connect = false;
};
TG_MODULE(InvertedResidual);

class MobileNetV2Impl : public Module {
 public:
  explicit MobileNetV2Impl(const ModelOptions& options = {});
  // [N, in_channels, H, W] -> [N, num_classes]
  Tensor forward(const Tensor& x);

  ModelOptions options;
  Sequential features{nullptr};
  Sequential classifier{nullptr};
};
TG_MODULE(MobileNetV2);

MobileNetV1 mobilenet_v1(const ModelOptions& options = {});  // 4,231,976 parameters
MobileNetV2 mobilenet_v2(const ModelOptions& options = {});  // 3,504,872

}  // namespace tg::nn::models
