// A first look at tapegrad: build a small graph eagerly, run backward, inspect the
// gradients, and verify them numerically with gradcheck and gradgradcheck.
#include <tapegrad.h>

#include <iostream>

int main() {
  tg::manual_seed(0);
  tg::Tensor w = tg::randn({3, 2}, tg::kFloat64).requires_grad_();
  tg::Tensor x = tg::randn({4, 3}, tg::kFloat64);
  auto model = [&](const tg::TensorList& in) {
    tg::Tensor h = (in[1].unsqueeze(2) * in[0].unsqueeze(0)).sum({1});  // x @ w
    return (h.sin() * h + 1.0).pow(2).mean();
  };
  tg::Tensor loss = model({w, x});
  std::cout << "loss    = " << loss << "\n";
  loss.backward();
  std::cout << "dL/dw   = " << w.grad() << "\n";
  auto first = tg::gradcheck(model, {w, x});
  auto second = tg::gradgradcheck(model, {w, x});
  std::cout << "gradcheck:     " << first << "\ngradgradcheck: " << second << "\n";
  return first && second ? 0 : 1;
}
