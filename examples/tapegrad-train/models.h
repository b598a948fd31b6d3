// The networks tapegrad-train can train on Fashion-MNIST (one grey channel, 10 classes):
// three built-in ones and the model zoo's (tg::nn::models) in their small-input variants.
// Each is held as a tg::nn::AnyModule, so the trainer's loops, checkpoints, summary and
// data-parallel wrapper work with any module type.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <tapegrad.h>

namespace train {

// Built-in:
// "lenet":  LeNet-5 (conv5x5 6, pool, conv5x5 16, pool, 120, 84, 10) with ReLU;
// "cnn":    the classic two-conv network (conv3x3 32, conv3x3 64, maxpool, dropout,
//           linear 9216-128-10);
// "resnet": a small ResNet (three stages of two basic blocks with batch norm, 16-64 channels).
// From the zoo, with in_channels 1, num_classes 10 and small_input: "lenet5", "alexnet",
// "vgg11" ... "vgg19_bn", "resnet18", "resnet34", "resnet50", "mobilenet_v1", "mobilenet_v2"
// (torchvision's parameter names, so --export-weights writes a torchvision-keyed state_dict).
const std::vector<std::string>& model_names();
bool is_model_name(const std::string& name);
// "lenet, cnn, resnet, lenet5, ...": for help texts and errors.
std::string model_name_list();

// The side of the square images `name` is fed: 28 (Fashion-MNIST's own) for every model but
// AlexNet, whose three stride-2 max-pools after an 11x11 stride-4 stem need at least 63x63;
// its images are resized bilinearly to this size (see resize_transform).
int64_t model_input_size(const std::string& name);

// The network called `name`, freshly initialised from the global generator. Throws
// tg::Error listing the valid names for an unknown one.
tg::nn::AnyModule make_model(const std::string& name);

// An AnyModule with the module-holder interface (ptr() and ->forward) that
// tg::distributed::DistributedDataParallel wraps.
struct ModelHolder {
  tg::nn::AnyModule model;
  const std::shared_ptr<tg::nn::Module>& ptr() const { return model.ptr(); }
  const tg::nn::AnyModule* operator->() const { return &model; }
};

}  // namespace train
