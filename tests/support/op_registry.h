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
// Ops with optional tensor inputs (any of which may be absent) take them keyed by PyTorch's
// parameter name, the fixture's "name", so a missing input cannot shift the later ones.
using NamedInputs = std::map<std::string, Tensor>;
using NamedOpFn = std::function<TensorList(const NamedInputs& inputs, const Args& args)>;

struct OpInfo {
  OpFn fn;             // positional form (TG_OP)
  NamedOpFn named_fn;  // by-name form (TG_NAMED_OP), set instead of fn
  double rtol = 1e-5;   // float32 comparison with PyTorch, relative to the tensor's scale
  double gradcheck_atol = 1e-5;
  double gradcheck_rtol = 1e-3;
};

std::map<std::string, OpInfo>& registry();

struct Register {
  Register(const std::string& name, OpFn fn, double rtol = 1e-5);
};
struct RegisterNamed {
  RegisterNamed(const std::string& name, NamedOpFn fn, double rtol = 1e-5);
};

// A looser float32 tolerance for one fixture case (by id, e.g. "group_norm/005"), for cases
// whose PyTorch values are rounding noise; the float64 gradchecks still run. Say why at the
// call site.
std::map<std::string, double>& case_rtol();
struct CaseTolerance {
  CaseTolerance(const std::string& case_id, double rtol);
};

// Runs a registered op on a case's inputs; `names` are the inputs' PyTorch parameter names
// (used by TG_NAMED_OP registrations, ignored by positional ones).
TensorList call_op(const OpInfo& info, const TensorList& inputs,
                   const std::vector<std::string>& names, const Args& args);

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
// The input named `name`, or an undefined tensor when the case left it out.
Tensor named_or_none(const NamedInputs& inputs, const std::string& name);

}  // namespace tg::testing

#define TG_CONCAT_INNER(a, b) a##b
#define TG_CONCAT(a, b) TG_CONCAT_INNER(a, b)
// TG_OP("add", [](const TensorList& in, const Args& a) -> TensorList { ... });
#define TG_OP(...) static ::tg::testing::Register TG_CONCAT(tg_op_registration_, __LINE__)(__VA_ARGS__)
// TG_CASE_RTOL("group_norm/005", 5e-2);  // why PyTorch's values are noise here
#define TG_CASE_RTOL(...) \
  static ::tg::testing::CaseTolerance TG_CONCAT(tg_case_rtol_, __LINE__)(__VA_ARGS__)
// TG_NAMED_OP("batch_norm", [](const NamedInputs& in, const Args& a) -> TensorList { ... });
#define TG_NAMED_OP(...) \
  static ::tg::testing::RegisterNamed TG_CONCAT(tg_named_op_registration_, __LINE__)(__VA_ARGS__)
