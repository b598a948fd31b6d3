// The public header compiled as C++20 (a separate target: the library itself is C++17):
// names that became keywords (requires, concept, co_await...) must not appear in it.
#include <tapegrad.h>

#include <cstdio>

int main() {
  static_assert(__cplusplus >= 202002L, "this check must be compiled as C++20");
  tg::Tensor w = tg::ones({2, 2}, tg::kFloat64).requires_grad_();
  tg::Tensor loss = (w * 3.0).sum();
  loss.backward();
  const double g = w.grad().sum().item<double>();
  std::printf("C++20 consumer: gradient sum %g\n", g);
  return g == 12.0 ? 0 : 1;
}
