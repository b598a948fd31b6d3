// Matrix products beyond the fixtures: bad arguments, matmul's rank rules, strided
// operands, gradients of broadcast batches, and the same bits for 1 and 2 threads.
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

std::vector<uint8_t> bits(const TensorList& ts) {
  std::vector<uint8_t> out;
  for (const Tensor& t : ts) {
    Tensor c = t.detach().contiguous();
    const auto* p = static_cast<const uint8_t*>(c.raw_data());
    out.insert(out.end(), p, p + c.numel() * itemsize(c.dtype()));
  }
  return out;
}

// The reference product: broadcast multiply and sum over the inner dim (float64).
Tensor reference_mm(const Tensor& a, const Tensor& b) {
  return sum(a.unsqueeze(-1) * b.unsqueeze(-3), {-2});
}

TEST(LinalgOps, BadArguments) {
  Tensor a = randn({3, 4}), b = randn({5, 6});
  Tensor d = randn({4, 5}, kFloat64);
  Tensor i = arange(12).view({3, 4});
  expect_error_naming("matmul", [&] { matmul(a, b); });
  expect_error_naming("matmul", [&] { matmul(a, d); });
  expect_error_naming("matmul", [&] { matmul(scalar_tensor(1.0), randn({3})); });
  expect_error_naming("matmul", [&] { matmul(randn({2, 3, 4}), randn({3, 4, 5})); });
  expect_error_naming("matmul", [&] { matmul(randn({3}), randn({4})); });
  expect_error_naming("matmul", [&] { matmul(i, arange(4)); });
  expect_error_naming("mm", [&] { mm(a, b); });
  expect_error_naming("mm", [&] { mm(randn({3}), randn({3, 3})); });
  expect_error_naming("mm", [&] { mm(a, d); });
  expect_error_naming("mm", [&] { mm(Tensor(), a); });
  expect_error_naming("bmm", [&] { bmm(randn({2, 3, 4}), randn({3, 4, 5})); });
  expect_error_naming("bmm", [&] { bmm(randn({2, 3, 4}), randn({2, 5, 5})); });
  expect_error_naming("bmm", [&] { bmm(a, randn({4, 5})); });
  expect_error_naming("bmm", [&] { bmm(randn({2, 3, 4}), randn({2, 4, 5}, kFloat64)); });
  expect_error_naming("linear", [&] { linear(a, randn({5, 3})); });
  expect_error_naming("linear", [&] { linear(a, randn({5, 4}), randn({4})); });
  expect_error_naming("linear", [&] { linear(a, randn({5, 4}, kFloat64)); });
  expect_error_naming("linear", [&] { linear(a, randn({5, 4}), randn({5}, kFloat64)); });
  expect_error_naming("linear", [&] { linear(a, randn({4})); });
  expect_error_naming("outer", [&] { outer(a, randn({3})); });
  // The message names both shapes.
  try {
    mm(a, b);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[3, 4]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[5, 6]"), std::string::npos) << e.what();
  }
}

TEST(LinalgOps, MatmulRankRulesAndShapes) {
  struct Case {
    Shape a, b, out;
  };
  const std::vector<Case> cases = {
      {{4}, {4}, {}},           {{3, 4}, {4}, {3}},          {{4}, {4, 5}, {5}},
      {{3, 4}, {4, 5}, {3, 5}}, {{5}, {2, 3, 5, 4}, {2, 3, 4}}, {{2, 3, 5, 4}, {4}, {2, 3, 5}},
      {{2, 1, 3, 4}, {5, 4, 2}, {2, 5, 3, 2}}, {{7, 3, 4}, {4, 2}, {7, 3, 2}},
      {{3, 4}, {6, 4, 2}, {6, 3, 2}},           {{1, 3, 0}, {2, 0, 4}, {2, 3, 4}}};
  manual_seed(7);
  for (const Case& c : cases) {
    Tensor a = randn(c.a, kFloat64), b = randn(c.b, kFloat64);
    Tensor out = matmul(a, b);
    EXPECT_EQ(out.shape(), c.out) << c.a << " @ " << c.b;
    Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a, b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
    Tensor want = reference_mm(a2, b2);
    if (a.dim() == 1) want = want.squeeze(-2);
    if (b.dim() == 1) want = want.squeeze(-1);
    EXPECT_TRUE(allclose(out, want, 1e-12, 1e-12)) << c.a << " @ " << c.b;
  }
}

TEST(LinalgOps, BroadcastBatchGradients) {
  manual_seed(8);
  std::vector<std::pair<Shape, Shape>> shapes = {
      {{5}, {2, 3, 5, 4}}, {{2, 1, 3, 4}, {5, 4, 2}}, {{3, 4}, {2, 4, 2}}, {{2, 2, 3}, {3}}};
  for (const auto& [sa, sb] : shapes) {
    Tensor a = randn(sa, kFloat64).requires_grad_(), b = randn(sb, kFloat64).requires_grad_();
    auto f = [](const TensorList& in) { return TensorList{matmul(in[0], in[1])}; };
    EXPECT_TRUE(gradcheck(f, {a, b})) << sa << " @ " << sb;
    EXPECT_TRUE(gradgradcheck(f, {a, b})) << sa << " @ " << sb;
  }
}

TEST(LinalgOps, StridedOperandsNeedNoCopyAndGiveTheSameResult) {
  manual_seed(9);
  Tensor base = randn({6, 8}, kFloat64);
  Tensor a = base.slice(1, 1, 6);                 // [6, 5], row stride 8
  Tensor b = randn({7, 5}, kFloat64).t();          // [5, 7], column-major
  Tensor c = randn({4, 3, 5}, kFloat64).slice(0, 0, 4, 2);  // batch stride 30
  EXPECT_TRUE(allclose(mm(a, b), reference_mm(a.contiguous(), b.contiguous()), 1e-12, 1e-12));
  Tensor bb = randn({2, 7, 5}, kFloat64).transpose(1, 2);
  EXPECT_TRUE(allclose(bmm(c, bb), reference_mm(c.contiguous(), bb.contiguous()), 1e-12, 1e-12));
  // An operand with no gemm layout (stride 2 in both dims) is copied.
  Tensor odd = randn({8, 10}, kFloat64).slice(0, 0, 8, 2).slice(1, 0, 10, 2);  // [4, 5]
  EXPECT_TRUE(allclose(mm(odd, b), reference_mm(odd.contiguous(), b.contiguous()), 1e-12, 1e-12));
}

TEST(LinalgOps, LinearMatchesMatmul) {
  manual_seed(10);
  Tensor x = randn({2, 3, 4}, kFloat64).requires_grad_();
  Tensor w = randn({5, 4}, kFloat64).requires_grad_();
  Tensor bias = randn({5}, kFloat64).requires_grad_();
  EXPECT_TRUE(allclose(linear(x, w, bias), matmul(x, w.t()) + bias, 1e-12, 1e-12));
  EXPECT_TRUE(allclose(linear(x, w), matmul(x, w.t()), 1e-12, 1e-12));
  auto f = [](const TensorList& in) { return TensorList{linear(in[0], in[1], in[2])}; };
  EXPECT_TRUE(gradcheck(f, {x, w, bias}));
  EXPECT_TRUE(gradgradcheck(f, {x, w, bias}));
  // Gradients are laid out like their inputs (not transposed views).
  linear(x, w, bias).sum().backward();
  EXPECT_EQ(w.grad().shape(), Shape({5, 4}));
  EXPECT_EQ(bias.grad().shape(), Shape({5}));
  EXPECT_EQ(linear(randn({0, 4}), randn({3, 4})).shape(), Shape({0, 3}));
  // No input features: the output is the bias.
  Tensor b3 = tensor({1.0, 2.0, 3.0}, kFloat32);
  EXPECT_EQ(linear(randn({2, 0}), randn({3, 0}), b3).to_vector<float>(),
            (std::vector<float>{1, 2, 3, 1, 2, 3}));
}

TEST(LinalgOps, OuterAndTensorMethod) {
  Tensor a = tensor({1.0, 2.0}, kFloat64), b = tensor({3.0, 4.0, 5.0}, kFloat64);
  EXPECT_EQ(outer(a, b).to_vector<double>(), (std::vector<double>{3, 4, 5, 6, 8, 10}));
  EXPECT_TRUE(equal(a.matmul(a), matmul(a, a)));
  EXPECT_EQ(a.matmul(a).item(), 5.0);
}

TEST(LinalgOps, MatmulGradFnNames) {
  Tensor a = randn({3, 4}).requires_grad_(), b = randn({4, 5}).requires_grad_();
  EXPECT_EQ(mm(a, b).grad_fn_name(), "MmBackward");
  EXPECT_EQ(bmm(a.unsqueeze(0), b.unsqueeze(0)).grad_fn_name(), "BmmBackward");
  EXPECT_EQ(linear(a, b.t()).grad_fn_name(), "LinearBackward");
}

// Large single products (parallel inside gemm) and many small ones (parallel over the batch).
TEST(LinalgOps, SameBitsForOneAndTwoThreads) {
  auto run = [](int threads) {
    set_num_threads(threads);
    manual_seed(12);
    Tensor a = randn({512, 1024}).requires_grad_();
    Tensor b = randn({1024, 256}).requires_grad_();
    Tensor x = randn({256, 16, 24}).requires_grad_();
    Tensor y = randn({256, 24, 16}).requires_grad_();
    Tensor w = randn({128, 1024}).requires_grad_();
    Tensor bias = randn({128}).requires_grad_();
    TensorList outs = {matmul(a, b), bmm(x, y), linear(a, w, bias), matmul(x, y.transpose(1, 2).transpose(1, 2))};
    Tensor total = zeros({});
    for (const Tensor& o : outs) total = total + (o * o).sum();
    TensorList grads = autograd::grad({total}, {a, b, x, y, w, bias});
    outs.insert(outs.end(), grads.begin(), grads.end());
    return bits(outs);
  };
  const std::vector<uint8_t> one = run(1), two = run(2);
  set_num_threads(2);
  EXPECT_TRUE(one == two);
}

}  // namespace
}  // namespace tg
