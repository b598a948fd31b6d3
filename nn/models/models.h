// The model zoo, tg::nn::models: LeNet-5, AlexNet, VGG-11/13/16/19 (with and without batch
// norm), ResNet-18/34/50, MobileNetV1 and MobileNetV2, as ordinary modules with
// torchvision's parameter and buffer names, so a torchvision state_dict saved as safetensors
// loads with tg::nn::load(model, path) (strict).
//
//   namespace models = tg::nn::models;
//   auto net = models::resnet18(models::ModelOptions().num_classes(10).in_channels(1)
//                                   .small_input(true));
#pragma once
#include "nn/models/alexnet.h"
#include "nn/models/factory.h"
#include "nn/models/lenet.h"
#include "nn/models/mobilenet.h"
#include "nn/models/options.h"
#include "nn/models/resnet.h"
#include "nn/models/vgg.h"
