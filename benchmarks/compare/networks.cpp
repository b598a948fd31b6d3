#include "networks.h"

#include <vector>

namespace compare {
namespace nn = tg::nn;

namespace {

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).bias(false));
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

nn::AnyModule make_network(const std::string& name, int64_t num_classes) {
  namespace models = nn::models;
  const auto options = models::ModelOptions().num_classes(num_classes).in_channels(3);
  // torchvision's resnet18 with conv1 = Conv2d(3, 64, 3, 1, 1, bias=False) and no max-pool.
  if (name == "resnet18_cifar")
    return nn::AnyModule(models::resnet18(models::ModelOptions(options).small_input(true)));
  if (name == "resnet18") return nn::AnyModule(models::resnet18(options));
  // The full torchvision network, also on 32x32 images (1x1 features pooled up to 7x7).
  if (name == "vgg11_bn") return nn::AnyModule(models::vgg11_bn(options));
  if (name == "mobilenet_v2") return nn::AnyModule(models::mobilenet_v2(options));
  if (name == "unet") return nn::AnyModule(UNet(num_classes));
  throw tg::Error("tapegrad-compare: unknown network '" + name + "'");
}

}  // namespace compare
