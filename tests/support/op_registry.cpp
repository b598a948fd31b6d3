#include "support/op_registry.h"

namespace tg::testing {

std::map<std::string, OpInfo>& registry() {
  static std::map<std::string, OpInfo> ops;
  return ops;
}

Register::Register(const std::string& name, OpFn fn, double rtol) {
  OpInfo info;
  info.fn = std::move(fn);
  info.rtol = rtol;
  registry()[name] = std::move(info);
}

RegisterNamed::RegisterNamed(const std::string& name, NamedOpFn fn, double rtol) {
  OpInfo info;
  info.named_fn = std::move(fn);
  info.rtol = rtol;
  registry()[name] = std::move(info);
}

std::map<std::string, double>& case_rtol() {
  static std::map<std::string, double> tolerances;
  return tolerances;
}

CaseTolerance::CaseTolerance(const std::string& case_id, double rtol) {
  case_rtol()[case_id] = rtol;
}

TensorList call_op(const OpInfo& info, const TensorList& inputs,
                   const std::vector<std::string>& names, const Args& args) {
  if (!info.named_fn) return info.fn(inputs, args);
  TG_CHECK(names.size() == inputs.size(), "call_op: ", inputs.size(), " inputs but ",
           names.size(), " names");
  NamedInputs named;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    TG_CHECK(named.count(names[i]) == 0, "call_op: input name '", names[i], "' repeats");
    named[names[i]] = inputs[i];
  }
  return info.named_fn(named, args);
}

Tensor named_or_none(const NamedInputs& inputs, const std::string& name) {
  auto it = inputs.find(name);
  return it == inputs.end() ? Tensor() : it->second;
}

bool has(const Args& args, const char* key) { return args.contains(key) && !args[key].is_null(); }

std::vector<int64_t> int_list(const Args& args, const char* key, std::size_t n,
                              std::vector<int64_t> fallback) {
  if (!has(args, key)) return fallback;
  const auto& v = args[key];
  if (v.is_array()) return v.get<std::vector<int64_t>>();
  return std::vector<int64_t>(n, v.get<int64_t>());
}

int64_t int_arg(const Args& args, const char* key, int64_t fallback) {
  return has(args, key) ? args[key].get<int64_t>() : fallback;
}
double float_arg(const Args& args, const char* key, double fallback) {
  return has(args, key) ? args[key].get<double>() : fallback;
}
bool bool_arg(const Args& args, const char* key, bool fallback) {
  return has(args, key) ? args[key].get<bool>() : fallback;
}
std::string str_arg(const Args& args, const char* key, const std::string& fallback) {
  return has(args, key) ? args[key].get<std::string>() : fallback;
}
std::optional<double> opt_float(const Args& args, const char* key) {
  if (!has(args, key)) return std::nullopt;
  return args[key].get<double>();
}
Tensor input_or_none(const TensorList& inputs, std::size_t index) {
  return index < inputs.size() ? inputs[index] : Tensor();
}

}  // namespace tg::testing
