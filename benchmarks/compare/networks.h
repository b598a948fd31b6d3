// The whole networks timed by benchmarks/compare_pytorch: the model zoo's (tg::nn::models)
// ResNet-18 (ImageNet stem, and the small-input variant with a 3x3 stride-1 stem and no
// max-pool), VGG-11 with batch norm and MobileNetV2, which have torchvision's layers
// (pytorch_side.py builds the same ones from torchvision), and a U-Net defined here and there.
#pragma once
#include <tapegrad.h>

#include <string>

namespace compare {

// Builds network `name`: "resnet18", "resnet18_cifar", "vgg11_bn", "mobilenet_v2", "unet".
tg::nn::AnyModule make_network(const std::string& name, int64_t num_classes);

}  // namespace compare
