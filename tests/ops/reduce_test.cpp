// Reductions beyond the fixtures: bad arguments, ties, zeros, NaN, edge sizes, and the same
// bits for 1 and 2 threads on large inputs.
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

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

TEST(ReduceOps, BadArguments) {
  Tensor x = randn({2, 3});
  Tensor ints = arange(6).view({2, 3});
  expect_error_naming("sum", [&] { sum(x, {2}); });
  expect_error_naming("sum", [&] { sum(x, {0, -2}); });  // duplicate
  expect_error_naming("mean", [&] { mean(ints); });
  expect_error_naming("prod", [&] { prod(x, 2); });
  expect_error_naming("prod", [&] { prod(Tensor()); });
  expect_error_naming("max", [&] { max(x, 3); });
  expect_error_naming("max", [&] { max(empty({0})); });
  expect_error_naming("min", [&] { min(x, -3); });
  expect_error_naming("min", [&] { min(empty({0, 2})); });
  expect_error_naming("amax", [&] { amax(x, {0, 0}); });
  expect_error_naming("amax", [&] { amax(empty({2, 0}), {1}); });
  expect_error_naming("amin", [&] { amin(x, {5}); });
  expect_error_naming("argmax", [&] { argmax(x, 2); });
  expect_error_naming("argmax", [&] { argmax(empty({0})); });
  expect_error_naming("argmin", [&] { argmin(x, -4); });
  expect_error_naming("var", [&] { var(ints); });
  expect_error_naming("var", [&] { var(x, {4}); });
  expect_error_naming("std", [&] { tg::std(ints); });
  expect_error_naming("std", [&] { tg::std(x, {1, 1}); });
  expect_error_naming("logsumexp", [&] { logsumexp(x, {2}); });
  expect_error_naming("logsumexp", [&] { logsumexp(ints, {0}); });
  expect_error_naming("norm", [&] { norm(x, 2, {3}); });
  expect_error_naming("norm", [&] { norm(ints); });
}

TEST(ReduceOps, ProdGradientWithZeros) {
  // One zero: only the zero's position gets the product of the others.
  Tensor x = tensor({2.0, 0.0, 3.0}, kFloat64).requires_grad_();
  prod(x).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 6, 0}));
  // Two zeros: no gradient anywhere.
  Tensor y = tensor({2.0, 0.0, 0.0}, kFloat64).requires_grad_();
  prod(y).backward();
  EXPECT_EQ(values(y.grad()), (std::vector<double>{0, 0, 0}));
  // Along a dim, rows with and without zeros, checked to second order.
  // Rows: one zero, none, two zeros; columns: two zeros, one, one.
  Tensor z = tensor({1.5, 0.0, -2.0, 0.5, 3.0, -1.0, 0.0, 0.0, 2.0}, kFloat64).view({3, 3});
  z.requires_grad_();
  for (int64_t dim : {0, 1}) {
    auto f = [dim](const TensorList& in) { return TensorList{prod(in[0], dim)}; };
    EXPECT_TRUE(gradcheck(f, {z})) << "dim " << dim;
    EXPECT_TRUE(gradgradcheck(f, {z})) << "dim " << dim;
  }
  auto all = [](const TensorList& in) { return TensorList{prod(in[0])}; };
  Tensor one_zero = tensor({1.5, 0.0, -2.0, 0.5}, kFloat64).requires_grad_();
  EXPECT_TRUE(gradcheck(all, {one_zero}));
  EXPECT_TRUE(gradgradcheck(all, {one_zero}));
  Tensor two_zeros = tensor({1.5, 0.0, -2.0, 0.0}, kFloat64).requires_grad_();
  EXPECT_TRUE(gradcheck(all, {two_zeros}));
  EXPECT_TRUE(gradgradcheck(all, {two_zeros}));
}

TEST(ReduceOps, ProdOfIntegers) {
  Tensor x = tensor(std::vector<int64_t>{2, 3, 4, 5}, {2, 2});
  EXPECT_EQ(prod(x).item<int64_t>(), 120);
  EXPECT_EQ(prod(x, 1).to_vector<int64_t>(), (std::vector<int64_t>{6, 20}));
}

TEST(ReduceOps, TiesShareTheGradientEvenly) {
  Tensor x = tensor({1.0, 3.0, 3.0, 2.0, 3.0, 0.0}, kFloat64).view({2, 3}).requires_grad_();
  amax(x, {1}).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 0.5, 0.5, 0, 1, 0}));
  x.mutable_grad() = Tensor();
  max(x).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 1. / 3, 1. / 3, 0, 1. / 3, 0}));
  x.mutable_grad() = Tensor();
  amin(x, {0, 1}).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 0, 0, 0, 0, 1}));
}

TEST(ReduceOps, MaxWithDimReturnsFirstIndexAndRoutesGradient) {
  Tensor x = tensor({1.0, 3.0, 3.0, 2.0, -1.0, 5.0}, kFloat64).view({2, 3}).requires_grad_();
  auto [v, i] = max(x, 1);
  EXPECT_EQ(values(v), (std::vector<double>{3, 5}));
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));
  v.sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 1, 0, 0, 0, 1}));
  auto [mv, mi] = min(x, 0, /*keepdim=*/true);
  EXPECT_EQ(mv.shape(), Shape({1, 3}));
  EXPECT_EQ(mi.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 0}));
  auto f = [](const TensorList& in) { return TensorList{std::get<0>(max(in[0], 0)) * in[0]}; };
  Tensor y = tensor({0.5, -1.0, 2.0, 1.5}, kFloat64).view({2, 2}).requires_grad_();
  EXPECT_TRUE(gradcheck(f, {y}));
  EXPECT_TRUE(gradgradcheck(f, {y}));
}

TEST(ReduceOps, NanPropagates) {
  Tensor x = tensor({1.0, NAN, 3.0, 2.0}, kFloat32).view({2, 2});
  EXPECT_TRUE(std::isnan(max(x).item()));
  EXPECT_TRUE(std::isnan(amin(x, {1}).to_vector<float>()[0]));
  auto [v, i] = max(x, 1);
  EXPECT_TRUE(std::isnan(v.to_vector<float>()[0]));
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(argmax(x).item<int64_t>(), 1);
  EXPECT_EQ(argmin(x, 0).to_vector<int64_t>(), (std::vector<int64_t>{0, 0}));
}

TEST(ReduceOps, ArgmaxArgminShapes) {
  Tensor x = tensor({3.0, 1.0, 4.0, 1.5, 5.0, 9.0}, kFloat32).view({2, 3});
  EXPECT_EQ(argmax(x).item<int64_t>(), 5);
  EXPECT_EQ(argmin(x).item<int64_t>(), 1);
  EXPECT_EQ(argmax(x, std::nullopt, true).shape(), Shape({1, 1}));
  EXPECT_EQ(argmax(x, 0).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(x.argmax(1, true).shape(), Shape({2, 1}));
  EXPECT_EQ(argmin(x.t(), 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(argmax(scalar_tensor(2.0)).item<int64_t>(), 0);
  EXPECT_EQ(argmax(scalar_tensor(2.0), 0).item<int64_t>(), 0);
}

TEST(ReduceOps, ZeroDimInputsAcceptDimZero) {
  Tensor s = scalar_tensor(2.5, kFloat64).requires_grad_();
  EXPECT_EQ(sum(s, {0}).item(), 2.5);
  EXPECT_EQ(amax(s, {-1}, true).shape(), Shape({}));
  auto [v, i] = max(s, 0);
  EXPECT_EQ(v.item(), 2.5);
  EXPECT_EQ(i.item<int64_t>(), 0);
  v.backward();
  EXPECT_EQ(s.grad().item(), 1.0);
}

TEST(ReduceOps, NormGradientAtZeroIsZero) {
  for (double p : {2.0, 1.0, 3.0, 0.5}) {
    Tensor x = zeros({3}, kFloat64).requires_grad_();
    norm(x, p).backward();
    EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 0, 0})) << "p = " << p;
  }
  Tensor rows = tensor({0.0, 0.0, 3.0, 4.0}, kFloat64).view({2, 2}).requires_grad_();
  norm(rows, 2, {1}).sum().backward();
  std::vector<double> want = {0, 0, 0.6, 0.8}, got = values(rows.grad());
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(got[k], want[k], 1e-15);
}

TEST(ReduceOps, NormOrders) {
  Tensor x = tensor({3.0, -4.0, 0.0, 1.0}, kFloat64);
  EXPECT_DOUBLE_EQ(norm(x).item(), std::sqrt(26.0));
  EXPECT_DOUBLE_EQ(norm(x, 1).item(), 8.0);
  EXPECT_DOUBLE_EQ(norm(x, 0).item(), 3.0);
  EXPECT_DOUBLE_EQ(norm(x, INFINITY).item(), 4.0);
  EXPECT_DOUBLE_EQ(norm(x, -INFINITY).item(), 0.0);
  EXPECT_NEAR(norm(x, 3).item(), std::cbrt(27.0 + 64.0 + 1.0), 1e-12);
  Tensor y = tensor({0.5, -1.5, 2.0, -0.7, 1.2, 0.9}, kFloat64).view({2, 3}).requires_grad_();
  for (double p : {3.0, 1.5, 0.5, double(INFINITY), -double(INFINITY)}) {
    auto f = [p](const TensorList& in) { return TensorList{norm(in[0], p, {1}, true)}; };
    EXPECT_TRUE(gradcheck(f, {y})) << "p = " << p;
    EXPECT_TRUE(gradgradcheck(f, {y})) << "p = " << p;
  }
}

TEST(ReduceOps, VarStdEdges) {
  Tensor x = zeros({4}, kFloat64).requires_grad_();
  tg::std(x).backward();  // zero spread: zero gradient, not NaN
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_TRUE(std::isnan(var(ones({1})).item()));  // unbiased over one element
  Tensor y = tensor({1.0, 2.0, 4.0, 7.0}, kFloat64);
  EXPECT_DOUBLE_EQ(var(y).item(), 7.0);
  EXPECT_DOUBLE_EQ(var(y, false).item(), 5.25);
  EXPECT_DOUBLE_EQ(tg::std(y, {0}, true, true).item(), std::sqrt(7.0));
  EXPECT_EQ(tg::std(y.view({2, 2}), {1}, true, true).shape(), Shape({2, 1}));
}

TEST(ReduceOps, VarIsAccurateForLargeOffsets) {
  // float32 values around 1e4 with a spread of 1: a one-pass float formula would lose it.
  std::vector<float> v(1000);
  for (int i = 0; i < 1000; ++i) v[i] = 10000.0f + static_cast<float>(i % 2);
  EXPECT_NEAR(var(tensor(v, {1000}), false).item(), 0.25, 1e-6);
}

TEST(ReduceOps, LogsumexpIsStable) {
  Tensor x = tensor({1000.0, 1000.0, -INFINITY}, kFloat32);
  EXPECT_NEAR(logsumexp(x, {0}).item(), 1000.0 + std::log(2.0), 1e-3);
  Tensor all_neg_inf = full({2}, -INFINITY);
  EXPECT_EQ(logsumexp(all_neg_inf, {0}).item(), -INFINITY);
  Tensor y = tensor({0.5, -1.0, 2.0, 1.5, 0.1, -0.3}, kFloat64).view({2, 3}).requires_grad_();
  auto f = [](const TensorList& in) { return TensorList{logsumexp(in[0], {0, 1})}; };
  EXPECT_TRUE(gradcheck(f, {y}));
  EXPECT_TRUE(gradgradcheck(f, {y}));
}

TEST(ReduceOps, SumAccumulatesFloatInDouble) {
  // 2^24 + many ones: a float accumulator would stop at 2^24.
  std::vector<float> v(1 << 20, 1.0f);
  v[0] = 16777216.0f;
  EXPECT_EQ(sum(tensor(v, {1 << 20})).item(), static_cast<float>(16777216.0 + (1 << 20) - 1));
}

TEST(ReduceOps, TensorMethods) {
  Tensor x = tensor({3.0, 1.0, 4.0, 1.5, 5.0, 9.0}, kFloat32).view({2, 3});
  EXPECT_EQ(x.max().item(), 9.0);
  EXPECT_EQ(x.min().item(), 1.0);
  EXPECT_EQ(x.amax({0}).to_vector<float>(), (std::vector<float>{3, 5, 9}));
  EXPECT_EQ(x.amin({1}, true).shape(), Shape({2, 1}));
  EXPECT_EQ(x.argmax().item<int64_t>(), 5);
}

// Large enough that every reduction runs in parallel, along the inner and the outer dim.
TEST(ReduceOps, SameBitsForOneAndTwoThreads) {
  auto run = [](int threads) {
    set_num_threads(threads);
    manual_seed(5);
    Tensor x = randn({512, 1024}).requires_grad_();
    TensorList outs;
    for (int64_t d : {0, 1}) {
      outs.push_back(sum(x, {d}));
      outs.push_back(mean(x, {d}));
      outs.push_back(prod(x * 0.01 + 1.0, d));
      outs.push_back(amax(x, {d}));
      outs.push_back(std::get<0>(min(x, d)));
      outs.push_back(var(x, {d}));
      outs.push_back(tg::std(x, {d}, false));
      outs.push_back(logsumexp(x, {d}));
      outs.push_back(norm(x, 2, {d}));
      outs.push_back(norm(x, 3, {d}));
    }
    outs.push_back(sum(x).view({1}));
    outs.push_back(var(x).view({1}));
    Tensor total = zeros({});
    for (const Tensor& o : outs) total = total + (o * o).sum();
    TensorList result = outs;
    result.push_back(autograd::grad({total}, {x})[0]);
    result.push_back(argmax(x, 1));
    result.push_back(argmin(x, 0));
    result.push_back(std::get<1>(max(x, 0)));
    return bits(result);
  };
  const std::vector<uint8_t> one = run(1), two = run(2);
  set_num_threads(2);
  EXPECT_TRUE(one == two);
}

}  // namespace
}  // namespace tg
