#include "unet.h"

namespace segment {
namespace nn = tg::nn;

namespace {

// conv3x3 - batch norm - ReLU, twice.
nn::Sequential block(int64_t in, int64_t out) {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)),
                        nn::BatchNorm2d(out), nn::ReLU(),
                        nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)),
                        nn::BatchNorm2d(out), nn::ReLU());
}

// Doubles the resolution, halves the channels.
nn::ConvTranspose2d up(int64_t in) {
  return nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in, in / 2, 2).stride(2));
}

}  // namespace

UNetImpl::UNetImpl(int64_t in_channels, int64_t num_classes, int64_t width)
    : nn::Module("UNet") {
  const int64_t w = width;
  enc1 = register_module("enc1", block(in_channels, w));
  enc2 = register_module("enc2", block(w, 2 * w));
  enc3 = register_module("enc3", block(2 * w, 4 * w));
  bottom = register_module("bottom", block(4 * w, 8 * w));
  up3 = register_module("up3", up(8 * w));
  dec3 = register_module("dec3", block(8 * w, 4 * w));
  up2 = register_module("up2", up(4 * w));
  dec2 = register_module("dec2", block(4 * w, 2 * w));
  up1 = register_module("up1", up(2 * w));
  dec1 = register_module("dec1", block(2 * w, w));
  head = register_module("head", nn::Conv2d(nn::Conv2dOptions(w, num_classes, 1)));
}

tg::Tensor UNetImpl::forward(const tg::Tensor& x) {
  auto pool = [](const tg::Tensor& t) { return tg::F::max_pool2d(t, tg::F::MaxPool2dFuncOptions(2)); };
  tg::Tensor e1 = enc1->forward(x);              // [N, w, H, W]
  tg::Tensor e2 = enc2->forward(pool(e1));       // [N, 2w, H/2, W/2]
  tg::Tensor e3 = enc3->forward(pool(e2));       // [N, 4w, H/4, W/4]
  tg::Tensor b = bottom->forward(pool(e3));      // [N, 8w, H/8, W/8]
  tg::Tensor d3 = dec3->forward(tg::cat({up3->forward(b), e3}, 1));
  tg::Tensor d2 = dec2->forward(tg::cat({up2->forward(d3), e2}, 1));
  tg::Tensor d1 = dec1->forward(tg::cat({up1->forward(d2), e1}, 1));
  return head->forward(d1);                      // [N, classes, H, W]
}

}  // namespace segment
