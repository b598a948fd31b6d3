// Normalization ops beyond the fixtures: bad arguments (each error names the op), running
// statistics updates, second derivatives of every input including mixed ones, and the same
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

TEST(NormOps, BatchNormBadArguments) {
  Tensor x = randn({4, 3, 2});
  Tensor c3 = ones({3});
  expect_error_naming("batch_norm", [&] { batch_norm(randn({3}), c3, c3); });  // 1-d input
  expect_error_naming("batch_norm", [&] { batch_norm(x, ones({2}), c3); });    // mean shape
  expect_error_naming("batch_norm", [&] { batch_norm(x, c3, c3, ones({4})); });  // weight
  expect_error_naming("batch_norm", [&] { batch_norm(x, c3, c3, c3, ones({2, 3})); });  // bias
  expect_error_naming("batch_norm", [&] { batch_norm(x, c3, c3, ones({3}, kFloat64)); });
  expect_error_naming("batch_norm", [&] { batch_norm(x, c3, Tensor(), {}, {}, true); });
  expect_error_naming("batch_norm", [&] { batch_norm(x, Tensor(), Tensor()); });  // eval
  expect_error_naming("batch_norm", [&] { batch_norm(randn({1, 3}), c3, c3, {}, {}, true); });
  expect_error_naming("batch_norm", [&] { batch_norm(x.to(kInt64), c3, c3); });
}

TEST(NormOps, LayerAndGroupNormBadArguments) {
  Tensor x = randn({2, 6, 4});
  expect_error_naming("layer_norm", [&] { layer_norm(x, {5}); });
  expect_error_naming("layer_norm", [&] { layer_norm(x, {}); });
  expect_error_naming("layer_norm", [&] { layer_norm(x, {1, 2, 6, 4}); });
  expect_error_naming("layer_norm", [&] { layer_norm(x, {4}, ones({6})); });
  expect_error_naming("layer_norm", [&] { layer_norm(x, {6, 4}, Tensor(), ones({4})); });
  expect_error_naming("layer_norm", [&] { layer_norm(x, {4}, ones({4}, kFloat64)); });
  expect_error_naming("layer_norm", [&] { layer_norm(x.to(kInt64), {4}); });
  expect_error_naming("group_norm", [&] { group_norm(x, 4); });  // 6 % 4 != 0
  expect_error_naming("group_norm", [&] { group_norm(x, 0); });
  expect_error_naming("group_norm", [&] { group_norm(randn({6}), 2); });
  expect_error_naming("group_norm", [&] { group_norm(x, 2, ones({4})); });
  expect_error_naming("group_norm", [&] { group_norm(x, 2, ones({6}), ones({6}, kFloat64)); });
}

TEST(NormOps, BatchNormUpdatesRunningStatisticsInPlace) {
  Tensor x = randn({5, 2, 3}, kFloat64) * 2.0 + 1.0;
  Tensor rm = tensor(std::vector<double>{0.5, -0.5}, {2});
  Tensor rv = tensor(std::vector<double>{1.0, 2.0}, {2});
  const uint64_t version = rm.version();
  batch_norm(x, rm, rv, Tensor(), Tensor(), true, 0.25, 1e-5);
  EXPECT_GT(rm.version(), version);
  Tensor batch_mean = x.mean({0, 2});
  Tensor batch_var = var(x, {0, 2}, /*unbiased=*/true);
  Tensor want_rm = tensor(std::vector<double>{0.5, -0.5}, {2}) * 0.75 + batch_mean * 0.25;
  Tensor want_rv = tensor(std::vector<double>{1.0, 2.0}, {2}) * 0.75 + batch_var * 0.25;
  EXPECT_TRUE(allclose(rm, want_rm, 1e-12, 1e-12));
  EXPECT_TRUE(allclose(rv, want_rv, 1e-12, 1e-12));
  // Eval mode reads them and leaves them alone.
  const auto before = rm.to_vector<double>();
  batch_norm(x, rm, rv, Tensor(), Tensor(), false);
  EXPECT_EQ(rm.to_vector<double>(), before);
}

TEST(NormOps, NormalizedOutputsHaveZeroMeanUnitVariance) {
  Tensor x = randn({4, 6, 5}, kFloat64) * 3.0 + 2.0;
  Tensor y = batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 0.0);
  EXPECT_LT(y.mean({0, 2}).abs().max().item(), 1e-12);
  EXPECT_LT((var(y, {0, 2}, false) - 1.0).abs().max().item(), 1e-10);
  Tensor l = layer_norm(x, {6, 5}, Tensor(), Tensor(), 0.0);
  EXPECT_LT(l.mean({1, 2}).abs().max().item(), 1e-12);
  Tensor g = group_norm(x, 3, Tensor(), Tensor(), 0.0).reshape({4, 3, 10});
  EXPECT_LT((var(g, {2}, false) - 1.0).abs().max().item(), 1e-10);
}

// Second derivatives of every differentiable input at once (mixed terms included).
TEST(NormOps, SecondDerivativesOfAllInputs) {
  Tensor x = (randn({3, 4, 2}, kFloat64) * 1.5 + 0.3).requires_grad_();
  Tensor w = (rand({4}, kFloat64) + 0.5).requires_grad_();
  Tensor b = randn({4}, kFloat64).requires_grad_();
  Tensor rm = zeros({4}, kFloat64), rv = ones({4}, kFloat64);
  autograd::SingleOutputFn bn_train = [&](const TensorList& in) {
    return batch_norm(in[0], rm, rv, in[1], in[2], true, 0.1, 1e-5);
  };
  autograd::SingleOutputFn bn_eval = [&](const TensorList& in) {
    return batch_norm(in[0], rm, rv, in[1], in[2], false, 0.1, 1e-5);
  };
  autograd::SingleOutputFn gn = [](const TensorList& in) {
    return group_norm(in[0], 2, in[1], in[2], 1e-5);
  };
  Tensor lw = (rand({4, 2}, kFloat64) + 0.5).requires_grad_();
  Tensor lb = randn({4, 2}, kFloat64).requires_grad_();
  autograd::SingleOutputFn ln = [](const TensorList& in) {
    return layer_norm(in[0], {4, 2}, in[1], in[2], 1e-5);
  };
  for (const auto& fn : {bn_train, bn_eval}) {
    EXPECT_TRUE(gradcheck(fn, {x, w, b}));
    EXPECT_TRUE(gradgradcheck(fn, {x, w, b}));
  }
  EXPECT_TRUE(gradgradcheck(gn, {x, w, b}));
  EXPECT_TRUE(gradgradcheck(ln, {x, lw, lb}));
}

// The usual backward runs fused kernels; with create_graph the vjp is built from ops. Both
// must give the same first derivatives.
TEST(NormOps, FusedBackwardEqualsTheOpsBackward) {
  Tensor x = (randn({3, 4, 5}, kFloat64) * 2.0 + 0.7).requires_grad_();
  Tensor w = (rand({4}, kFloat64) + 0.5).requires_grad_();
  Tensor b = randn({4}, kFloat64).requires_grad_();
  Tensor lw = (rand({5}, kFloat64) + 0.5).requires_grad_();
  Tensor lb = randn({5}, kFloat64).requires_grad_();
  Tensor gout = randn({3, 4, 5}, kFloat64);
  auto compare = [&](const Tensor& y, const TensorList& wrt, const char* what) {
    TensorList fused = autograd::grad({y}, wrt, {gout}, /*retain_graph=*/true, false);
    TensorList ops = autograd::grad({y}, wrt, {gout}, true, /*create_graph=*/true);
    for (std::size_t i = 0; i < wrt.size(); ++i)
      EXPECT_TRUE(allclose(fused[i], ops[i], 1e-10, 1e-12)) << what << " input " << i;
  };
  compare(batch_norm(x, Tensor(), Tensor(), w, b, true), {x, w, b}, "batch_norm");
  compare(batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true), {x}, "batch_norm");
  compare(group_norm(x, 2, w, b), {x, w, b}, "group_norm");
  compare(group_norm(x, 4), {x}, "group_norm");
  compare(layer_norm(x, {5}, lw, lb), {x, lw, lb}, "layer_norm");
  compare(layer_norm(x, {4, 5}), {x}, "layer_norm");
}

// Batch norm's statistics come from one pass of shifted sums: on data far from zero with a
// small spread (where E[x^2] - E[x]^2 would cancel) they still match the two-pass ops, in
// float64 and float32, on odd sizes.
TEST(NormOps, BatchNormStatisticsOfOffsetDataMatchTwoPass) {
  manual_seed(5);
  Tensor x64 = randn({5, 3, 7, 9}, kFloat64) * 0.01 + 1000.0;
  Tensor mean_ref = x64.mean({0, 2, 3});
  Tensor var_ref = tg::var(x64, {0, 2, 3}, /*unbiased=*/true, false);
  for (DType dt : {kFloat64, kFloat32}) {
    Tensor x = x64.to(dt);
    Tensor rm = zeros({3}, dt), rv = zeros({3}, dt);
    Tensor y = batch_norm(x, rm, rv, Tensor(), Tensor(), true, /*momentum=*/1.0, 1e-12);
    const double tol = dt == kFloat64 ? 1e-12 : 1e-4;
    EXPECT_TRUE(allclose(rm.to(kFloat64), mean_ref, tol, 0)) << rm << mean_ref;
    // float32 inputs are rounded to about 6e-5 at 1000: compare against their own spread.
    Tensor var_dt = tg::var(x.to(kFloat64), {0, 2, 3}, true, false);
    EXPECT_TRUE(allclose(rv.to(kFloat64), var_dt, dt == kFloat64 ? 1e-9 : 1e-5, 0))
        << rv << var_dt;
    Tensor y64 = y.to(kFloat64);
    // In float32 the mean itself is rounded (3e-5 at 1000), times 1/std = 100.
    EXPECT_TRUE(allclose(y64.mean({0, 2, 3}), zeros({3}, kFloat64), 0,
                         dt == kFloat64 ? 1e-8 : 5e-3));
    EXPECT_TRUE(allclose(tg::var(y64, {0, 2, 3}, false, false), ones({3}, kFloat64), 1e-3, 0));
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

TEST(NormOps, SameBitsForOneAndTwoThreadsOnLargeInputs) {
  manual_seed(11);
  Tensor input = randn({8, 32, 24, 24});
  Tensor weight = rand({32}) + 0.5, bias = randn({32});
  Tensor gout = randn({8, 32, 24, 24});
  auto run = [&](int threads) {
    set_num_threads(threads);
    Tensor x = input.detach().requires_grad_();
    Tensor w = weight.detach().requires_grad_(), b = bias.detach().requires_grad_();
    Tensor rm = zeros({32}), rv = ones({32});
    Tensor y = batch_norm(x, rm, rv, w, b, true) + group_norm(x, 8, w, b) +
               layer_norm(x, {24, 24});
    TensorList g = autograd::grad({y}, {x, w, b}, {gout});
    return bits({y, rm, rv, g[0], g[1], g[2]});
  };
  const auto one = run(1), two = run(2);
  set_num_threads(2);
  EXPECT_TRUE(one == two);
}

}  // namespace
}  // namespace tg
