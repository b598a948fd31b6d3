// Convolution + BatchNorm2d + activation as one Sequential (torchvision's
// Conv2dNormActivation: children 0, 1, 2), "same" padding for odd kernels, no conv bias.
#pragma once
#include <cstdint>

#include "nn/modules/container.h"
#include "nn/modules/conv.h"
#include "nn/modules/normalization.h"

namespace tg::nn::models {

template <class Activation>
Sequential conv_norm_act(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1,
                         int64_t groups = 1) {
  return Sequential(Conv2d(Conv2dOptions(in, out, kernel)
                               .stride(stride)
                               .padding((kernel - 1) / 2)
                               .groups(groups)
                               .bias(false)),
                    BatchNorm2d(out), Activation());
}

}  // namespace tg::nn::models
