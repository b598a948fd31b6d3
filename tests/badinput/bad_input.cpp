#include "badinput/bad_input.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

namespace tg::badinput {
namespace {

const nlohmann::json& fixture() {
  static const nlohmann::json j = [] {
    std::ifstream f(std::string(TAPEGRAD_SOURCE_DIR) +
                    "/tests/badinput/fixtures/torch_results.json");
    TG_CHECK(f.good(), "badinput: cannot open fixtures/torch_results.json");
    return nlohmann::json::parse(f);
  }();
  return j;
}

double value_of(const nlohmann::json& v) {
  if (v.is_string()) {
    const std::string s = v;
    if (s == "nan") return std::nan("");
    return s == "inf" ? HUGE_VAL : -HUGE_VAL;
  }
  return v.get<double>();
}

// "" when t equals the fixture's tensor (same shape, dtype and values; NaN equals NaN).
std::string compare(const Tensor& t, const std::string& key) {
  const auto& j = fixture();
  if (!j.contains(key)) return "no fixture entry " + key;
  const auto& e = j.at(key);
  if (!t.defined()) return "the result is undefined";
  const auto shape = e.at("shape").get<std::vector<int64_t>>();
  if (IntArrayRef(t.shape()) != IntArrayRef(shape))
    return format_message("shape ", t.shape(), ", PyTorch ", IntArrayRef(shape));
  const std::string dt = e.at("dtype");
  if (dt != dtype_name(t.dtype())) return format_message("dtype ", t.dtype(), ", PyTorch ", dt);
  const auto got = t.contiguous().to(kFloat64).to_vector<double>();
  const auto& want = e.at("values");
  const double tol = t.dtype() == kFloat32 ? 1e-5 : 1e-12;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double w = value_of(want.at(i)), g = got[i];
    const bool same = (std::isnan(w) && std::isnan(g)) || w == g ||
                      (std::isfinite(w) && std::abs(g - w) <= tol * (1 + std::abs(w)));
    if (!same) return format_message("element ", i, " is ", g, ", PyTorch ", w);
  }
  return "";
}

struct Tally {
  std::map<std::string, int> good_message, torch_equal, fixed;
  ~Tally() {
    int m = 0, t = 0, f = 0;
    for (auto& [k, v] : good_message) m += v;
    for (auto& [k, v] : torch_equal) t += v;
    for (auto& [k, v] : fixed) f += v;
    if (m + t > 0)
      std::printf("[bad input] %d rows: %d throw tg::Error naming op and shapes, %d equal "
                  "PyTorch's result; %d of them needed a fix\n", m + t, m, t, f);
  }
};
Tally tally;

}  // namespace

Row throws(std::string op, std::string what, std::function<Tensor()> call,
           std::vector<std::string> needles) {
  Row r;
  r.op = std::move(op);
  r.what = std::move(what);
  r.call = std::move(call);
  r.expect = Expect::Throws;
  r.needles = std::move(needles);
  return r;
}

Row torch(std::string op, std::string key, std::function<Tensor()> call) {
  Row r;
  r.op = std::move(op);
  r.what = key;
  r.call = std::move(call);
  r.expect = Expect::Torch;
  r.key = std::move(key);
  return r;
}

void run_table(const std::string& family, const std::vector<Row>& rows) {
  int passed = 0;
  for (const Row& r : rows) {
    SCOPED_TRACE(family + ": " + r.op + " (" + r.what + ")");
    std::string failure;
    try {
      Tensor result = r.call();
      if (r.expect == Expect::Throws) {
        failure = "no tg::Error was thrown";
      } else {
        failure = compare(result, r.key);
      }
    } catch (const Error& e) {
      const std::string msg = e.what();
      if (r.expect == Expect::Torch) {
        failure = "threw where PyTorch returns a result: " + msg;
      } else {
        std::vector<std::string> want{r.op};
        want.insert(want.end(), r.needles.begin(), r.needles.end());
        for (const auto& n : want)
          if (msg.find(n) == std::string::npos) failure += "message lacks '" + n + "'; ";
        if (!failure.empty()) failure += "message: " + msg;
      }
    } catch (const std::exception& e) {
      failure = std::string("threw a non-tg::Error exception: ") + e.what();
    }
    if (failure.empty()) {
      ++passed;
      auto& count = r.expect == Expect::Throws ? tally.good_message : tally.torch_equal;
      ++count[family];
      if (r.fixed) ++tally.fixed[family];
    } else {
      ADD_FAILURE() << failure;
    }
  }
  EXPECT_EQ(passed, static_cast<int>(rows.size())) << family;
}

Tensor seq(IntArrayRef shape, DType dtype) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return arange(n).to(dtype).reshape(shape);
}

Tensor vals(const std::vector<double>& v, IntArrayRef shape, DType dtype) {
  Tensor t = tensor(v).to(dtype);  // 1-D unless a shape is given, as torch.tensor(list)
  return t.reshape(shape.size() ? shape : IntArrayRef({static_cast<int64_t>(v.size())}));
}

}  // namespace tg::badinput
