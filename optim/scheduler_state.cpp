#include "optim/scheduler_state.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "autograd/error.h"

namespace tg::optim {

namespace {

nlohmann::json number_to_json(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

double number_from_json(const nlohmann::json& j, const std::string& key) {
  if (j.is_number()) return j.get<double>();
  if (j.is_boolean()) return j.get<bool>() ? 1.0 : 0.0;
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "inf") return INFINITY;
    if (s == "-inf") return -INFINITY;
    if (s == "nan") return NAN;
  }
  throw Error(format_message("scheduler state: '", key, "' is not a number"));
}

nlohmann::json to_json_value(const SchedulerStateDict& d) {
  nlohmann::json j = nlohmann::json::object();
  j["scheduler"] = d.scheduler;
  for (const auto& [key, value] : d.numbers) j["numbers"][key] = number_to_json(value);
  for (const auto& [key, values] : d.lists) {
    nlohmann::json list = nlohmann::json::array();
    for (double v : values) list.push_back(number_to_json(v));
    j["lists"][key] = std::move(list);
  }
  for (const auto& [key, value] : d.strings) j["strings"][key] = value;
  if (!d.schedulers.empty()) {
    j["schedulers"] = nlohmann::json::array();
    for (const auto& s : d.schedulers) j["schedulers"].push_back(to_json_value(s));
  }
  return j;
}

SchedulerStateDict from_json_value(const nlohmann::json& j) {
  TG_CHECK(j.is_object() && j.contains("scheduler") && j["scheduler"].is_string(),
           "scheduler state: expected an object with a 'scheduler' name");
  SchedulerStateDict d;
  d.scheduler = j["scheduler"].get<std::string>();
  auto section = [&](const char* name) -> const nlohmann::json* {
    if (!j.contains(name)) return nullptr;
    TG_CHECK(j[name].is_object() || (std::string(name) == "schedulers" && j[name].is_array()),
             "scheduler state: '", name, "' has the wrong type");
    return &j[name];
  };
  if (const auto* numbers = section("numbers"))
    for (const auto& [key, value] : numbers->items()) d.numbers[key] = number_from_json(value, key);
  if (const auto* lists = section("lists")) {
    for (const auto& [key, value] : lists->items()) {
      TG_CHECK(value.is_array(), "scheduler state: '", key, "' is not a list");
      auto& out = d.lists[key];
      for (const auto& v : value) out.push_back(number_from_json(v, key));
    }
  }
  if (const auto* strings = section("strings")) {
    for (const auto& [key, value] : strings->items()) {
      TG_CHECK(value.is_string(), "scheduler state: '", key, "' is not a string");
      d.strings[key] = value.get<std::string>();
    }
  }
  if (const auto* children = section("schedulers"))
    for (const auto& child : *children) d.schedulers.push_back(from_json_value(child));
  return d;
}

}  // namespace

std::string SchedulerStateDict::to_json() const { return to_json_value(*this).dump(); }

SchedulerStateDict SchedulerStateDict::from_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw Error(format_message("scheduler state: not valid JSON: ", e.what()));
  }
  return from_json_value(j);
}

// ---------------------------------------------------------------- SchedulerStateIO
SchedulerStateIO::SchedulerStateIO(SchedulerStateDict& dict, bool loading, std::size_t groups)
    : dict_(dict), loading_(loading), groups_(groups) {}

double SchedulerStateIO::number(const char* key) const {
  auto it = dict_.numbers.find(key);
  TG_CHECK(it != dict_.numbers.end(), dict_.scheduler, ".load_state_dict: the state has no '",
           key, "'");
  return it->second;
}

void SchedulerStateIO::field(const char* key, double& value) {
  if (loading_) {
    value = number(key);
  } else {
    dict_.numbers[key] = value;
  }
}

void SchedulerStateIO::field(const char* key, int64_t& value) {
  if (!loading_) {
    dict_.numbers[key] = static_cast<double>(value);
    return;
  }
  const double v = number(key);
  TG_CHECK(std::isfinite(v) && std::floor(v) == v && std::fabs(v) <= 9007199254740992.0,
           dict_.scheduler, ".load_state_dict: '", key, "' must be an integer, got ", v);
  value = static_cast<int64_t>(v);
}

void SchedulerStateIO::field(const char* key, bool& value) {
  if (!loading_) {
    dict_.numbers[key] = value ? 1.0 : 0.0;
    return;
  }
  const double v = number(key);
  TG_CHECK(v == 0.0 || v == 1.0, dict_.scheduler, ".load_state_dict: '", key,
           "' must be a bool (0 or 1), got ", v);
  value = v == 1.0;
}

void SchedulerStateIO::field(const char* key, std::string& value) {
  if (!loading_) {
    dict_.strings[key] = value;
    return;
  }
  auto it = dict_.strings.find(key);
  TG_CHECK(it != dict_.strings.end(), dict_.scheduler, ".load_state_dict: the state has no '",
           key, "'");
  value = it->second;
}

void SchedulerStateIO::field(const char* key, std::vector<double>& value, bool per_group) {
  if (!loading_) {
    dict_.lists[key] = value;
    return;
  }
  auto it = dict_.lists.find(key);
  TG_CHECK(it != dict_.lists.end(), dict_.scheduler, ".load_state_dict: the state has no '",
           key, "'");
  TG_CHECK(!per_group || it->second.size() == groups_, dict_.scheduler, ".load_state_dict: '",
           key, "' has ", it->second.size(), " values, the optimizer has ", groups_,
           " parameter groups");
  value = it->second;
}

void SchedulerStateIO::field(const char* key, std::vector<int64_t>& value) {
  if (!loading_) {
    auto& out = dict_.lists[key];
    out.clear();
    for (int64_t v : value) out.push_back(static_cast<double>(v));
    return;
  }
  std::vector<double> values;
  field(key, values, /*per_group=*/false);
  std::vector<int64_t> out;
  for (double v : values) {
    TG_CHECK(std::isfinite(v) && std::floor(v) == v && std::fabs(v) <= 9007199254740992.0,
             dict_.scheduler, ".load_state_dict: '", key, "' must hold integers, got ", v);
    out.push_back(static_cast<int64_t>(v));
  }
  value = std::move(out);
}

SchedulerStateDict state_dict_by_visit(const std::string& name, std::size_t groups,
                                       const std::function<void(SchedulerStateIO&)>& visit) {
  SchedulerStateDict state;
  state.scheduler = name;
  SchedulerStateIO io(state, /*loading=*/false, groups);
  visit(io);
  return state;
}

void load_state_dict_by_visit(const std::string& name, const SchedulerStateDict& state,
                              const SchedulerStateDict& backup, std::size_t groups,
                              const std::function<void(SchedulerStateIO&)>& visit,
                              const std::function<void()>& check) {
  TG_CHECK(state.scheduler == name, name, ".load_state_dict: the state is a ", state.scheduler,
           "'s");
  SchedulerStateDict incoming = state;
  try {
    SchedulerStateIO io(incoming, /*loading=*/true, groups);
    visit(io);
    check();
  } catch (...) {
    SchedulerStateDict restore = backup;
    SchedulerStateIO io(restore, /*loading=*/true, groups);
    visit(io);
    throw;
  }
}

}  // namespace tg::optim
