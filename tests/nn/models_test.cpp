// The model zoo against torchvision: for every model in tests/nn/fixtures/zoo.json (written
// by tests/reference/make_zoo_fixtures.py) the ordered names and shapes of the parameters and
// buffers, the parameter count, and the eval-mode logits on a small input with every
// parameter and buffer filled from the script's formula. Plus strict loading of a state_dict
// saved by PyTorch, the summary of every model, and bad arguments.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tapegrad.h"

namespace tg::nn::models {
namespace {

using nlohmann::json;

const std::string kFixtures = std::string(TAPEGRAD_SOURCE_DIR) + "/tests/nn/fixtures/";

const json& zoo() {
  static const json data = [] {
    std::ifstream f(kFixtures + "zoo.json");
    return json::parse(f);
  }();
  return data;
}

const json& entry(const std::string& key) {
  for (const auto& e : zoo()["models"])
    if (e["key"] == key) return e;
  throw Error("zoo.json has no model " + key);
}

const io::LoadedTensors& logits() {
  static const io::LoadedTensors data = io::load_safetensors(kFixtures + "zoo.safetensors");
  return data;
}

ModelOptions options_of(const json& e) {
  return ModelOptions()
      .num_classes(e["num_classes"].get<int64_t>())
      .in_channels(e["in_channels"].get<int64_t>())
      .small_input(e["small_input"].get<bool>())
      .width_mult(e["width_mult"].get<double>());
}

// ---- the fill formula of make_zoo_fixtures.py (float64 arithmetic, rounded to float32)
double formula(int64_t i, int64_t k) {
  const int64_t r = (i * 40503 + k * 9973 + 12345) % 65521;
  return 2.0 * static_cast<double>(r) / 65521.0 - 1.0;
}

void fill(Tensor& t, const std::string& name, int64_t k) {
  ASSERT_TRUE(t.is_contiguous() && t.dtype() == kFloat32) << name;
  const std::string leaf = name.substr(name.rfind('.') + 1);
  const int64_t n = t.numel();
  // v = offset + scale * (u + shift), the script's rule chosen once per tensor (the VGGs have
  // 133-144 M values).
  double offset = 0, scale = 0, shift = 0;
  if (leaf == "weight" && t.dim() >= 2) {
    scale = std::sqrt(6.0 / static_cast<double>(n / t.size(0)));
  } else if (leaf == "weight") {
    offset = 1.0, scale = 0.25;
  } else if (leaf == "bias" || leaf == "running_mean") {
    scale = 0.1;
  } else if (leaf == "running_var") {
    offset = 1.0, scale = 0.25, shift = 1.0;
  } else {
    FAIL() << "no fill rule for " << name;
  }
  float* p = t.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i)
    p[i] = static_cast<float>(offset + scale * (formula(i, k) + shift));
}

void fill(Module& m) {
  int64_t k = 0;
  for (auto& [name, p] : m.named_parameters().pairs()) fill(p, name, k++);
  k = 1000;
  for (auto& [name, b] : m.named_buffers().pairs()) {
    if (name.size() >= 19 && name.compare(name.size() - 19, 19, "num_batches_tracked") == 0) {
      b.fill_(0);
    } else {
      fill(b, name, k);
    }
    ++k;
  }
}

Tensor formula_input(const Shape& shape) {
  std::vector<float> v(static_cast<std::size_t>(shape.numel()));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(formula(static_cast<int64_t>(i), 7));
  return tensor(v, shape);
}

Shape shape_of(const json& j) { return Shape(j.get<std::vector<int64_t>>()); }

// Largest |got - want| over the largest |want|.
double relative_error(const Tensor& got, const Tensor& want) {
  const std::vector<double> a = got.to_vector<double>(), b = want.to_vector<double>();
  double scale = 0, err = 0;
  for (double v : b) scale = std::max(scale, std::abs(v));
  for (std::size_t i = 0; i < a.size(); ++i) err = std::max(err, std::abs(a[i] - b[i]));
  return err / scale;
}

Tensor run(AnyModule& model, const Shape& input_shape) {
  NoGradGuard no_grad;
  model.ptr()->eval();
  return model.forward(formula_input(input_shape));
}

// ---------------------------------------------------------------- every model vs torchvision
class ZooModel : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooModel, NamesCountsAndLogitsMatchTorchvision) {
  const json& e = entry(GetParam());
  AnyModule model = create_model(e["model"], options_of(e));
  Module& m = *model.ptr();

  // parameters and buffers: same names, same order, same shapes
  const auto params = m.named_parameters();
  ASSERT_EQ(params.size(), e["parameters"].size());
  int64_t count = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(params.items()[i].key(), e["parameters"][i][0].get<std::string>()) << i;
    EXPECT_EQ(params.items()[i].value().shape(), shape_of(e["parameters"][i][1]))
        << params.items()[i].key();
    count += params.items()[i].value().numel();
  }
  EXPECT_EQ(count, e["num_params"].get<int64_t>());
  const auto buffers = m.named_buffers();
  ASSERT_EQ(buffers.size(), e["buffers"].size());
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_EQ(buffers.items()[i].key(), e["buffers"][i][0].get<std::string>()) << i;
    EXPECT_EQ(buffers.items()[i].value().shape(), shape_of(e["buffers"][i][1]))
        << buffers.items()[i].key();
  }

  // logits, eval mode, everything formula-filled
  fill(m);
  const Tensor got = run(model, shape_of(e["input_shape"]));
  const Tensor& want = logits().at(GetParam() + "/logits");
  ASSERT_EQ(got.shape(), want.shape());
  EXPECT_LE(relative_error(got, want), 1e-4);
}

std::vector<std::string> zoo_keys() {
  std::vector<std::string> keys;
  for (const auto& e : zoo()["models"]) keys.push_back(e["key"]);
  return keys;
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooModel, ::testing::ValuesIn(zoo_keys()),
                         [](const auto& info) {  // gtest names take letters, digits, _
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '.', '_');
                           return n;
                         });

// The fixture covers every model of the zoo, and its counts are torchvision's published ones.
TEST(ZooModels, FixtureCoversEveryModelWithTorchvisionCounts) {
  for (const std::string& name : model_names()) {
    bool found = false;
    for (const auto& e : zoo()["models"]) found = found || e["model"] == name;
    EXPECT_TRUE(found) << name << " has no fixture";
  }
  EXPECT_EQ(entry("resnet18")["num_params"], 11689512);
  EXPECT_EQ(entry("resnet50")["num_params"], 25557032);
  EXPECT_EQ(entry("vgg16")["num_params"], 138357544);
  EXPECT_EQ(entry("vgg16_bn")["num_params"], 138365992);
  EXPECT_EQ(entry("alexnet")["num_params"], 61100840);
  EXPECT_EQ(entry("mobilenet_v2")["num_params"], 3504872);
}

// ---------------------------------------------------------------- strict loading
std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("tapegrad_zoo_" + std::to_string(::getpid()) + "_" + name)).string();
}

// Runs LeNet-5 (10 classes, one channel) on the formula input.
Tensor lenet_logits(LeNet5& net) {
  NoGradGuard no_grad;
  net->eval();
  return net(formula_input(shape_of(entry("lenet5_in1_c10")["input_shape"])));
}

// A state_dict written by PyTorch (torch.save's names and dtypes: float32 weights, int64
// num_batches_tracked) loads with strict checking and gives PyTorch's logits.
TEST(ZooLoad, PyTorchStateDictLoadsStrict) {
  LeNet5 net = lenet5();
  load(net, kFixtures + "zoo_lenet5_state.safetensors");  // strict by default
  EXPECT_LE(relative_error(lenet_logits(net), logits().at("lenet5_in1_c10/logits")), 1e-6);
}

// A file holding exactly the keys, shapes and dtypes of torchvision's state_dict (names from
// the fixture, values from the formula, batch-norm counters as int64 scalars) loads strictly
// into MobileNetV2 and gives torchvision's logits.
TEST(ZooLoad, TorchvisionNamedFileLoadsStrict) {
  const json& e = entry("mobilenet_v2_small_in1_c10");
  io::NamedTensors state;
  int64_t k = 0;
  for (const auto& p : e["parameters"]) {
    Tensor t = zeros(shape_of(p[1]));
    fill(t, p[0], k++);
    state.emplace_back(p[0], t);
  }
  k = 1000;
  for (const auto& b : e["buffers"]) {
    const std::string name = b[0];
    if (name.find("num_batches_tracked") != std::string::npos) {
      state.emplace_back(name, zeros({}, kInt64));
    } else {
      Tensor t = zeros(shape_of(b[1]));
      fill(t, name, k);
      state.emplace_back(name, t);
    }
    ++k;
  }
  const std::string path = temp_path("mobilenet_v2.safetensors");
  io::save_safetensors(path, state);
  AnyModule model = create_model("mobilenet_v2", options_of(e));
  load(*model.ptr(), path);
  std::remove(path.c_str());
  const Tensor got = run(model, shape_of(e["input_shape"]));
  EXPECT_LE(relative_error(got, logits().at("mobilenet_v2_small_in1_c10/logits")), 1e-4);
}

// Loads the PyTorch-written LeNet-5 state after `edit`, expecting an error that mentions
// every one of `words`.
void expect_load_error(const std::function<void(io::NamedTensors&)>& edit,
                       const std::vector<std::string>& words) {
  io::NamedTensors state = io::load_safetensors(kFixtures + "zoo_lenet5_state.safetensors").tensors;
  edit(state);
  const std::string path = temp_path("lenet5_edited.safetensors");
  io::save_safetensors(path, state);
  LeNet5 net = lenet5();
  try {
    load(net, path);
    ADD_FAILURE() << "strict load accepted the edited state";
  } catch (const Error& err) {
    for (const std::string& w : words)
      EXPECT_NE(std::string(err.what()).find(w), std::string::npos) << err.what();
  }
  std::remove(path.c_str());
}

TEST(ZooLoad, StrictLoadNamesMissingExtraAndMisshapedKeys) {
  expect_load_error([](io::NamedTensors& s) {
    s.erase(std::remove_if(s.begin(), s.end(),
                           [](const auto& kv) { return kv.first == "classifier.4.bias"; }),
            s.end());
  }, {"missing keys", "classifier.4.bias", "LeNet5"});
  expect_load_error([](io::NamedTensors& s) {
    s.emplace_back("classifier.5.weight", zeros({10, 10}));
  }, {"unexpected keys", "classifier.5.weight"});
  expect_load_error([](io::NamedTensors& s) {
    for (auto& kv : s)
      if (kv.first == "features.0.weight") kv.second = zeros({6, 1, 3, 3});
  }, {"size mismatch", "features.0.weight", "[6, 1, 5, 5]", "[6, 1, 3, 3]"});
}

TEST(ZooLoad, NonStrictLoadSkipsExtraKeys) {
  io::NamedTensors state = io::load_safetensors(kFixtures + "zoo_lenet5_state.safetensors").tensors;
  state.emplace_back("head.weight", zeros({3}));
  const std::string path = temp_path("lenet5_extra.safetensors");
  io::save_safetensors(path, state);
  LeNet5 net = lenet5();
  load(net, path, /*strict=*/false);
  std::remove(path.c_str());
  EXPECT_LE(relative_error(lenet_logits(net), logits().at("lenet5_in1_c10/logits")), 1e-6);
}

// ---------------------------------------------------------------- summary, names, errors
// The summary of every model: one row per layer with its output shape, the totals equal to
// the parameter count, and the output [1, classes].
TEST(ZooModels, SummaryOfEveryModel) {
  for (const std::string& name : model_names()) {
    const bool big_input = name == "alexnet";
    ModelOptions o = ModelOptions().num_classes(10).in_channels(1).small_input(!big_input);
    AnyModule model = create_model(name, o);
    const Shape input = big_input ? Shape{1, 1, 63, 63} : Shape{1, 1, 28, 28};
    ModelSummary s = summary(model, input);
    int64_t count = 0;
    for (const Tensor& p : model.ptr()->parameters()) count += p.numel();
    EXPECT_EQ(s.total_params, count) << name;
    EXPECT_EQ(s.output_shape, (Shape{1, 10})) << name;
    int64_t row_params = 0, convs = 0;
    for (const LayerSummary& l : s.layers) {
      row_params += l.num_params;
      if (l.type == "tg::nn::Conv2d") {
        ++convs;
        EXPECT_TRUE(l.called) << name << " " << l.name;
      }
    }
    EXPECT_EQ(row_params, count) << name;
    EXPECT_GT(convs, 1) << name;
    const std::string text = s.to_string();
    EXPECT_NE(text.find("Total params: " + std::to_string(count)), std::string::npos) << text;
  }
}

TEST(ZooModels, SmallInputVariantsChangeOnlyWhatTheySay) {
  // ResNet: 3x3 stride-1 stem, Identity instead of the max-pool; same names.
  ResNet big = resnet18(), small = resnet18(ModelOptions().small_input(true));
  EXPECT_EQ(big->conv1->weight.shape(), (Shape{64, 3, 7, 7}));
  EXPECT_EQ(small->conv1->weight.shape(), (Shape{64, 3, 3, 3}));
  EXPECT_EQ(big->named_parameters().keys(), small->named_parameters().keys());
  NoGradGuard no_grad;
  small->eval();
  EXPECT_EQ(small(zeros({1, 3, 32, 32})).shape(), (Shape{1, 1000}));
  // MobileNetV2 with width 0.5 has 1,968,680 parameters in torchvision.
  int64_t count = 0;
  for (const Tensor& p : mobilenet_v2(ModelOptions().width_mult(0.5))->parameters())
    count += p.numel();
  EXPECT_EQ(count, entry("mobilenet_v2_w0.5")["num_params"].get<int64_t>());
}

TEST(ZooModels, BadArgumentsThrow) {
  EXPECT_THROW(create_model("resnet101"), Error);
  try {
    create_model("resnet101");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("resnet18"), std::string::npos) << e.what();
  }
  EXPECT_THROW(resnet18(ModelOptions().num_classes(0)), Error);
  EXPECT_THROW(vgg11(ModelOptions().in_channels(-1)), Error);
  EXPECT_THROW(mobilenet_v2(ModelOptions().width_mult(0)), Error);
  EXPECT_THROW(mobilenet_v1(ModelOptions().width_mult(-1)), Error);
  // LeNet-5 takes 28x28 images; a wrong channel count is the convolution's error.
  LeNet5 net = lenet5();
  EXPECT_THROW(net(zeros({1, 1, 32, 32})), Error);
  EXPECT_THROW(net(zeros({1, 3, 28, 28})), Error);
  // The first convolution names the channel mismatch.
  ResNet r = resnet18(ModelOptions().in_channels(1));
  EXPECT_THROW(r(zeros({1, 3, 32, 32})), Error);
}

TEST(ZooModels, MakeDivisibleIsTorchvisions) {
  EXPECT_EQ(make_divisible(32 * 0.25), 8);
  EXPECT_EQ(make_divisible(24 * 0.5), 16);   // 12 -> 16 (round half up to a multiple of 8)
  EXPECT_EQ(make_divisible(320 * 0.35), 112);
  EXPECT_EQ(make_divisible(3), 8);           // at least the divisor
  EXPECT_EQ(make_divisible(10), 16);         // 8 is below 0.9 * 10: one more step
}

}  // namespace
}  // namespace tg::nn::models
