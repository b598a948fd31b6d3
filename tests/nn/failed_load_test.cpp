// A failed load changes nothing: Module::load_state_dict, tg::load of a model or an
// optimizer and Optimizer::load_state_dict, given a state that is wrong in its middle (a
// shape, a missing or extra key, an unknown dtype in the file, a NaN or huge step count),
// throw tg::Error and leave every parameter, buffer, option and state tensor bit for bit
// as it was. Each case is checked against a good state that does change them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "tapegrad.h"

namespace tg {
namespace failed_load_test {

struct NetImpl : nn::Module {
  NetImpl() {
    conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(1, 3, 3)));
    norm = register_module("norm", nn::BatchNorm2d(3));
    fc = register_module("fc", nn::Linear(3 * 4 * 4, 5));
  }
  Tensor forward(const Tensor& x) { return fc(relu(norm(conv(x))).flatten(1)); }
  nn::Conv2d conv = nullptr;
  nn::BatchNorm2d norm = nullptr;
  nn::Linear fc = nullptr;
};
TG_MODULE(Net);

namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "tg_failed_load_" + name;
}

// dtype, shape and bytes of a tensor: equal means bitwise equal.
using Bits = std::tuple<int, std::vector<int64_t>, std::vector<unsigned char>>;
Bits bits(const Tensor& t) {
  if (!t.defined()) return {-1, {}, {}};
  const Tensor c = t.detach().contiguous();
  std::vector<unsigned char> b(static_cast<std::size_t>(c.nbytes()));
  if (!b.empty()) std::memcpy(b.data(), c.raw_data(), b.size());
  return {static_cast<int>(c.dtype()), c.shape().vec(), b};
}

std::vector<std::pair<std::string, Bits>> snapshot(const nn::Module& m) {
  std::vector<std::pair<std::string, Bits>> out;
  for (const auto& item : m.state_dict()) out.emplace_back(item.key(), bits(item.value()));
  return out;
}

struct OptimizerBits {
  std::vector<std::map<std::string, double>> options;
  std::vector<std::vector<int64_t>> params;
  std::map<int64_t, std::map<std::string, Bits>> state;
  bool operator==(const OptimizerBits& o) const {
    return options == o.options && params == o.params && state == o.state;
  }
};

OptimizerBits snapshot(const optim::Optimizer& opt) {
  const optim::OptimizerStateDict s = opt.state_dict();
  OptimizerBits out;
  for (const auto& g : s.param_groups) {
    out.options.push_back(g.options);
    out.params.push_back(g.params);
  }
  for (const auto& [index, entries] : s.state)
    for (const auto& [key, t] : entries) out.state[index][key] = bits(t);
  return out;
}

// A net trained for a few steps (batch norm's statistics move too), with its optimizer.
Net trained_net(uint64_t seed, optim::Optimizer** opt_out = nullptr) {
  manual_seed(seed);
  Net net;
  static std::vector<std::unique_ptr<optim::Optimizer>> keep;
  auto params = net->parameters();
  keep.push_back(std::make_unique<optim::Adam>(
      std::vector<optim::OptimizerParamGroup>{
          optim::OptimizerParamGroup({params[0], params[1], params[2]}),
          optim::OptimizerParamGroup({params[3], params[4], params[5]},
                                     std::make_unique<optim::AdamOptions>(0.05))},
      optim::AdamOptions(0.01)));
  const Tensor x = randn({4, 1, 6, 6});
  const Tensor y = tensor(std::vector<int64_t>{0, 1, 2, 3}, {4});
  for (int k = 0; k < 3; ++k) {
    keep.back()->zero_grad();
    cross_entropy(net->forward(x), y).backward();
    keep.back()->step();
  }
  if (opt_out) *opt_out = keep.back().get();
  return net;
}

template <class F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected tg::Error naming '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// Replaces the first `from` in a file's bytes with `to` (same length).
void patch_file(const std::string& path, const std::string& from, const std::string& to) {
  ASSERT_EQ(from.size(), to.size());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto at = bytes.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  bytes.replace(at, from.size(), to);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(FailedLoad, ModuleStateWrongInTheMiddleChangesNothing) {
  Net model = trained_net(1);
  Net other = trained_net(2);
  const auto before = snapshot(*model);
  const auto good = other->state_dict();
  ASSERT_GE(good.size(), 7u);
  const std::string middle = good.keys()[good.size() / 2];  // a batch norm buffer

  auto edited = [&](const std::function<void(const std::string&, const Tensor&,
                                             OrderedDict<std::string, Tensor>&)>& edit) {
    OrderedDict<std::string, Tensor> out("State");
    for (const auto& item : good) edit(item.key(), item.value(), out);
    return out;
  };
  const auto wrong_shape = edited([&](const std::string& k, const Tensor& v, auto& out) {
    out.insert(k, k == middle ? zeros({v.numel() + 1}, v.dtype()) : v);
  });
  const auto missing = edited([&](const std::string& k, const Tensor& v, auto& out) {
    if (k != middle) out.insert(k, v);
  });
  const auto undefined = edited([&](const std::string& k, const Tensor& v, auto& out) {
    out.insert(k, k == middle ? Tensor() : v);
  });
  const auto extra = edited([&](const std::string& k, const Tensor& v, auto& out) {
    out.insert(k, v);
    if (k == middle) out.insert("norm.surprise", ones({2}));
  });
  expect_error([&] { model->load_state_dict(wrong_shape); }, middle);
  expect_error([&] { model->load_state_dict(wrong_shape, /*strict=*/false); }, middle);
  expect_error([&] { model->load_state_dict(missing); }, middle);
  expect_error([&] { model->load_state_dict(undefined); }, middle);
  expect_error([&] { model->load_state_dict(extra); }, "norm.surprise");
  EXPECT_EQ(snapshot(*model), before);

  // Files: an entry of an unknown dtype in the middle of a safetensors file, one whose bytes
  // are cut short, and a file of another model's shapes.
  const std::string bad_dtype = temp_path("bad_dtype.safetensors");
  io::NamedTensors tensors;
  for (const auto& item : good) tensors.emplace_back(item.key(), item.value().to(kFloat32));
  tensors[good.size() / 2].second = tensors[good.size() / 2].second.to(kFloat64);
  io::save_safetensors(bad_dtype, tensors, {{"format", "pt"}});
  patch_file(bad_dtype, "\"F64\"", "\"Q64\"");
  EXPECT_THROW(tg::load(model, bad_dtype), Error);
  const std::string short_file = temp_path("short.safetensors");
  tg::save(other, short_file);
  std::filesystem::resize_file(short_file, std::filesystem::file_size(short_file) - 5);
  EXPECT_THROW(tg::load(model, short_file), Error);
  EXPECT_EQ(snapshot(*model), before);

  // The same state without the damage loads and changes the model (so the cases above
  // were refused, not ignored).
  model->load_state_dict(good);
  EXPECT_EQ(snapshot(*model), snapshot(*other));
  for (const auto& p : {bad_dtype, short_file}) std::filesystem::remove(p);
}

TEST(FailedLoad, OptimizerStateWrongInTheMiddleChangesNothing) {
  optim::Optimizer* adam = nullptr;
  optim::Optimizer* other = nullptr;
  Net model = trained_net(3, &adam);
  Net model2 = trained_net(4, &other);
  const OptimizerBits before = snapshot(*adam);
  const optim::OptimizerStateDict good = other->state_dict();
  ASSERT_EQ(good.state.size(), 6u);

  auto with = [&](const std::function<void(optim::OptimizerStateDict&)>& edit) {
    optim::OptimizerStateDict s = good;
    edit(s);
    return s;
  };
  // Parameter 3 is the first of the second group: the first group would load fine.
  expect_error([&] {
    adam->load_state_dict(with([](auto& s) { s.state[3]["exp_avg"] = zeros({7}); }));
  }, "exp_avg");
  expect_error([&] {
    adam->load_state_dict(with([](auto& s) { s.state[3].erase("exp_avg_sq"); }));
  }, "exp_avg_sq");
  for (const double step : {std::nan(""), std::numeric_limits<double>::infinity(), 1e300}) {
    expect_error([&] {
      adam->load_state_dict(
          with([&](auto& s) { s.state[3]["step"] = scalar_tensor(step, kFloat64); }));
    }, "step");
  }
  expect_error([&] {
    adam->load_state_dict(with([](auto& s) { s.param_groups[1].options.erase("eps"); }));
  }, "eps");
  expect_error([&] {
    adam->load_state_dict(with([](auto& s) { s.param_groups[1].options["lr"] = -1; }));
  }, "learning rate");
  expect_error([&] {
    adam->load_state_dict(with([](auto& s) { s.state[9]["step"] = scalar_tensor(1.0); }));
  }, "9");
  EXPECT_TRUE(snapshot(*adam) == before);

  // Files: an unknown dtype in the middle, and a state index far beyond the file's entries.
  const std::string good_path = temp_path("adam.safetensors");
  tg::save(*other, good_path);
  const std::string bad_dtype = temp_path("adam_bad_dtype.safetensors");
  std::filesystem::copy_file(good_path, bad_dtype,
                             std::filesystem::copy_options::overwrite_existing);
  patch_file(bad_dtype, "\"F32\"", "\"Q32\"");
  EXPECT_THROW(tg::load(*adam, bad_dtype), Error);
  OrderedDict<std::string, Tensor> flat = good.flatten();
  OrderedDict<std::string, Tensor> far("State");
  for (const auto& item : flat)
    far.insert(item.key() == "param_groups.1.lr" ? "param_groups.100000000.lr" : item.key(),
               item.value());
  EXPECT_THROW(optim::OptimizerStateDict::unflatten(far), Error);
  EXPECT_TRUE(snapshot(*adam) == before);

  adam->load_state_dict(good);
  EXPECT_TRUE(snapshot(*adam) == snapshot(*other));
  for (const auto& p : {good_path, bad_dtype}) std::filesystem::remove(p);
}

TEST(FailedLoad, LbfgsCountsFromAFileMustBeWholeNumbers) {
  manual_seed(5);
  nn::Linear a(3, 1);
  optim::LBFGS lbfgs(a->parameters(), optim::LBFGSOptions(0.5).history_size(4));
  const Tensor x = randn({8, 3}), y = randn({8, 1});
  auto closure = [&] {
    lbfgs.zero_grad();
    Tensor loss = mse_loss(a(x), y);
    loss.backward();
    return loss;
  };
  lbfgs.step(closure);
  const OptimizerBits before = snapshot(lbfgs);
  const optim::OptimizerStateDict good = lbfgs.state_dict();
  for (const char* option : {"history_size", "max_iter", "max_eval"}) {
    optim::OptimizerStateDict s = good;
    s.param_groups[0].options[option] = std::nan("");
    expect_error([&] { lbfgs.load_state_dict(s); }, option);
  }
  for (const char* count : {"n_iter", "func_evals"}) {
    optim::OptimizerStateDict s = good;
    s.state[0][count] = scalar_tensor(-1e300, kFloat64);
    expect_error([&] { lbfgs.load_state_dict(s); }, count);
  }
  EXPECT_TRUE(snapshot(lbfgs) == before);
  lbfgs.load_state_dict(good);
  EXPECT_TRUE(snapshot(lbfgs) == before);
}

}  // namespace
}  // namespace failed_load_test
}  // namespace tg
