// Activations beyond the fixtures: bad arguments, numerical stability, in-place relu_,
// dtype rules, and the same bits for 1 and 2 threads on large inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

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

TEST(ActivationOps, BadArguments) {
  Tensor ints = arange(6).view({2, 3});
  Tensor x = randn({2, 3});
  expect_error_naming("leaky_relu", [&] { leaky_relu(ints); });
  expect_error_naming("elu", [&] { elu(ints); });
  expect_error_naming("gelu", [&] { gelu(ints); });
  expect_error_naming("gelu", [&] { gelu(x, "erf"); });
  expect_error_naming("silu", [&] { silu(ints); });
  expect_error_naming("softplus", [&] { softplus(ints); });
  expect_error_naming("softplus", [&] { softplus(x, 0.0); });
  expect_error_naming("softmax", [&] { softmax(x, 2); });
  expect_error_naming("softmax", [&] { softmax(x, -3); });
  expect_error_naming("softmax", [&] { softmax(ints, 1); });
  expect_error_naming("log_softmax", [&] { log_softmax(x, 5); });
  expect_error_naming("log_softmax", [&] { log_softmax(ints, 0); });
  expect_error_naming("relu", [&] { relu(ones({2}, kBool)); });
  expect_error_naming("relu", [&] { relu(Tensor()); });
  expect_error_naming("sigmoid", [&] { sigmoid(Tensor()); });
  Tensor leaf = randn({3}).requires_grad_();
  expect_error_naming("relu_", [&] { leaf.relu_(); });
}

TEST(ActivationOps, DtypeRules) {
  Tensor ints = tensor(std::vector<int64_t>{-2, 0, 3}, {3});
  Tensor r = relu(ints);
  EXPECT_EQ(r.dtype(), kInt64);
  EXPECT_EQ(r.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 3}));
  EXPECT_EQ(sigmoid(ints).dtype(), kFloat32);  // promoted, as in PyTorch
  EXPECT_EQ(tanh(ints).dtype(), kFloat32);
  EXPECT_EQ(relu(randn({2}, kFloat64)).dtype(), kFloat64);
}

TEST(ActivationOps, SoftmaxIsStableForLargeInputs) {
  Tensor x = tensor({1000.0, 1001.0, 1002.0, -1000.0}, kFloat32).view({1, 4});
  std::vector<float> y = softmax(x, 1).to_vector<float>();
  const double z = 1 + std::exp(-1.0) + std::exp(-2.0);
  EXPECT_NEAR(y[2], 1 / z, 1e-6);
  EXPECT_NEAR(y[1], std::exp(-1.0) / z, 1e-6);
  EXPECT_EQ(y[3], 0.0f);
  std::vector<float> ly = log_softmax(x, 1).to_vector<float>();
  EXPECT_NEAR(ly[2], -std::log(z), 1e-5);
  EXPECT_NEAR(ly[3], -2002 - std::log(z), 1e-2);
  for (float v : ly) EXPECT_TRUE(std::isfinite(v));
}

TEST(ActivationOps, SoftmaxMaskedAndNanSlices) {
  // -inf entries (masks) get probability 0; a NaN poisons its slice only, as in PyTorch.
  Tensor x = tensor({0.0, -INFINITY, 1.0, 2.0, NAN, 0.5}, kFloat32).view({2, 3});
  std::vector<float> y = softmax(x, 1).to_vector<float>();
  const double e = std::exp(1.0);
  EXPECT_NEAR(y[0], 1 / (1 + e), 1e-7);
  EXPECT_EQ(y[1], 0.0f);
  EXPECT_NEAR(y[2], e / (1 + e), 1e-7);
  for (int i = 3; i < 6; ++i) EXPECT_TRUE(std::isnan(y[i]));
  std::vector<float> ly = log_softmax(x, 1).to_vector<float>();
  EXPECT_EQ(ly[1], -INFINITY);
  EXPECT_NEAR(ly[2], -std::log1p(1 / e), 1e-6);
  // Every length from 1 to 40 (vector body plus padded tail) along the last and first dim.
  for (int64_t n = 1; n <= 40; ++n) {
    Tensor v = linspace(-3.0, 5.0, n, kFloat64).view({1, n});
    Tensor want = exp(v) / sum(exp(v), {1}, true);
    EXPECT_TRUE(allclose(softmax(v, 1), want, 1e-14, 1e-15)) << n;
    EXPECT_TRUE(allclose(softmax(v.t(), 0), want.t(), 1e-14, 1e-15)) << n;
    Tensor vf = v.to(kFloat32);
    EXPECT_TRUE(allclose(softmax(vf, 1), want.to(kFloat32), 1e-6, 1e-7)) << n;
  }
}

TEST(ActivationOps, SoftmaxEdgeShapes) {
  Tensor s = scalar_tensor(3.0, kFloat64).requires_grad_();
  EXPECT_EQ(softmax(s, 0).item(), 1.0);
  EXPECT_EQ(log_softmax(s, -1).item(), 0.0);
  softmax(s, 0).backward();
  EXPECT_EQ(s.grad().item(), 0.0);
  EXPECT_EQ(softmax(empty({0, 3}), 1).shape(), Shape({0, 3}));
  EXPECT_EQ(log_softmax(empty({2, 0}), 0).shape(), Shape({2, 0}));
}

// Softmax along every dim of a 4-D tensor (also non-contiguous) against a plain formula.
TEST(ActivationOps, SoftmaxAlongAnyDimOf4d) {
  manual_seed(3);
  Tensor x = randn({2, 3, 4, 5}, kFloat64) * 3.0;
  for (int64_t dim = -4; dim < 4; ++dim) {
    Tensor want = exp(x) / sum(exp(x), {dim}, true);
    EXPECT_TRUE(allclose(softmax(x, dim), want, 1e-12, 1e-14)) << "dim " << dim;
    EXPECT_TRUE(allclose(log_softmax(x, dim), log(want), 1e-12, 1e-12)) << "dim " << dim;
  }
  Tensor xt = x.permute({3, 1, 0, 2});
  Tensor want = exp(xt) / sum(exp(xt), {2}, true);
  EXPECT_TRUE(allclose(softmax(xt, 2), want, 1e-12, 1e-14));
}

TEST(ActivationOps, SoftmaxGradientsAlongInnerDim) {
  manual_seed(4);
  Tensor x = randn({2, 3, 2, 2}, kFloat64).requires_grad_();
  auto f = [](const TensorList& in) { return TensorList{softmax(in[0], 1) * in[0]}; };
  EXPECT_TRUE(gradcheck(f, {x}));
  EXPECT_TRUE(gradgradcheck(f, {x}));
  auto g = [](const TensorList& in) { return TensorList{log_softmax(in[0], 2) * in[0]}; };
  EXPECT_TRUE(gradcheck(g, {x}));
  EXPECT_TRUE(gradgradcheck(g, {x}));
}

TEST(ActivationOps, SoftplusLargeInputsHaveFiniteSecondDerivative) {
  Tensor x = tensor({-50.0, 0.5, 30.0, 200.0}, kFloat64).requires_grad_();
  auto f = [](const TensorList& in) { return TensorList{softplus(in[0])}; };
  EXPECT_TRUE(gradcheck(f, {x}));
  EXPECT_TRUE(gradgradcheck(f, {x}));
  auto e = [](const TensorList& in) { return TensorList{elu(in[0], 0.7)}; };
  Tensor big = tensor({-3.0, -0.5, 0.5, 800.0}, kFloat64).requires_grad_();
  EXPECT_TRUE(gradcheck(e, {big}));
  EXPECT_TRUE(gradgradcheck(e, {big}));
}

TEST(ActivationOps, ReluInPlace) {
  Tensor x = tensor({-1.0, 2.0, -3.0, 4.0}, kFloat32);
  const uint64_t v0 = x.version();
  x.relu_();
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{0, 2, 0, 4}));
  EXPECT_GT(x.version(), v0);
  // Non-contiguous in place.
  Tensor m = tensor({-1.0, 2.0, 3.0, -4.0}, kFloat32).view({2, 2});
  Tensor mt = m.t();
  mt.relu_();
  EXPECT_EQ(m.to_vector<float>(), (std::vector<float>{0, 2, 3, 0}));
  // Through autograd on a non-leaf.
  Tensor w = tensor({-1.0, 2.0, 0.5}, kFloat64).requires_grad_();
  Tensor h = w * 2.0;
  h.relu_();
  h.sum().backward();
  EXPECT_EQ(w.grad().to_vector<double>(), (std::vector<double>{0, 2, 2}));
}

TEST(ActivationOps, TensorMethods) {
  Tensor x = tensor({-1.0, 0.5, 2.0}, kFloat64);
  EXPECT_TRUE(equal(x.relu(), relu(x)));
  EXPECT_TRUE(equal(x.sigmoid(), sigmoid(x)));
  EXPECT_TRUE(equal(x.tanh(), tanh(x)));
  EXPECT_TRUE(equal(x.softmax(0), softmax(x, 0)));
  EXPECT_TRUE(equal(x.log_softmax(-1), log_softmax(x, -1)));
  EXPECT_EQ(relu(x).grad_fn_name(), "");
  EXPECT_EQ(relu(x.detach().requires_grad_()).grad_fn_name(), "ReluBackward");
}

TEST(ActivationOps, GeluMatchesDefinition) {
  Tensor x = tensor({-3.0, -0.5, 0.0, 0.7, 2.5}, kFloat64);
  std::vector<double> exact = gelu(x).to_vector<double>();
  std::vector<double> approx = gelu(x, "tanh").to_vector<double>();
  std::vector<double> v = x.to_vector<double>();
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_NEAR(exact[i], v[i] * 0.5 * (1 + std::erf(v[i] / std::sqrt(2.0))), 1e-15);
    const double inner = std::sqrt(2 / M_PI) * (v[i] + 0.044715 * v[i] * v[i] * v[i]);
    EXPECT_NEAR(approx[i], 0.5 * v[i] * (1 + std::tanh(inner)), 1e-15);
  }
}

// PyTorch multiplies a float32 input by the slope cast to float32; multiplying in double and
// rounding once differs in the last bit for some inputs (it did here, for 0.1).
TEST(ActivationOps, LeakyReluMultipliesInTheTensorsType) {
  manual_seed(3);
  Tensor x = -rand({4096}, kFloat32) * 100.0;
  std::vector<float> got = leaky_relu(x, 0.1).to_vector<float>();
  std::vector<float> v = x.to_vector<float>();
  const float slope = 0.1f;
  int differs_in_double = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    ASSERT_EQ(got[i], v[i] * slope) << "at " << v[i];
    differs_in_double += static_cast<float>(v[i] * 0.1) != v[i] * slope;
  }
  EXPECT_GT(differs_in_double, 0);  // the check above can tell the two apart
}

// hardtanh/relu6: NaN passes through; the slope is 0 at and beyond the bounds, 1 inside.
TEST(ActivationOps, Relu6ValuesAndMaskAtTheBounds) {
  for (DType dtype : {kFloat32, kFloat64}) {
    Tensor x = tensor({-1.0, 0.0, 3.0, 6.0, 7.0, NAN}, dtype).requires_grad_();
    Tensor y = relu6(x);
    std::vector<double> out = y.to(kFloat64).to_vector<double>();
    EXPECT_EQ(out[0], 0.0);
    EXPECT_EQ(out[1], 0.0);
    EXPECT_EQ(out[2], 3.0);
    EXPECT_EQ(out[3], 6.0);
    EXPECT_EQ(out[4], 6.0);
    EXPECT_TRUE(std::isnan(out[5]));
    y.backward(full({6}, 2.0, dtype));
    EXPECT_EQ(x.grad().to(kFloat64).to_vector<double>(),
              (std::vector<double>{0, 0, 2, 0, 0, 0}));
  }
}

// The one-pass backward masks: relu passes g at +inf (no upper bound), hardtanh's upper
// bound is strict even at +inf; double backward goes through the same mask.
TEST(ActivationOps, BackwardMasksAtInfinityAndSecondOrder) {
  Tensor x = tensor({-INFINITY, -2.0, 0.5, 3.0, INFINITY}, kFloat64).requires_grad_();
  TensorList g = autograd::grad({relu(x).sum()}, {x});
  EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{0, 0, 1, 1, 1}));
  g = autograd::grad({hardtanh(x, -1.0, INFINITY).sum()}, {x});
  EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{0, 0, 1, 1, 0}));
  Tensor y = tensor({-1.5, -0.25, 0.3, 0.7, 1.9, 5.5, 6.5}, kFloat64).requires_grad_();
  auto f = [](const TensorList& in) { return TensorList{relu6(in[0] * 4.0) * in[0]}; };
  EXPECT_TRUE(gradcheck(f, {y}));
  EXPECT_TRUE(gradgradcheck(f, {y}));
}

// Large enough that every kernel (elementwise and softmax) runs in parallel; three threads
// split the vector kernels' runs at other places than two.
TEST(ActivationOps, SameBitsForOneTwoAndThreeThreads) {
  auto run = [](int threads) {
    set_num_threads(threads);
    manual_seed(11);
    Tensor x = (randn({512, 1024}) * 3.0).requires_grad_();
    Tensor x4 = randn({8, 64, 32, 32}).requires_grad_();
    TensorList outs = {relu(x), relu6(x), leaky_relu(x, 0.1), gelu(x), gelu(x, "tanh"), silu(x),
                       softplus(x), elu(x), sigmoid(x), tanh(x), softplus(x, 0.5, 3.0),
                       elu(x, 1.7), sigmoid(x4.narrow(3, 1, 30)), tanh(x4.narrow(3, 1, 30)),
                       softmax(x, 1), softmax(x, 0), log_softmax(x, 1), softmax(x4, 1),
                       log_softmax(x4, 1)};
    Tensor total = zeros({});
    for (const Tensor& o : outs) total = total + (o * o).sum();
    TensorList grads = autograd::grad({total}, {x, x4});
    outs.insert(outs.end(), grads.begin(), grads.end());
    return bits(outs);
  };
  const std::vector<uint8_t> one = run(1), two = run(2), three = run(3);
  set_num_threads(2);
  EXPECT_TRUE(one == two);
  EXPECT_TRUE(one == three);
}

// The first-order backward of silu and the gelus in float32 is one vector kernel; under
// create_graph it is composed of differentiable ops. Both agree (in float, up to rounding:
// the composed gelu takes erf in double, the fused one erfc in float), on values that
// include the tails, ±0, ±inf and NaN.
TEST(ActivationOps, FusedFirstOrderBackwardMatchesTheComposedOne) {
  std::vector<double> values = {0.0, -0.0, 1e-30, -1e-30, 20.0, -20.0, 100.0, -100.0, NAN,
                                INFINITY, -INFINITY};
  for (int i = 0; i < 4000; ++i) values.push_back(-15.0 + i * 0.0075);
  const Tensor base = tensor(values, kFloat32);
  const Tensor g = randn({int64_t(values.size())}) + 1.0;
  struct Op {
    const char* name;
    Tensor (*f)(const Tensor&);
  };
  const Op ops[] = {{"silu", [](const Tensor& t) { return silu(t); }},
                    {"gelu", [](const Tensor& t) { return gelu(t); }},
                    {"gelu(tanh)", [](const Tensor& t) { return gelu(t, "tanh"); }}};
  for (const Op& op : ops) {
    Tensor x = base.clone().requires_grad_();
    const std::vector<float> fused =
        autograd::grad({op.f(x)}, {x}, {g})[0].to_vector<float>();
    const std::vector<float> composed =
        autograd::grad({op.f(x)}, {x}, {g}, true, /*create_graph=*/true)[0]
            .detach()
            .to_vector<float>();
    const std::vector<float> gv = g.to_vector<float>();
    ASSERT_EQ(fused.size(), composed.size());
    int64_t differ = 0;
    for (size_t i = 0; i < fused.size(); ++i) {
      SCOPED_TRACE(std::string(op.name) + " at x = " + std::to_string(values[i]));
      if (std::isnan(composed[i])) {
        EXPECT_TRUE(std::isnan(fused[i]));
        continue;
      }
      differ += fused[i] != composed[i];
      EXPECT_NEAR(fused[i], composed[i], 2e-6 * std::fabs(gv[i]) + 1e-6 * std::fabs(composed[i]));
    }
    EXPECT_GT(differ, 0) << op.name << ": the two paths are distinct code";
  }
}

// sigmoid, tanh, elu and softplus fuse their first-order backward into one pass of the
// same arithmetic as the composed ops: the bits are those of the create_graph path.
TEST(ActivationOps, FusedPointwiseBackwardGivesTheComposedBits) {
  std::vector<double> values = {0.0, -0.0, 1e-30, 20.0, -20.0, 100.0, -100.0, NAN, INFINITY,
                                -INFINITY};
  for (int i = 0; i < 3000; ++i) values.push_back(-12.0 + i * 0.008);
  struct Op {
    const char* name;
    Tensor (*f)(const Tensor&);
  };
  const Op ops[] = {{"sigmoid", [](const Tensor& t) { return sigmoid(t); }},
                    {"tanh", [](const Tensor& t) { return tanh(t); }},
                    {"elu", [](const Tensor& t) { return elu(t, 1.7); }},
                    {"softplus", [](const Tensor& t) { return softplus(t, 0.7, 5.0); }}};
  for (DType dtype : {kFloat32, kFloat64}) {
    const Tensor g = randn({int64_t(values.size())}, dtype) * 3.0;
    for (const Op& op : ops) {
      Tensor x = tensor(values, dtype).requires_grad_();
      const Tensor fused = autograd::grad({op.f(x)}, {x}, {g})[0];
      const Tensor composed =
          autograd::grad({op.f(x)}, {x}, {g}, true, /*create_graph=*/true)[0].detach();
      EXPECT_TRUE(bits({fused}) == bits({composed})) << op.name << " " << dtype_name(dtype);
    }
  }
}

}  // namespace
}  // namespace tg
