// Shared access to tests/reference/fixtures_optim (written by make_optim_fixtures.py) and
// a factory that builds an optimizer from a case's PyTorch-named options.
#pragma once
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "optim/optim.h"
#include "support/fixtures.h"

namespace tg::testing {

inline std::string optim_fixtures_dir() {
  return std::string(TAPEGRAD_SOURCE_DIR) + "/tests/reference/fixtures_optim";
}

inline const nlohmann::json& optim_manifest() {
  static const nlohmann::json manifest = [] {
    std::ifstream f(optim_fixtures_dir() + "/optim.json");
    TG_CHECK(f.good(), "cannot open ", optim_fixtures_dir(), "/optim.json");
    return nlohmann::json::parse(f);
  }();
  return manifest;
}

inline const std::map<std::string, Tensor>& optim_tensors() {
  static const std::map<std::string, Tensor> tensors =
      load_safetensors_tensors(optim_fixtures_dir() + "/optim.safetensors");
  return tensors;
}

inline const Tensor& optim_tensor(const std::string& key) {
  auto it = optim_tensors().find(key);
  TG_CHECK(it != optim_tensors().end(), "optim fixture has no tensor '", key, "'");
  return it->second;
}

inline const nlohmann::json& optim_case(const std::string& section, const std::string& name) {
  for (const auto& c : optim_manifest()[section])
    if (c["name"] == name) return c;
  throw Error("optim fixture has no case " + section + "/" + name);
}

// Options of one group: the case's defaults overridden by the group's own entries.
inline std::unique_ptr<optim::OptimizerOptions> make_options(const std::string& kind,
                                                             const nlohmann::json& o) {
  auto num = [&](const char* key, double fallback) {
    return o.contains(key) ? o[key].get<double>() : fallback;
  };
  auto flag = [&](const char* key) { return o.contains(key) && o[key].get<bool>(); };
  auto betas = [&] {
    return o.contains("betas") ? std::make_tuple(o["betas"][0].get<double>(),
                                                 o["betas"][1].get<double>())
                               : std::make_tuple(0.9, 0.999);
  };
  if (kind == "sgd")
    return std::make_unique<optim::SGDOptions>(optim::SGDOptions(num("lr", 0))
                                                   .momentum(num("momentum", 0))
                                                   .dampening(num("dampening", 0))
                                                   .weight_decay(num("weight_decay", 0))
                                                   .nesterov(flag("nesterov")));
  if (kind == "adam")
    return std::make_unique<optim::AdamOptions>(optim::AdamOptions(num("lr", 1e-3))
                                                    .betas(betas())
                                                    .eps(num("eps", 1e-8))
                                                    .weight_decay(num("weight_decay", 0))
                                                    .amsgrad(flag("amsgrad")));
  if (kind == "adamw")
    return std::make_unique<optim::AdamWOptions>(optim::AdamWOptions(num("lr", 1e-3))
                                                     .betas(betas())
                                                     .eps(num("eps", 1e-8))
                                                     .weight_decay(num("weight_decay", 1e-2))
                                                     .amsgrad(flag("amsgrad")));
  if (kind == "rmsprop")
    return std::make_unique<optim::RMSpropOptions>(optim::RMSpropOptions(num("lr", 1e-2))
                                                       .alpha(num("alpha", 0.99))
                                                       .eps(num("eps", 1e-8))
                                                       .weight_decay(num("weight_decay", 0))
                                                       .momentum(num("momentum", 0))
                                                       .centered(flag("centered")));
  if (kind == "adagrad")
    return std::make_unique<optim::AdagradOptions>(
        optim::AdagradOptions(num("lr", 1e-2))
            .lr_decay(num("lr_decay", 0))
            .weight_decay(num("weight_decay", 0))
            .initial_accumulator_value(num("initial_accumulator_value", 0))
            .eps(num("eps", 1e-10)));
  if (kind == "nadam")
    return std::make_unique<optim::NAdamOptions>(optim::NAdamOptions(num("lr", 2e-3))
                                                     .betas(betas())
                                                     .eps(num("eps", 1e-8))
                                                     .weight_decay(num("weight_decay", 0))
                                                     .momentum_decay(num("momentum_decay", 4e-3)));
  if (kind == "radam")
    return std::make_unique<optim::RAdamOptions>(optim::RAdamOptions(num("lr", 1e-3))
                                                     .betas(betas())
                                                     .eps(num("eps", 1e-8))
                                                     .weight_decay(num("weight_decay", 0)));
  if (kind == "adamax")
    return std::make_unique<optim::AdamaxOptions>(optim::AdamaxOptions(num("lr", 2e-3))
                                                      .betas(betas())
                                                      .eps(num("eps", 1e-8))
                                                      .weight_decay(num("weight_decay", 0)));
  if (kind == "adadelta")
    return std::make_unique<optim::AdadeltaOptions>(optim::AdadeltaOptions(num("lr", 1.0))
                                                        .rho(num("rho", 0.9))
                                                        .eps(num("eps", 1e-6))
                                                        .weight_decay(num("weight_decay", 0)));
  throw Error("unknown optimizer " + kind);
}

inline std::unique_ptr<optim::Optimizer> make_optimizer(
    const std::string& kind, const nlohmann::json& options,
    std::vector<optim::OptimizerParamGroup> groups) {
  auto defaults = make_options(kind, options);
  if (kind == "sgd")
    return std::make_unique<optim::SGD>(groups, static_cast<optim::SGDOptions&>(*defaults));
  if (kind == "adam")
    return std::make_unique<optim::Adam>(groups, static_cast<optim::AdamOptions&>(*defaults));
  if (kind == "adamw")
    return std::make_unique<optim::AdamW>(groups, static_cast<optim::AdamWOptions&>(*defaults));
  if (kind == "rmsprop")
    return std::make_unique<optim::RMSprop>(groups,
                                            static_cast<optim::RMSpropOptions&>(*defaults));
  if (kind == "nadam")
    return std::make_unique<optim::NAdam>(groups, static_cast<optim::NAdamOptions&>(*defaults));
  if (kind == "radam")
    return std::make_unique<optim::RAdam>(groups, static_cast<optim::RAdamOptions&>(*defaults));
  if (kind == "adamax")
    return std::make_unique<optim::Adamax>(groups, static_cast<optim::AdamaxOptions&>(*defaults));
  if (kind == "adadelta")
    return std::make_unique<optim::Adadelta>(groups,
                                             static_cast<optim::AdadeltaOptions&>(*defaults));
  return std::make_unique<optim::Adagrad>(groups, static_cast<optim::AdagradOptions&>(*defaults));
}

// The groups of a case: one group of all params, or the case's groups with merged options.
inline std::vector<optim::OptimizerParamGroup> make_groups(const nlohmann::json& c,
                                                           const std::vector<Tensor>& params) {
  std::vector<optim::OptimizerParamGroup> groups;
  if (c["groups"].is_null()) {
    groups.emplace_back(params);
    return groups;
  }
  for (const auto& g : c["groups"]) {
    std::vector<Tensor> ps;
    for (const auto& i : g["params"]) ps.push_back(params[i.get<int>()]);
    if (g.contains("options")) {
      nlohmann::json merged = c["options"];
      for (auto& [key, value] : g["options"].items()) merged[key] = value;
      groups.emplace_back(ps, make_options(c["optimizer"], merged));
    } else {
      groups.emplace_back(ps);
    }
  }
  return groups;
}

}  // namespace tg::testing
