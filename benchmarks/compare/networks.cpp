#include "networks.h"

#include <vector>

namespace compare {
namespace nn = tg::nn;

namespace {

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad,
                int64_t groups = 1, bool bias = false) {
  return nn::Conv2d(
      nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).groups(groups).bias(bias));
}

// ---------------------------------------------------------------- ResNet-18
class BasicBlockImpl : public nn::Module {
 public:
  BasicBlockImpl(int64_t in, int64_t out, int64_t stride) : nn::Module("BasicBlock") {
    conv1 = register_module("conv1", conv(in, out, 3, stride, 1));
    bn1 = register_module("bn1", nn::BatchNorm2d(out));
    conv2 = register_module("conv2", conv(out, out, 3, 1, 1));
    bn2 = register_module("bn2", nn::BatchNorm2d(out));
    if (stride != 1 || in != out)
      downsample = register_module("downsample",
                                   nn::Sequential(conv(in, out, 1, stride, 0), nn::BatchNorm2d(out)));
  }
  tg::Tensor forward(const tg::Tensor& x) {
    tg::Tensor h = tg::relu(bn1->forward(conv1->forward(x)));
    h = bn2->forward(conv2->forward(h));
    return tg::relu(h + (downsample ? downsample->forward(x) : x));
  }

 private:
  std::shared_ptr<nn::Conv2dImpl> conv1, conv2;
  std::shared_ptr<nn::BatchNorm2dImpl> bn1, bn2;
  std::shared_ptr<nn::SequentialImpl> downsample;
};
TG_MODULE(BasicBlock);

nn::Sequential resnet18(bool cifar, int64_t num_classes) {
  nn::Sequential net;
  if (cifar) {
    net->push_back(conv(3, 64, 3, 1, 1));
    net->push_back(nn::BatchNorm2d(64));
    net->push_back(nn::ReLU());
  } else {
    net->push_back(conv(3, 64, 7, 2, 3));
    net->push_back(nn::BatchNorm2d(64));
    net->push_back(nn::ReLU());
    net->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  }
  int64_t in = 64;
  for (int64_t out : {64, 128, 256, 512}) {
    const int64_t stride = out == 64 ? 1 : 2;
    net->push_back(BasicBlock(in, out, stride));
    net->push_back(BasicBlock(out, out, 1));
    in = out;
  }
  net->push_back(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})));
  net->push_back(nn::Flatten());
  net->push_back(nn::Linear(512, num_classes));
  return net;
}

// ---------------------------------------------------------------- VGG-11 with batch norm
nn::Sequential vgg11_bn(int64_t num_classes) {
  nn::Sequential net;
  int64_t in = 3;
  for (int64_t v : {64, -1, 128, -1, 256, 256, -1, 512, 512, -1, 512, 512, -1}) {
    if (v < 0) {
      net->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2)));
      continue;
    }
    net->push_back(conv(in, v, 3, 1, 1, 1, true));
    net->push_back(nn::BatchNorm2d(v));
    net->push_back(nn::ReLU());
    in = v;
  }
  net->push_back(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({7, 7})));
  net->push_back(nn::Flatten());
  net->push_back(nn::Linear(512 * 7 * 7, 4096));
  net->push_back(nn::ReLU());
  net->push_back(nn::Dropout(0.5));
  net->push_back(nn::Linear(4096, 4096));
  net->push_back(nn::ReLU());
  net->push_back(nn::Dropout(0.5));
  net->push_back(nn::Linear(4096, num_classes));
  return net;
}

// ---------------------------------------------------------------- MobileNetV2
nn::Functional relu6() {
  return nn::Functional([](tg::Tensor x) { return tg::clamp(x, 0.0, 6.0); });
}

nn::Sequential conv_bn_relu6(int64_t in, int64_t out, int64_t k, int64_t stride,
                             int64_t groups = 1) {
  return nn::Sequential(conv(in, out, k, stride, (k - 1) / 2, groups), nn::BatchNorm2d(out),
                        relu6());
}

class InvertedResidualImpl : public nn::Module {
 public:
  InvertedResidualImpl(int64_t in, int64_t out, int64_t stride, int64_t expand)
      : nn::Module("InvertedResidual"), residual_(stride == 1 && in == out) {
    const int64_t hidden = in * expand;
    nn::Sequential layers;
    if (expand != 1) layers->push_back(conv_bn_relu6(in, hidden, 1, 1));
    layers->push_back(conv_bn_relu6(hidden, hidden, 3, stride, hidden));
    layers->push_back(conv(hidden, out, 1, 1, 0));
    layers->push_back(nn::BatchNorm2d(out));
    conv_ = register_module("conv", layers);
  }
  tg::Tensor forward(const tg::Tensor& x) {
    tg::Tensor y = conv_->forward(x);
    return residual_ ? x + y : y;
  }

 private:
  bool residual_;
  std::shared_ptr<nn::SequentialImpl> conv_;
};
TG_MODULE(InvertedResidual);

nn::Sequential mobilenet_v2(int64_t num_classes) {
  nn::Sequential net;
  net->push_back(conv_bn_relu6(3, 32, 3, 2));
  int64_t in = 32;
  const int64_t settings[7][4] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                  {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
  for (const auto& s : settings) {
    for (int64_t i = 0; i < s[2]; ++i) {
      net->push_back(InvertedResidual(in, s[1], i == 0 ? s[3] : 1, s[0]));
      in = s[1];
    }
  }
  net->push_back(conv_bn_relu6(in, 1280, 1, 1));
  net->push_back(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})));
  net->push_back(nn::Flatten());
  net->push_back(nn::Dropout(0.2));
  net->push_back(nn::Linear(1280, num_classes));
  return net;
}

// ---------------------------------------------------------------- U-Net
// Four levels of (conv3x3-BN-ReLU) x 2 with max-pool down and 2x2 transposed-conv up,
// channels 32..512, skip connections by concatenation, a 1x1 head.
nn::Sequential double_conv(int64_t in, int64_t out) {
  return nn::Sequential(conv(in, out, 3, 1, 1), nn::BatchNorm2d(out), nn::ReLU(),
                        conv(out, out, 3, 1, 1), nn::BatchNorm2d(out), nn::ReLU());
}

class UNetImpl : public nn::Module {
 public:
  explicit UNetImpl(int64_t out_channels) : nn::Module("UNet") {
    const int64_t c[5] = {32, 64, 128, 256, 512};
    int64_t in = 3;
    for (int i = 0; i < 5; ++i) {
      down_.push_back(register_module("down" + std::to_string(i), double_conv(in, c[i])));
      in = c[i];
    }
    for (int i = 3; i >= 0; --i) {
      up_.push_back(register_module(
          "up" + std::to_string(i),
          nn::ConvTranspose2d(nn::ConvTranspose2dOptions(c[i + 1], c[i], 2).stride(2))));
      dec_.push_back(register_module("dec" + std::to_string(i), double_conv(2 * c[i], c[i])));
    }
    head_ = register_module("head", nn::Conv2d(nn::Conv2dOptions(c[0], out_channels, 1)));
  }
  tg::Tensor forward(const tg::Tensor& x) {
    std::vector<tg::Tensor> skips;
    tg::Tensor h = x;
    for (std::size_t i = 0; i < down_.size(); ++i) {
      if (i > 0) h = tg::max_pool2d(h, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false);
      h = down_[i]->forward(h);
      skips.push_back(h);
    }
    for (std::size_t i = 0; i < up_.size(); ++i) {
      h = up_[i]->forward(h);
      h = dec_[i]->forward(tg::cat({skips[skips.size() - 2 - i], h}, 1));
    }
    return head_->forward(h);
  }

 private:
  std::vector<std::shared_ptr<nn::SequentialImpl>> down_, dec_;
  std::vector<std::shared_ptr<nn::ConvTranspose2dImpl>> up_;
  std::shared_ptr<nn::Conv2dImpl> head_;
};
TG_MODULE(UNet);

}  // namespace

nn::Sequential make_network(const std::string& name, int64_t num_classes) {
  if (name == "resnet18") return resnet18(false, num_classes);
  if (name == "resnet18_cifar") return resnet18(true, num_classes);
  if (name == "vgg11_bn") return vgg11_bn(num_classes);
  if (name == "mobilenet_v2") return mobilenet_v2(num_classes);
  if (name == "unet") return nn::Sequential(UNet(num_classes));
  throw tg::Error("tapegrad-compare: unknown network '" + name + "'");
}

}  // namespace compare
