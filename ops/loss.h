// Loss functions: PyTorch 1.13's (names, argument order as in ATen, defaults, reductions)
// and the ones a CNN course uses for detection and segmentation (focal, Dice, IoU, GIoU,
// RMSE). Class-index targets are int64 and get no gradient; floating targets do.
#pragma once
#include <string>

#include "autograd/tensor.h"

namespace tg {

// How per-element losses are combined. BatchMean (sum / batch size) is kl_div's only.
enum class Reduction { None, Mean, Sum, BatchMean };
constexpr Reduction kNone = Reduction::None;
constexpr Reduction kMean = Reduction::Mean;
constexpr Reduction kSum = Reduction::Sum;
constexpr Reduction kBatchMean = Reduction::BatchMean;

// "none", "mean", "sum", "batchmean" (PyTorch's strings); throws on anything else.
Reduction reduction_from_string(const std::string& name);
const char* reduction_name(Reduction reduction);

// ---- classification
// input [N, C, d1, ...] (or [C]) of logits. With an int64 target [N, d1, ...] (or 0-d) of
// class indices: -w[t] * log_softmax(input)[t] per element, ignore_index targets contribute
// nothing, and Mean divides by the summed weight of the other targets; label_smoothing mixes
// in the uniform distribution as PyTorch does. With a floating target of input's shape
// (class probabilities): -sum_c w[c] * target[c] * log_softmax(input)[c], and Mean divides by
// the number of elements per class (N * d1 * ...). `weight` is an optional [C] tensor.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                     Reduction reduction = kMean, int64_t ignore_index = -100,
                     double label_smoothing = 0.0);
// input [N, C, d1, ...] (or [C]) of log-probabilities, int64 target [N, d1, ...]:
// -weight[t] * input[n, t, ...]; Mean divides by the summed weight of non-ignored targets.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                Reduction reduction = kMean, int64_t ignore_index = -100);
// input: probabilities in [0, 1]; target of the same shape; weight broadcast to input.
// -w * (t * log(x) + (1 - t) * log(1 - x)) with each log clamped to >= -100.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const Tensor& weight = Tensor(), Reduction reduction = kMean);
// input: logits; the same as binary_cross_entropy(sigmoid(input), ...) but stable for any
// logit. pos_weight (broadcast along the last dim, one per class) weights the positive term.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight = Tensor(),
                                        const Tensor& pos_weight = Tensor(),
                                        Reduction reduction = kMean);
// Multi-class focal loss on logits [N, C, d1, ...] with int64 target [N, d1, ...]:
// -alpha[t] * (1 - p_t)^gamma * log p_t, p = softmax(input, 1). `alpha` is an optional [C]
// tensor of class weights; Mean averages over all elements. gamma = 0 without alpha is
// cross entropy.
Tensor focal_loss(const Tensor& input, const Tensor& target, double gamma = 2.0,
                  const Tensor& alpha = Tensor(), Reduction reduction = kMean);
// torchvision's sigmoid focal loss on logits with a (0/1 or soft) floating target of the same
// shape: bce_with_logits * (1 - p_t)^gamma, times alpha * t + (1 - alpha) * (1 - t) when
// alpha >= 0. Note the default reduction is None, as in torchvision.
Tensor sigmoid_focal_loss(const Tensor& input, const Tensor& target, double alpha = 0.25,
                          double gamma = 2.0, Reduction reduction = kNone);

// ---- segmentation
// Soft Dice on logits [N, C, d1, ...] against int64 labels [N, d1, ...]: per class c, over the
// batch and all positions, dice_c = (2 sum p*y + smooth) / (sum p + sum y + smooth) with
// p = softmax(input, 1) and y one-hot; returns mean_c (1 - dice_c), a scalar.
Tensor dice_loss(const Tensor& input, const Tensor& target, double smooth = 1.0);

// ---- regression
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean);
// 0.5 * d^2 / beta where |d| < beta, else |d| - 0.5 * beta (d = input - target); beta = 0 is
// l1_loss.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean,
                      double beta = 1.0);
// 0.5 * d^2 where |d| < delta, else delta * (|d| - 0.5 * delta).
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean,
                  double delta = 1.0);
// sqrt(mean((input - target)^2)), a scalar.
Tensor rmse_loss(const Tensor& input, const Tensor& target);
// input: log-probabilities. target * (log(target) - input), or with log_target
// exp(target) * (target - input). BatchMean divides the sum by input.size(0).
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction = kMean,
              bool log_target = false);

// ---- boxes (x1, y1, x2, y2), input and target [N, 4] (formats: ops/boxes.h's box_convert)
// 1 - inter / (union + eps) per box pair, eps = 1e-7 (torchvision's): empty boxes give loss 1.
Tensor iou_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean);
// 1 - GIoU, GIoU = inter / (union + eps) - (hull - union) / (hull + eps), hull: enclosing box.
Tensor giou_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean);

}  // namespace tg
