#include "nn/models/factory.h"

#include <functional>
#include <sstream>

#include "autograd/error.h"
#include "nn/models/models.h"

namespace tg::nn::models {
namespace {

using Factory = std::function<AnyModule(const ModelOptions&)>;

template <class Holder>
Factory make(Holder (*build)(const ModelOptions&)) {
  return [build](const ModelOptions& o) { return AnyModule(build(o)); };
}

const std::vector<std::pair<std::string, Factory>>& factories() {
  static const std::vector<std::pair<std::string, Factory>> all = {
      {"lenet5", make(lenet5)},         {"alexnet", make(alexnet)},
      {"vgg11", make(vgg11)},           {"vgg11_bn", make(vgg11_bn)},
      {"vgg13", make(vgg13)},           {"vgg13_bn", make(vgg13_bn)},
      {"vgg16", make(vgg16)},           {"vgg16_bn", make(vgg16_bn)},
      {"vgg19", make(vgg19)},           {"vgg19_bn", make(vgg19_bn)},
      {"resnet18", make(resnet18)},     {"resnet34", make(resnet34)},
      {"resnet50", make(resnet50)},     {"mobilenet_v1", make(mobilenet_v1)},
      {"mobilenet_v2", make(mobilenet_v2)}};
  return all;
}

}  // namespace

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, f] : factories()) n.push_back(name);
    return n;
  }();
  return names;
}

AnyModule create_model(const std::string& name, const ModelOptions& options) {
  for (const auto& [n, build] : factories())
    if (n == name) return build(options);
  std::ostringstream known;
  for (const auto& n : model_names()) known << (known.tellp() > 0 ? ", " : "") << n;
  throw Error("create_model: unknown model '" + name + "' (known: " + known.str() + ")");
}

}  // namespace tg::nn::models
