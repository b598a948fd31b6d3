// Bounding boxes, with torchvision.ops' names and semantics (torchvision 0.14).
//
// Formats of the last dimension (4 numbers per box):
//   "xyxy"   (x1, y1, x2, y2): top-left and bottom-right corners (what box_iou, nms and the
//            IoU losses take);
//   "xywh"   (x, y, w, h): top-left point, width and height (the lecture's "point + width +
//            height" form of a bounding box);
//   "cxcywh" (cx, cy, w, h): centre point, width and height.
// The conversions, box_area, box_iou and generalized_box_iou are compositions of
// differentiable ops (gradients and second derivatives come for free); nms returns indices.
#pragma once
#include <string>

#include "autograd/tensor.h"

namespace tg {

// boxes [..., 4] from in_fmt to out_fmt ("xyxy", "xywh" or "cxcywh"); same shape. Equal
// formats return a copy, as torchvision's clone.
Tensor box_convert(const Tensor& boxes, const std::string& in_fmt, const std::string& out_fmt);

// (x2 - x1) * (y2 - y1) of boxes [N, 4] in xyxy: [N].
Tensor box_area(const Tensor& boxes);

// Pairwise intersection over union of boxes1 [N, 4] and boxes2 [M, 4] (xyxy): [N, M].
// As torchvision's, no epsilon: a pair of zero-area boxes gives 0/0 (NaN); the losses
// iou_loss / giou_loss in ops/loss.h are the epsilon-guarded forms for training.
Tensor box_iou(const Tensor& boxes1, const Tensor& boxes2);

// Pairwise generalized IoU, IoU - (hull - union) / hull with hull the area of the smallest box
// enclosing both: [N, M], in [-1, 1].
Tensor generalized_box_iou(const Tensor& boxes1, const Tensor& boxes2);

// Non-maximum suppression: visits boxes [N, 4] (xyxy) in decreasing score order (scores [N];
// equal scores by increasing index, so the result is deterministic) and drops every box whose
// IoU with an already kept box is greater than iou_threshold. Returns the kept indices
// (int64 [K]) in decreasing score order. Not differentiable (indices).
Tensor nms(const Tensor& boxes, const Tensor& scores, double iou_threshold);

// nms within each category: boxes of different idxs (int64 [N]) never suppress each other.
// Returns the kept indices in decreasing score order (ties by increasing index).
Tensor batched_nms(const Tensor& boxes, const Tensor& scores, const Tensor& idxs,
                   double iou_threshold);

}  // namespace tg
