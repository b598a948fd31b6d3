// Bounding boxes: format conversions, areas, (generalized) IoU matrices and non-maximum
// suppression. Everything but nms is composed of differentiable ops and records nothing.
#include "ops/boxes.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "ops/ops.h"

namespace tg {
namespace {

enum class Fmt { XYXY, XYWH, CXCYWH };

Fmt parse_format(const char* op, const char* what, const std::string& name) {
  if (name == "xyxy") return Fmt::XYXY;
  if (name == "xywh") return Fmt::XYWH;
  if (name == "cxcywh") return Fmt::CXCYWH;
  throw Error(format_message(op, ": ", what, " must be 'xyxy', 'xywh' or 'cxcywh', got '", name,
                             "'"));
}

void check_boxes(const char* op, const char* what, const Tensor& boxes, bool matrix) {
  TG_CHECK(boxes.defined(), op, ": ", what, " is undefined");
  TG_CHECK(boxes.is_floating_point(), op, ": expected ", what,
           " to be floating (float32 or float64), got ", dtype_name(boxes.dtype()),
           " of shape ", boxes.shape());
  if (matrix) {
    TG_CHECK(boxes.dim() == 2 && boxes.size(1) == 4, op, ": expected ", what,
             " of shape [N, 4] (x1, y1, x2, y2), got ", boxes.shape());
  } else {
    TG_CHECK(boxes.dim() >= 1 && boxes.size(-1) == 4, op, ": expected ", what,
             " of shape [..., 4], got ", boxes.shape());
  }
}

void check_pair(const char* op, const Tensor& boxes1, const Tensor& boxes2) {
  check_boxes(op, "boxes1", boxes1, true);
  check_boxes(op, "boxes2", boxes2, true);
  TG_CHECK(boxes1.dtype() == boxes2.dtype(), op, ": boxes1 and boxes2 must have one dtype, got ",
           dtype_name(boxes1.dtype()), " of shape ", boxes1.shape(), " and ",
           dtype_name(boxes2.dtype()), " of shape ", boxes2.shape());
}

Tensor col(const Tensor& boxes, int64_t k) { return boxes.select(-1, k); }

// Pairwise intersection and union areas of [N, 4] and [M, 4] boxes: both [N, M].
struct InterUnion {
  Tensor inter, uni;
};

InterUnion inter_union(const Tensor& a, const Tensor& b) {
  Tensor a1 = a.unsqueeze(1);  // [N, 1, 4] against [M, 4]
  Tensor w = minimum(col(a1, 2), col(b, 2)) - maximum(col(a1, 0), col(b, 0));
  Tensor h = minimum(col(a1, 3), col(b, 3)) - maximum(col(a1, 1), col(b, 1));
  Tensor inter = clamp_min(w, 0) * clamp_min(h, 0);
  return {inter, box_area(a).unsqueeze(1) + box_area(b) - inter};
}

template <class T>
std::vector<int64_t> nms_kernel(const Tensor& boxes, const Tensor& scores, double threshold) {
  const int64_t n = boxes.size(0);
  Tensor bc = boxes.contiguous(), sc = scores.contiguous();
  const T* pb = bc.data_ptr<T>();
  const T* ps = sc.data_ptr<T>();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [ps](int64_t i, int64_t j) { return ps[i] > ps[j]; });
  std::vector<T> area(n);
  for (int64_t i = 0; i < n; ++i)
    area[i] = (pb[4 * i + 2] - pb[4 * i]) * (pb[4 * i + 3] - pb[4 * i + 1]);
  std::vector<char> dropped(n, 0);
  std::vector<int64_t> keep;
  for (int64_t oi = 0; oi < n; ++oi) {
    const int64_t i = order[oi];
    if (dropped[i]) continue;
    keep.push_back(i);
    const T* bi = pb + 4 * i;
    for (int64_t oj = oi + 1; oj < n; ++oj) {
      const int64_t j = order[oj];
      if (dropped[j]) continue;
      const T* bj = pb + 4 * j;
      const T w = std::max(T(0), std::min(bi[2], bj[2]) - std::max(bi[0], bj[0]));
      const T h = std::max(T(0), std::min(bi[3], bj[3]) - std::max(bi[1], bj[1]));
      const T inter = w * h;
      // NaN (two empty boxes) compares false: such boxes are not suppressed.
      if (inter / (area[i] + area[j] - inter) > threshold) dropped[j] = 1;
    }
  }
  return keep;
}

void check_scores(const char* op, const Tensor& boxes, const Tensor& scores) {
  check_boxes(op, "boxes", boxes, true);
  TG_CHECK(scores.defined() && scores.dtype() == boxes.dtype() && scores.dim() == 1 &&
               scores.size(0) == boxes.size(0),
           op, ": expected scores of shape [", boxes.size(0), "] and dtype ",
           dtype_name(boxes.dtype()), " (one per box), got ",
           scores.defined() ? dtype_name(scores.dtype()) : "undefined", " of shape ",
           scores.defined() ? scores.shape() : Shape{});
}

}  // namespace

Tensor box_convert(const Tensor& boxes, const std::string& in_fmt, const std::string& out_fmt) {
  const char* op = "box_convert";
  const Fmt in = parse_format(op, "in_fmt", in_fmt);
  const Fmt out = parse_format(op, "out_fmt", out_fmt);
  check_boxes(op, "boxes", boxes, false);
  if (in == out) return boxes.clone();
  Tensor a = col(boxes, 0), b = col(boxes, 1), c = col(boxes, 2), d = col(boxes, 3);
  // To corners first.
  Tensor x1 = a, y1 = b, x2 = c, y2 = d;
  if (in == Fmt::XYWH) {
    x2 = a + c;
    y2 = b + d;
  } else if (in == Fmt::CXCYWH) {
    x1 = a - c * 0.5;
    y1 = b - d * 0.5;
    x2 = a + c * 0.5;
    y2 = b + d * 0.5;
  }
  if (out == Fmt::XYXY) return stack({x1, y1, x2, y2}, -1);
  Tensor w = x2 - x1, h = y2 - y1;  // as torchvision: through corners, even xywh <-> cxcywh
  if (out == Fmt::XYWH) return stack({x1, y1, w, h}, -1);
  return stack({(x1 + x2) * 0.5, (y1 + y2) * 0.5, w, h}, -1);
}

Tensor box_area(const Tensor& boxes) {
  check_boxes("box_area", "boxes", boxes, true);
  return (col(boxes, 2) - col(boxes, 0)) * (col(boxes, 3) - col(boxes, 1));
}

Tensor box_iou(const Tensor& boxes1, const Tensor& boxes2) {
  check_pair("box_iou", boxes1, boxes2);
  InterUnion iu = inter_union(boxes1, boxes2);
  return iu.inter / iu.uni;
}

Tensor generalized_box_iou(const Tensor& boxes1, const Tensor& boxes2) {
  check_pair("generalized_box_iou", boxes1, boxes2);
  InterUnion iu = inter_union(boxes1, boxes2);
  Tensor a1 = boxes1.unsqueeze(1), b = boxes2;
  Tensor hull_w = maximum(col(a1, 2), col(b, 2)) - minimum(col(a1, 0), col(b, 0));
  Tensor hull_h = maximum(col(a1, 3), col(b, 3)) - minimum(col(a1, 1), col(b, 1));
  Tensor hull = clamp_min(hull_w, 0) * clamp_min(hull_h, 0);
  return iu.inter / iu.uni - (hull - iu.uni) / hull;
}

Tensor nms(const Tensor& boxes, const Tensor& scores, double iou_threshold) {
  check_scores("nms", boxes, scores);
  std::vector<int64_t> keep = boxes.dtype() == kFloat64
                                  ? nms_kernel<double>(boxes, scores, iou_threshold)
                                  : nms_kernel<float>(boxes, scores, iou_threshold);
  return tensor(keep, {static_cast<int64_t>(keep.size())});
}

Tensor batched_nms(const Tensor& boxes, const Tensor& scores, const Tensor& idxs,
                   double iou_threshold) {
  const char* op = "batched_nms";
  check_scores(op, boxes, scores);
  TG_CHECK(idxs.defined() && idxs.dtype() == kInt64 && idxs.dim() == 1 &&
               idxs.size(0) == boxes.size(0),
           op, ": expected int64 idxs of shape [", boxes.size(0), "] (a category per box), got ",
           idxs.defined() ? dtype_name(idxs.dtype()) : "undefined", " of shape ",
           idxs.defined() ? idxs.shape() : Shape{});
  const int64_t n = boxes.size(0);
  const std::vector<int64_t> cat = idxs.contiguous().to_vector<int64_t>();
  std::vector<int64_t> categories = cat;
  std::sort(categories.begin(), categories.end());
  categories.erase(std::unique(categories.begin(), categories.end()), categories.end());
  std::vector<char> kept(n, 0);
  for (int64_t c : categories) {
    std::vector<int64_t> members;
    for (int64_t i = 0; i < n; ++i)
      if (cat[i] == c) members.push_back(i);
    Tensor index = tensor(members, {static_cast<int64_t>(members.size())});
    Tensor keep = nms(index_select(boxes, 0, index), index_select(scores, 0, index),
                      iou_threshold);
    for (int64_t k : keep.to_vector<int64_t>()) kept[members[k]] = 1;
  }
  const Tensor sc = scores.to(kFloat64).contiguous();
  const std::vector<double> s = sc.to_vector<double>();
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i)
    if (kept[i]) out.push_back(i);
  std::stable_sort(out.begin(), out.end(), [&s](int64_t i, int64_t j) { return s[i] > s[j]; });
  return tensor(out, {static_cast<int64_t>(out.size())});
}

}  // namespace tg
