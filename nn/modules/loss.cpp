#include "nn/modules/loss.h"

namespace tg::nn {
namespace {

namespace F = functional;

void print_reduction(std::ostream& s, Reduction r) { s << "reduction=" << reduction_name(r); }

}  // namespace

// Loss modules without tensors in their options.
#define TG_LOSS_MODULE_PLAIN(Name)                                        \
  Name##Impl::Name##Impl(const Name##Options& options_) : options(options_) { reset(); } \
  void Name##Impl::reset() {}

TG_LOSS_MODULE_PLAIN(MSELoss)
TG_LOSS_MODULE_PLAIN(L1Loss)
TG_LOSS_MODULE_PLAIN(SmoothL1Loss)
TG_LOSS_MODULE_PLAIN(HuberLoss)
TG_LOSS_MODULE_PLAIN(KLDivLoss)
TG_LOSS_MODULE_PLAIN(SigmoidFocalLoss)
TG_LOSS_MODULE_PLAIN(DiceLoss)
TG_LOSS_MODULE_PLAIN(IoULoss)
TG_LOSS_MODULE_PLAIN(GIoULoss)
#undef TG_LOSS_MODULE_PLAIN

// ---------------------------------------------------------------- with weight buffers

CrossEntropyLossImpl::CrossEntropyLossImpl(const CrossEntropyLossOptions& options_)
    : options(options_) {
  reset();
}
void CrossEntropyLossImpl::reset() {
  options.weight(register_buffer("weight", options.weight()));
}
Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::cross_entropy(input, target, options);
}
void CrossEntropyLossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::CrossEntropyLoss(ignore_index=" << options.ignore_index() << ", ";
  print_reduction(s, options.reduction());
  s << ", label_smoothing=" << options.label_smoothing() << ")";
}

NLLLossImpl::NLLLossImpl(const NLLLossOptions& options_) : options(options_) { reset(); }
void NLLLossImpl::reset() { options.weight(register_buffer("weight", options.weight())); }
Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::nll_loss(input, target, options);
}
void NLLLossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::NLLLoss(ignore_index=" << options.ignore_index() << ", ";
  print_reduction(s, options.reduction());
  s << ")";
}

BCELossImpl::BCELossImpl(const BCELossOptions& options_) : options(options_) { reset(); }
void BCELossImpl::reset() { options.weight(register_buffer("weight", options.weight())); }
Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy(input, target, options);
}
void BCELossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::BCELoss(";
  print_reduction(s, options.reduction());
  s << ")";
}

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& options_)
    : options(options_) {
  reset();
}
void BCEWithLogitsLossImpl::reset() {
  options.weight(register_buffer("weight", options.weight()));
  options.pos_weight(register_buffer("pos_weight", options.pos_weight()));
}
Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy_with_logits(input, target, options);
}
void BCEWithLogitsLossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::BCEWithLogitsLoss(";
  print_reduction(s, options.reduction());
  s << ")";
}

FocalLossImpl::FocalLossImpl(const FocalLossOptions& options_) : options(options_) { reset(); }
void FocalLossImpl::reset() { options.alpha(register_buffer("alpha", options.alpha())); }
Tensor FocalLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::focal_loss(input, target, options);
}
void FocalLossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::FocalLoss(gamma=" << options.gamma() << ", ";
  print_reduction(s, options.reduction());
  s << ")";
}

// ---------------------------------------------------------------- the rest

Tensor MSELossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::mse_loss(input, target, options);
}
void MSELossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::MSELoss(";
  print_reduction(s, options.reduction());
  s << ")";
}

Tensor L1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::l1_loss(input, target, options);
}
void L1LossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::L1Loss(";
  print_reduction(s, options.reduction());
  s << ")";
}

Tensor SmoothL1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::smooth_l1_loss(input, target, options);
}
void SmoothL1LossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::SmoothL1Loss(";
  print_reduction(s, options.reduction());
  s << ", beta=" << options.beta() << ")";
}

Tensor HuberLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::huber_loss(input, target, options);
}
void HuberLossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::HuberLoss(";
  print_reduction(s, options.reduction());
  s << ", delta=" << options.delta() << ")";
}

Tensor KLDivLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::kl_div(input, target, options);
}
void KLDivLossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::KLDivLoss(";
  print_reduction(s, options.reduction());
  s << ", log_target=" << (options.log_target() ? "true" : "false") << ")";
}

Tensor SigmoidFocalLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::sigmoid_focal_loss(input, target, options);
}
void SigmoidFocalLossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::SigmoidFocalLoss(alpha=" << options.alpha() << ", gamma=" << options.gamma()
    << ", ";
  print_reduction(s, options.reduction());
  s << ")";
}

Tensor DiceLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::dice_loss(input, target, options);
}
void DiceLossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::DiceLoss(smooth=" << options.smooth() << ")";
}

Tensor IoULossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::iou_loss(input, target, options);
}
void IoULossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::IoULoss(";
  print_reduction(s, options.reduction());
  s << ")";
}

Tensor GIoULossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::giou_loss(input, target, options);
}
void GIoULossImpl::pretty_print(std::ostream& s) const {
  s << "tg::nn::GIoULoss(";
  print_reduction(s, options.reduction());
  s << ")";
}

Tensor RMSELossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::rmse_loss(input, target);
}
void RMSELossImpl::pretty_print(std::ostream& s) const { s << "tg::nn::RMSELoss()"; }

}  // namespace tg::nn
