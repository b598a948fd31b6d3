// The whole networks timed by benchmarks/compare_pytorch, with torchvision's architectures
// (pytorch_side.py builds the same ones from torchvision): ResNet-18 (ImageNet stem, and the
// CIFAR variant with a 3x3 stride-1 stem and no max-pool), VGG-11 with batch norm,
// MobileNetV2, and a U-Net.
#pragma once
#include <tapegrad.h>

#include <string>

namespace compare {

// Builds network `name`: "resnet18", "resnet18_cifar", "vgg11_bn", "mobilenet_v2", "unet".
tg::nn::Sequential make_network(const std::string& name, int64_t num_classes);

}  // namespace compare
