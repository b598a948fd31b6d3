// Registers the losses with the fixture harness. Inputs are taken by PyTorch parameter name:
// weight and pos_weight are optional and either may be absent.
#include "support/op_registry.h"

namespace tg::testing {
namespace {

Reduction reduction(const Args& a, const char* fallback = "mean") {
  return reduction_from_string(str_arg(a, "reduction", fallback));
}

Tensor in(const NamedInputs& i, const char* name) { return named_or_none(i, name); }

TG_NAMED_OP("cross_entropy", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {cross_entropy(in(i, "input"), in(i, "target"), in(i, "weight"), reduction(a),
                        int_arg(a, "ignore_index", -100), float_arg(a, "label_smoothing", 0.0))};
});
TG_NAMED_OP("nll_loss", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {nll_loss(in(i, "input"), in(i, "target"), in(i, "weight"), reduction(a),
                   int_arg(a, "ignore_index", -100))};
});
TG_NAMED_OP("binary_cross_entropy", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {binary_cross_entropy(in(i, "input"), in(i, "target"), in(i, "weight"), reduction(a))};
});
TG_NAMED_OP("binary_cross_entropy_with_logits",
            [](const NamedInputs& i, const Args& a) -> TensorList {
  return {binary_cross_entropy_with_logits(in(i, "input"), in(i, "target"), in(i, "weight"),
                                           in(i, "pos_weight"), reduction(a))};
});
TG_NAMED_OP("mse_loss", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {mse_loss(in(i, "input"), in(i, "target"), reduction(a))};
});
TG_NAMED_OP("l1_loss", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {l1_loss(in(i, "input"), in(i, "target"), reduction(a))};
});
TG_NAMED_OP("smooth_l1_loss", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {smooth_l1_loss(in(i, "input"), in(i, "target"), reduction(a),
                         float_arg(a, "beta", 1.0))};
});
TG_NAMED_OP("huber_loss", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {huber_loss(in(i, "input"), in(i, "target"), reduction(a), float_arg(a, "delta", 1.0))};
});
TG_NAMED_OP("kl_div", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {kl_div(in(i, "input"), in(i, "target"), reduction(a),
                 bool_arg(a, "log_target", false))};
});
TG_NAMED_OP("focal_loss", [](const NamedInputs& i, const Args& a) -> TensorList {
  Tensor x = in(i, "input");
  Tensor alpha;
  if (has(a, "alpha")) {
    const auto values = a["alpha"].get<std::vector<double>>();
    alpha = tensor(values, {static_cast<int64_t>(values.size())}).to(x.dtype());
  }
  return {focal_loss(x, in(i, "target"), float_arg(a, "gamma", 2.0), alpha, reduction(a))};
});
TG_NAMED_OP("sigmoid_focal_loss", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {sigmoid_focal_loss(in(i, "input"), in(i, "target"), float_arg(a, "alpha", 0.25),
                             float_arg(a, "gamma", 2.0), reduction(a, "none"))};
});
TG_NAMED_OP("dice_loss", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {dice_loss(in(i, "input"), in(i, "target"), float_arg(a, "smooth", 1.0))};
});
TG_NAMED_OP("iou_loss", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {iou_loss(in(i, "input"), in(i, "target"), reduction(a))};
});
TG_NAMED_OP("giou_loss", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {giou_loss(in(i, "input"), in(i, "target"), reduction(a))};
});
TG_NAMED_OP("rmse_loss", [](const NamedInputs& i, const Args&) -> TensorList {
  return {rmse_loss(in(i, "input"), in(i, "target"))};
});

}  // namespace
}  // namespace tg::testing
