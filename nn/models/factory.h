// The zoo's models by name, for programs that pick one from a string (tapegrad-train
// --model resnet18): "lenet5", "alexnet", "vgg11" ... "vgg19_bn", "resnet18", "resnet34",
// "resnet50", "mobilenet_v1", "mobilenet_v2".
#pragma once
#include <string>
#include <vector>

#include "nn/models/options.h"
#include "nn/modules/container.h"

namespace tg::nn::models {

// Every name create_model accepts, in the order above.
const std::vector<std::string>& model_names();
// The model called `name`, built with `options`; its module is model.ptr(). Throws tg::Error
// listing the names for an unknown one.
AnyModule create_model(const std::string& name, const ModelOptions& options = {});

}  // namespace tg::nn::models
