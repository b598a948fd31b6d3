// A small U-Net: an encoder of conv blocks and max-pools, a decoder of transposed-convolution
// up-sampling steps, each followed by a conv block on the concatenation with the encoder's
// features of the same resolution (the skip connections), and a 1x1 convolution to class
// logits per pixel.
#pragma once
#include "tapegrad.h"

namespace segment {

class UNetImpl : public tg::nn::Module {
 public:
  // in_channels -> num_classes logits per pixel; `width` channels at full resolution,
  // doubling at each of the three down-sampling steps. Input sides must be multiples of 8.
  UNetImpl(int64_t in_channels, int64_t num_classes, int64_t width);
  tg::Tensor forward(const tg::Tensor& x);

 private:
  tg::nn::Sequential enc1, enc2, enc3, bottom, dec3, dec2, dec1;
  tg::nn::ConvTranspose2d up3{nullptr}, up2{nullptr}, up1{nullptr};
  tg::nn::Conv2d head{nullptr};
};
TG_MODULE(UNet);

}  // namespace segment
