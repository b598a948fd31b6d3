// tg::save / tg::load (nn/serialize.h, optim/serialize.h): modules, optimizers, tensors, in
// tapegrad's files and in the files Python writes with torch.save
// (tests/reference/make_pytorch_files.py); resuming gives the same next steps; a failed load
// changes nothing.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tapegrad.h"

namespace tg {
namespace save_load_test {

// SmallCNN of make_pytorch_files.py, with the same names.
struct SmallCNNImpl : nn::Module {
  SmallCNNImpl() {
    features = register_module(
        "features", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)),
                                   nn::BatchNorm2d(4), nn::ReLU(), nn::MaxPool2d(2),
                                   nn::Conv2d(4, 8, 3), nn::ReLU()));
    classifier = register_module("classifier", nn::Linear(8 * 4 * 4, 10));
  }
  Tensor forward(const Tensor& x) { return classifier(features(x).flatten(1)); }
  nn::Sequential features = nullptr;
  nn::Linear classifier = nullptr;
};
TG_MODULE(SmallCNN);

namespace {

std::string fixture(const std::string& name) {
  return std::string(TAPEGRAD_SOURCE_DIR) + "/tests/reference/fixtures_pytorch/" + name;
}
std::string temp_path(const std::string& name) { return ::testing::TempDir() + "tg_saveload_" + name; }

template <class F>
void expect_error_naming(F&& f, const std::vector<std::string>& needles) {
  try {
    f();
    FAIL() << "expected tg::Error";
  } catch (const Error& e) {
    for (const auto& needle : needles)
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "'" << needle << "' not in: " << e.what();
  }
}

std::vector<double> values(const Tensor& t) {
  return t.detach().to(kFloat64).contiguous().to_vector<double>();
}

// Every tensor of a state dict, flattened, for before/after comparisons.
std::vector<std::vector<double>> snapshot(const nn::Module& m) {
  std::vector<std::vector<double>> out;
  for (const auto& item : m.state_dict()) out.push_back(values(item.value()));
  return out;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  auto x = values(a), y = values(b);
  EXPECT_EQ(x.size(), y.size());
  double worst = 0;
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
    worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

TEST(SaveLoad, PyTorchStateDictReproducesPyTorchsLogits) {
  SmallCNN model;
  tg::load(model, fixture("small_cnn.pt"));
  model->eval();
  const io::PickleValue io_file = io::load_pytorch(fixture("small_cnn_io.pt"));
  const Tensor inputs = io_file.at("inputs").to_tensor();
  const Tensor want = io_file.at("logits").to_tensor();
  ASSERT_EQ(inputs.shape(), Shape({4, 1, 12, 12}));
  Tensor logits;
  {
    NoGradGuard no_grad;
    logits = model(inputs);
  }
  ASSERT_EQ(logits.shape(), Shape({4, 10}));
  EXPECT_GT(values(want.abs().max())[0], 0.05);
  EXPECT_LE(max_abs_diff(logits, want), 1e-5);
  // The BatchNorm buffers came along, num_batches_tracked as int64 (20 training steps).
  const auto state = model->state_dict();
  EXPECT_EQ(state["features.1.num_batches_tracked"].item<int64_t>(), 20);
  EXPECT_NE(values(state["features.1.running_var"]), std::vector<double>(4, 1.0));
}

TEST(SaveLoad, PyTorchStateDictEntriesAndErrors) {
  const auto state = load_pytorch_state_dict(fixture("wrapped.pt"), "model");
  EXPECT_EQ(state.size(), 11u);
  EXPECT_TRUE(state.contains("classifier.weight"));
  SmallCNN model;
  model->load_state_dict(state);
  expect_error_naming([] { load_pytorch_state_dict(fixture("wrapped.pt")); },
                      {"'model'", "dict", "not a tensor"});
  expect_error_naming([] { load_pytorch_state_dict(fixture("wrapped.pt"), "optimizer"); },
                      {"no key 'optimizer'", "'model'"});
  // A torch.save file through nn::read_state_dict, found by content.
  EXPECT_EQ(nn::read_state_dict(fixture("small_cnn.pt")).size(), 11u);
}

TEST(SaveLoad, ModuleRoundTripAnyNameAndHolderKinds) {
  manual_seed(1);
  SmallCNN a;
  SmallCNN b;
  const std::string path = temp_path("model.pt");
  tg::save(a, path);
  tg::load(b, path);
  EXPECT_EQ(snapshot(*b), snapshot(*a));
  // shared_ptr and plain module.
  std::shared_ptr<SmallCNNImpl> c = std::make_shared<SmallCNNImpl>();
  tg::load(c, path);
  EXPECT_EQ(snapshot(*c), snapshot(*a));
  tg::save(c, temp_path("model.npz"));
  SmallCNN d;
  tg::load(*d, temp_path("model.npz"));
  EXPECT_EQ(snapshot(*d), snapshot(*a));
  // tapegrad's files are safetensors whatever the name.
  EXPECT_EQ(io::load_safetensors(path).tensors.size(), 11u);
  std::filesystem::remove(path);
  std::filesystem::remove(temp_path("model.npz"));
}

TEST(SaveLoad, FailedModuleLoadChangesNothing) {
  manual_seed(2);
  SmallCNN model;
  const auto before = snapshot(*model);
  // Wrong shapes (a Linear(3, 2) file), a missing file, a corrupt file, hostile files.
  const std::string wrong = temp_path("wrong.pt");
  nn::Linear other(3, 2);
  tg::save(other, wrong);
  expect_error_naming([&] { tg::load(model, wrong); }, {wrong, "missing keys"});
  // Same names, one shape wrong: refused before anything is copied.
  auto state = model->state_dict();
  OrderedDict<std::string, Tensor> bad("Tensor");
  for (const auto& item : state)
    bad.insert(item.key(), item.key() == "classifier.bias" ? zeros({11}) : ones_like(item.value()));
  const std::string almost = temp_path("almost.pt");
  nn::save_state_dict(bad, temp_path("almost.safetensors"));
  std::filesystem::rename(temp_path("almost.safetensors"), almost);
  expect_error_naming([&] { tg::load(model, almost); }, {"classifier.bias", "size mismatch"});
  expect_error_naming([&] { tg::load(model, temp_path("nothing_here.pt")); }, {"nothing_here"});
  const std::string corrupt = temp_path("corrupt.pt");
  {
    std::FILE* f = std::fopen(corrupt.c_str(), "wb");
    std::fputs("garbage that is no format at all", f);
    std::fclose(f);
  }
  EXPECT_THROW(tg::load(model, corrupt), Error);
  EXPECT_THROW(tg::load(model, fixture("hostile_global.pt")), Error);
  EXPECT_THROW(tg::load(model, fixture("hostile_truncated.pt")), Error);
  EXPECT_THROW(tg::load(model, fixture("views.pt")), Error);  // other names
  EXPECT_EQ(snapshot(*model), before);
  for (const auto& p : {wrong, almost, corrupt}) std::filesystem::remove(p);
}

TEST(SaveLoad, TensorsAndTensorLists) {
  const Tensor t = arange(6, kFloat64).reshape({2, 3}).transpose(0, 1);
  const std::string path = temp_path("t.pt");
  tg::save(t, path);
  Tensor back;
  tg::load(back, path);
  EXPECT_EQ(back.shape(), Shape({3, 2}));
  EXPECT_EQ(back.dtype(), kFloat64);
  EXPECT_EQ(values(back), values(t));
  std::vector<Tensor> list{ones({2}), arange(3), zeros({0})};
  tg::save(list, path);
  std::vector<Tensor> list_back;
  tg::load(list_back, path);
  ASSERT_EQ(list_back.size(), 3u);
  EXPECT_EQ(list_back[1].dtype(), kInt64);
  EXPECT_EQ(values(list_back[1]), values(list[1]));
  EXPECT_EQ(list_back[2].numel(), 0);
  // A list file is not one tensor.
  Tensor untouched = ones({1});
  expect_error_naming([&] { tg::load(untouched, path); }, {"3 tensors"});
  EXPECT_EQ(values(untouched), std::vector<double>{1});
  // Python's torch.save(tensor) and torch.save([tensors]).
  tg::load(back, fixture("tensor.pt"));
  EXPECT_EQ(values(back), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  tg::load(list_back, fixture("list.pt"));
  EXPECT_EQ(list_back.size(), 2u);
  expect_error_naming([&] { tg::load(back, fixture("list.pt")); }, {"list", "not a tensor"});
  std::filesystem::remove(path);
}

// ---------------------------------------------------------------- optimizers
using OptimizerFactory = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;

struct Trainer {
  nn::Linear model{nullptr};
  std::unique_ptr<optim::Optimizer> optimizer;
};

Trainer make_trainer(const OptimizerFactory& factory) {
  manual_seed(7);
  Trainer t;
  t.model = nn::Linear(3, 2);
  t.optimizer = factory(t.model->parameters());
  return t;
}

// One step on a batch that depends on k only.
void train_step(Trainer& t, int k) {
  manual_seed(100 + k);
  const Tensor x = randn({5, 3});
  const Tensor y = randn({5, 2});
  t.optimizer->zero_grad();
  Tensor loss = (t.model(x) - y).pow(2).mean();
  loss.backward();
  t.optimizer->step();
}

std::vector<std::pair<std::string, OptimizerFactory>> optimizer_factories() {
  using namespace optim;
  return {
      {"SGD", [](std::vector<Tensor> p) {
         return std::make_unique<SGD>(p, SGDOptions(0.05).momentum(0.9).nesterov(true));
       }},
      {"Adam", [](std::vector<Tensor> p) {
         return std::make_unique<Adam>(p, AdamOptions(0.01).amsgrad(true).weight_decay(0.01));
       }},
      {"AdamW", [](std::vector<Tensor> p) { return std::make_unique<AdamW>(p, AdamWOptions(0.01)); }},
      {"RMSprop", [](std::vector<Tensor> p) {
         return std::make_unique<RMSprop>(p, RMSpropOptions(0.01).centered(true).momentum(0.5));
       }},
      {"Adagrad", [](std::vector<Tensor> p) {
         return std::make_unique<Adagrad>(p, AdagradOptions(0.1).lr_decay(0.01));
       }},
      {"NAdam", [](std::vector<Tensor> p) {
         return std::make_unique<NAdam>(p, NAdamOptions(0.01).weight_decay(0.01));
       }},
      {"RAdam", [](std::vector<Tensor> p) { return std::make_unique<RAdam>(p, RAdamOptions(0.01)); }},
      {"Adamax", [](std::vector<Tensor> p) { return std::make_unique<Adamax>(p, AdamaxOptions(0.01)); }},
      {"Adadelta", [](std::vector<Tensor> p) {
         return std::make_unique<Adadelta>(p, AdadeltaOptions(0.5).rho(0.8));
       }},
  };
}

TEST(SaveLoad, ResumedOptimizerGivesIdenticalNextSteps) {
  for (const auto& [name, factory] : optimizer_factories()) {
    SCOPED_TRACE(name);
    Trainer straight = make_trainer(factory);
    for (int k = 0; k < 8; ++k) train_step(straight, k);

    Trainer first = make_trainer(factory);
    for (int k = 0; k < 4; ++k) train_step(first, k);
    const std::string model_path = temp_path("resume_model.pt");
    const std::string opt_path = temp_path("resume_optimizer.pt");
    tg::save(first.model, model_path);
    tg::save(*first.optimizer, opt_path);

    Trainer resumed = make_trainer(factory);  // fresh weights, empty state
    tg::load(resumed.model, model_path);
    tg::load(*resumed.optimizer, opt_path);
    for (int k = 4; k < 8; ++k) train_step(resumed, k);
    // Bit for bit: same state, same arithmetic.
    EXPECT_EQ(snapshot(*resumed.model), snapshot(*straight.model));
    std::filesystem::remove(model_path);
    std::filesystem::remove(opt_path);
  }
}

TEST(SaveLoad, OptimizerFileKeepsGroupsOptionsAndInitialLr) {
  manual_seed(3);
  nn::Linear a(2, 2);
  optim::SGD sgd({optim::OptimizerParamGroup({a->weight}),
                  optim::OptimizerParamGroup({a->bias}, std::make_unique<optim::SGDOptions>(
                                                            optim::SGDOptions(0.5).momentum(0.3)))},
                 optim::SGDOptions(0.1).momentum(0.9));
  optim::StepLR schedule(sgd, 2, 0.5);
  a->weight.set_grad(ones({2, 2}));
  a->bias.set_grad(ones({2}));
  sgd.step();
  schedule.step();
  schedule.step();
  const std::string path = temp_path("sgd.pt");
  tg::save(sgd, path);
  const optim::SavedOptimizer saved = optim::read_optimizer_file(path);
  EXPECT_EQ(saved.optimizer, "SGD");
  ASSERT_EQ(saved.state.param_groups.size(), 2u);
  EXPECT_EQ(saved.state.param_groups[1].params, std::vector<int64_t>{1});
  EXPECT_DOUBLE_EQ(saved.state.param_groups[1].options.at("momentum"), 0.3);
  EXPECT_DOUBLE_EQ(saved.state.param_groups[0].options.at("lr"), 0.05);
  ASSERT_TRUE(saved.initial_lrs[1].has_value());
  EXPECT_DOUBLE_EQ(*saved.initial_lrs[1], 0.5);
  EXPECT_EQ(saved.state.state.at(0).count("momentum_buffer"), 1u);

  nn::Linear b(2, 2);
  optim::SGD other({optim::OptimizerParamGroup({b->weight}), optim::OptimizerParamGroup({b->bias})},
                   optim::SGDOptions(0.7));
  tg::load(other, path);
  EXPECT_DOUBLE_EQ(other.param_groups()[0].options().lr(), 0.05);
  EXPECT_DOUBLE_EQ(other.param_groups()[1].options().lr(), 0.25);
  EXPECT_DOUBLE_EQ(*other.param_groups()[1].initial_lr(), 0.5);
  EXPECT_EQ(values(static_cast<optim::SGDParamState&>(*other.state().at(b->weight.impl()))
                       .momentum_buffer()),
            std::vector<double>(4, 1.0));
  std::filesystem::remove(path);
}

TEST(SaveLoad, FailedOptimizerLoadChangesNothing) {
  manual_seed(4);
  nn::Linear a(3, 2);
  optim::Adam adam(a->parameters(), optim::AdamOptions(0.01));
  a->weight.set_grad(ones({2, 3}));
  a->bias.set_grad(ones({2}));
  adam.step();
  const optim::OptimizerStateDict before = adam.state_dict();
  auto same_as_before = [&] {
    const optim::OptimizerStateDict now = adam.state_dict();
    EXPECT_EQ(now.param_groups[0].options, before.param_groups[0].options);
    ASSERT_EQ(now.state.size(), before.state.size());
    for (const auto& [index, entries] : before.state)
      for (const auto& [key, t] : entries) EXPECT_EQ(values(now.state.at(index).at(key)), values(t));
  };
  // An SGD file into Adam.
  nn::Linear b(3, 2);
  optim::SGD sgd(b->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  b->weight.set_grad(ones({2, 3}));
  b->bias.set_grad(ones({2}));
  sgd.step();
  const std::string sgd_path = temp_path("opt_sgd.pt");
  tg::save(sgd, sgd_path);
  expect_error_naming([&] { tg::load(adam, sgd_path); }, {"SGD", "Adam"});
  same_as_before();
  // An Adam file of other shapes (Linear(4, 2)): refused after the options would have parsed.
  nn::Linear c(4, 2);
  optim::Adam adam_c(c->parameters(), optim::AdamOptions(0.5));
  c->weight.set_grad(ones({2, 4}));
  c->bias.set_grad(ones({2}));
  adam_c.step();
  const std::string adam_path = temp_path("opt_adam.pt");
  tg::save(adam_c, adam_path);
  expect_error_naming([&] { tg::load(adam, adam_path); }, {"shape"});
  same_as_before();
  // A model file, a missing file.
  const std::string model_path = temp_path("opt_model.pt");
  tg::save(a, model_path);
  expect_error_naming([&] { tg::load(adam, model_path); }, {"not a saved optimizer"});
  expect_error_naming([&] { tg::load(adam, temp_path("none.pt")); }, {"none.pt"});
  same_as_before();
  for (const auto& p : {sgd_path, adam_path, model_path}) std::filesystem::remove(p);
}

}  // namespace
}  // namespace save_load_test
}  // namespace tg
