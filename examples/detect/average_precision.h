// Mean average precision of detections, as the PASCAL VOC (2010 and later) evaluation
// computes it.
//
// Per class: the detections of that class over all images are sorted by decreasing score
// (equal scores keep their input order). Each detection is compared with the ground-truth
// boxes of its class in its image: when its highest IoU is >= iou_threshold and that
// ground truth is not matched yet, it is a true positive and the ground truth becomes matched;
// otherwise (a miss, or a duplicate of a matched object) it is a false positive. Precision and
// recall after each detection give the precision-recall curve; AP is the area under its
// all-point interpolation: precision at recall r is replaced by the highest precision at any
// recall >= r, and the curve is summed over the recall steps, AP = sum (r_k - r_{k-1}) p_k.
// mAP is the mean of AP over the classes that have at least one ground-truth box (a class
// without ground truth has no defined recall and is left out, as in VOC).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace detect {

using Box = std::array<double, 4>;  // x1, y1, x2, y2

struct Detection {
  int64_t image = 0, label = 0;
  double score = 0;
  Box box{};
};

struct GroundTruth {
  int64_t image = 0, label = 0;
  Box box{};
};

struct ApReport {
  std::vector<double> ap;       // per class; NaN for classes without ground truth
  std::vector<int64_t> counts;  // ground-truth boxes per class
  double map = 0;               // mean over classes with ground truth
};

double box_iou(const Box& a, const Box& b);

ApReport mean_average_precision(const std::vector<Detection>& detections,
                                const std::vector<GroundTruth>& truths, int64_t num_classes,
                                double iou_threshold = 0.5);

}  // namespace detect
