// Each optimizer's trajectory over 10 steps against PyTorch 1.13 (same initial weights,
// same gradient sequence, some parameters without a gradient on odd steps).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "optim_fixtures.h"

namespace tg::testing {
namespace {

struct CaseRun {
  std::vector<Tensor> params;
  std::unique_ptr<optim::Optimizer> optimizer;
};

CaseRun start_case(const nlohmann::json& c) {
  const std::string name = c["name"];
  const DType dtype = c["dtype"] == "float32" ? kFloat32 : kFloat64;
  CaseRun run;
  for (int i = 0; i < c["params"].get<int>(); ++i) {
    Tensor p = optim_tensor(name + ".p" + std::to_string(i) + ".init").to(dtype).clone();
    p.requires_grad_(true);
    run.params.push_back(p);
  }
  run.optimizer = make_optimizer(c["optimizer"], c["options"], make_groups(c, run.params));
  return run;
}

// Sets the step-k gradients and steps once.
void step_case(const nlohmann::json& c, CaseRun& run, int k) {
  const std::string name = c["name"];
  run.optimizer->zero_grad();
  for (std::size_t i = 0; i < run.params.size(); ++i) {
    const std::string key = name + ".p" + std::to_string(i);
    if (optim_tensor(key + ".has_grad")[k].item<int64_t>() == 0) continue;
    run.params[i].set_grad(optim_tensor(key + ".grads")[k].to(run.params[i].dtype()).clone());
  }
  run.optimizer->step();
}

// Largest |ours - expected| / max(1, |expected|) over the parameter's elements.
double max_rel_error(const Tensor& ours, const Tensor& expected) {
  auto a = ours.to(kFloat64).contiguous().to_vector<double>();
  auto b = expected.to(kFloat64).contiguous().to_vector<double>();
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(1.0, std::abs(b[i])));
  return worst;
}

double tolerance(const nlohmann::json& c) { return c["dtype"] == "float32" ? 2e-6 : 1e-12; }

TEST(OptimFixture, TrajectoriesMatchPyTorch) {
  const auto& cases = optim_manifest()["optimizers"];
  ASSERT_GE(cases.size(), 31u);
  for (const auto& c : cases) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    CaseRun run = start_case(c);
    double worst = 0;
    for (int k = 0; k < c["steps"].get<int>(); ++k) {
      step_case(c, run, k);
      for (std::size_t i = 0; i < run.params.size(); ++i) {
        Tensor expected = optim_tensor(name + ".p" + std::to_string(i) + ".traj")[k];
        worst = std::max(worst, max_rel_error(run.params[i], expected));
      }
    }
    EXPECT_LE(worst, tolerance(c)) << name << ": largest relative error " << worst;
    std::ostringstream text;
    text << worst;
    RecordProperty(name, text.str());
  }
}

// Stopping after 4 steps, saving the state, and continuing in a fresh optimizer gives the
// same trajectory (options and per-parameter state survive the round trip).
TEST(OptimFixture, StateDictResumeMatchesPyTorch) {
  for (const auto& c : optim_manifest()["optimizers"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    CaseRun first = start_case(c);
    for (int k = 0; k < 4; ++k) step_case(c, first, k);
    optim::OptimizerStateDict saved = first.optimizer->state_dict();
    // Through the flat (file-ready) form as well.
    saved = optim::OptimizerStateDict::unflatten(saved.flatten());

    CaseRun second = start_case(c);
    for (std::size_t i = 0; i < second.params.size(); ++i) {
      NoGradGuard no_grad;
      second.params[i].copy_(first.params[i]);
    }
    second.optimizer->load_state_dict(saved);
    double worst = 0;
    for (int k = 4; k < c["steps"].get<int>(); ++k) {
      step_case(c, second, k);
      for (std::size_t i = 0; i < second.params.size(); ++i) {
        Tensor expected = optim_tensor(name + ".p" + std::to_string(i) + ".traj")[k];
        worst = std::max(worst, max_rel_error(second.params[i], expected));
      }
    }
    EXPECT_LE(worst, tolerance(c)) << name << ": largest relative error " << worst;
  }
}

// LBFGS: three step(closure) calls on a least-squares problem with a quartic term, plain
// and with the strong-Wolfe line search; then the same with a save/load in the middle.
struct LbfgsRun {
  Tensor x, y, w, b;
  std::unique_ptr<optim::LBFGS> optimizer;
};

LbfgsRun start_lbfgs(const nlohmann::json& c) {
  const std::string name = c["name"];
  const auto& o = c["options"];
  LbfgsRun run;
  run.x = optim_tensor(name + ".x");
  run.y = optim_tensor(name + ".y");
  run.w = optim_tensor(name + ".w0").clone().requires_grad_(true);
  run.b = optim_tensor(name + ".b0").clone().requires_grad_(true);
  optim::LBFGSOptions options(o["lr"].get<double>());
  options.max_iter(o["max_iter"].get<int64_t>()).history_size(o["history_size"].get<int64_t>());
  if (o.contains("max_eval")) options.max_eval(o["max_eval"].get<int64_t>());
  if (o.contains("line_search_fn")) options.line_search_fn(o["line_search_fn"].get<std::string>());
  run.optimizer = std::make_unique<optim::LBFGS>(std::vector<Tensor>{run.w, run.b}, options);
  return run;
}

double lbfgs_step(LbfgsRun& run) {
  auto closure = [&] {
    run.optimizer->zero_grad();
    Tensor loss = (run.x.matmul(run.w) + run.b - run.y).pow(2).mean() + run.w.pow(4).sum() * 0.1;
    loss.backward();
    return loss;
  };
  return run.optimizer->step(closure).item<double>();
}

TEST(OptimFixture, LbfgsMatchesPyTorch) {
  const auto& cases = optim_manifest()["lbfgs"];
  ASSERT_EQ(cases.size(), 3u);
  for (const auto& c : cases) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    LbfgsRun run = start_lbfgs(c);
    double worst = 0;
    for (int k = 0; k < c["steps"].get<int>(); ++k) {
      const double loss = lbfgs_step(run);
      const double want = optim_tensor(name + ".loss")[k].item<double>();
      worst = std::max(worst, std::abs(loss - want) / std::max(1.0, std::abs(want)));
      worst = std::max(worst, max_rel_error(run.w, optim_tensor(name + ".w")[k]));
      worst = std::max(worst, max_rel_error(run.b, optim_tensor(name + ".b")[k]));
    }
    EXPECT_LE(worst, 1e-9) << name << ": largest relative error " << worst;
    const auto& state = static_cast<optim::LBFGSParamState&>(
        *run.optimizer->state().at(run.w.impl()));
    EXPECT_EQ(state.func_evals(), optim_tensor(name + ".func_evals").item<int64_t>());
  }
}

TEST(OptimFixture, LbfgsResumesFromItsSavedState) {
  for (const auto& c : optim_manifest()["lbfgs"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    LbfgsRun first = start_lbfgs(c);
    lbfgs_step(first);
    const std::string path = ::testing::TempDir() + "tg_lbfgs_" + name + ".pt";
    tg::save(*first.optimizer, path);
    LbfgsRun second = start_lbfgs(c);
    {
      NoGradGuard no_grad;
      second.w.copy_(first.w);
      second.b.copy_(first.b);
    }
    tg::load(*second.optimizer, path);
    std::remove(path.c_str());
    double worst = 0;
    for (int k = 1; k < c["steps"].get<int>(); ++k) {
      lbfgs_step(second);
      worst = std::max(worst, max_rel_error(second.w, optim_tensor(name + ".w")[k]));
    }
    EXPECT_LE(worst, 1e-9) << name;
  }
}

TEST(OptimFixture, NewOptimizersRejectBadOptions) {
  std::vector<Tensor> p{zeros({2}).requires_grad_(true)};
  EXPECT_THROW(optim::NAdam(p, optim::NAdamOptions(-1)), Error);
  EXPECT_THROW(optim::NAdam(p, optim::NAdamOptions().momentum_decay(-1)), Error);
  EXPECT_THROW(optim::RAdam(p, optim::RAdamOptions().betas(std::make_tuple(1.0, 0.9))), Error);
  EXPECT_THROW(optim::Adamax(p, optim::AdamaxOptions().eps(-1)), Error);
  EXPECT_THROW(optim::Adadelta(p, optim::AdadeltaOptions().rho(1.5)), Error);
  EXPECT_THROW(optim::LBFGS(p, optim::LBFGSOptions().line_search_fn("backtracking")), Error);
  EXPECT_THROW(optim::LBFGS(p, optim::LBFGSOptions().history_size(0)), Error);
  std::vector<Tensor> q{zeros({2}).requires_grad_(true)};
  EXPECT_THROW(optim::LBFGS({optim::OptimizerParamGroup(p), optim::OptimizerParamGroup(q)}),
               Error);
  optim::LBFGS lbfgs(p);
  EXPECT_THROW(lbfgs.step(nullptr), Error);  // needs a closure
}

}  // namespace
}  // namespace tg::testing
