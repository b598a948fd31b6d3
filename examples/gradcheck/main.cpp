// gradcheck: is the gradient right? tg::gradcheck compares the engine's gradient (one
// backward pass per output element) with central differences (f(x+eps) - f(x-eps)) / 2eps,
// element by element, in float64; tg::gradgradcheck does the same for second derivatives.
//
// 1. A function of your own, 2. a conv/pool stack (input, weights and bias), then two broken
// custom ops, to show what a failing report says: 3. a vjp with a wrong formula,
// 4. a vjp that passes gradcheck but breaks second derivatives (a residual computed in forward).
// Exit code 0 when the good ones pass and the broken ones are caught.
#include <tapegrad.h>

#include <cstdio>
#include <string>

using tg::Tensor;
using tg::TensorList;

bool all_as_expected = true;

void report(const std::string& what, const tg::autograd::GradcheckResult& r, bool expect_ok) {
  const char* status = r.ok ? "passed" : expect_ok ? "FAILED" : "failed, as it should";
  std::printf("%-44s %s\n", what.c_str(), status);
  if (!r.ok) std::printf("    report: %s\n", r.message.c_str());
  if (r.ok != expect_ok) {
    all_as_expected = false;
    std::printf("    (unexpected: this check should have %s)\n", expect_ok ? "passed" : "failed");
  }
}

// 3. d(x^3)/dx is 3x^2; this vjp forgets the 3.
struct BrokenCube : tg::autograd::Function<BrokenCube> {
  static constexpr const char* name = "BrokenCube";
  struct Saved { Tensor x; };
  static Tensor forward(Saved& s, const Tensor& x) {
    s.x = x;
    return x * x * x;
  }
  static TensorList backward(const Saved& s, const TensorList& g) {
    return {g[0] * s.x * s.x};  // should be 3 * x^2
  }
};

// 4. The right formula, but sigmoid(x) is computed in forward, where nothing is recorded:
// to the second derivative it is a constant, so d/dx of this vjp misses a term.
struct SwishSavingSigmoid : tg::autograd::Function<SwishSavingSigmoid> {
  static constexpr const char* name = "SwishSavingSigmoid";
  struct Saved { Tensor x, sig; };
  static Tensor forward(Saved& s, const Tensor& x) {
    s.x = x;
    s.sig = tg::sigmoid(x);  // the trap: recompute it in backward instead
    return x * s.sig;
  }
  static TensorList backward(const Saved& s, const TensorList& g) {
    return {g[0] * (s.sig + s.x * s.sig * (1.0 - s.sig))};
  }
};

int main() {
  tg::manual_seed(0);
  auto f64 = [](tg::IntArrayRef shape) { return tg::randn(shape, tg::kFloat64).requires_grad_(); };

  // 1. Any function of tensors to a tensor; gradcheck perturbs every input that requires grad.
  Tensor x = f64({3, 4}), y = f64({4});
  auto my_function = [](const TensorList& in) {
    return (in[0].sin() * in[1]).pow(2).sum({1}) + in[0].exp().mean();  // y broadcasts
  };
  report("1. my_function(x, y)", tg::gradcheck(my_function, {x, y}), true);
  report("   second derivatives", tg::gradgradcheck(my_function, {x, y}), true);

  // 2. conv -> tanh -> max-pool -> conv (stride 2, padding 1) -> avg-pool: 2 images of 8x8.
  Tensor images = f64({2, 1, 8, 8}), w1 = f64({3, 1, 3, 3}), b1 = f64({3}), w2 = f64({2, 3, 3, 3});
  auto cnn = [](const TensorList& in) {
    Tensor h = tg::tanh(tg::conv2d(in[0], in[1], in[2]));  // [2, 3, 6, 6]
    h = tg::max_pool2d(h, 2);                               // [2, 3, 3, 3]
    h = tg::conv2d(h, in[3], {}, /*stride=*/2, /*padding=*/1);  // [2, 2, 2, 2]
    return tg::avg_pool2d(h, 2);                            // [2, 2, 1, 1]
  };
  report("2. conv/pool stack (images, w1, b1, w2)", tg::gradcheck(cnn, {images, w1, b1, w2}), true);
  report("   second derivatives", tg::gradgradcheck(cnn, {images, w1, b1, w2}), true);

  // 3. and 4.: custom ops with mistakes. gradcheck names the input, the element, and both values.
  Tensor z = f64({5});
  auto cube = [](const TensorList& in) { return BrokenCube::apply(in[0]); };
  report("3. BrokenCube (vjp forgets a factor 3)", tg::gradcheck(cube, {z}), false);
  auto swish = [](const TensorList& in) { return SwishSavingSigmoid::apply(in[0]); };
  report("4. SwishSavingSigmoid: first derivative", tg::gradcheck(swish, {z}), true);
  report("   second derivative", tg::gradgradcheck(swish, {z}), false);

  std::printf("\n%s\n", all_as_expected ? "every check came out as expected"
                                        : "SOME CHECKS DID NOT COME OUT AS EXPECTED");
  return all_as_expected ? 0 : 1;
}
