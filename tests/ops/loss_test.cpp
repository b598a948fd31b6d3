// Losses beyond the fixtures: bad arguments (each error names the op), PyTorch's edge cases
// (all targets ignored, probabilities of exactly 0 and 1, huge logits), no gradient for
// class-index targets, and the same bits for 1 and 2 threads on large inputs.
#include <gtest/gtest.h>

#include <cmath>

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

Tensor labels(std::vector<int64_t> v) {
  const auto n = static_cast<int64_t>(v.size());
  return tensor(v, {n});
}

TEST(LossOps, ClassTargetErrors) {
  Tensor x = randn({3, 4});
  for (const char* op : {"cross_entropy", "nll_loss", "focal_loss"}) {
    auto call = [&](const Tensor& input, const Tensor& target, const Tensor& w = Tensor()) {
      if (std::string(op) == "cross_entropy") return cross_entropy(input, target, w);
      if (std::string(op) == "nll_loss") return nll_loss(input, target, w);
      return focal_loss(input, target, 2.0, w);
    };
    expect_error_naming(op, [&] { call(x, labels({0, 1})); });          // batch mismatch
    expect_error_naming(op, [&] { call(x, labels({0, 4, 1})); });       // class out of range
    expect_error_naming(op, [&] { call(x, labels({0, -1, 1})); });      // negative class
    expect_error_naming(op, [&] { call(x, labels({0, 1, 2}).view({3, 1})); });  // target rank
    expect_error_naming(op, [&] { call(x.to(kInt64), labels({0, 1, 2})); });  // int input
    expect_error_naming(op, [&] { call(x, labels({0, 1, 2}), ones({3})); });   // weight size
    expect_error_naming(op, [&] {
      call(x, labels({0, 1, 2}), ones({4}, kFloat64));  // weight dtype
    });
    expect_error_naming(op, [&] { call(randn({2, 3, 4}), labels({0, 1})); });  // N-d target
    expect_error_naming(op, [&] { call(randn({4}), labels({1})); });  // unbatched needs 0-d
  }
  // nll_loss needs int64 indices; cross_entropy's float targets must have the input's shape.
  expect_error_naming("nll_loss", [&] { nll_loss(x, labels({0, 1, 2}).to(kFloat32)); });
  expect_error_naming("cross_entropy", [&] { cross_entropy(x, randn({3})); });
  expect_error_naming("cross_entropy", [&] { cross_entropy(x, randn({3, 4}).to(kFloat64)); });
  expect_error_naming("cross_entropy", [&] {
    cross_entropy(x, labels({0, 1, 2}), Tensor(), kMean, -100, 1.5);  // label_smoothing
  });
  expect_error_naming("cross_entropy", [&] {
    cross_entropy(x, labels({0, 1, 2}), Tensor(), kBatchMean);
  });
  expect_error_naming("focal_loss", [&] { focal_loss(x, labels({0, 1, 2}), -1.0); });
  // An error message names the out-of-range class and the class count.
  try {
    nll_loss(x, labels({0, 7, 1}));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("target 7"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("4 classes"), std::string::npos) << e.what();
  }
}

TEST(LossOps, PairErrors) {
  Tensor a = randn({3, 4});
  for (const char* op : {"mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div",
                         "rmse_loss"}) {
    auto call = [&](const Tensor& x, const Tensor& t) {
      const std::string o = op;
      if (o == "mse_loss") return mse_loss(x, t);
      if (o == "l1_loss") return l1_loss(x, t);
      if (o == "smooth_l1_loss") return smooth_l1_loss(x, t);
      if (o == "huber_loss") return huber_loss(x, t);
      if (o == "kl_div") return kl_div(x, t);
      return rmse_loss(x, t);
    };
    expect_error_naming(op, [&] { call(a, randn({3, 5})); });               // shapes
    expect_error_naming(op, [&] { call(a, randn({3, 4}).to(kFloat64)); });  // dtypes
    expect_error_naming(op, [&] { call(a.to(kInt64), a.to(kInt64)); });     // integer input
  }
  expect_error_naming("smooth_l1_loss", [&] { smooth_l1_loss(a, a, kMean, -1.0); });
  expect_error_naming("huber_loss", [&] { huber_loss(a, a, kMean, 0.0); });
  expect_error_naming("mse_loss", [&] { mse_loss(a, a, kBatchMean); });
}

TEST(LossOps, BinaryAndBoxErrors) {
  Tensor p = rand({3, 4});
  expect_error_naming("binary_cross_entropy", [&] { binary_cross_entropy(p, rand({4, 3})); });
  expect_error_naming("binary_cross_entropy", [&] { binary_cross_entropy(p * 2.0, p); });
  expect_error_naming("binary_cross_entropy", [&] { binary_cross_entropy(p, p, ones({2})); });
  expect_error_naming("binary_cross_entropy", [&] {
    binary_cross_entropy(p, p.to(kFloat64));
  });
  const char* bcel = "binary_cross_entropy_with_logits";
  expect_error_naming(bcel, [&] { binary_cross_entropy_with_logits(p, rand({3})); });
  expect_error_naming(bcel, [&] {
    binary_cross_entropy_with_logits(p, p, Tensor(), ones({3}));  // pos_weight per class: 4
  });
  expect_error_naming("sigmoid_focal_loss", [&] { sigmoid_focal_loss(p, rand({3})); });
  expect_error_naming("dice_loss", [&] {
    dice_loss(randn({4}), scalar_tensor(1, kInt64));  // needs [N, C, ...]
  });
  expect_error_naming("dice_loss", [&] { dice_loss(randn({2, 3, 4}), labels({0, 1})); });
  Tensor boxes = tensor(std::vector<float>{0, 0, 1, 1, 1, 1, 3, 2}, {2, 4});
  expect_error_naming("iou_loss", [&] { iou_loss(boxes.view({4, 2}), boxes.view({4, 2})); });
  expect_error_naming("iou_loss", [&] { iou_loss(boxes, boxes.narrow(0, 0, 1)); });
  expect_error_naming("giou_loss", [&] { giou_loss(boxes, boxes.to(kFloat64)); });
  expect_error_naming("reduction", [] { reduction_from_string("average"); });
}

TEST(LossOps, AllTargetsIgnoredGivesNaNMeanAndZeroGradient) {
  Tensor x = randn({3, 4}).requires_grad_();
  Tensor t = labels({-100, -100, -100});
  Tensor loss = cross_entropy(x, t);
  EXPECT_TRUE(std::isnan(loss.item()));
  Tensor s = cross_entropy(x, t, Tensor(), kSum);
  EXPECT_EQ(s.item(), 0.0);
  s.backward();
  EXPECT_EQ(x.grad().abs().sum().item(), 0.0);
}

TEST(LossOps, IntegerTargetsGetNoGradient) {
  Tensor x = randn({3, 4}).requires_grad_();
  Tensor t = labels({0, 3, 1});
  Tensor loss = cross_entropy(x, t, Tensor(), kMean, -100, 0.1) + focal_loss(x, t) +
                dice_loss(x, t);
  EXPECT_FALSE(t.requires_grad());
  TensorList g = autograd::grad({loss}, {x});
  EXPECT_TRUE(g[0].defined());
}

TEST(LossOps, CrossEntropyMatchesItsDefinition) {
  // -sum_c w[c] * onehot * log_softmax, divided by the summed weight of the targets.
  Tensor x = randn({5, 3}, kFloat64);
  Tensor t = labels({2, 0, 1, 2, 2});
  Tensor w = tensor(std::vector<double>{0.5, 2.0, 1.5}, {3});
  const std::vector<double> lp = log_softmax(x, 1).to_vector<double>();
  const std::vector<int64_t> tv = t.to_vector<int64_t>();
  const std::vector<double> wv = w.to_vector<double>();
  double num = 0, den = 0;
  for (int i = 0; i < 5; ++i) {
    num -= wv[tv[i]] * lp[i * 3 + tv[i]];
    den += wv[tv[i]];
  }
  EXPECT_NEAR(cross_entropy(x, t, w).item(), num / den, 1e-12);
}

TEST(LossOps, BinaryCrossEntropyAtZeroAndOne) {
  // log is clamped to -100 and the gradient's denominator to 1e-12, as in PyTorch: finite.
  Tensor x = tensor(std::vector<float>{0.0f, 1.0f, 1.0f, 0.0f}, {4}).requires_grad_();
  Tensor t = tensor(std::vector<float>{1.0f, 0.0f, 1.0f, 0.0f}, {4});
  Tensor loss = binary_cross_entropy(x, t, Tensor(), kNone);
  EXPECT_EQ(loss.to_vector<float>(), (std::vector<float>{100.0f, 100.0f, 0.0f, 0.0f}));
  loss.sum().backward();
  const std::vector<float> g = x.grad().to_vector<float>();
  for (float v : g) EXPECT_TRUE(std::isfinite(v));
  EXPECT_EQ(g[2], 0.0f);
  EXPECT_EQ(g[3], 0.0f);
}

TEST(LossOps, BceWithLogitsIsStableForHugeLogits) {
  Tensor x = tensor(std::vector<float>{-500.0f, 500.0f, -80.0f, 80.0f}, {4}).requires_grad_();
  Tensor t = tensor(std::vector<float>{1.0f, 0.0f, 0.0f, 1.0f}, {4});
  Tensor loss = binary_cross_entropy_with_logits(x, t, Tensor(), Tensor(), kNone);
  const std::vector<float> v = loss.to_vector<float>();
  EXPECT_FLOAT_EQ(v[0], 500.0f);
  EXPECT_FLOAT_EQ(v[1], 500.0f);
  EXPECT_NEAR(v[2], 0.0f, 1e-30);
  EXPECT_NEAR(v[3], 0.0f, 1e-30);
  loss.sum().backward();
  const std::vector<float> g = x.grad().to_vector<float>();
  EXPECT_FLOAT_EQ(g[0], -1.0f);
  EXPECT_FLOAT_EQ(g[1], 1.0f);
}

TEST(LossOps, KlDivAtZeroTargetIsZero) {
  Tensor x = log_softmax(randn({2, 3}, kFloat64), 1).requires_grad_();
  Tensor t = tensor(std::vector<double>{0.0, 0.5, 0.5, 0.2, 0.8, 0.0}, {2, 3});
  Tensor loss = kl_div(x, t, kNone);
  EXPECT_EQ(loss.to_vector<double>()[0], 0.0);
  loss.sum().backward();
  EXPECT_TRUE(std::isfinite(x.grad().sum().item()));
}

TEST(LossOps, FocalWithGammaZeroIsCrossEntropyAndDiceOfPerfectPrediction) {
  Tensor x = randn({6, 4}, kFloat64);
  Tensor t = labels({0, 1, 2, 3, 1, 0});
  EXPECT_NEAR(focal_loss(x, t, 0.0).item(), cross_entropy(x, t).item(), 1e-12);
  // Confident logits for the right class: Dice loss near 0.
  Tensor logits = zeros({1, 3, 2, 2}, kFloat64);
  Tensor seg = tensor(std::vector<int64_t>{0, 1, 2, 1}, {1, 2, 2});
  Tensor confident = (one_hot(seg, 3).permute({0, 3, 1, 2}).to(kFloat64) * 50.0) + logits;
  EXPECT_NEAR(dice_loss(confident, seg, 0.0).item(), 0.0, 1e-12);
}

TEST(LossOps, IouOfIdenticalAndDisjointBoxes) {
  Tensor a = tensor(std::vector<float>{0, 0, 2, 2, 0, 0, 1, 1}, {2, 4});
  Tensor b = tensor(std::vector<float>{0, 0, 2, 2, 2, 2, 3, 3}, {2, 4});
  const std::vector<float> iou = iou_loss(a, b, kNone).to_vector<float>();
  EXPECT_FLOAT_EQ(iou[0], 0.0f);
  EXPECT_FLOAT_EQ(iou[1], 1.0f);
  // Disjoint unit boxes in a 3x3 hull: GIoU = 0 - (9 - 2) / 9.
  const std::vector<float> giou = giou_loss(a, b, kNone).to_vector<float>();
  EXPECT_FLOAT_EQ(giou[1], 1.0f + 7.0f / 9.0f);
}

// Zero-area boxes (a point, a vertical and a horizontal segment, each against itself, and a
// segment inside a box): 0/0 without the epsilon. As torchvision's, IoU of two empty boxes is
// 0, so both losses are 1, and every gradient is finite.
TEST(LossOps, ZeroAreaBoxesGiveFiniteLossAndGradient) {
  Tensor a = tensor(std::vector<double>{1, 1, 1, 1, 0, 0, 0, 2, 0, 1, 3, 1, 1, 0, 1, 2}, {4, 4});
  Tensor b = tensor(std::vector<double>{1, 1, 1, 1, 0, 0, 0, 2, 0, 1, 3, 1, 0, 0, 2, 2}, {4, 4});
  for (int which = 0; which < 2; ++which) {
    Tensor x = a.clone().requires_grad_(), y = b.clone().requires_grad_();
    Tensor loss = which == 0 ? iou_loss(x, y, kNone) : giou_loss(x, y, kNone);
    const std::vector<double> v = loss.to_vector<double>();
    for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(v[i], 1.0) << "pair " << i << " loss " << which;
    // A segment inside a 2x2 box: IoU 0, hull = the box, so GIoU = 0 - (4 - 4) / 4.
    EXPECT_NEAR(v[3], 1.0, 1e-6);
    loss.sum().backward();
    for (const Tensor& g : {x.grad(), y.grad()})
      for (double d : g.to_vector<double>()) EXPECT_TRUE(std::isfinite(d)) << "loss " << which;
    // float32 too: the epsilon must survive rounding.
    Tensor xf = a.to(kFloat32).requires_grad_();
    Tensor lf = which == 0 ? iou_loss(xf, b.to(kFloat32)) : giou_loss(xf, b.to(kFloat32));
    EXPECT_TRUE(std::isfinite(lf.item()));
    lf.backward();
    for (float d : xf.grad().to_vector<float>()) EXPECT_TRUE(std::isfinite(d));
  }
}

std::vector<uint8_t> bits(const TensorList& ts) {
  std::vector<uint8_t> out;
  for (const Tensor& t : ts) {
    Tensor c = t.detach().contiguous();
    const auto* p = static_cast<const uint8_t*>(c.raw_data());
    out.insert(out.end(), p, p + c.numel() * itemsize(c.dtype()));
  }
  return out;
}

TEST(LossOps, SameBitsForOneAndTwoThreadsOnLargeInputs) {
  manual_seed(7);
  Tensor logits = randn({16, 10, 32, 32});
  Tensor seg = randint(0, 10, {16, 32, 32});
  Tensor probs = sigmoid(randn({64, 1000}));
  Tensor soft = rand({64, 1000});
  auto run = [&](int threads) {
    set_num_threads(threads);
    Tensor x = logits.detach().requires_grad_();
    Tensor p = probs.detach().requires_grad_();
    Tensor loss = cross_entropy(x, seg, Tensor(), kMean, -100, 0.1) + dice_loss(x, seg) +
                  focal_loss(x, seg) + binary_cross_entropy(p, soft) +
                  binary_cross_entropy_with_logits(p, soft) + mse_loss(p, soft);
    TensorList g = autograd::grad({loss}, {x, p});
    return bits({loss, g[0], g[1]});
  };
  const auto one = run(1), two = run(2);
  set_num_threads(2);
  EXPECT_TRUE(one == two);
}

}  // namespace
}  // namespace tg
