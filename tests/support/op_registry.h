// The op-test registry: each op under test is registered once (its PyTorch name and a
// call that maps the fixture's JSON arguments onto tapegrad's API). The fixture harness
// runs every case of tests/reference/fixtures/*.json through it: forward and gradients
// against PyTorch in float32, gradcheck and gradgradcheck in float64.
#pragma once
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tapegrad.h"

namespace tg::testing {

using Args = nlohmann::json;
using OpFn = std::function<TensorList(const TensorList& inputs, const Args& args)>;

struct OpInfo {
  OpFn fn;
  double rtol = 1e-5;   // float32 comparison with PyTorch, relative to the tensor's scale
  double gradcheck_atol = 1e-5;
  double gradcheck_rtol = 1e-3;
};

std::map<std::string, OpInfo>& registry();

struct Register {
  Register(const std::string& name, OpFn fn, double rtol = 1e-5);
};

// Argument helpers: PyTorch accepts an int or a list for most size-like options.
std::vector<int64_t> int_list(const Args& args, const char* key, std::size_t n,
                              std::vector<int64_t> fallback);
int64_t int_arg(const Args& args, const char* key, int64_t fallback);
double float_arg(const Args& args, const char* key, double fallback);
bool bool_arg(const Args& args, const char* key, bool fallback);
std::string str_arg(const Args& args, const char* key, const std::string& fallback);
bool has(const Args& args, const char* key);
std::optional<double> opt_float(const Args& args, const char* key);
// The tensor input named `name` in PyTorch's signature, if the case supplied it.
Tensor input_or_none(const TensorList& inputs, std::size_t index);

}  // namespace tg::testing

#define TG_CONCAT_INNER(a, b) a##b
#define TG_CONCAT(a, b) TG_CONCAT_INNER(a, b)
// TG_OP("add", [](const TensorList& in, const Args& a) -> TensorList { ... });
#define TG_OP(...) static ::tg::testing::Register TG_CONCAT(tg_op_registration_, __LINE__)(__VA_ARGS__)
