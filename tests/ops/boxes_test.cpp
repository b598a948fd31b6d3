// Box utilities beyond the fixtures: the lecture's point + width + height form round-trips,
// nms's order for equal scores, IoU of known boxes, and bad arguments.
#include <gtest/gtest.h>

#include <string>

#include "ops/boxes.h"
#include "tapegrad.h"

namespace tg {
namespace {

template <class F>
void expect_error_naming(const std::string& op, F&& f) {
  try {
    f();
    ADD_FAILURE() << "expected tg::Error from " << op;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(op), std::string::npos) << e.what();
  }
}

Tensor boxes(std::vector<double> v) {
  const auto n = static_cast<int64_t>(v.size() / 4);
  return tensor(v, {n, 4});
}

TEST(BoxOps, PointWidthHeightRoundTrips) {
  // Top-left point (1, 2), width 4, height 6.
  Tensor xywh = boxes({1, 2, 4, 6});
  EXPECT_EQ(box_convert(xywh, "xywh", "xyxy").to_vector<double>(),
            (std::vector<double>{1, 2, 5, 8}));
  EXPECT_EQ(box_convert(xywh, "xywh", "cxcywh").to_vector<double>(),
            (std::vector<double>{3, 5, 4, 6}));
  Tensor r = randn({7, 4}, kFloat64).abs();
  for (const char* a : {"xyxy", "xywh", "cxcywh"})
    for (const char* b : {"xyxy", "xywh", "cxcywh"}) {
      Tensor back = box_convert(box_convert(r, a, b), b, a);
      EXPECT_LT((back - r).abs().max().item(), 1e-12) << a << " -> " << b;
    }
}

TEST(BoxOps, IouOfKnownBoxes) {
  Tensor a = boxes({0, 0, 2, 2, 0, 0, 1, 1});
  Tensor b = boxes({1, 1, 3, 3, 0, 0, 2, 2, 5, 5, 6, 6});
  const std::vector<double> iou = box_iou(a, b).to_vector<double>();
  ASSERT_EQ(iou.size(), 6u);
  EXPECT_DOUBLE_EQ(iou[0], 1.0 / 7.0);
  EXPECT_DOUBLE_EQ(iou[1], 1.0);
  EXPECT_DOUBLE_EQ(iou[2], 0.0);
  EXPECT_DOUBLE_EQ(iou[4], 0.25);
  // Disjoint [0,0,1,1] and [5,5,6,6]: hull 36, union 2.
  EXPECT_DOUBLE_EQ(generalized_box_iou(a, b).to_vector<double>()[5], -34.0 / 36.0);
}

TEST(BoxOps, NmsKeepsTheFirstOfEqualScores) {
  // Three identical boxes with one score: the lowest index survives, whatever the count.
  Tensor b = boxes({0, 0, 2, 2, 0, 0, 2, 2, 0, 0, 2, 2, 5, 5, 7, 7});
  Tensor s = tensor(std::vector<double>{0.5, 0.5, 0.5, 0.9}, {4});
  EXPECT_EQ(nms(b, s, 0.5).to_vector<int64_t>(), (std::vector<int64_t>{3, 0}));
  // IoU exactly at the threshold is kept (suppression needs IoU > threshold).
  Tensor half = boxes({0, 0, 2, 2, 1, 0, 3, 2});  // IoU 2 / 6
  Tensor hs = tensor(std::vector<double>{0.9, 0.8}, {2});
  EXPECT_EQ(nms(half, hs, 1.0 / 3.0).to_vector<int64_t>().size(), 2u);
  EXPECT_EQ(nms(half, hs, 0.3).to_vector<int64_t>(), (std::vector<int64_t>{0}));
  // batched: the same boxes in different categories do not compete.
  Tensor cats = tensor(std::vector<int64_t>{0, 1, 0, 1}, {4});
  EXPECT_EQ(batched_nms(b, s, cats, 0.5).to_vector<int64_t>(),
            (std::vector<int64_t>{3, 0, 1}));
}

TEST(BoxOps, BadArgumentsNameTheOp) {
  Tensor b = boxes({0, 0, 1, 1});
  expect_error_naming("box_convert", [&] { box_convert(b, "xyxy", "yxyx"); });
  expect_error_naming("box_convert", [&] { box_convert(randn({3, 5}), "xyxy", "xywh"); });
  expect_error_naming("box_convert", [&] { box_convert(b.to(kInt64), "xyxy", "xywh"); });
  expect_error_naming("box_iou", [&] { box_iou(b, randn({2, 3})); });
  expect_error_naming("box_iou", [&] { box_iou(b, b.to(kFloat32)); });
  expect_error_naming("generalized_box_iou", [&] { generalized_box_iou(b.view({4}), b); });
  expect_error_naming("box_area", [&] { box_area(randn({2, 2})); });
  expect_error_naming("nms", [&] { nms(b, tensor(std::vector<double>{1, 2}, {2}), 0.5); });
  expect_error_naming("batched_nms", [&] {
    batched_nms(b, tensor(std::vector<double>{1}, {1}), tensor(std::vector<double>{0}, {1}), 0.5);
  });
}

}  // namespace
}  // namespace tg
