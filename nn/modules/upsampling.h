// Upsample: resampling as a layer (torch::nn::Upsample), by a target size or a scale factor,
// in 'nearest', 'linear', 'bilinear' or 'trilinear' mode.
//
//   tg::nn::Upsample up(tg::nn::UpsampleOptions().scale_factor(2.0).mode(tg::kBilinear)
//                           .align_corners(false));
#pragma once
#include <ostream>

#include "nn/module.h"
#include "nn/options/pool.h"

namespace tg::nn {

class UpsampleImpl : public Module {
 public:
  explicit UpsampleImpl(const UpsampleOptions& options = {});

  // Checks the options: exactly one of size and scale_factor, positive values, and
  // align_corners only with the linear modes.
  void reset();
  // Resamples the spatial dims of input [N, C, s...] ('linear' needs 3-d, 'bilinear' 4-d,
  // 'trilinear' 5-d inputs).
  Tensor forward(const Tensor& input);
  // libtorch's format: tg::nn::Upsample(scale_factor=[2, 2], mode=kBilinear)
  void pretty_print(std::ostream& stream) const override;

  UpsampleOptions options;
};
TG_MODULE(Upsample);

}  // namespace tg::nn
