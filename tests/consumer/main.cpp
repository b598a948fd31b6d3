// Builds a small graph through the installed headers and checks its gradient.
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
  return ok && check ? 0 : 1;
}
