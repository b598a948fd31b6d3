#include "nn/models/resnet.h"

#include <utility>

#include "autograd/error.h"
#include "ops/elementwise.h"

namespace tg::nn::models {
namespace {

Conv2d conv3x3(int64_t in, int64_t out, int64_t stride = 1) {
  return Conv2d(Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}

Conv2d conv1x1(int64_t in, int64_t out, int64_t stride = 1) {
  return Conv2d(Conv2dOptions(in, out, 1).stride(stride).bias(false));
}

}  // namespace

// ---------------------------------------------------------------- blocks
BasicBlockImpl::BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride,
                               Sequential downsample_) {
  conv1 = register_module("conv1", conv3x3(inplanes, planes, stride));
  bn1 = register_module("bn1", BatchNorm2d(planes));
  relu = register_module("relu", ReLU());
  conv2 = register_module("conv2", conv3x3(planes, planes));
  bn2 = register_module("bn2", BatchNorm2d(planes));
  if (downsample_) downsample = register_module("downsample", downsample_);
}

Tensor BasicBlockImpl::forward(const Tensor& x) {
  Tensor out = relu(bn1(conv1(x)));
  out = bn2(conv2(out));
  return relu(out + (downsample ? downsample(x) : x));
}

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride,
                               Sequential downsample_) {
  conv1 = register_module("conv1", conv1x1(inplanes, planes));
  bn1 = register_module("bn1", BatchNorm2d(planes));
  conv2 = register_module("conv2", conv3x3(planes, planes, stride));
  bn2 = register_module("bn2", BatchNorm2d(planes));
  conv3 = register_module("conv3", conv1x1(planes, planes * expansion));
  bn3 = register_module("bn3", BatchNorm2d(planes * expansion));
  relu = register_module("relu", ReLU());
  if (downsample_) downsample = register_module("downsample", downsample_);
}

Tensor BottleneckImpl::forward(const Tensor& x) {
  Tensor out = relu(bn1(conv1(x)));
  out = relu(bn2(conv2(out)));
  out = bn3(conv3(out));
  return relu(out + (downsample ? downsample(x) : x));
}

// ---------------------------------------------------------------- the network
ResNetImpl::ResNetImpl(Block block, const std::vector<int64_t>& layers,
                       const ModelOptions& options_)
    : options(options_) {
  TG_CHECK(layers.size() == 4, "ResNet: layers must give the block count of 4 stages, got ",
           layers.size(), " values");
  TG_CHECK(options.num_classes() > 0 && options.in_channels() > 0,
           "ResNet: num_classes and in_channels must be positive, got ", options.num_classes(),
           " and ", options.in_channels());
  const int64_t in = options.in_channels();
  if (options.small_input()) {
    conv1 = register_module("conv1", conv3x3(in, 64));
  } else {
    conv1 = register_module(
        "conv1", Conv2d(Conv2dOptions(in, 64, 7).stride(2).padding(3).bias(false)));
  }
  bn1 = register_module("bn1", BatchNorm2d(64));
  relu = register_module("relu", ReLU());
  if (options.small_input()) {
    maxpool = AnyModule(register_module("maxpool", Identity()));
  } else {
    maxpool = AnyModule(
        register_module("maxpool", MaxPool2d(MaxPool2dOptions(3).stride(2).padding(1))));
  }
  layer1 = register_module("layer1", make_layer(block, 64, layers[0], 1));
  layer2 = register_module("layer2", make_layer(block, 128, layers[1], 2));
  layer3 = register_module("layer3", make_layer(block, 256, layers[2], 2));
  layer4 = register_module("layer4", make_layer(block, 512, layers[3], 2));
  avgpool = register_module("avgpool", AdaptiveAvgPool2d(AdaptiveAvgPool2dOptions({1, 1})));
  const int64_t expansion =
      block == Block::kBasic ? BasicBlockImpl::expansion : BottleneckImpl::expansion;
  fc = register_module("fc", Linear(512 * expansion, options.num_classes()));
}

Sequential ResNetImpl::make_layer(Block block, int64_t planes, int64_t blocks, int64_t stride) {
  const int64_t expansion =
      block == Block::kBasic ? BasicBlockImpl::expansion : BottleneckImpl::expansion;
  Sequential downsample{nullptr};
  if (stride != 1 || inplanes_ != planes * expansion) {
    downsample = Sequential(conv1x1(inplanes_, planes * expansion, stride),
                            BatchNorm2d(planes * expansion));
  }
  Sequential layer;
  for (int64_t i = 0; i < blocks; ++i) {
    const int64_t s = i == 0 ? stride : 1;
    Sequential ds = i == 0 ? downsample : Sequential(nullptr);
    if (block == Block::kBasic) {
      layer->push_back(BasicBlock(inplanes_, planes, s, ds));
    } else {
      layer->push_back(Bottleneck(inplanes_, planes, s, ds));
    }
    inplanes_ = planes * expansion;
  }
  return layer;
}

Tensor ResNetImpl::forward(const Tensor& input) {
  Tensor x = relu(bn1(conv1(input)));
  x = maxpool.forward(x);
  x = layer4(layer3(layer2(layer1(x))));
  return fc(avgpool(x).flatten(1));
}

ResNet resnet18(const ModelOptions& options) {
  return ResNet(ResNetImpl::Block::kBasic, std::vector<int64_t>{2, 2, 2, 2}, options);
}

ResNet resnet34(const ModelOptions& options) {
  return ResNet(ResNetImpl::Block::kBasic, std::vector<int64_t>{3, 4, 6, 3}, options);
}

ResNet resnet50(const ModelOptions& options) {
  return ResNet(ResNetImpl::Block::kBottleneck, std::vector<int64_t>{3, 4, 6, 3}, options);
}

}  // namespace tg::nn::models
