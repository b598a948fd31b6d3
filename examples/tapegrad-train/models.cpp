#include "models.h"

#include <algorithm>
#include <sstream>

namespace train {
namespace nn = tg::nn;

namespace {

nn::Sequential lenet() {
  return nn::Sequential(
      nn::Conv2d(nn::Conv2dOptions(1, 6, 5).padding(2)), nn::ReLU(),
      nn::MaxPool2d(nn::MaxPool2dOptions(2)),
      nn::Conv2d(nn::Conv2dOptions(6, 16, 5)), nn::ReLU(),
      nn::MaxPool2d(nn::MaxPool2dOptions(2)),
      nn::Flatten(),
      nn::Linear(16 * 5 * 5, 120), nn::ReLU(),
      nn::Linear(120, 84), nn::ReLU(),
      nn::Linear(84, 10));
}

nn::Sequential two_conv() {
  return nn::Sequential(
      nn::Conv2d(nn::Conv2dOptions(1, 32, 3)), nn::ReLU(),
      nn::Conv2d(nn::Conv2dOptions(32, 64, 3)), nn::ReLU(),
      nn::MaxPool2d(nn::MaxPool2dOptions(2)),
      nn::Dropout(0.25),
      nn::Flatten(),
      nn::Linear(9216, 128), nn::ReLU(),
      nn::Dropout(0.5),
      nn::Linear(128, 10));
}

// conv3x3-bn-relu-conv3x3-bn (+ shortcut) - relu
class BasicBlockImpl : public nn::Module {
 public:
  BasicBlockImpl(int64_t in, int64_t out, int64_t stride) : nn::Module("BasicBlock") {
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
    bn1 = register_module("bn1", nn::BatchNorm2d(out));
    conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
    bn2 = register_module("bn2", nn::BatchNorm2d(out));
    if (stride != 1 || in != out) {
      shortcut = register_module("shortcut", nn::Sequential(
          nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
          nn::BatchNorm2d(out)));
    }
  }
  tg::Tensor forward(const tg::Tensor& x) {
    tg::Tensor h = tg::relu(bn1->forward(conv1->forward(x)));
    h = bn2->forward(conv2->forward(h));
    return tg::relu(h + (shortcut ? shortcut->forward(x) : x));
  }

 private:
  std::shared_ptr<nn::Conv2dImpl> conv1, conv2;
  std::shared_ptr<nn::BatchNorm2dImpl> bn1, bn2;
  std::shared_ptr<nn::SequentialImpl> shortcut;
};
TG_MODULE(BasicBlock);

nn::Sequential resnet() {
  return nn::Sequential(
      nn::Conv2d(nn::Conv2dOptions(1, 16, 3).padding(1).bias(false)), nn::BatchNorm2d(16),
      nn::ReLU(),
      BasicBlock(16, 16, 1), BasicBlock(16, 16, 1),
      BasicBlock(16, 32, 2), BasicBlock(32, 32, 1),
      BasicBlock(32, 64, 2), BasicBlock(64, 64, 1),
      nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})),
      nn::Flatten(),
      nn::Linear(64, 10));
}

const std::vector<std::string>& builtin_names() {
  static const std::vector<std::string> names = {"lenet", "cnn", "resnet"};
  return names;
}

}  // namespace

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all = builtin_names();
    for (const std::string& n : nn::models::model_names()) all.push_back(n);
    return all;
  }();
  return names;
}

bool is_model_name(const std::string& name) {
  const auto& names = model_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string model_name_list() {
  std::ostringstream os;
  for (const std::string& n : model_names()) os << (os.tellp() > 0 ? ", " : "") << n;
  return os.str();
}

int64_t model_input_size(const std::string& name) { return name == "alexnet" ? 64 : 28; }

nn::AnyModule make_model(const std::string& name) {
  if (name == "lenet") return nn::AnyModule(lenet());
  if (name == "cnn") return nn::AnyModule(two_conv());
  if (name == "resnet") return nn::AnyModule(resnet());
  TG_CHECK(is_model_name(name), "tapegrad-train: unknown model '", name, "'; valid names: ",
           model_name_list());
  return nn::models::create_model(
      name, nn::models::ModelOptions().num_classes(10).in_channels(1).small_input(true));
}

}  // namespace train
