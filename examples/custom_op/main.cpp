// custom_op: your own differentiable ops, each one small struct: a forward, a vjp (backward)
// written with tapegrad ops, and typed residuals (Saved). Because the vjp uses only ops,
// second derivatives work too. Both ops are checked with gradcheck and gradgradcheck, then
// used inside a small CNN trained on Fashion-MNIST.
//   custom_op [--steps N]     (default 300 training steps of batch 64)
#include <tapegrad.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "data/fashion_mnist.h"

using tg::Tensor;
using tg::TensorList;

// ---------------------------------------------------------------- the ops (copy these)
// Swish (also called SiLU): x * sigmoid(x).
struct Swish : tg::autograd::Function<Swish> {
  static constexpr const char* name = "Swish";
  struct Saved { Tensor x; };
  static Tensor forward(Saved& s, const Tensor& x) {
    s.x = x;                                  // save inputs (and outputs) only...
    return x * tg::sigmoid(x);
  }
  static TensorList backward(const Saved& s, const TensorList& g) {
    Tensor sig = tg::sigmoid(s.x);            // ...and recompute intermediates here
    return {g[0] * (sig + s.x * sig * (1.0 - sig))};
  }
};

// Unsharp mask: x + amount * (x - blur(x)), one fixed 3x3 kernel on every channel.
struct UnsharpMask : tg::autograd::Function<UnsharpMask> {
  static constexpr const char* name = "UnsharpMask";
  struct Saved { Tensor kernel; };
  static Tensor forward(Saved& s, const Tensor& x, double amount) {
    Tensor blur = tg::tensor({1, 2, 1, 2, 4, 2, 1, 2, 1}, x.dtype()).reshape({3, 3}) / 16.0;
    Tensor identity = tg::tensor({0, 0, 0, 0, 1, 0, 0, 0, 0}, x.dtype()).reshape({3, 3});
    Tensor k = identity * (1 + amount) - blur * amount;
    s.kernel = k.expand({x.size(1), 1, 3, 3}).contiguous();  // [C, 1, 3, 3]: one per channel
    return tg::conv2d(x, s.kernel, {}, 1, /*padding=*/1, 1, /*groups=*/x.size(1));
  }
  static TensorList backward(const Saved& s, const TensorList& g) {
    // A fixed linear filter: its vjp is the transposed convolution with the same kernel.
    return {tg::conv_transpose2d(g[0], s.kernel, {}, 1, 1, 0, s.kernel.size(0))};
  }
};

// ---------------------------------------------------------------- a model that uses them
namespace nn = tg::nn;
struct NetImpl : nn::Module {
  nn::Conv2d conv1{nn::Conv2dOptions(1, 8, 3).padding(1)}, conv2{nn::Conv2dOptions(8, 16, 3).padding(1)};
  nn::Linear fc{16 * 7 * 7, 10};
  NetImpl() {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("fc", fc);
  }
  Tensor forward(Tensor x) {
    x = UnsharpMask::apply(x, 1.0);                                 // sharpen the input
    x = tg::max_pool2d(Swish::apply(conv1->forward(x)), 2);         // [B, 8, 14, 14]
    x = tg::max_pool2d(Swish::apply(conv2->forward(x)), 2);         // [B, 16, 7, 7]
    return fc->forward(x.flatten(1));
  }
};
TG_MODULE(Net);

int main(int argc, char** argv) {
  int steps = 300;
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--steps")) steps = std::stoi(argv[i + 1]);
  tg::manual_seed(0);

  // 1. Check both ops in float64: first and second derivatives.
  Tensor x = tg::randn({2, 3, 5, 5}, tg::kFloat64).requires_grad_();
  auto swish = [](const TensorList& in) { return Swish::apply(in[0]); };
  auto sharpen = [](const TensorList& in) { return UnsharpMask::apply(in[0], 0.7); };
  bool ok = true;
  auto show = [&](const char* what, const tg::autograd::GradcheckResult& r) {
    std::printf("%-26s %s\n", what, r.ok ? "passed" : r.message.c_str());
    ok = ok && r.ok;
  };
  show("Swish gradcheck", tg::gradcheck(swish, {x}));
  show("Swish gradgradcheck", tg::gradgradcheck(swish, {x}));
  show("UnsharpMask gradcheck", tg::gradcheck(sharpen, {x}));
  show("UnsharpMask gradgradcheck", tg::gradgradcheck(sharpen, {x}));

  // 2. Train the model for a few hundred steps (Adam, batch 64), then test on 2000 images.
  auto train = tg::data::FashionMNIST(tg::data::Split::Train);
  auto test = tg::data::FashionMNIST(tg::data::Split::Test).head(2000);
  Net net;
  tg::optim::Adam opt(net->parameters(), tg::optim::AdamOptions(2e-3));
  double recent = 0;  // mean training loss since the last report
  for (int step = 1; step <= steps; ++step) {
    Tensor idx = tg::randint(0, train.size(), {64});
    auto batch = train.get_batch(idx);
    Tensor loss = tg::cross_entropy(net->forward(batch.data), batch.target);
    opt.zero_grad();
    loss.backward();
    opt.step();
    recent += loss.item();
    if (step % 50 == 0 || step == steps) {
      std::printf("step %4d  loss %.4f\n", step, recent / ((step - 1) % 50 + 1));
      recent = 0;
    }
  }
  tg::NoGradGuard no_grad;
  Tensor predicted = net->forward(test.data()).argmax(1);
  const double accuracy = tg::eq(predicted, test.targets()).to(tg::kFloat64).mean().item();
  std::printf("test accuracy on %lld images: %.1f%%\n", (long long)test.size(), 100 * accuracy);
  return ok ? 0 : 1;
}
