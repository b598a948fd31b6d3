// Saving and loading models (nn/serialize.h).
//
// Interop with PyTorch: tests/reference/make_lenet_fixture.py trains LeNet in PyTorch and
// writes its state_dict (safetensors, PyTorch's names) plus 8 inputs and PyTorch's logits to
// tests/reference/fixtures_lenet/. Here the same LeNet, built as a tg::nn::Sequential, loads
// that file and must give the same logits; a checkpoint tapegrad saves must have PyTorch's
// layout (names in state_dict order, shapes, dtypes). With TG_LENET_EXPORT=<file> the test
// also writes its checkpoint there, for `make_lenet_fixture.py --verify <file>`.
//
// Plus round trips in both formats (parameters, buffers, int64 buffers), dtype conversion,
// strict and non-strict loading, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tapegrad.h"

namespace tg::nn {
namespace {

const std::string kFixtureDir =
    std::string(TAPEGRAD_SOURCE_DIR) + "/tests/reference/fixtures_lenet/";

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "nn_ser_" + name; }

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

// The LeNet of make_lenet_fixture.py, layer for layer.
Sequential lenet() {
  return Sequential(Conv2d(Conv2dOptions(1, 6, 5).padding(2)), ReLU(), MaxPool2d(2),
                    Conv2d(6, 16, 5), ReLU(), MaxPool2d(2), Flatten(), Linear(400, 120), ReLU(),
                    Linear(120, 84), ReLU(), Linear(84, 10));
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, sep);) out.push_back(item);
  return out;
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector<double>()) m = std::max(m, std::abs(v));
  return m;
}

void expect_equal_states(const OrderedDict<std::string, Tensor>& got,
                         const OrderedDict<std::string, Tensor>& want) {
  ASSERT_EQ(got.keys(), want.keys());
  for (const auto& item : want) {
    const Tensor& g = got[item.key()];
    EXPECT_EQ(g.shape(), item.value().shape()) << item.key();
    EXPECT_EQ(g.dtype(), item.value().dtype()) << item.key();
    EXPECT_EQ(g.to_vector<double>(), item.value().to_vector<double>()) << item.key();
  }
}

TEST(NnSerialize, LoadsPyTorchLeNetAndReproducesItsLogits) {
  Sequential net = lenet();
  load(net, kFixtureDir + "lenet.safetensors");
  net->eval();
  const io::LoadedTensors io_file = io::load_safetensors(kFixtureDir + "io.safetensors");
  const Tensor inputs = io_file.at("inputs");
  const Tensor want = io_file.at("logits");
  ASSERT_EQ(inputs.shape(), Shape({8, 1, 28, 28}));
  Tensor logits;
  {
    NoGradGuard no_grad;
    logits = net(inputs);
  }
  ASSERT_EQ(logits.shape(), Shape({8, 10}));
  const double scale = max_abs(want);
  EXPECT_GT(scale, 1.0);  // a trained model, not its initialisation
  EXPECT_LE(max_abs(logits - want) / scale, 1e-5);
  // Same predictions, too.
  EXPECT_EQ(logits.argmax(1).to_vector<int64_t>(), want.argmax(1).to_vector<int64_t>());
}

TEST(NnSerialize, SavedCheckpointHasPyTorchsLayout) {
  const io::LoadedTensors reference = io::load_safetensors(kFixtureDir + "lenet.safetensors");
  const std::vector<std::string> pytorch_order = split(reference.metadata.at("keys"), ',');
  ASSERT_EQ(pytorch_order.size(), 10u);

  Sequential net = lenet();
  EXPECT_EQ(net->state_dict().keys(), pytorch_order);
  load(net, kFixtureDir + "lenet.safetensors");
  const std::string path = temp_path("lenet.safetensors");
  save(net, path);
  if (const char* export_path = std::getenv("TG_LENET_EXPORT")) save(net, export_path);

  const io::LoadedTensors saved = io::load_safetensors(path);
  EXPECT_EQ(saved.metadata.at("format"), "pt");
  std::vector<std::string> names;
  for (const auto& [name, t] : saved.tensors) names.push_back(name);
  EXPECT_EQ(names, pytorch_order);
  for (const auto& [name, t] : saved.tensors) {
    const Tensor& want = reference.at(name);
    EXPECT_EQ(t.shape(), want.shape()) << name;
    EXPECT_EQ(t.dtype(), want.dtype()) << name;
    EXPECT_EQ(t.to_vector<float>(), want.to_vector<float>()) << name;
  }
  std::filesystem::remove(path);
}

// A model with parameters, persistent buffers (float and int64) and a non-persistent one.
struct SmallNetImpl : Module {
  SmallNetImpl() {
    conv = register_module("conv", Conv2d(Conv2dOptions(2, 3, 3).padding(1)));
    bn = register_module("bn", BatchNorm2d(3));
    fc = register_module("fc", Linear(3, 2));
    register_buffer("scratch", zeros({4}), /*persistent=*/false);
  }
  Tensor forward(const Tensor& x) {
    return fc(AdaptiveAvgPool2d(1)(bn(conv(x))).flatten(1));
  }
  Conv2d conv = nullptr;
  BatchNorm2d bn = nullptr;
  Linear fc = nullptr;
};
TG_MODULE(SmallNet);

TEST(NnSerialize, RoundTripsInBothFormats) {
  for (const std::string ext : {".safetensors", ".npz"}) {
    manual_seed(1);
    SmallNet a;
    a->train();
    a(randn({4, 2, 5, 5}));  // moves the running statistics and the batch counter
    a->eval();
    const std::string path = temp_path("small" + ext);
    save(a, path);
    EXPECT_FALSE(std::filesystem::exists(path + ".partial"));

    manual_seed(2);
    SmallNet b;
    EXPECT_NE(b->conv->weight.to_vector<float>(), a->conv->weight.to_vector<float>());
    const Tensor weight_handle = b->conv->weight;
    load(b, path);
    b->eval();
    expect_equal_states(b->state_dict(), a->state_dict());
    EXPECT_EQ(b->state_dict()["bn.num_batches_tracked"].item<int64_t>(), 1);
    EXPECT_TRUE(b->conv->weight.is_same(weight_handle));  // loaded in place
    EXPECT_TRUE(b->conv->weight.requires_grad());
    const Tensor x = randn({2, 2, 5, 5});
    EXPECT_EQ(b(x).to_vector<float>(), a(x).to_vector<float>());

    const auto file = load_state_dict(path);
    EXPECT_FALSE(file.contains("scratch"));
    EXPECT_EQ(file.keys(), a->state_dict().keys());
    std::filesystem::remove(path);
  }
}

TEST(NnSerialize, ConvertsDtypesWhenLoading) {
  manual_seed(3);
  Linear wide(4, 3);
  wide->to(kFloat64);
  const std::string path = temp_path("f64.npz");
  save(wide, path);
  EXPECT_EQ(load_state_dict(path)["weight"].dtype(), kFloat64);
  Linear narrow(4, 3);
  load(narrow, path);
  EXPECT_EQ(narrow->weight.dtype(), kFloat32);
  EXPECT_EQ(narrow->weight.to_vector<float>(), wide->weight.to(kFloat32).to_vector<float>());
  std::filesystem::remove(path);
}

TEST(NnSerialize, NonStrictLoadingTakesWhatMatches) {
  manual_seed(4);
  // The file has a backbone and a head; the model only the backbone, plus its own extra.
  Sequential full(Linear(4, 5), ReLU(), Linear(5, 2));
  const std::string path = temp_path("full.safetensors");
  save(full, path);

  Sequential partial(Linear(4, 5), ReLU());
  expect_error_naming([&] { load(partial, path); },
                      {"nn::load", path, "unexpected keys", "\"2.weight\"", "\"2.bias\""});
  load(partial, path, /*strict=*/false);
  EXPECT_EQ(partial->ptr<LinearImpl>(0)->weight.to_vector<float>(),
            full->ptr<LinearImpl>(0)->weight.to_vector<float>());

  Sequential bigger(Linear(4, 5), ReLU(), Linear(5, 2), Linear(2, 2));
  const std::vector<float> untouched = bigger->ptr<LinearImpl>(3)->weight.to_vector<float>();
  expect_error_naming([&] { load(bigger, path); }, {"missing keys", "\"3.weight\"", "\"3.bias\""});
  load(bigger, path, /*strict=*/false);
  EXPECT_EQ(bigger->ptr<LinearImpl>(2)->bias.to_vector<float>(),
            full->ptr<LinearImpl>(2)->bias.to_vector<float>());
  EXPECT_EQ(bigger->ptr<LinearImpl>(3)->weight.to_vector<float>(), untouched);

  // A shape mismatch is an error even when not strict, and names the entry and both shapes.
  Sequential other(Linear(4, 6), ReLU(), Linear(6, 2));
  expect_error_naming([&] { load(other, path, /*strict=*/false); },
                      {"size mismatch", "0.weight", "[6, 4]", "[5, 4]"});
  std::filesystem::remove(path);
}

TEST(NnSerialize, HoldersSharedPtrsAndPlainModulesAllWork) {
  manual_seed(5);
  auto impl = std::make_shared<LinearImpl>(2, 2);
  const std::string path = temp_path("shared.npz");
  save(impl, path);
  Linear holder(2, 2);
  load(holder, path);
  LinearImpl& plain = *holder;
  save(plain, temp_path("plain.safetensors"));
  load(plain, temp_path("plain.safetensors"));
  EXPECT_EQ(holder->weight.to_vector<float>(), impl->weight.to_vector<float>());
  std::filesystem::remove(path);
  std::filesystem::remove(temp_path("plain.safetensors"));
}

TEST(NnSerialize, Errors) {
  Linear fc(2, 2);
  expect_error_naming([&] { save(fc, temp_path("model.pt")); }, {"model.pt", ".safetensors"});
  expect_error_naming([&] { load(fc, temp_path("model")); }, {".npz"});
  const std::string missing = temp_path("does_not_exist.safetensors");
  expect_error_naming([&] { load(fc, missing); }, {"nn::load_state_dict", missing});
  expect_error_naming([&] { save(fc, "/nonexistent_dir/x.npz"); },
                      {"nn::save_state_dict", "/nonexistent_dir/x.npz"});
  EXPECT_FALSE(std::filesystem::exists("/nonexistent_dir/x.npz.partial"));
  // A corrupt file.
  const std::string corrupt = temp_path("corrupt.safetensors");
  {
    std::FILE* f = std::fopen(corrupt.c_str(), "wb");
    std::fputs("not a safetensors file", f);
    std::fclose(f);
  }
  expect_error_naming([&] { load(fc, corrupt); }, {corrupt});
  std::filesystem::remove(corrupt);
}

}  // namespace
}  // namespace tg::nn
