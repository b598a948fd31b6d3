// Registers the box utilities (torchvision.ops) with the fixture harness.
#include "ops/boxes.h"
#include "support/op_registry.h"

namespace tg::testing {
namespace {

TG_NAMED_OP("box_convert", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {box_convert(named_or_none(i, "boxes"), str_arg(a, "in_fmt", ""),
                      str_arg(a, "out_fmt", ""))};
});
TG_NAMED_OP("box_area", [](const NamedInputs& i, const Args&) -> TensorList {
  return {box_area(named_or_none(i, "boxes"))};
});
TG_NAMED_OP("box_iou", [](const NamedInputs& i, const Args&) -> TensorList {
  return {box_iou(named_or_none(i, "boxes1"), named_or_none(i, "boxes2"))};
});
TG_NAMED_OP("generalized_box_iou", [](const NamedInputs& i, const Args&) -> TensorList {
  return {generalized_box_iou(named_or_none(i, "boxes1"), named_or_none(i, "boxes2"))};
});
TG_NAMED_OP("nms", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {nms(named_or_none(i, "boxes"), named_or_none(i, "scores"),
              float_arg(a, "iou_threshold", 0.5))};
});
TG_NAMED_OP("batched_nms", [](const NamedInputs& i, const Args& a) -> TensorList {
  return {batched_nms(named_or_none(i, "boxes"), named_or_none(i, "scores"),
                      named_or_none(i, "idxs"), float_arg(a, "iou_threshold", 0.5))};
});

}  // namespace
}  // namespace tg::testing
