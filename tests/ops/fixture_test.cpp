// Runs every case of every fixture family through the op registry:
//   <family>/<case>.vs_pytorch    float32 forward and gradients against PyTorch 1.13 (and
//                                 the values of inputs updated in place, where recorded)
//   <family>/<case>.gradcheck     float64 first derivatives against finite differences
//   <family>/<case>.gradgradcheck float64 second derivatives
//   <family>/<case>.threads       the same bits with 1 and 2 threads
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>

#include "support/fixtures.h"
#include "support/op_registry.h"

namespace tg::testing {
namespace {

struct Family {
  std::string name;
  nlohmann::json manifest;
  std::map<std::string, Tensor> tensors;  // loaded on first use
  bool loaded = false;
  const Tensor& get(const std::string& key) {
    if (!loaded) {
      tensors = load_safetensors_tensors(fixtures_dir() + "/" + name + ".safetensors");
      loaded = true;
    }
    auto it = tensors.find(key);
    TG_CHECK(it != tensors.end(), "fixture ", key, " is missing from ", name, ".safetensors");
    return it->second;
  }
};

// Builds the op's inputs: fixture values as `dtype` (floats only), permuted as recorded,
// requiring grad as recorded.
TensorList make_inputs(Family& fam, const nlohmann::json& c, DType float_dtype) {
  TensorList in;
  for (const auto& spec : c["inputs"]) {
    Tensor stored = fam.get(spec["key"]);
    if (stored.is_floating_point()) stored = stored.to(float_dtype).clone();
    else stored = stored.clone();
    Tensor t = stored;
    if (spec.contains("permute") && !spec["permute"].is_null())
      t = stored.permute(spec["permute"].get<std::vector<int64_t>>());
    if (spec.value("requires_grad", false)) t = t.detach().requires_grad_();
    in.push_back(t);
  }
  return in;
}

// The inputs' PyTorch parameter names, in the case's order (for TG_NAMED_OP ops).
std::vector<std::string> input_names(const nlohmann::json& c) {
  std::vector<std::string> names;
  for (const auto& spec : c["inputs"]) names.push_back(spec.value("name", ""));
  return names;
}

// Largest |a - b| relative to the reference tensor's largest magnitude (and 1e-3 floor).
double scaled_error(const Tensor& got, const Tensor& want) {
  std::vector<double> a = got.to_vector<double>(), b = want.to_vector<double>();
  double scale = 1e-3, err = 0;
  for (double v : b) scale = std::max(scale, std::abs(v));
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(b[i]) && std::isnan(a[i])) continue;
    if (std::isinf(b[i]) && a[i] == b[i]) continue;
    err = std::max(err, std::isnan(a[i] - b[i]) ? INFINITY : std::abs(a[i] - b[i]) / scale);
  }
  return err;
}

const OpInfo& lookup(const std::string& op) {
  auto it = registry().find(op);
  if (it == registry().end()) throw Error("no op named '" + op + "' is registered for testing");
  return it->second;
}

TensorList float_outputs(const TensorList& outs) {
  TensorList r;
  for (const Tensor& t : outs)
    if (t.defined() && t.is_floating_point()) r.push_back(t);
  return r;
}

// The op's float32 tolerance, or the case's own where one is registered (TG_CASE_RTOL).
double tolerance(const OpInfo& info, const nlohmann::json& c) {
  auto it = case_rtol().find(c["id"].get<std::string>());
  return it == case_rtol().end() ? info.rtol : it->second;
}

void check_vs_pytorch(Family& fam, const nlohmann::json& c) {
  const OpInfo& info = lookup(c["op"]);
  const double rtol = tolerance(info, c);
  TensorList in = make_inputs(fam, c, kFloat32);
  TensorList outs = call_op(info, in, input_names(c), c["args"]);
  ASSERT_EQ(outs.size(), c["outputs"].size()) << "number of outputs";
  // Inputs the op updates in place (batch_norm's running statistics) against their values
  // after PyTorch's call.
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto& spec = c["inputs"][i];
    if (!spec.contains("after") || spec["after"].is_null()) continue;
    const Tensor& want = fam.get(spec["after"]);
    ASSERT_EQ(in[i].shape(), want.shape()) << "input " << i << " after the call: shape";
    EXPECT_LE(scaled_error(in[i], want), rtol)
        << "input " << i << " (" << spec.value("name", "") << ") after the call differs from "
        << "PyTorch";
  }
  TensorList used, gouts;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    const Tensor& want = fam.get(c["outputs"][k]);
    ASSERT_EQ(outs[k].shape(), want.shape()) << "output " << k << " shape";
    if (want.is_floating_point()) {
      ASSERT_EQ(outs[k].dtype(), kFloat32) << "output " << k << " dtype";
      const double err = scaled_error(outs[k], want);
      EXPECT_LE(err, rtol) << "output " << k << " differs from PyTorch";
    } else {
      EXPECT_TRUE(equal(outs[k].to(want.dtype()), want)) << "integer output " << k;
    }
    const auto& gkey = c["grad_outputs"][k];
    if (!gkey.is_null() && outs[k].requires_grad()) {
      used.push_back(outs[k]);
      gouts.push_back(fam.get(gkey));
    }
  }
  TensorList wrt;
  std::vector<std::size_t> wrt_index;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i].requires_grad()) {
      wrt.push_back(in[i]);
      wrt_index.push_back(i);
    }
  }
  if (wrt.empty() || used.empty()) return;
  TensorList grads = autograd::grad(used, wrt, gouts, false, false, /*allow_unused=*/true);
  for (std::size_t j = 0; j < wrt.size(); ++j) {
    const auto& key = c["grads"][wrt_index[j]];
    if (key.is_null()) continue;
    const Tensor& want = fam.get(key);
    Tensor got = grads[j].defined() ? grads[j] : zeros_like(wrt[j]);
    ASSERT_EQ(got.shape(), want.shape()) << "grad of input " << wrt_index[j];
    EXPECT_LE(scaled_error(got, want), rtol) << "grad of input " << wrt_index[j]
                                                  << " differs from PyTorch";
  }
}

void check_gradcheck(Family& fam, const nlohmann::json& c, bool second_order) {
  const OpInfo& info = lookup(c["op"]);
  TensorList in = make_inputs(fam, c, kFloat64);
  nlohmann::json args = c["args"];
  const std::vector<std::string> names = input_names(c);
  autograd::MultiOutputFn fn = [&info, args, names](const TensorList& x) {
    return float_outputs(call_op(info, x, names, args));
  };
  autograd::GradcheckOptions opt;
  opt.atol = info.gradcheck_atol;
  opt.rtol = info.gradcheck_rtol;
  auto r = second_order ? gradgradcheck(fn, in, opt) : gradcheck(fn, in, opt);
  EXPECT_TRUE(r) << r;
}

std::vector<uint8_t> bytes_of(const TensorList& ts) {
  std::vector<uint8_t> b;
  for (const Tensor& t : ts) {
    if (!t.defined()) continue;
    Tensor c = t.detach().contiguous();
    const uint8_t* p = static_cast<const uint8_t*>(c.raw_data());
    b.insert(b.end(), p, p + c.numel() * itemsize(c.dtype()));
  }
  return b;
}

void check_threads(Family& fam, const nlohmann::json& c) {
  const OpInfo& info = lookup(c["op"]);
  auto run = [&](int threads) {
    set_num_threads(threads);
    TensorList in = make_inputs(fam, c, kFloat32);
    TensorList outs = call_op(info, in, input_names(c), c["args"]);
    TensorList result = outs;
    for (std::size_t i = 0; i < in.size(); ++i)  // inputs updated in place
      if (c["inputs"][i].contains("after")) result.push_back(in[i]);
    TensorList used, gouts, wrt;
    for (std::size_t k = 0; k < outs.size(); ++k)
      if (outs[k].requires_grad()) {
        used.push_back(outs[k]);
        gouts.push_back(ones_like(outs[k]));
      }
    for (const Tensor& t : in)
      if (t.requires_grad()) wrt.push_back(t);
    if (!used.empty() && !wrt.empty()) {
      TensorList g = autograd::grad(used, wrt, gouts, false, false, true);
      result.insert(result.end(), g.begin(), g.end());
    }
    return bytes_of(result);
  };
  std::vector<uint8_t> one = run(1), two = run(2);
  set_num_threads(2);
  EXPECT_TRUE(one == two) << "results differ between 1 and 2 threads";
}

class CaseTest : public ::testing::Test {
 public:
  CaseTest(std::shared_ptr<Family> fam, nlohmann::json c, int kind)
      : fam_(std::move(fam)), case_(std::move(c)), kind_(kind) {}
  void TestBody() override {
    switch (kind_) {
      case 0: check_vs_pytorch(*fam_, case_); break;
      case 1: check_gradcheck(*fam_, case_, false); break;
      case 2: check_gradcheck(*fam_, case_, true); break;
      case 3: check_threads(*fam_, case_); break;
    }
  }

 private:
  std::shared_ptr<Family> fam_;
  nlohmann::json case_;
  int kind_;
};

std::string test_name(const std::string& id) {
  std::string s = id;
  for (char& ch : s)
    if (ch == '/' || ch == '-' || ch == '.') ch = '_';
  return s;
}

// Registers one gtest per (case, check) when the test binary starts.
struct RegisterFixtureCases {
  RegisterFixtureCases() {
    namespace fs = std::filesystem;
    if (!fs::exists(fixtures_dir())) return;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(fixtures_dir()))
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      auto fam = std::make_shared<Family>();
      fam->name = path.stem().string();
      std::ifstream f(path);
      fam->manifest = nlohmann::json::parse(f);
      const std::string suite = "Fixture_" + fam->name;
      for (const auto& c : fam->manifest["cases"]) {
        const std::string base = test_name(c["id"]);
        const char* kinds[] = {"vs_pytorch", "gradcheck", "gradgradcheck", "threads"};
        for (int kind = 0; kind < 4; ++kind) {
          if (kind == 1 && !c.value("gradcheck", true)) continue;
          if (kind == 2 && !c.value("gradgradcheck", true)) continue;
          const std::string name = base + "_" + kinds[kind];
          ::testing::RegisterTest(suite.c_str(), name.c_str(), nullptr, nullptr, __FILE__,
                                  __LINE__, [fam, c, kind]() -> ::testing::Test* {
                                    return new CaseTest(fam, c, kind);
                                  });
        }
      }
    }
  }
};
RegisterFixtureCases register_fixture_cases;

}  // namespace
}  // namespace tg::testing
