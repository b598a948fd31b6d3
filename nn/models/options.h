// The options every zoo model takes (tg::nn::models::ModelOptions), and the channel rounding
// the MobileNets use.
#pragma once
#include <cstdint>

#include "nn/arg.h"

namespace tg::nn::models {

struct ModelOptions {
  // Outputs of the last layer (the logits).
  TG_ARG(int64_t, num_classes) = 1000;
  // Channels of the input images: 3 for RGB, 1 for grey.
  TG_ARG(int64_t, in_channels) = 3;
  // The variant for small images (28x28, 32x32), where the model has one; each model's
  // header says what changes. Parameter names stay the same.
  TG_ARG(bool, small_input) = false;
  // MobileNets only: every layer's channel count times this, rounded to a multiple of 8.
  TG_ARG(double, width_mult) = 1.0;
};

// The multiple of `divisor` nearest to v, at least `divisor`, and not more than 10% below v
// (torchvision's _make_divisible).
int64_t make_divisible(double v, int64_t divisor = 8);

}  // namespace tg::nn::models
