// Builds a small graph through the installed headers and checks its gradient, and runs a
// model of the installed zoo (nn/models).
#include <tapegrad.h>

#include <cmath>
#include <iostream>

int main() {
  tg::Tensor x = tg::tensor({1.0, 2.0, 3.0}, tg::kFloat64).requires_grad_();
  tg::Tensor y = (x * x).sum();  // dy/dx = 2x
  y.backward();
  const std::vector<double> g = x.grad().to_vector<double>();
  const bool ok = g.size() == 3 && std::abs(g[0] - 2) < 1e-12 && std::abs(g[2] - 6) < 1e-12;
  auto check = tg::gradcheck([](const tg::TensorList& in) { return (in[0] * in[0]).exp(); }, {x});
  std::cout << "gradient " << x.grad() << "\n" << check << "\n";
  auto net = tg::nn::models::lenet5();
  tg::NoGradGuard no_grad;
  const bool zoo_ok = net(tg::zeros({2, 1, 28, 28})).shape() == tg::Shape{2, 10};
  return ok && check && zoo_ok ? 0 : 1;
}
