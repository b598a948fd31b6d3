// Loss modules and nn::functional losses: they call the ops with their options, keep class
// weights as buffers (converted by .to(dtype), saved in state_dict), and print like libtorch.
#include <gtest/gtest.h>

#include <sstream>

#include "nn/functional/loss.h"
#include "nn/modules/loss.h"
#include "tapegrad.h"

namespace tg::nn {
namespace {

namespace F = functional;

Tensor labels(std::vector<int64_t> v) {
  const auto n = static_cast<int64_t>(v.size());
  return tensor(v, {n});
}

TEST(LossModules, ForwardEqualsTheOpWithTheOptions) {
  Tensor x = randn({4, 3});
  Tensor t = labels({0, 2, 1, 2});
  Tensor w = tensor(std::vector<float>{0.5f, 1.0f, 2.0f}, {3});
  CrossEntropyLoss ce(CrossEntropyLossOptions().weight(w).label_smoothing(0.1).ignore_index(1));
  EXPECT_TRUE(equal(ce(x, t), cross_entropy(x, t, w, kMean, 1, 0.1)));
  NLLLoss nll(NLLLossOptions().reduction(kSum));
  Tensor logp = log_softmax(x, 1);
  EXPECT_TRUE(equal(nll(logp, t), nll_loss(logp, t, Tensor(), kSum)));
  FocalLoss focal(FocalLossOptions().gamma(1.5).alpha(w));
  EXPECT_TRUE(equal(focal(x, t), focal_loss(x, t, 1.5, w)));
  DiceLoss dice(0.5);
  EXPECT_TRUE(equal(dice(x, t), dice_loss(x, t, 0.5)));

  Tensor p = sigmoid(randn({3, 4})), q = rand({3, 4});
  EXPECT_TRUE(equal(BCELoss()(p, q), binary_cross_entropy(p, q)));
  Tensor pw = rand({4}) + 0.5;
  BCEWithLogitsLoss bcel(BCEWithLogitsLossOptions().pos_weight(pw).reduction(kNone));
  EXPECT_TRUE(equal(bcel(p, q), binary_cross_entropy_with_logits(p, q, Tensor(), pw, kNone)));
  EXPECT_TRUE(equal(MSELoss(kSum)(p, q), mse_loss(p, q, kSum)));
  EXPECT_TRUE(equal(L1Loss()(p, q), l1_loss(p, q)));
  EXPECT_TRUE(equal(SmoothL1Loss(SmoothL1LossOptions().beta(0.5))(p, q),
                    smooth_l1_loss(p, q, kMean, 0.5)));
  EXPECT_TRUE(equal(HuberLoss(HuberLossOptions().delta(0.3))(p, q),
                    huber_loss(p, q, kMean, 0.3)));
  Tensor lq = log_softmax(randn({3, 4}), 1);
  EXPECT_TRUE(equal(KLDivLoss(KLDivLossOptions().reduction(kBatchMean).log_target(true))(lq, lq),
                    kl_div(lq, lq, kBatchMean, true)));
  EXPECT_TRUE(equal(SigmoidFocalLoss()(p, q), sigmoid_focal_loss(p, q)));
  EXPECT_TRUE(equal(RMSELoss()(p, q), rmse_loss(p, q)));
  Tensor boxes = tensor(std::vector<float>{0, 0, 2, 2, 1, 1, 3, 4}, {2, 4});
  Tensor other = tensor(std::vector<float>{1, 0, 3, 2, 0, 2, 2, 3}, {2, 4});
  EXPECT_TRUE(equal(IoULoss()(boxes, other), iou_loss(boxes, other)));
  EXPECT_TRUE(equal(GIoULoss(kSum)(boxes, other), giou_loss(boxes, other, kSum)));
}

TEST(LossModules, FunctionalMirrorsLibtorch) {
  Tensor x = randn({4, 3});
  Tensor t = labels({0, 2, 1, 2});
  EXPECT_TRUE(equal(F::cross_entropy(x, t, F::CrossEntropyFuncOptions().reduction(kSum)),
                    cross_entropy(x, t, Tensor(), kSum)));
  EXPECT_TRUE(equal(F::nll_loss(log_softmax(x, 1), t), nll_loss(log_softmax(x, 1), t)));
  EXPECT_TRUE(equal(F::kl_div(x, x.exp(), F::KLDivFuncOptions().reduction(kBatchMean)),
                    kl_div(x, x.exp(), kBatchMean)));
}

TEST(LossModules, WeightsAreBuffers) {
  Tensor w = tensor(std::vector<float>{0.5f, 1.0f, 2.0f}, {3});
  CrossEntropyLoss ce(CrossEntropyLossOptions().weight(w));
  auto state = ce->state_dict();
  ASSERT_TRUE(state.contains("weight"));
  EXPECT_TRUE(ce->parameters().empty());
  ce->to(kFloat64);
  EXPECT_EQ(ce->options.weight().dtype(), kFloat64);
  Tensor loss = ce(randn({2, 3}, kFloat64), labels({1, 2}));
  EXPECT_EQ(loss.dtype(), kFloat64);
  // Without weights nothing is saved.
  EXPECT_TRUE(CrossEntropyLoss()->state_dict().is_empty());
}

TEST(LossModules, PrettyPrint) {
  auto str = [](const Module& m) {
    std::ostringstream s;
    m.pretty_print(s);
    return s.str();
  };
  EXPECT_EQ(str(*CrossEntropyLoss()),
            "tg::nn::CrossEntropyLoss(ignore_index=-100, reduction=mean, label_smoothing=0)");
  EXPECT_EQ(str(*MSELoss(kSum)), "tg::nn::MSELoss(reduction=sum)");
  EXPECT_EQ(str(*KLDivLoss(KLDivLossOptions().reduction(kBatchMean))),
            "tg::nn::KLDivLoss(reduction=batchmean, log_target=false)");
}

}  // namespace
}  // namespace tg::nn
