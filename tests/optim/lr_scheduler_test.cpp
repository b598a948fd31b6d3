// Learning-rate sequences over 30 steps against PyTorch 1.13, compared exactly, plus
// argument checks.
#include <gtest/gtest.h>

#include "optim_fixtures.h"

namespace tg::testing {
namespace {

struct SchedulerSetup {
  std::vector<Tensor> params;
  std::unique_ptr<optim::Optimizer> optimizer;
};

// One parameter per group with the case's learning rates, as the generator builds it.
SchedulerSetup make_setup(const nlohmann::json& c) {
  SchedulerSetup s;
  std::vector<optim::OptimizerParamGroup> groups;
  nlohmann::json options = c["optimizer_options"];
  options["lr"] = c["lrs"][0];
  for (const auto& lr : c["lrs"]) {
    s.params.push_back(zeros({2}).requires_grad_(true));
    nlohmann::json group_options = options;
    group_options["lr"] = lr;
    groups.emplace_back(std::vector<Tensor>{s.params.back()},
                        make_options(c["optimizer"], group_options));
  }
  s.optimizer = make_optimizer(c["optimizer"], options, groups);
  return s;
}

std::vector<double> group_lrs(const optim::Optimizer& opt) {
  std::vector<double> out;
  for (const auto& g : opt.param_groups()) out.push_back(g.options().lr());
  return out;
}

double group_momentum(const optim::OptimizerOptions& o) {
  if (auto* sgd = dynamic_cast<const optim::SGDOptions*>(&o)) return sgd->momentum();
  if (auto* adam = dynamic_cast<const optim::AdamOptions*>(&o)) return std::get<0>(adam->betas());
  return 0.0;
}

std::unique_ptr<optim::LRScheduler> make_scheduler(const nlohmann::json& c,
                                                   optim::Optimizer& opt) {
  const std::string kind = c["scheduler"];
  const auto& o = c["options"];
  auto num = [&](const char* key, double fallback) {
    return o.contains(key) ? o[key].get<double>() : fallback;
  };
  if (kind == "StepLR")
    return std::make_unique<optim::StepLR>(opt, o["step_size"].get<int64_t>(), num("gamma", 0.1));
  if (kind == "MultiStepLR")
    return std::make_unique<optim::MultiStepLR>(opt, o["milestones"].get<std::vector<int64_t>>(),
                                                num("gamma", 0.1));
  if (kind == "ExponentialLR") return std::make_unique<optim::ExponentialLR>(opt, num("gamma", 0));
  if (kind == "CosineAnnealingLR")
    return std::make_unique<optim::CosineAnnealingLR>(opt, o["T_max"].get<int64_t>(),
                                                      num("eta_min", 0));
  if (kind == "LinearLR")
    return std::make_unique<optim::LinearLR>(opt, num("start_factor", 1.0 / 3),
                                             num("end_factor", 1.0),
                                             o["total_iters"].get<int64_t>());
  if (kind == "OneCycleLR") {
    optim::OneCycleLROptions options(num("max_lr", 0), o["total_steps"].get<int64_t>());
    options.pct_start(num("pct_start", 0.3)).div_factor(num("div_factor", 25.0));
    options.final_div_factor(num("final_div_factor", 1e4));
    if (o.contains("anneal_strategy")) options.anneal_strategy(o["anneal_strategy"]);
    if (o.contains("three_phase")) options.three_phase(o["three_phase"].get<bool>());
    if (o.contains("cycle_momentum")) options.cycle_momentum(o["cycle_momentum"].get<bool>());
    return std::make_unique<optim::OneCycleLR>(opt, options);
  }
  throw Error("unknown scheduler " + kind);
}

void expect_row(const Tensor& table, int row, const std::vector<double>& ours,
                const std::string& what) {
  ASSERT_EQ(table.size(1), static_cast<int64_t>(ours.size()));
  for (std::size_t g = 0; g < ours.size(); ++g) {
    const double expected = table[row][g].item<double>();
    EXPECT_EQ(ours[g], expected) << what << " at step " << row << ", group " << g
                                 << ": difference " << ours[g] - expected;
  }
}

TEST(LRScheduler, SequencesMatchPyTorchExactly) {
  int checked = 0;
  for (const auto& c : optim_manifest()["schedulers"]) {
    if (c["scheduler"] == "ReduceLROnPlateau") continue;
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    SchedulerSetup s = make_setup(c);
    auto sched = make_scheduler(c, *s.optimizer);
    const Tensor& lrs = optim_tensor(name + ".lr");
    const bool has_momentum = optim_tensors().count(name + ".momentum") > 0;
    for (int k = 0; k <= c["steps"].get<int>(); ++k) {
      if (k > 0) {
        s.optimizer->step();
        sched->step();
      }
      expect_row(lrs, k, group_lrs(*s.optimizer), name + " lr");
      EXPECT_EQ(sched->get_last_lr(), group_lrs(*s.optimizer));
      if (has_momentum) {
        std::vector<double> m;
        for (const auto& g : s.optimizer->param_groups()) m.push_back(group_momentum(g.options()));
        expect_row(optim_tensor(name + ".momentum"), k, m, name + " momentum");
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, 11);
}

TEST(LRScheduler, ReduceLROnPlateauMatchesPyTorchExactly) {
  int checked = 0;
  for (const auto& c : optim_manifest()["schedulers"]) {
    if (c["scheduler"] != "ReduceLROnPlateau") continue;
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    SchedulerSetup s = make_setup(c);
    const auto& o = c["options"];
    optim::ReduceLROnPlateauOptions options;
    options.mode(o["mode"]).factor(o["factor"]).patience(o["patience"]).threshold(o["threshold"]);
    if (o.contains("threshold_mode")) options.threshold_mode(o["threshold_mode"]);
    if (o.contains("cooldown")) options.cooldown(o["cooldown"]);
    if (o["min_lr"].is_array()) {
      options.min_lr(o["min_lr"].get<std::vector<double>>());
    } else {
      options.min_lr({o["min_lr"].get<double>()});
    }
    optim::ReduceLROnPlateau sched(*s.optimizer, options);
    const Tensor& lrs = optim_tensor(name + ".lr");
    const Tensor& metrics = optim_tensor(name + ".metrics");
    expect_row(lrs, 0, group_lrs(*s.optimizer), name);
    for (int k = 0; k < c["steps"].get<int>(); ++k) {
      s.optimizer->step();
      sched.step(metrics[k].item<double>());
      expect_row(lrs, k + 1, group_lrs(*s.optimizer), name);
    }
    // The fixture must actually exercise reductions.
    EXPECT_LT(lrs[c["steps"].get<int>()][0].item<double>(), lrs[0][0].item<double>());
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST(LRScheduler, ChainedSchedulersShareInitialLr) {
  // A second scheduler starts from the group's initial lr, not the first one's epoch-0 lr.
  Tensor p = zeros({2}).requires_grad_(true);
  optim::SGD opt({p}, optim::SGDOptions(0.1));
  optim::LinearLR warmup(opt, 0.5, 1.0, 4);
  EXPECT_DOUBLE_EQ(opt.param_groups()[0].options().lr(), 0.05);
  optim::StepLR decay(opt, 3, 0.5);
  EXPECT_EQ(decay.base_lrs(), std::vector<double>{0.1});
}

TEST(LRScheduler, BadArgumentsThrow) {
  Tensor p = zeros({2}).requires_grad_(true);
  optim::SGD sgd({p}, optim::SGDOptions(0.1));
  EXPECT_THROW(optim::StepLR(sgd, 0), Error);
  EXPECT_THROW(optim::CosineAnnealingLR(sgd, 0), Error);
  EXPECT_THROW(optim::LinearLR(sgd, 1.5), Error);
  EXPECT_THROW(optim::LinearLR(sgd, 0.5, 1.0, 0), Error);
  EXPECT_THROW(optim::OneCycleLR(sgd, optim::OneCycleLROptions(0.1, 0)), Error);
  EXPECT_THROW(optim::OneCycleLR(sgd, optim::OneCycleLROptions(0.1, 10).pct_start(1.5)), Error);
  EXPECT_THROW(optim::OneCycleLR(sgd, optim::OneCycleLROptions(0.1, 10).anneal_strategy("exp")),
               Error);
  EXPECT_THROW(optim::ReduceLROnPlateau(sgd, optim::ReduceLROnPlateauOptions().factor(1.0)), Error);
  EXPECT_THROW(optim::ReduceLROnPlateau(sgd, optim::ReduceLROnPlateauOptions().mode("up")), Error);
  EXPECT_THROW(optim::ReduceLROnPlateau(sgd, optim::ReduceLROnPlateauOptions().min_lr({0, 0})),
               Error);
  optim::Adagrad adagrad({p}, optim::AdagradOptions(0.1));
  try {
    optim::OneCycleLR sched(adagrad, optim::OneCycleLROptions(0.1, 10));
    FAIL() << "OneCycleLR with cycle_momentum on Adagrad should throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("OneCycleLR"), std::string::npos);
  }
  optim::OneCycleLR sched(sgd, optim::OneCycleLROptions(0.1, 3));
  sched.step();
  sched.step();
  sched.step();
  EXPECT_THROW(sched.step(), Error);  // past total_steps
}

}  // namespace
}  // namespace tg::testing
