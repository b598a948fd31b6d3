// Loss modules (libtorch's torch::nn::CrossEntropyLoss and friends, plus tapegrad's focal,
// Dice, IoU/GIoU and RMSE losses): forward(input, target) calls nn::functional with the
// module's options. Class weights are registered as buffers (so .to(dtype) converts them and
// they appear in state_dict), as in libtorch.
#pragma once
#include <ostream>

#include "nn/functional/loss.h"
#include "nn/module.h"

namespace tg::nn {

// Declares XImpl holding XOptions with forward(input, target) and the holder X.
#define TG_LOSS_MODULE_DECL(Name, OptionsType)                         \
  class Name##Impl : public Module {                                   \
   public:                                                             \
    explicit Name##Impl(const OptionsType& options = {});              \
    void reset();                                                      \
    Tensor forward(const Tensor& input, const Tensor& target);         \
    void pretty_print(std::ostream& stream) const override;            \
    OptionsType options;                                               \
  };                                                                   \
  TG_MODULE(Name)

TG_LOSS_MODULE_DECL(CrossEntropyLoss, CrossEntropyLossOptions);
TG_LOSS_MODULE_DECL(NLLLoss, NLLLossOptions);
TG_LOSS_MODULE_DECL(BCELoss, BCELossOptions);
TG_LOSS_MODULE_DECL(BCEWithLogitsLoss, BCEWithLogitsLossOptions);
TG_LOSS_MODULE_DECL(MSELoss, MSELossOptions);
TG_LOSS_MODULE_DECL(L1Loss, L1LossOptions);
TG_LOSS_MODULE_DECL(SmoothL1Loss, SmoothL1LossOptions);
TG_LOSS_MODULE_DECL(HuberLoss, HuberLossOptions);
TG_LOSS_MODULE_DECL(KLDivLoss, KLDivLossOptions);
TG_LOSS_MODULE_DECL(FocalLoss, FocalLossOptions);
TG_LOSS_MODULE_DECL(SigmoidFocalLoss, SigmoidFocalLossOptions);
TG_LOSS_MODULE_DECL(DiceLoss, DiceLossOptions);
TG_LOSS_MODULE_DECL(IoULoss, IoULossOptions);
TG_LOSS_MODULE_DECL(GIoULoss, GIoULossOptions);

#undef TG_LOSS_MODULE_DECL

// sqrt(mean((input - target)^2)); no options.
class RMSELossImpl : public Module {
 public:
  RMSELossImpl() = default;
  Tensor forward(const Tensor& input, const Tensor& target);
  void pretty_print(std::ostream& stream) const override;
};
TG_MODULE(RMSELoss);

}  // namespace tg::nn
