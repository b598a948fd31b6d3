// The newer schedulers' argument checks (tg::Error naming the scheduler, argument and
// value), step(epoch) rules, and state_dict loading that refuses bad states and leaves the
// scheduler as it was.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "optim/optim.h"

namespace tg::testing {
namespace {

// Runs `f`, expecting a tg::Error whose message holds every one of `parts`.
template <class F>
void expect_error(F&& f, std::initializer_list<const char*> parts) {
  try {
    f();
    ADD_FAILURE() << "expected a tg::Error mentioning " << *parts.begin();
  } catch (const Error& e) {
    for (const char* part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "'" << e.what() << "' does not mention '" << part << "'";
  }
}

struct Fixture {
  Tensor p = zeros({2}).requires_grad_(true);
  Tensor q = zeros({3}).requires_grad_(true);
  optim::SGD sgd{{p}, optim::SGDOptions(0.1).momentum(0.9)};
  optim::Adam adam{{q}, optim::AdamOptions(0.1)};
};

TEST(SchedulerChecks, BadArgumentsNameSchedulerArgumentAndValue) {
  Fixture f;
  auto one = [](int64_t) { return 1.0; };
  expect_error([&] { optim::LambdaLR(f.sgd, std::vector<optim::LRLambda>{one, one}); },
               {"LambdaLR", "lr_lambdas", "1", "2"});
  expect_error([&] { optim::MultiplicativeLR(f.sgd, optim::LRLambda{}); },
               {"MultiplicativeLR", "lr_lambda", "empty"});
  expect_error([&] { optim::ConstantLR(f.sgd, 0.0); }, {"ConstantLR", "factor", "0"});
  expect_error([&] { optim::ConstantLR(f.sgd, 0.5, -2); }, {"ConstantLR", "total_iters", "-2"});
  expect_error([&] { optim::PolynomialLR(f.sgd, 0); }, {"PolynomialLR", "total_iters", "0"});
  expect_error([&] { optim::PolynomialLR(f.sgd, 5, -1.0); }, {"PolynomialLR", "power", "-1"});
  expect_error([&] { optim::CosineAnnealingWarmRestarts(f.sgd, 0); },
               {"CosineAnnealingWarmRestarts", "T_0", "0"});
  expect_error([&] { optim::CosineAnnealingWarmRestarts(f.sgd, 3, 0); },
               {"CosineAnnealingWarmRestarts", "T_mult", "0"});
  expect_error([&] { optim::CyclicLR(f.sgd, optim::CyclicLROptions(0.01, 0.1).mode("square")); },
               {"CyclicLR", "mode", "square"});
  expect_error([&] { optim::CyclicLR(f.sgd, optim::CyclicLROptions(0.01, 0.1).step_size_up(0)); },
               {"CyclicLR", "step_size_up", "0"});
  expect_error(
      [&] { optim::CyclicLR(f.sgd, optim::CyclicLROptions({0.01, 0.02}, {0.1, 0.2})); },
      {"CyclicLR", "base_lr", "2"});
  expect_error(
      [&] { optim::CyclicLR(f.sgd, optim::CyclicLROptions(0.01, 0.1).scale_mode("epochs")); },
      {"CyclicLR", "scale_mode", "epochs"});
  // A scheduler that failed to construct left the learning rate usable.
  EXPECT_TRUE(std::isfinite(f.sgd.param_groups()[0].options().lr()));
}

TEST(SchedulerChecks, CyclicLRCyclesMomentumOnlyWhereThereIsOne) {
  // As PyTorch 1.13: no `momentum` option (Adam's betas are not cycled) -> refused.
  Fixture f;
  expect_error([&] { optim::CyclicLR(f.adam, optim::CyclicLROptions(0.01, 0.1)); },
               {"CyclicLR", "momentum", "Adam", "cycle_momentum"});
  optim::CyclicLR ok(f.adam, optim::CyclicLROptions(0.01, 0.1).cycle_momentum(false));
  EXPECT_EQ(f.adam.param_groups()[0].options().lr(), 0.01);
  EXPECT_EQ(std::get<0>(static_cast<optim::AdamOptions&>(f.adam.param_groups()[0].options())
                            .betas()),
            0.9);
  optim::CyclicLR sgd(f.sgd, optim::CyclicLROptions(0.01, 0.1).step_size_up(2));
  EXPECT_EQ(static_cast<optim::SGDOptions&>(f.sgd.param_groups()[0].options()).momentum(), 0.9);
  sgd.step();  // halfway up: lr and momentum halfway
  EXPECT_DOUBLE_EQ(f.sgd.param_groups()[0].options().lr(), 0.055);
  EXPECT_DOUBLE_EQ(static_cast<optim::SGDOptions&>(f.sgd.param_groups()[0].options()).momentum(),
                   0.85);
}

TEST(SchedulerChecks, StepEpochRules) {
  Fixture f;
  optim::StepLR step(f.sgd, 3, 0.5);
  expect_error([&] { step.step(2.5); }, {"StepLR", "epoch", "2.5"});
  expect_error([&] { step.step(-1.0); }, {"StepLR", "epoch", "-1"});
  expect_error([&] { step.step(NAN); }, {"StepLR", "epoch"});
  step.step(7.0);  // closed form: 0.1 * 0.5^2
  EXPECT_DOUBLE_EQ(f.sgd.param_groups()[0].options().lr(), 0.025);
  EXPECT_EQ(step.last_epoch(), 7);

  Fixture g;
  optim::CosineAnnealingWarmRestarts restarts(g.sgd, 4, 2);
  expect_error([&] { restarts.step(-0.5); }, {"CosineAnnealingWarmRestarts", "epoch", "-0.5"});
  restarts.step(5.5);  // second period (length 8), 1.5 into it
  EXPECT_DOUBLE_EQ(restarts.T_cur(), 1.5);
  EXPECT_EQ(restarts.T_i(), 8);
  EXPECT_EQ(restarts.last_epoch(), 5);
  expect_error([&] { restarts.step(1e300); }, {"CosineAnnealingWarmRestarts", "epoch"});
  EXPECT_DOUBLE_EQ(restarts.T_cur(), 1.5);

  Fixture h;
  auto a = std::make_shared<optim::LinearLR>(h.sgd, 0.5, 1.0, 2);
  auto b = std::make_shared<optim::ExponentialLR>(h.sgd, 0.9);
  optim::SequentialLR seq(h.sgd, {a, b}, {2});
  expect_error([&] { seq.step(3.0); }, {"SequentialLR", "step(epoch)"});
  optim::ChainedScheduler chain({a, b});
  expect_error([&] { chain.step(3.0); }, {"ChainedScheduler", "step(epoch)"});
}

TEST(SchedulerChecks, ComposedSchedulersCheckTheirParts) {
  Fixture f;
  auto on_sgd = std::make_shared<optim::ExponentialLR>(f.sgd, 0.9);
  auto on_adam = std::make_shared<optim::ExponentialLR>(f.adam, 0.9);
  expect_error([&] { optim::SequentialLR(f.sgd, {on_sgd, on_adam}, {3}); },
               {"SequentialLR", "same optimizer", "1"});
  expect_error([&] { optim::SequentialLR(f.sgd, {on_sgd, on_sgd}, {3, 5}); },
               {"SequentialLR", "milestone", "2"});
  expect_error([&] { optim::SequentialLR(f.sgd, {}, {}); }, {"SequentialLR", "scheduler"});
  expect_error([&] { optim::ChainedScheduler({on_sgd, on_adam}); },
               {"ChainedScheduler", "same optimizer", "1"});
  expect_error([&] { optim::ChainedScheduler({}); }, {"ChainedScheduler", "scheduler"});
}

TEST(SchedulerChecks, BadStatesAreRefusedAndChangeNothing) {
  Fixture f;
  optim::CyclicLR cyclic(f.sgd, optim::CyclicLROptions(0.01, 0.1).step_size_up(3));
  for (int k = 0; k < 4; ++k) cyclic.step();
  const optim::SchedulerStateDict good = cyclic.state_dict();
  const std::string before = good.to_json();

  optim::SchedulerStateDict other = good;
  other.scheduler = "StepLR";
  expect_error([&] { cyclic.load_state_dict(other); }, {"CyclicLR", "StepLR"});
  optim::SchedulerStateDict missing = good;
  missing.lists.erase("max_lrs");
  expect_error([&] { cyclic.load_state_dict(missing); }, {"CyclicLR", "max_lrs"});
  optim::SchedulerStateDict groups = good;
  groups.lists["base_lrs"] = {0.01, 0.02};
  expect_error([&] { cyclic.load_state_dict(groups); }, {"CyclicLR", "base_lrs", "2", "1"});
  optim::SchedulerStateDict fractional = good;
  fractional.numbers["last_epoch"] = 2.5;
  expect_error([&] { cyclic.load_state_dict(fractional); }, {"CyclicLR", "last_epoch", "2.5"});
  optim::SchedulerStateDict mode = good;
  mode.numbers["gamma"] = 0.5;  // read before the bad mode: must be rolled back
  mode.strings["mode"] = "sawtooth";
  expect_error([&] { cyclic.load_state_dict(mode); }, {"CyclicLR", "mode", "sawtooth"});
  EXPECT_EQ(cyclic.state_dict().to_json(), before);

  // A SequentialLR whose second part fails restores the first part and itself too.
  Fixture g;
  auto a = std::make_shared<optim::LinearLR>(g.sgd, 0.5, 1.0, 2);
  auto b = std::make_shared<optim::StepLR>(g.sgd, 2, 0.5);
  optim::SequentialLR seq(g.sgd, {a, b}, {2});
  for (int k = 0; k < 3; ++k) seq.step();
  const std::string seq_before = seq.state_dict().to_json();
  optim::SchedulerStateDict bad = seq.state_dict();
  bad.numbers["last_epoch"] = 40;
  bad.schedulers[0].numbers["last_epoch"] = 17;
  bad.schedulers[1].numbers["step_size"] = 0;
  expect_error([&] { seq.load_state_dict(bad); }, {"StepLR", "step_size", "0"});
  EXPECT_EQ(seq.state_dict().to_json(), seq_before);
}

TEST(SchedulerChecks, SchedulerFilesRoundTripAndRefuseOthers) {
  Fixture f;
  optim::ReduceLROnPlateau plateau(f.sgd, optim::ReduceLROnPlateauOptions().patience(0));
  plateau.step(1.0);
  plateau.step(2.0);  // a bad epoch: lr cut
  const std::string path = ::testing::TempDir() + "tg_sched_checks.json";
  tg::save(plateau, path);
  Fixture g;
  optim::ReduceLROnPlateau fresh(g.sgd, optim::ReduceLROnPlateauOptions().mode("max"));
  tg::load(fresh, path);
  EXPECT_EQ(fresh.state_dict().to_json(), plateau.state_dict().to_json());
  EXPECT_EQ(fresh.best(), 1.0);
  // An infinite best survives the file (written as "inf").
  optim::ReduceLROnPlateau unstepped(g.sgd);
  tg::save(unstepped, path);
  tg::load(fresh, path);
  EXPECT_TRUE(std::isinf(fresh.best()));

  optim::StepLR step(g.sgd, 3);
  expect_error([&] { tg::load(step, path); }, {"StepLR", "ReduceLROnPlateau", path.c_str()});
  std::ofstream(path) << "{\"format\": \"something else\"}";
  expect_error([&] { tg::load(step, path); }, {"not a saved scheduler", path.c_str()});
  std::ofstream(path) << "{\"format\": \"tapegrad.lr_scheduler\", \"state\": ";
  expect_error([&] { tg::load(step, path); }, {"not a saved scheduler"});
  std::remove(path.c_str());
}

}  // namespace
}  // namespace tg::testing
