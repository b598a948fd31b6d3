// Each optimizer's trajectory over 10 steps against PyTorch 1.13 (same initial weights,
// same gradient sequence, some parameters without a gradient on odd steps).
#include <gtest/gtest.h>

#include <cmath>
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
  ASSERT_GE(cases.size(), 15u);
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

}  // namespace
}  // namespace tg::testing
