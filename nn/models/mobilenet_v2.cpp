#include <algorithm>
#include <vector>

#include "autograd/error.h"
#include "ops/elementwise.h"
#include "nn/models/conv_norm_act.h"
#include "nn/models/mobilenet.h"
#include "nn/modules/activation.h"
#include "nn/modules/dropout.h"
#include "ops/pool.h"

namespace tg::nn::models {
namespace {

// Stages of inverted residuals: expansion t, output channels c, blocks n, first stride s.
struct Stage {
  int64_t t, c, n, s;
};
const std::vector<Stage> kStages = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                    {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};

}  // namespace

InvertedResidualImpl::InvertedResidualImpl(int64_t in, int64_t out, int64_t stride,
                                           int64_t expand_ratio) {
  TG_CHECK(stride == 1 || stride == 2, "InvertedResidual: stride must be 1 or 2, got ", stride);
  const int64_t hidden = in * expand_ratio;
  use_res_connect = stride == 1 && in == out;
  Sequential c;
  if (expand_ratio != 1) c->push_back(conv_norm_act<ReLU6>(in, hidden, 1));
  c->push_back(conv_norm_act<ReLU6>(hidden, hidden, 3, stride, /*groups=*/hidden));
  c->push_back(Conv2d(Conv2dOptions(hidden, out, 1).bias(false)));
  c->push_back(BatchNorm2d(out));
  conv = register_module("conv", c);
}

Tensor InvertedResidualImpl::forward(const Tensor& x) {
  return use_res_connect ? x + conv(x) : conv(x);
}

MobileNetV2Impl::MobileNetV2Impl(const ModelOptions& options_) : options(options_) {
  TG_CHECK(options.num_classes() > 0 && options.in_channels() > 0,
           "MobileNetV2: num_classes and in_channels must be positive, got ",
           options.num_classes(), " and ", options.in_channels());
  const double w = options.width_mult();
  TG_CHECK(w > 0, "MobileNetV2: width_mult must be positive, got ", w);
  int64_t channels = make_divisible(32 * w);
  const int64_t last_channels = make_divisible(1280 * std::max(1.0, w));
  Sequential f;
  f->push_back(conv_norm_act<ReLU6>(options.in_channels(), channels, 3,
                                    options.small_input() ? 1 : 2));
  for (const Stage& st : kStages) {
    const int64_t out = make_divisible(static_cast<double>(st.c) * w);
    for (int64_t i = 0; i < st.n; ++i) {
      f->push_back(InvertedResidual(channels, out, i == 0 ? st.s : 1, st.t));
      channels = out;
    }
  }
  f->push_back(conv_norm_act<ReLU6>(channels, last_channels, 1));
  features = register_module("features", f);
  classifier = register_module(
      "classifier", Sequential(Dropout(0.2), Linear(last_channels, options.num_classes())));
}

Tensor MobileNetV2Impl::forward(const Tensor& x) {
  return classifier(adaptive_avg_pool2d(features(x), {1, 1}).flatten(1));
}

MobileNetV2 mobilenet_v2(const ModelOptions& options) { return MobileNetV2(options); }

}  // namespace tg::nn::models
