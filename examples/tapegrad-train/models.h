// The networks tapegrad-train can train on 28x28 grey images with 10 classes.
#pragma once
#include <memory>
#include <string>

#include <tapegrad.h>

namespace train {

// "lenet": LeNet-5 (conv5x5 6, pool, conv5x5 16, pool, 120, 84, 10) with ReLU;
// "cnn":   the classic two-conv network (conv3x3 32, conv3x3 64, maxpool, dropout,
//          linear 9216-128-10);
// "resnet": a small ResNet (three stages of two basic blocks with batch norm).
tg::nn::Sequential make_model(const std::string& name);

}  // namespace train
