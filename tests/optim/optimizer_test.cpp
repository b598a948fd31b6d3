// Optimizer API: construction checks, parameter groups, zero_grad, closures, in-place updates,
// state access and state_dict errors.
#include <gtest/gtest.h>

#include <string>

#include "nn/nn.h"
#include "optim/optim.h"
#include "tapegrad.h"

namespace tg {
namespace {

template <class F>
void expect_error_naming(F&& f, const std::string& needle) {
  try {
    f();
    FAIL() << "expected tg::Error mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Optimizer, LibtorchStyleConstruction) {
  nn::Linear model(3, 2);
  optim::SGD sgd(model->parameters(),
                 optim::SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(1e-4).dampening(0));
  optim::Adam adam(model->parameters(),
                   optim::AdamOptions(1e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0).amsgrad(false));
  optim::AdamW adamw(model->parameters(), optim::AdamWOptions(1e-3));
  optim::RMSprop rmsprop(model->parameters(),
                         optim::RMSpropOptions(1e-2).alpha(0.9).momentum(0.5).centered(true));
  optim::Adagrad adagrad(model->parameters(),
                         optim::AdagradOptions(0.1).lr_decay(0.01).initial_accumulator_value(0.1));
  EXPECT_EQ(sgd.size(), 2u);
  EXPECT_EQ(sgd.param_groups().size(), 1u);
  EXPECT_DOUBLE_EQ(sgd.param_groups()[0].options().lr(), 0.1);
  EXPECT_DOUBLE_EQ(static_cast<optim::SGDOptions&>(sgd.param_groups()[0].options()).momentum(), 0.9);
  EXPECT_DOUBLE_EQ(std::get<1>(static_cast<optim::AdamOptions&>(adam.defaults()).betas()), 0.999);
  EXPECT_DOUBLE_EQ(static_cast<optim::AdamWOptions&>(adamw.defaults()).weight_decay(), 1e-2);
  EXPECT_EQ(adagrad.state().size(), 2u);  // Adagrad's sums exist from construction
}

TEST(Optimizer, BadOptionsThrowNamingTheOptimizer) {
  Tensor p = zeros({2}).requires_grad_(true);
  expect_error_naming([&] { optim::SGD({p}, optim::SGDOptions(-0.1)); }, "SGD");
  expect_error_naming([&] { optim::SGD({p}, optim::SGDOptions(0.1).momentum(-1)); }, "momentum");
  expect_error_naming([&] { optim::SGD({p}, optim::SGDOptions(0.1).nesterov(true)); }, "Nesterov");
  expect_error_naming(
      [&] { optim::SGD({p}, optim::SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)); },
      "dampening");
  expect_error_naming([&] { optim::Adam({p}, optim::AdamOptions(-1)); }, "Adam");
  expect_error_naming([&] { optim::Adam({p}, optim::AdamOptions(0.1).betas({1.0, 0.9})); },
                      "beta");
  expect_error_naming([&] { optim::Adam({p}, optim::AdamOptions(0.1).betas({0.9, -0.1})); },
                      "index 1");
  expect_error_naming([&] { optim::Adam({p}, optim::AdamOptions(0.1).eps(-1)); }, "epsilon");
  expect_error_naming([&] { optim::AdamW({p}, optim::AdamWOptions(0.1).weight_decay(-1)); },
                      "AdamW");
  expect_error_naming([&] { optim::RMSprop({p}, optim::RMSpropOptions(0.1).alpha(-1)); }, "alpha");
  expect_error_naming([&] { optim::Adagrad({p}, optim::AdagradOptions(0.1).lr_decay(-1)); },
                      "lr_decay");
  expect_error_naming(
      [&] { optim::Adagrad({p}, optim::AdagradOptions(0.1).initial_accumulator_value(-1)); },
      "initial_accumulator_value");
  // Group options are checked too, also when added later.
  expect_error_naming(
      [&] {
        std::vector<optim::OptimizerParamGroup> groups;
        groups.emplace_back(std::vector<Tensor>{p}, std::make_unique<optim::SGDOptions>(-1.0));
        optim::SGD(groups, optim::SGDOptions(0.1));
      },
      "learning rate");
  optim::SGD sgd({p}, optim::SGDOptions(0.1));
  Tensor q = zeros({2}).requires_grad_(true);
  expect_error_naming(
      [&] {
        sgd.add_param_group(optim::OptimizerParamGroup({q}, std::make_unique<optim::SGDOptions>(-2.0)));
      },
      "learning rate");
}

TEST(Optimizer, BadParametersThrow) {
  Tensor p = zeros({2}).requires_grad_(true);
  expect_error_naming([&] { optim::SGD(std::vector<Tensor>{}, optim::SGDOptions(0.1)); }, "empty");
  expect_error_naming([&] { optim::SGD({p, p}, optim::SGDOptions(0.1)); }, "more than one");
  Tensor non_leaf = p * 2.0;
  expect_error_naming([&] { optim::SGD({non_leaf}, optim::SGDOptions(0.1)); }, "non-leaf");
  expect_error_naming([&] { optim::SGD({zeros({2}, kInt64)}, optim::SGDOptions(0.1)); },
                      "floating");
  optim::SGD sgd({p}, optim::SGDOptions(0.1));
  expect_error_naming([&] { sgd.add_param_group(optim::OptimizerParamGroup({p})); },
                      "more than one");
}

TEST(Optimizer, ParamGroupsAndLrAccess) {
  Tensor a = ones({2}).requires_grad_(true);
  Tensor b = ones({3}).requires_grad_(true);
  optim::SGD sgd({a}, optim::SGDOptions(0.1));
  sgd.add_param_group(optim::OptimizerParamGroup({b}));  // inherits the defaults
  sgd.add_param_group(optim::OptimizerParamGroup(
      {zeros({1}).requires_grad_(true)}, std::make_unique<optim::SGDOptions>(0.5)));
  ASSERT_EQ(sgd.param_groups().size(), 3u);
  EXPECT_DOUBLE_EQ(sgd.param_groups()[1].options().lr(), 0.1);
  EXPECT_DOUBLE_EQ(sgd.param_groups()[2].options().lr(), 0.5);
  sgd.param_groups()[1].options().set_lr(1.0);
  EXPECT_DOUBLE_EQ(sgd.defaults().lr(), 0.1);  // groups own copies of their options
  EXPECT_EQ(sgd.parameters().size(), 3u);

  a.set_grad(ones({2}));
  b.set_grad(ones({3}));
  sgd.step();
  EXPECT_FLOAT_EQ(a[0].item<float>(), 0.9f);
  EXPECT_FLOAT_EQ(b[0].item<float>(), 0.0f);
}

TEST(Optimizer, StepIsInPlaceBumpsVersionsAndRecordsNothing) {
  Tensor w = ones({4}).requires_grad_(true);
  Tensor alias = w;  // the same tensor seen elsewhere (a module's member, say)
  optim::Adam adam({w}, optim::AdamOptions(0.1));
  w.set_grad(full({4}, 2.0));
  const uint64_t version = w.version();
  adam.step();
  EXPECT_GT(w.version(), version);
  EXPECT_TRUE(w.is_leaf());
  EXPECT_TRUE(w.requires_grad());
  EXPECT_NEAR(alias[0].item<double>(), 0.9, 1e-6);  // Adam's first step moves by lr
  auto& state = static_cast<optim::AdamParamState&>(*adam.state().at(w.impl()));
  EXPECT_EQ(state.step(), 1);
  EXPECT_NEAR(state.exp_avg()[0].item<double>(), 0.2, 1e-6);
  EXPECT_NEAR(state.exp_avg_sq()[0].item<double>(), 0.004, 1e-7);
  EXPECT_FALSE(state.max_exp_avg_sq().defined());
}

TEST(Optimizer, ZeroGrad) {
  Tensor w = ones({2}).requires_grad_(true);
  optim::SGD sgd({w}, optim::SGDOptions(0.1));
  w.set_grad(ones({2}));
  sgd.zero_grad(/*set_to_none=*/false);
  ASSERT_TRUE(w.grad().defined());
  EXPECT_EQ(w.grad().sum().item<double>(), 0.0);
  sgd.zero_grad();
  EXPECT_FALSE(w.grad().defined());
  sgd.step();  // no gradient: nothing happens
  EXPECT_EQ(w[0].item<double>(), 1.0);
}

TEST(Optimizer, ClosureRunsWithGradAndReturnsLoss) {
  Tensor w = full({1}, 3.0).requires_grad_(true);
  optim::SGD sgd({w}, optim::SGDOptions(0.25));
  for (int i = 0; i < 50; ++i) {
    Tensor loss = sgd.step([&] {
      sgd.zero_grad();
      Tensor l = (w * w).sum();
      l.backward();
      return l;
    });
    ASSERT_TRUE(loss.defined());
  }
  EXPECT_NEAR(w.item<double>(), 0.0, 1e-6);
}

TEST(Optimizer, TrainsALinearRegression) {
  manual_seed(0);
  nn::Linear model(3, 1);
  Tensor x = randn({64, 3});
  Tensor true_w = tensor({1.5, -2.0, 0.5}, kFloat32).reshape({3, 1});
  Tensor y = x.matmul(true_w) + 0.3;
  optim::Adam adam(model->parameters(), optim::AdamOptions(0.05));
  double loss_value = 0;
  for (int i = 0; i < 300; ++i) {
    adam.zero_grad();
    Tensor d = model(x) - y;
    Tensor loss = (d * d).mean();
    loss.backward();
    adam.step();
    loss_value = loss.item<double>();
  }
  EXPECT_LT(loss_value, 1e-4);
  EXPECT_NEAR(model->bias.item<double>(), 0.3, 1e-2);
}

TEST(Optimizer, LargeParametersGiveTheSameBitsForAnyThreadCount) {
  auto run = [](int threads) {
    set_num_threads(threads);
    manual_seed(3);
    Tensor w = randn({300000}).requires_grad_(true);
    Tensor g = randn({300000});
    optim::Adam adam({w}, optim::AdamOptions(0.01).amsgrad(true).weight_decay(0.1));
    for (int i = 0; i < 3; ++i) {
      w.set_grad(g.clone());
      adam.step();
    }
    return w.to_vector<float>();
  };
  const auto one = run(1);
  const auto two = run(2);
  set_num_threads(2);
  EXPECT_EQ(one, two);
}

TEST(Optimizer, NonContiguousGradient) {
  Tensor w = ones({2, 3}).requires_grad_(true);
  optim::SGD sgd({w}, optim::SGDOptions(1.0).momentum(0.5));
  Tensor g = arange(6, kFloat32).reshape({3, 2}).t();  // a transposed view
  ASSERT_FALSE(g.is_contiguous());
  w.set_grad(g);
  sgd.step();
  EXPECT_FLOAT_EQ(w[0][1].item<float>(), 1.0f - 2.0f);
  EXPECT_FLOAT_EQ(w[1][0].item<float>(), 1.0f - 1.0f);
}

TEST(Optimizer, StateDictErrors) {
  Tensor a = ones({2}).requires_grad_(true);
  Tensor b = ones({3}).requires_grad_(true);
  optim::Adam adam({a, b}, optim::AdamOptions(0.1));
  a.set_grad(ones({2}));
  adam.step();
  optim::OptimizerStateDict sd = adam.state_dict();
  ASSERT_EQ(sd.param_groups.size(), 1u);
  EXPECT_EQ(sd.param_groups[0].params, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(sd.state.size(), 1u);  // b never had a gradient
  EXPECT_DOUBLE_EQ(sd.param_groups[0].options.at("lr"), 0.1);
  EXPECT_EQ(sd.state.at(0).at("step").item<double>(), 1.0);

  // The saved tensors are copies: stepping again leaves them alone.
  const double saved = sd.state.at(0).at("exp_avg")[0].item<double>();
  adam.step();
  EXPECT_EQ(sd.state.at(0).at("exp_avg")[0].item<double>(), saved);

  optim::Adam other({ones({2}).requires_grad_(true)}, optim::AdamOptions(0.1));
  expect_error_naming([&] { other.load_state_dict(sd); }, "parameters");
  optim::OptimizerStateDict bad_shape = sd;
  bad_shape.state[0]["exp_avg"] = zeros({5});
  expect_error_naming([&] { adam.load_state_dict(bad_shape); }, "exp_avg");
  optim::OptimizerStateDict missing = sd;
  missing.param_groups[0].options.erase("beta1");
  expect_error_naming([&] { adam.load_state_dict(missing); }, "beta1");
  optim::OptimizerStateDict bad_lr = sd;
  bad_lr.param_groups[0].options["lr"] = -1;
  expect_error_naming([&] { adam.load_state_dict(bad_lr); }, "learning rate");

  // Options come back with the state.
  sd.param_groups[0].options["lr"] = 0.25;
  adam.load_state_dict(sd);
  EXPECT_DOUBLE_EQ(adam.param_groups()[0].options().lr(), 0.25);

  auto flat = sd.flatten();
  EXPECT_TRUE(flat.contains("state.0.exp_avg"));
  EXPECT_TRUE(flat.contains("param_groups.0.lr"));
  EXPECT_EQ(flat["param_groups.0.params"].dtype(), kInt64);
  auto back = optim::OptimizerStateDict::unflatten(flat);
  EXPECT_EQ(back.param_groups[0].params, sd.param_groups[0].params);
  EXPECT_DOUBLE_EQ(back.param_groups[0].options.at("beta2"), 0.999);
}

}  // namespace
}  // namespace tg
