// Every learning-rate scheduler against PyTorch 1.13 (fixtures_optim/schedulers.*, written by
// tests/reference/make_scheduler_fixtures.py): the lr (and cycled momentum) sequences over
// 30 steps, plain and step(epoch), compared exactly; state_dict() against PyTorch's after 12
// steps; and resuming from tg::save'd optimizer + scheduler files reproducing the rest.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "optim_fixtures.h"

namespace tg::testing {
namespace {

using Json = nlohmann::json;

const Json& manifest() {
  static const Json m = [] {
    std::ifstream f(optim_fixtures_dir() + "/schedulers.json");
    TG_CHECK(f.good(), "cannot open ", optim_fixtures_dir(), "/schedulers.json");
    return Json::parse(f);
  }();
  return m;
}

const Tensor& fixture(const std::string& key) {
  static const std::map<std::string, Tensor> tensors =
      load_safetensors_tensors(optim_fixtures_dir() + "/schedulers.safetensors");
  auto it = tensors.find(key);
  TG_CHECK(it != tensors.end(), "scheduler fixture has no tensor '", key, "'");
  return it->second;
}

bool has_fixture(const std::string& key) {
  try {
    fixture(key);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// The C++ twins of the generator's named functions.
optim::LRLambda lr_lambda(const std::string& name) {
  if (name == "pow095") return [](int64_t e) { return std::pow(0.95, static_cast<double>(e)); };
  if (name == "warmup5")
    return [](int64_t e) { return std::min(1.0, static_cast<double>(e + 1) / 5); };
  if (name == "step_half")
    return [](int64_t e) { return std::pow(0.5, static_cast<double>(e / 10)); };
  if (name == "const09") return [](int64_t) { return 0.9; };
  if (name == "alt") return [](int64_t e) { return e % 2 ? 0.98 : 1.01; };
  throw Error("unknown lr_lambda " + name);
}

std::function<double(double)> scale_fn(const std::string& name) {
  if (name == "inv_sqrt") return [](double x) { return 1 / std::sqrt(x); };
  if (name == "decay_iter") return [](double x) { return 1 / (1 + 0.05 * x); };
  throw Error("unknown scale_fn " + name);
}

std::vector<double> doubles(const Json& j) {
  if (j.is_array()) return j.get<std::vector<double>>();
  return {j.get<double>()};
}

template <class Scheduler>
std::shared_ptr<optim::LRScheduler> with_lambdas(optim::Optimizer& opt, const Json& fns) {
  if (!fns.is_array()) return std::make_shared<Scheduler>(opt, lr_lambda(fns));
  std::vector<optim::LRLambda> lambdas;
  for (const auto& f : fns) lambdas.push_back(lr_lambda(f));
  return std::make_shared<Scheduler>(opt, lambdas);
}

std::shared_ptr<optim::LRScheduler> build(const Json& spec, optim::Optimizer& opt) {
  const std::string kind = spec["scheduler"];
  const Json o = spec.contains("options") ? spec["options"] : Json::object();
  auto num = [&](const char* key, double fallback) {
    return o.contains(key) ? o[key].get<double>() : fallback;
  };
  auto integer = [&](const char* key, int64_t fallback) {
    return o.contains(key) ? o[key].get<int64_t>() : fallback;
  };
  if (kind == "SequentialLR" || kind == "ChainedScheduler") {
    std::vector<std::shared_ptr<optim::LRScheduler>> subs;
    for (const auto& s : spec["schedulers"]) subs.push_back(build(s, opt));
    if (kind == "ChainedScheduler") return std::make_shared<optim::ChainedScheduler>(subs);
    return std::make_shared<optim::SequentialLR>(opt, subs,
                                                 o["milestones"].get<std::vector<int64_t>>());
  }
  if (kind == "LambdaLR") return with_lambdas<optim::LambdaLR>(opt, o["lr_lambda"]);
  if (kind == "MultiplicativeLR") return with_lambdas<optim::MultiplicativeLR>(opt, o["lr_lambda"]);
  if (kind == "CyclicLR") {
    optim::CyclicLROptions options(doubles(o["base_lr"]), doubles(o["max_lr"]));
    options.step_size_up(integer("step_size_up", 2000)).gamma(num("gamma", 1.0));
    if (o.contains("step_size_down")) options.step_size_down(o["step_size_down"].get<int64_t>());
    if (o.contains("mode")) options.mode(o["mode"]);
    if (o.contains("scale_fn")) options.scale_fn(scale_fn(o["scale_fn"]));
    if (o.contains("scale_mode")) options.scale_mode(o["scale_mode"]);
    if (o.contains("cycle_momentum")) options.cycle_momentum(o["cycle_momentum"].get<bool>());
    if (o.contains("base_momentum")) options.base_momentum(doubles(o["base_momentum"]));
    if (o.contains("max_momentum")) options.max_momentum(doubles(o["max_momentum"]));
    return std::make_shared<optim::CyclicLR>(opt, options);
  }
  if (kind == "CosineAnnealingWarmRestarts")
    return std::make_shared<optim::CosineAnnealingWarmRestarts>(opt, integer("T_0", 0),
                                                                integer("T_mult", 1),
                                                                num("eta_min", 0));
  if (kind == "ConstantLR")
    return std::make_shared<optim::ConstantLR>(opt, num("factor", 1.0 / 3),
                                               integer("total_iters", 5));
  if (kind == "PolynomialLR")
    return std::make_shared<optim::PolynomialLR>(opt, integer("total_iters", 5), num("power", 1));
  if (kind == "StepLR")
    return std::make_shared<optim::StepLR>(opt, integer("step_size", 0), num("gamma", 0.1));
  if (kind == "MultiStepLR")
    return std::make_shared<optim::MultiStepLR>(opt, o["milestones"].get<std::vector<int64_t>>(),
                                                num("gamma", 0.1));
  if (kind == "ExponentialLR") return std::make_shared<optim::ExponentialLR>(opt, num("gamma", 0));
  if (kind == "CosineAnnealingLR")
    return std::make_shared<optim::CosineAnnealingLR>(opt, integer("T_max", 0),
                                                      num("eta_min", 0));
  if (kind == "LinearLR")
    return std::make_shared<optim::LinearLR>(opt, num("start_factor", 1.0 / 3),
                                             num("end_factor", 1.0), integer("total_iters", 5));
  if (kind == "OneCycleLR") {
    optim::OneCycleLROptions options(num("max_lr", 0), integer("total_steps", 0));
    options.pct_start(num("pct_start", 0.3)).div_factor(num("div_factor", 25.0));
    options.final_div_factor(num("final_div_factor", 1e4));
    if (o.contains("anneal_strategy")) options.anneal_strategy(o["anneal_strategy"]);
    if (o.contains("three_phase")) options.three_phase(o["three_phase"].get<bool>());
    return std::make_shared<optim::OneCycleLR>(opt, options);
  }
  throw Error("unknown scheduler " + kind);
}

std::unique_ptr<optim::ReduceLROnPlateau> build_plateau(const Json& o, optim::Optimizer& opt) {
  optim::ReduceLROnPlateauOptions options;
  options.mode(o["mode"]).factor(o["factor"]).patience(o["patience"]).threshold(o["threshold"]);
  options.cooldown(o["cooldown"]).min_lr(doubles(o["min_lr"]));
  return std::make_unique<optim::ReduceLROnPlateau>(opt, options);
}

// One case's optimizer and scheduler (exactly one of the two scheduler pointers is set).
struct CaseRun {
  std::vector<Tensor> params;
  std::unique_ptr<optim::Optimizer> optimizer;
  std::shared_ptr<optim::LRScheduler> scheduler;
  std::unique_ptr<optim::ReduceLROnPlateau> plateau;

  explicit CaseRun(const Json& c) {
    std::vector<optim::OptimizerParamGroup> groups;
    Json options = c.contains("optimizer_options") ? c["optimizer_options"] : Json::object();
    options["lr"] = c["lrs"][0];
    for (const auto& lr : c["lrs"]) {
      params.push_back(zeros({2}).requires_grad_(true));
      Json group_options = options;
      group_options["lr"] = lr;
      groups.emplace_back(std::vector<Tensor>{params.back()},
                          make_options(c["optimizer"], group_options));
    }
    optimizer = make_optimizer(c["optimizer"], options, groups);
    if (c["scheduler"] == "ReduceLROnPlateau") {
      plateau = build_plateau(c["options"], *optimizer);
    } else {
      scheduler = build(c, *optimizer);
    }
  }

  // Step k (0-based) as the generator took it.
  void step(const Json& c, int k) {
    optimizer->step();
    if (plateau) {
      plateau->step(fixture(c["name"].get<std::string>() + ".metrics")[k].item<double>());
    } else if (c["epochs"][k].is_null()) {
      scheduler->step();
    } else {
      scheduler->step(c["epochs"][k].get<double>());
    }
  }

  std::vector<double> lrs() const {
    std::vector<double> out;
    for (const auto& g : optimizer->param_groups()) out.push_back(g.options().lr());
    return out;
  }

  std::vector<double> momenta() const {
    std::vector<double> out;
    for (const auto& g : optimizer->param_groups()) {
      const auto& o = g.options();
      if (auto* sgd = dynamic_cast<const optim::SGDOptions*>(&o)) out.push_back(sgd->momentum());
      else if (auto* rms = dynamic_cast<const optim::RMSpropOptions*>(&o))
        out.push_back(rms->momentum());
      else if (auto* adam = dynamic_cast<const optim::AdamOptions*>(&o))
        out.push_back(std::get<0>(adam->betas()));
      else
        out.push_back(0.0);
    }
    return out;
  }

  optim::SchedulerStateDict state_dict() const {
    return plateau ? plateau->state_dict() : scheduler->state_dict();
  }
};

// Checks the row of step k (0 = after construction) against the fixture.
void expect_step(const Json& c, const CaseRun& run, int k) {
  const std::string name = c["name"];
  const Tensor& lr = fixture(name + ".lr");
  const std::vector<double> ours = run.lrs();
  ASSERT_EQ(lr.size(1), static_cast<int64_t>(ours.size()));
  for (std::size_t g = 0; g < ours.size(); ++g)
    EXPECT_EQ(ours[g], lr[k][g].item<double>()) << name << " lr at step " << k << ", group " << g;
  if (has_fixture(name + ".momentum")) {
    const Tensor& m = fixture(name + ".momentum");
    const std::vector<double> momenta = run.momenta();
    for (std::size_t g = 0; g < momenta.size(); ++g)
      EXPECT_EQ(momenta[g], m[k][g].item<double>())
          << name << " momentum at step " << k << ", group " << g;
  }
  if (run.scheduler) EXPECT_EQ(run.scheduler->get_last_lr(), ours) << name << " at step " << k;
  if (run.plateau) EXPECT_EQ(run.plateau->get_last_lr(), ours) << name << " at step " << k;
}

void expect_same_state(const optim::SchedulerStateDict& ours,
                       const optim::SchedulerStateDict& expected, const std::string& where) {
  EXPECT_EQ(ours.scheduler, expected.scheduler) << where;
  EXPECT_EQ(ours.numbers, expected.numbers) << where << " numbers";
  EXPECT_EQ(ours.lists, expected.lists) << where << " lists";
  EXPECT_EQ(ours.strings, expected.strings) << where << " strings";
  ASSERT_EQ(ours.schedulers.size(), expected.schedulers.size()) << where;
  for (std::size_t i = 0; i < ours.schedulers.size(); ++i)
    expect_same_state(ours.schedulers[i], expected.schedulers[i],
                      where + ".schedulers[" + std::to_string(i) + "]");
}

optim::SchedulerStateDict pytorch_state(const Json& c) {
  return optim::SchedulerStateDict::from_json(c["state"].dump());
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "tg_sched_" + name;
}

TEST(SchedulerFixtures, SequencesMatchPyTorchExactly) {
  int checked = 0;
  for (const auto& c : manifest()["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    CaseRun run(c);
    expect_step(c, run, 0);
    for (int k = 0; k < c["steps"].get<int>(); ++k) {
      run.step(c, k);
      expect_step(c, run, k + 1);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 42);
}

TEST(SchedulerFixtures, StateDictHoldsWhatPyTorchKeeps) {
  int checked = 0;
  for (const auto& c : manifest()["cases"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    CaseRun run(c);
    for (int k = 0; k < c["state_after"].get<int>(); ++k) run.step(c, k);
    const optim::SchedulerStateDict expected = pytorch_state(c);
    expect_same_state(run.state_dict(), expected, name);
    // Through JSON and back unchanged.
    expect_same_state(optim::SchedulerStateDict::from_json(run.state_dict().to_json()), expected,
                      name + " (JSON)");
    ++checked;
  }
  EXPECT_EQ(checked, 42);
}

TEST(SchedulerFixtures, ResumingFromSavedFilesContinuesAsPyTorch) {
  const std::string opt_file = temp_path("opt.safetensors");
  const std::string sched_file = temp_path("sched.json");
  int checked = 0;
  for (const auto& c : manifest()["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const int half = c["state_after"];
    {
      CaseRun run(c);
      for (int k = 0; k < half; ++k) run.step(c, k);
      tg::save(*run.optimizer, opt_file);
      if (run.plateau) tg::save(*run.plateau, sched_file);
      else tg::save(*run.scheduler, sched_file);
    }
    // A fresh optimizer and scheduler, constructed as before, then both files loaded.
    CaseRun resumed(c);
    tg::load(*resumed.optimizer, opt_file);
    if (resumed.plateau) tg::load(*resumed.plateau, sched_file);
    else tg::load(*resumed.scheduler, sched_file);
    expect_step(c, resumed, half);
    for (int k = half; k < c["steps"].get<int>(); ++k) {
      resumed.step(c, k);
      expect_step(c, resumed, k + 1);
    }
    ++checked;
  }
  std::remove(opt_file.c_str());
  std::remove(sched_file.c_str());
  EXPECT_EQ(checked, 42);
}

TEST(SchedulerFixtures, LoadsPyTorchsStateDict) {
  // The state PyTorch wrote (in SchedulerStateDict's layout) drives a fresh scheduler on,
  // given the optimizer's learning rates of that step.
  for (const auto& c : manifest()["cases"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    if (c["scheduler"] == "ReduceLROnPlateau") continue;
    const int half = c["state_after"];
    CaseRun run(c);
    run.scheduler->load_state_dict(pytorch_state(c));
    auto& groups = run.optimizer->param_groups();
    CaseRun reference(c);  // for the momenta of that step
    for (int k = 0; k < half; ++k) reference.step(c, k);
    for (std::size_t g = 0; g < groups.size(); ++g)
      groups[g].set_options(reference.optimizer->param_groups()[g].options().clone());
    expect_step(c, run, half);
    for (int k = half; k < c["steps"].get<int>(); ++k) {
      run.step(c, k);
      expect_step(c, run, k + 1);
    }
  }
}

}  // namespace
}  // namespace tg::testing
