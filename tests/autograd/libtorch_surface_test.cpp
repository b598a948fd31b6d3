// libtorch's C++ surface in tapegrad: options and devices, item<T>, accessors, indexing
// (checked numerically, twice), libtorch-style custom functions, nn conveniences.
#include <gtest/gtest.h>

#include <string>

#include "tapegrad.h"

using namespace tg;
using namespace tg::indexing;

TEST(LibtorchSurface, OptionsAndDevices) {
  auto o = TensorOptions().dtype(kFloat64).requires_grad(true);
  Tensor a = zeros({2}, o);
  EXPECT_EQ(a.dtype(), kFloat64);
  EXPECT_TRUE(a.requires_grad());
  EXPECT_FALSE(zeros({2}, a.options()).requires_grad());  // options() carries no requires_grad
  EXPECT_TRUE(ones({1}, tg::requires_grad()).requires_grad());
  EXPECT_EQ(randn({2}, tg::dtype(kFloat64)).dtype(), kFloat64);
  EXPECT_EQ(a.device(), Device(kCPU));
  EXPECT_EQ(Device("cpu").type(), kCPU);
  EXPECT_EQ(Device("cuda:1").index(), 1);
  EXPECT_FALSE(cuda::is_available());
  EXPECT_TRUE(a.to(Device(kCPU)).is_same(a));
  EXPECT_EQ(a.to(kCPU, kFloat32).dtype(), kFloat32);
  EXPECT_THROW(zeros({2}, Device(kCUDA)), Error);
  EXPECT_THROW(randn({2}, TensorOptions().device(Device("cuda:0"))), Error);
  EXPECT_THROW(a.to(Device(kCUDA)), Error);
  EXPECT_THROW(Device("tpu"), Error);
  nn::Linear fc(2, 3);
  EXPECT_NO_THROW(fc->to(Device(kCPU)));
  EXPECT_THROW(fc->to(Device(kCUDA)), Error);
  try {
    zeros({1}, kCUDA);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CPU only"), std::string::npos) << e.what();
  }
}

TEST(LibtorchSurface, ItemForEveryType) {
  Tensor t = tensor({3});
  EXPECT_EQ(t.dtype(), kInt64);
  EXPECT_EQ(t.item<int>(), 3);
  EXPECT_EQ(t.item<int64_t>(), 3);
  EXPECT_EQ(t.item<float>(), 3.0f);
  EXPECT_EQ(t.item<uint8_t>(), 3);
  EXPECT_EQ(tensor({2.5}).item().toFloat(), 2.5f);
  EXPECT_EQ(tensor({true}).item<bool>(), true);
  double d = tensor({1.5}).item();
  EXPECT_EQ(d, 1.5);
  EXPECT_EQ(tensor({{1.0, 2.0}, {3.0, 4.0}}).sizes(), IntArrayRef({2, 2}));
}

TEST(LibtorchSurface, AccessorReadsAndWritesThroughStrides) {
  Tensor m = arange(6, kFloat64).view({2, 3}).t();  // strided
  auto a = m.accessor<double, 2>();
  EXPECT_EQ(a.size(0), 3);
  EXPECT_EQ(a[2][1], 5.0);
  a[0][1] = 10.0;
  EXPECT_EQ(m.index({0, 1}).item<double>(), 10.0);
  EXPECT_THROW((m.accessor<float, 2>()), Error);
  EXPECT_THROW((m.accessor<double, 3>()), Error);
}

TEST(LibtorchSurface, IndexingIsTwiceDifferentiable) {
  Tensor x = randn({3, 4, 2}, kFloat64).requires_grad_();
  Tensor rows = tensor({2, 0, 2});
  Tensor mask = tensor({true, false, true, true});
  std::vector<std::function<Tensor(const TensorList&)>> cases = {
      [](const TensorList& in) { return in[0].index({Slice(1, None), "...", 0}); },
      [&](const TensorList& in) { return in[0].index({rows, Slice(), None}).pow(2); },
      [&](const TensorList& in) { return in[0].index({Slice(), mask}).pow(2); },
      [&](const TensorList& in) { return in[0].index({rows, Slice(), tensor({1, 0, 1})}); },
      [&](const TensorList& in) {
        Tensor y = in[0] * 1.0;
        y.index_put_({rows, 1}, in[0].index({0, 0}).sum() * 2.0);
        return y.pow(2);
      },
  };
  for (const auto& f : cases) {
    EXPECT_TRUE(gradcheck(f, {x})) << gradcheck(f, {x});
    EXPECT_TRUE(gradgradcheck(f, {x})) << gradgradcheck(f, {x});
  }
  EXPECT_THROW(x.index({0, 0, 0, 0}), Error);
  EXPECT_THROW(x.index({tensor({3})}), Error);
  EXPECT_THROW(x.index({"..", 0}), Error);
}

namespace {
struct ScaledSquare : autograd::Function<ScaledSquare> {
  static Tensor forward(autograd::AutogradContext* ctx, Tensor x, double scale) {
    ctx->save_for_backward({x});
    ctx->saved_data["scale"] = scale;
    return x * x * scale;
  }
  static autograd::tensor_list backward(autograd::AutogradContext* ctx,
                                        autograd::tensor_list g) {
    Tensor x = ctx->get_saved_variables()[0];
    return {g[0] * 2.0 * x * ctx->saved_data["scale"].toDouble(), Tensor()};
  }
};
}  // namespace

TEST(LibtorchSurface, ContextStyleCustomFunction) {
  Tensor x = randn({3}, kFloat64).requires_grad_();
  auto f = [](const TensorList& in) { return ScaledSquare::apply(in[0], 1.5); };
  EXPECT_TRUE(gradcheck(f, {x}));
  EXPECT_TRUE(gradgradcheck(f, {x}));
  Tensor y = ScaledSquare::apply(x, 2.0);
  EXPECT_NE(y.grad_fn()->name().find("ScaledSquare"), std::string::npos);
  // A saved input modified in place is caught when backward unpacks it.
  Tensor h = x * 1.0;
  Tensor z = ScaledSquare::apply(h, 2.0);
  {
    NoGradGuard no_grad;
    h.add_(1.0);
  }
  EXPECT_THROW(z.sum().backward(), Error);
}

TEST(LibtorchSurface, NnConveniences) {
  nn::Sequential seq(nn::Linear(2, 3), nn::Functional(tg::relu), nn::Dropout(0.5));
  EXPECT_EQ(seq[0]->name(), seq->ptr(0)->name());
  EXPECT_NE(seq->ptr<nn::LinearImpl>(0), nullptr);
  Tensor x = ones({4, 3, 5, 5});
  Tensor d = tg::feature_dropout(x, 0.5, true);
  // Whole channels are kept (scaled by 2) or zeroed.
  Tensor per_channel = d.sum({2, 3});
  for (double v : per_channel.to_vector<double>()) EXPECT_TRUE(v == 0.0 || v == 50.0);
  EXPECT_TRUE(tg::dropout(x, 0.5, false).is_same(x));
  Tensor lp = F::log_softmax(randn({2, 4}), 1);
  Tensor loss = F::nll_loss(lp, tensor({1, 3}), F::NLLLossFuncOptions().reduction(kSum));
  EXPECT_EQ(loss.dim(), 0);
}
