#include "average_precision.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace detect {

double box_iou(const Box& a, const Box& b) {
  const double w = std::max(0.0, std::min(a[2], b[2]) - std::max(a[0], b[0]));
  const double h = std::max(0.0, std::min(a[3], b[3]) - std::max(a[1], b[1]));
  const double inter = w * h;
  const double uni = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return uni > 0 ? inter / uni : 0.0;
}

namespace {

double class_ap(const std::vector<const Detection*>& dets,
                const std::vector<const GroundTruth*>& truths, double threshold) {
  std::map<int64_t, std::vector<size_t>> by_image;  // image -> indices into truths
  for (size_t i = 0; i < truths.size(); ++i) by_image[truths[i]->image].push_back(i);
  std::vector<char> matched(truths.size(), 0);
  std::vector<double> precision, recall;
  int64_t tp = 0, fp = 0;
  for (const Detection* d : dets) {
    double best = -1;
    size_t best_index = 0;
    auto it = by_image.find(d->image);
    if (it != by_image.end())
      for (size_t i : it->second) {
        const double iou = box_iou(d->box, truths[i]->box);
        if (iou > best) best = iou, best_index = i;
      }
    if (best >= threshold && !matched[best_index]) {
      matched[best_index] = 1;
      ++tp;
    } else {
      ++fp;
    }
    precision.push_back(static_cast<double>(tp) / static_cast<double>(tp + fp));
    recall.push_back(static_cast<double>(tp) / static_cast<double>(truths.size()));
  }
  // All-point interpolation: the precision envelope (non-increasing from the right), summed
  // over the steps of recall.
  for (size_t k = precision.size(); k-- > 1;)
    precision[k - 1] = std::max(precision[k - 1], precision[k]);
  double ap = 0, previous_recall = 0;
  for (size_t k = 0; k < precision.size(); ++k) {
    ap += (recall[k] - previous_recall) * precision[k];
    previous_recall = recall[k];
  }
  return ap;
}

}  // namespace

ApReport mean_average_precision(const std::vector<Detection>& detections,
                                const std::vector<GroundTruth>& truths, int64_t num_classes,
                                double iou_threshold) {
  ApReport r;
  r.ap.assign(num_classes, std::numeric_limits<double>::quiet_NaN());
  r.counts.assign(num_classes, 0);
  double sum = 0;
  int64_t classes = 0;
  for (int64_t c = 0; c < num_classes; ++c) {
    std::vector<const GroundTruth*> t;
    for (const GroundTruth& g : truths)
      if (g.label == c) t.push_back(&g);
    r.counts[c] = static_cast<int64_t>(t.size());
    if (t.empty()) continue;
    std::vector<const Detection*> d;
    for (const Detection& x : detections)
      if (x.label == c) d.push_back(&x);
    std::stable_sort(d.begin(), d.end(),
                     [](const Detection* a, const Detection* b) { return a->score > b->score; });
    r.ap[c] = class_ap(d, t, iou_threshold);
    sum += r.ap[c];
    ++classes;
  }
  r.map = classes > 0 ? sum / static_cast<double>(classes) : 0.0;
  return r;
}

}  // namespace detect
