// tg::nn::functional losses with libtorch-style option structs:
//   F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().label_smoothing(0.1));
// The same options configure the loss modules (nn/modules/loss.h): CrossEntropyLossOptions
// is CrossEntropyFuncOptions. Reductions are tg::kNone, tg::kMean, tg::kSum (and
// tg::kBatchMean for kl_div).
#pragma once
#include <cstdint>

#include "nn/options/arg.h"
#include "ops/loss.h"

namespace tg::nn {

struct CrossEntropyLossOptions {
  // Per-class weights [C] (optional).
  TG_ARG(Tensor, weight) = {};
  // Targets equal to this class index contribute nothing (nor to the mean's denominator).
  TG_ARG(int64_t, ignore_index) = -100;
  TG_ARG(Reduction, reduction) = kMean;
  // Mixes the target with the uniform distribution: (1 - s) * target + s / C.
  TG_ARG(double, label_smoothing) = 0.0;
};

struct NLLLossOptions {
  TG_ARG(Tensor, weight) = {};
  TG_ARG(int64_t, ignore_index) = -100;
  TG_ARG(Reduction, reduction) = kMean;
};

struct BCELossOptions {
  // Weights broadcast to the input's shape (optional).
  TG_ARG(Tensor, weight) = {};
  TG_ARG(Reduction, reduction) = kMean;
};

struct BCEWithLogitsLossOptions {
  TG_ARG(Tensor, weight) = {};
  TG_ARG(Reduction, reduction) = kMean;
  // Weight of the positive term, one per class along the last dim (optional).
  TG_ARG(Tensor, pos_weight) = {};
};

struct MSELossOptions {
  MSELossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT: as libtorch
  TG_ARG(Reduction, reduction);
};

struct L1LossOptions {
  L1LossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT: as libtorch
  TG_ARG(Reduction, reduction);
};

struct SmoothL1LossOptions {
  TG_ARG(Reduction, reduction) = kMean;
  // Where the loss switches from quadratic to linear; 0 gives L1.
  TG_ARG(double, beta) = 1.0;
};

struct HuberLossOptions {
  TG_ARG(Reduction, reduction) = kMean;
  // Where the loss switches from quadratic to linear (> 0).
  TG_ARG(double, delta) = 1.0;
};

struct KLDivLossOptions {
  // kBatchMean gives the true KL divergence per sample; kMean averages over every element.
  TG_ARG(Reduction, reduction) = kMean;
  // Whether the target holds log-probabilities.
  TG_ARG(bool, log_target) = false;
};

// ---- tapegrad's losses
struct FocalLossOptions {
  // Focusing parameter: 0 is cross entropy; larger values down-weight easy examples.
  TG_ARG(double, gamma) = 2.0;
  // Per-class weights [C] (optional).
  TG_ARG(Tensor, alpha) = {};
  TG_ARG(Reduction, reduction) = kMean;
};

struct SigmoidFocalLossOptions {
  // Weight of positives (negatives get 1 - alpha); a negative value disables weighting.
  TG_ARG(double, alpha) = 0.25;
  TG_ARG(double, gamma) = 2.0;
  TG_ARG(Reduction, reduction) = kNone;  // torchvision's default
};

struct DiceLossOptions {
  DiceLossOptions(double smooth = 1.0) : smooth_(smooth) {}  // NOLINT: implicit by design
  // Added to numerator and denominator: keeps absent classes from dividing 0 by 0.
  TG_ARG(double, smooth);
};

struct IoULossOptions {
  IoULossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT
  TG_ARG(Reduction, reduction);
};
using GIoULossOptions = IoULossOptions;

namespace functional {

using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using MSELossFuncOptions = MSELossOptions;
using L1LossFuncOptions = L1LossOptions;
using SmoothL1LossFuncOptions = SmoothL1LossOptions;
using HuberLossFuncOptions = HuberLossOptions;
using KLDivFuncOptions = KLDivLossOptions;
using FocalLossFuncOptions = FocalLossOptions;
using SigmoidFocalLossFuncOptions = SigmoidFocalLossOptions;
using DiceLossFuncOptions = DiceLossOptions;
using IoULossFuncOptions = IoULossOptions;
using GIoULossFuncOptions = IoULossOptions;

inline Tensor cross_entropy(const Tensor& input, const Tensor& target,
                            const CrossEntropyFuncOptions& options = {}) {
  return tg::cross_entropy(input, target, options.weight(), options.reduction(),
                           options.ignore_index(), options.label_smoothing());
}

inline Tensor nll_loss(const Tensor& input, const Tensor& target,
                       const NLLLossFuncOptions& options = {}) {
  return tg::nll_loss(input, target, options.weight(), options.reduction(),
                      options.ignore_index());
}

inline Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                                   const BinaryCrossEntropyFuncOptions& options = {}) {
  return tg::binary_cross_entropy(input, target, options.weight(), options.reduction());
}

inline Tensor binary_cross_entropy_with_logits(
    const Tensor& input, const Tensor& target,
    const BinaryCrossEntropyWithLogitsFuncOptions& options = {}) {
  return tg::binary_cross_entropy_with_logits(input, target, options.weight(),
                                              options.pos_weight(), options.reduction());
}

inline Tensor mse_loss(const Tensor& input, const Tensor& target,
                       const MSELossFuncOptions& options = {}) {
  return tg::mse_loss(input, target, options.reduction());
}

inline Tensor l1_loss(const Tensor& input, const Tensor& target,
                      const L1LossFuncOptions& options = {}) {
  return tg::l1_loss(input, target, options.reduction());
}

inline Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                             const SmoothL1LossFuncOptions& options = {}) {
  return tg::smooth_l1_loss(input, target, options.reduction(), options.beta());
}

inline Tensor huber_loss(const Tensor& input, const Tensor& target,
                         const HuberLossFuncOptions& options = {}) {
  return tg::huber_loss(input, target, options.reduction(), options.delta());
}

inline Tensor kl_div(const Tensor& input, const Tensor& target,
                     const KLDivFuncOptions& options = {}) {
  return tg::kl_div(input, target, options.reduction(), options.log_target());
}

inline Tensor rmse_loss(const Tensor& input, const Tensor& target) {
  return tg::rmse_loss(input, target);
}

inline Tensor focal_loss(const Tensor& input, const Tensor& target,
                         const FocalLossFuncOptions& options = {}) {
  return tg::focal_loss(input, target, options.gamma(), options.alpha(), options.reduction());
}

inline Tensor sigmoid_focal_loss(const Tensor& input, const Tensor& target,
                                 const SigmoidFocalLossFuncOptions& options = {}) {
  return tg::sigmoid_focal_loss(input, target, options.alpha(), options.gamma(),
                                options.reduction());
}

inline Tensor dice_loss(const Tensor& input, const Tensor& target,
                        const DiceLossFuncOptions& options = {}) {
  return tg::dice_loss(input, target, options.smooth());
}

inline Tensor iou_loss(const Tensor& input, const Tensor& target,
                       const IoULossFuncOptions& options = {}) {
  return tg::iou_loss(input, target, options.reduction());
}

inline Tensor giou_loss(const Tensor& input, const Tensor& target,
                        const GIoULossFuncOptions& options = {}) {
  return tg::giou_loss(input, target, options.reduction());
}

}  // namespace functional
}  // namespace tg::nn
