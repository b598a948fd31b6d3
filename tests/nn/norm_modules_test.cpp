// Normalization modules against PyTorch: train/eval steps of BatchNorm1d/2d/3d, GroupNorm and
// LayerNorm (outputs, gradients, buffers after each step) from
// tests/nn/fixtures/norm_modules.json, written by tests/reference/make_norm_module_fixtures.py.
// Plus buffers, state_dict, dtype conversion, printing and bad arguments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "nn/modules/normalization.h"
#include "tapegrad.h"

namespace tg::nn {
namespace {

using nlohmann::json;

const json& scenarios() {
  static const json data = [] {
    std::ifstream f(std::string(TAPEGRAD_SOURCE_DIR) + "/tests/nn/fixtures/norm_modules.json");
    return json::parse(f);
  }();
  return data["scenarios"];
}

const json& scenario(const std::string& name) {
  for (const auto& s : scenarios())
    if (s["name"] == name) return s;
  throw Error("no norm module scenario named " + name);
}

Tensor from_json(const json& j) {
  const auto shape = j["shape"].get<std::vector<int64_t>>();
  if (j["dtype"] == "int64") return tensor(j["data"].get<std::vector<int64_t>>(), shape);
  return tensor(j["data"].get<std::vector<float>>(), shape);
}

// Largest |got - want| over the reference's largest magnitude (at least 1e-3).
double scaled_error(const Tensor& got, const Tensor& want) {
  const std::vector<double> a = got.to_vector<double>(), b = want.to_vector<double>();
  double scale = 1e-3, err = 0;
  for (double v : b) scale = std::max(scale, std::abs(v));
  for (std::size_t i = 0; i < a.size(); ++i) err = std::max(err, std::abs(a[i] - b[i]) / scale);
  return err;
}

void expect_close(const Tensor& got, const json& want, const std::string& what) {
  ASSERT_TRUE(got.defined()) << what << " is undefined";
  Tensor w = from_json(want);
  ASSERT_EQ(got.shape(), w.shape()) << what;
  if (w.dtype() == kInt64) {
    EXPECT_EQ(got.dtype(), kInt64) << what;
    EXPECT_EQ(got.to_vector<int64_t>(), w.to_vector<int64_t>()) << what;
    return;
  }
  EXPECT_LE(scaled_error(got, w), 2e-6) << what << " differs from PyTorch";
}

// A module built from a scenario's options, with its forward as a function.
struct Built {
  std::shared_ptr<Module> module;
  std::function<Tensor(const Tensor&)> forward;
};

template <class Holder>
Built wrap(Holder holder) {
  auto impl = holder.ptr();
  return {impl, [impl](const Tensor& x) { return impl->forward(x); }};
}

BatchNormOptions batch_norm_options(const json& o) {
  BatchNormOptions opt(o["num_features"].get<int64_t>());
  if (o.contains("eps")) opt.eps(o["eps"].get<double>());
  if (o.contains("momentum")) {
    if (o["momentum"].is_null()) opt.momentum(std::nullopt);
    else opt.momentum(o["momentum"].get<double>());
  }
  if (o.contains("affine")) opt.affine(o["affine"].get<bool>());
  if (o.contains("track_running_stats"))
    opt.track_running_stats(o["track_running_stats"].get<bool>());
  return opt;
}

Built build(const json& s) {
  const std::string kind = s["module"];
  const json& o = s["options"];
  if (kind == "BatchNorm1d") return wrap(BatchNorm1d(batch_norm_options(o)));
  if (kind == "BatchNorm2d") return wrap(BatchNorm2d(batch_norm_options(o)));
  if (kind == "BatchNorm3d") return wrap(BatchNorm3d(batch_norm_options(o)));
  if (kind == "GroupNorm") {
    GroupNormOptions opt(o["num_groups"].get<int64_t>(), o["num_channels"].get<int64_t>());
    if (o.contains("eps")) opt.eps(o["eps"].get<double>());
    if (o.contains("affine")) opt.affine(o["affine"].get<bool>());
    return wrap(GroupNorm(opt));
  }
  LayerNormOptions opt(o["normalized_shape"].get<std::vector<int64_t>>());
  if (o.contains("eps")) opt.eps(o["eps"].get<double>());
  if (o.contains("elementwise_affine"))
    opt.elementwise_affine(o["elementwise_affine"].get<bool>());
  return wrap(LayerNorm(opt));
}

// Sets the scenario's parameters, runs every step and compares everything PyTorch recorded.
void run_scenario(const std::string& name) {
  SCOPED_TRACE(name);
  const json& s = scenario(name);
  Built m = build(s);
  auto params = m.module->named_parameters();
  for (const auto& [pname, value] : s["params"].items()) {
    NoGradGuard no_grad;
    params[pname].copy_(from_json(value));
  }
  int index = 0;
  for (const json& step : s["steps"]) {
    SCOPED_TRACE("step " + std::to_string(index++) + " (" + step["mode"].get<std::string>() +
                 ")");
    m.module->train(step["mode"] == "train");
    Tensor x = from_json(step["input"]).requires_grad_();
    Tensor y = m.forward(x);
    expect_close(y, step["output"], "output");

    TensorList wrt{x};
    std::vector<std::string> names{"input"};
    for (const auto& item : m.module->named_parameters()) {
      wrt.push_back(item.value());
      names.push_back(item.key());
    }
    TensorList grads = autograd::grad({y}, wrt, {from_json(step["grad_output"])});
    ASSERT_EQ(step["grads"].size(), names.size());
    for (std::size_t i = 0; i < names.size(); ++i)
      expect_close(grads[i], step["grads"][names[i]], "gradient of " + names[i]);

    auto buffers = m.module->named_buffers();
    ASSERT_EQ(buffers.size(), step["buffers"].size());
    for (const auto& [bname, value] : step["buffers"].items())
      expect_close(buffers[bname], value, "buffer " + bname);
  }
}

TEST(NormModules, BatchNorm2dDefaults) { run_scenario("bn2d_defaults"); }
TEST(NormModules, BatchNorm2dAffineEpsMomentum) {
  run_scenario("bn2d_affine_values_eps_momentum");
}
TEST(NormModules, BatchNorm1dCumulativeAverage) { run_scenario("bn1d_cumulative_average"); }
TEST(NormModules, BatchNorm1dOn3dInput) { run_scenario("bn1d_3d_input"); }
TEST(NormModules, BatchNorm3dWithoutAffine) { run_scenario("bn3d_no_affine"); }
TEST(NormModules, BatchNorm2dWithoutRunningStats) { run_scenario("bn2d_no_running_stats"); }
TEST(NormModules, GroupNorm) { run_scenario("groupnorm"); }
TEST(NormModules, GroupNormWithoutAffine) { run_scenario("groupnorm_no_affine"); }
TEST(NormModules, LayerNorm) { run_scenario("layernorm"); }
TEST(NormModules, LayerNormWithoutAffine) { run_scenario("layernorm_no_affine"); }

std::vector<std::string> keys(const OrderedDict<std::string, Tensor>& d) {
  std::vector<std::string> k;
  for (const auto& item : d) k.push_back(item.key());
  return k;
}

TEST(NormModules, BatchNormParametersBuffersAndStateDict) {
  BatchNorm2d bn(4);
  EXPECT_EQ(keys(bn->state_dict()), (std::vector<std::string>{
                                        "weight", "bias", "running_mean", "running_var",
                                        "num_batches_tracked"}));
  EXPECT_EQ(bn->parameters().size(), 2u);
  EXPECT_EQ(bn->num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(bn->num_batches_tracked.dim(), 0);
  EXPECT_EQ(bn->running_var.to_vector<float>(), std::vector<float>(4, 1.0f));

  BatchNorm2d no_stats(BatchNorm2dOptions(4).track_running_stats(false));
  EXPECT_EQ(keys(no_stats->state_dict()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_FALSE(no_stats->running_mean.defined());

  BatchNorm1d no_affine(BatchNorm1dOptions(3).affine(false));
  EXPECT_TRUE(no_affine->parameters().empty());
  EXPECT_EQ(keys(no_affine->state_dict()),
            (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"}));
}

TEST(NormModules, BatchNormEvalLeavesBuffersAndResetRestoresThem) {
  BatchNorm1d bn(3);
  bn->train();
  bn(randn({6, 3}) * 2.0 + 1.0);
  const auto mean_after_train = bn->running_mean.to_vector<float>();
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  bn->eval();
  Tensor x = randn({2, 3});
  Tensor y = bn(x);
  EXPECT_EQ(bn->running_mean.to_vector<float>(), mean_after_train);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  // Eval is a per-channel affine map with the running statistics.
  Tensor want = (x - bn->running_mean) / sqrt(bn->running_var + 1e-5);
  EXPECT_TRUE(allclose(y, want, 1e-5, 1e-6));
  bn->reset_running_stats();
  EXPECT_EQ(bn->running_mean.to_vector<float>(), std::vector<float>(3, 0.0f));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 0);
}

TEST(NormModules, ToFloat64ConvertsParametersAndStatisticsNotTheCounter) {
  BatchNorm2d bn(2);
  bn->to(kFloat64);
  EXPECT_EQ(bn->weight.dtype(), kFloat64);
  EXPECT_EQ(bn->running_var.dtype(), kFloat64);
  EXPECT_EQ(bn->num_batches_tracked.dtype(), kInt64);
  Tensor y = bn(randn({2, 2, 3, 3}).to(kFloat64));
  EXPECT_EQ(y.dtype(), kFloat64);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
}

TEST(NormModules, BatchNormSecondDerivativesThroughTheModule) {
  BatchNorm2d bn(2);
  bn->to(kFloat64);
  {
    NoGradGuard no_grad;
    bn->weight.copy_(tensor(std::vector<double>{0.7, 1.3}, {2}));
    bn->bias.copy_(tensor(std::vector<double>{0.1, -0.2}, {2}));
  }
  Tensor x = randn({3, 2, 2, 2}).to(kFloat64).requires_grad_();
  auto fn = [&](const TensorList& in) { return bn->forward(in[0]); };
  EXPECT_TRUE(gradcheck(fn, {x}));
  EXPECT_TRUE(gradgradcheck(fn, {x}));
}

TEST(NormModules, PrettyPrint) {
  auto str = [](const Module& m) {
    std::ostringstream s;
    m.pretty_print(s);
    return s.str();
  };
  EXPECT_EQ(str(*BatchNorm2d(3)),
            "tg::nn::BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=true, "
            "track_running_stats=true)");
  EXPECT_EQ(str(*BatchNorm1d(BatchNorm1dOptions(2).momentum(std::nullopt))),
            "tg::nn::BatchNorm1d(2, eps=1e-05, momentum=None, affine=true, "
            "track_running_stats=true)");
  EXPECT_EQ(str(*GroupNorm(2, 4)), "tg::nn::GroupNorm(2, 4, eps=1e-05, affine=true)");
  EXPECT_EQ(str(*LayerNorm(std::vector<int64_t>{3, 4})),
            "tg::nn::LayerNorm([3, 4], eps=1e-05, elementwise_affine=true)");
}

template <class F>
void expect_error_naming(const std::string& what, F&& f) {
  try {
    f();
    ADD_FAILURE() << "expected tg::Error naming " << what;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(NormModules, BadArguments) {
  BatchNorm2d bn2(3);
  expect_error_naming("BatchNorm2d", [&] { bn2(randn({2, 3, 4})); });      // 3-d input
  expect_error_naming("BatchNorm2d", [&] { bn2(randn({2, 4, 2, 2})); });   // 4 channels
  BatchNorm1d bn1(3);
  expect_error_naming("BatchNorm1d", [&] { bn1(randn({2, 3, 2, 2})); });
  expect_error_naming("batch_norm", [&] { bn1(randn({1, 3})); });  // 1 value per channel
  EXPECT_EQ(bn1->num_batches_tracked.item<int64_t>(), 1);  // counted before the check, as PyTorch
  expect_error_naming("BatchNorm1d", [] { BatchNorm1d(0); });
  expect_error_naming("GroupNorm", [] { GroupNorm(3, 4); });
  GroupNorm gn(2, 4);
  expect_error_naming("GroupNorm", [&] { gn(randn({2, 6, 3})); });
  LayerNorm ln(std::vector<int64_t>{4});
  expect_error_naming("layer_norm", [&] { ln(randn({2, 5})); });
  expect_error_naming("LayerNorm", [] { LayerNorm(std::vector<int64_t>{}); });
}

}  // namespace
}  // namespace tg::nn
