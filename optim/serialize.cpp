#include "optim/serialize.h"

#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "data/atomic_file.h"
#include "data/tensor_io.h"
#include "optim/lr_scheduler.h"

namespace tg {
namespace optim {

namespace {

constexpr const char* kFormat = "tapegrad.optimizer";
constexpr const char* kSchedulerFormat = "tapegrad.lr_scheduler";

[[noreturn]] void bad_file(const std::string& path, const std::string& what) {
  throw Error(format_message("load(optimizer): '", path, "': ", what));
}

}  // namespace

SavedOptimizer read_optimizer_file(const std::string& path) {
  io::LoadedTensors file;
  try {
    file = io::load_safetensors(path);
  } catch (const FileError& e) {
    bad_file(path, e.what());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    bad_file(path, e.what());
  }
  auto meta = [&](const char* key) -> const std::string& {
    auto it = file.metadata.find(key);
    if (it == file.metadata.end())
      bad_file(path, format_message("not a saved optimizer (no '", key, "' in its metadata)"));
    return it->second;
  };
  if (meta("format") != kFormat)
    bad_file(path, format_message("not a saved optimizer (format '", meta("format"), "')"));
  SavedOptimizer out;
  out.optimizer = meta("optimizer");
  nlohmann::json groups;
  try {
    groups = nlohmann::json::parse(meta("param_groups"));
  } catch (const std::exception& e) {
    bad_file(path, format_message("param_groups is not valid JSON: ", e.what()));
  }
  if (!groups.is_array()) bad_file(path, "param_groups is not a JSON array");
  for (const auto& g : groups) {
    if (!g.is_object() || !g.contains("params") || !g["params"].is_array())
      bad_file(path, "a parameter group without a 'params' list");
    OptimizerStateDict::Group group;
    std::optional<double> initial_lr;
    for (const auto& [key, value] : g.items()) {
      if (key == "params") {
        for (const auto& index : value) {
          if (!index.is_number_integer()) bad_file(path, "a parameter index is not an integer");
          group.params.push_back(index.get<int64_t>());
        }
      } else if (!value.is_number()) {
        bad_file(path, format_message("option '", key, "' is not a number"));
      } else if (key == "initial_lr") {
        initial_lr = value.get<double>();
      } else {
        group.options[key] = value.get<double>();
      }
    }
    out.state.param_groups.push_back(std::move(group));
    out.initial_lrs.push_back(initial_lr);
  }
  for (auto& [name, tensor] : file.tensors) {
    // "state.<index>.<key>"; the key may itself hold dots (LBFGS's "old_dirs.3").
    const std::size_t first = name.find('.');
    const std::size_t second = first == std::string::npos ? first : name.find('.', first + 1);
    if (name.compare(0, first, "state") != 0 || second == std::string::npos)
      bad_file(path, format_message("unexpected tensor '", name, "'"));
    const std::string digits = name.substr(first + 1, second - first - 1);
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      bad_file(path, format_message("bad parameter index in '", name, "'"));
    out.state.state[std::stoll(digits)][name.substr(second + 1)] = std::move(tensor);
  }
  return out;
}

}  // namespace optim

void save(const optim::Optimizer& optimizer, const std::string& path) {
  const optim::OptimizerStateDict state = optimizer.state_dict();
  nlohmann::json groups = nlohmann::json::array();
  for (std::size_t g = 0; g < state.param_groups.size(); ++g) {
    nlohmann::json group = nlohmann::json::object();
    group["params"] = state.param_groups[g].params;
    for (const auto& [key, value] : state.param_groups[g].options) group[key] = value;
    const auto& initial_lr = optimizer.param_groups()[g].initial_lr();
    if (initial_lr) group["initial_lr"] = *initial_lr;
    groups.push_back(std::move(group));
  }
  io::NamedTensors tensors;
  for (const auto& [index, values] : state.state)
    for (const auto& [key, value] : values)
      tensors.emplace_back("state." + std::to_string(index) + "." + key, value);
  // save_safetensors writes a fresh temporary file beside `path`, syncs it, renames it over
  // `path` and syncs the directory (data/atomic_file.h): never a half-written file.
  try {
    io::save_safetensors(path, tensors,
                         {{"format", optim::kFormat},
                          {"optimizer", optimizer.name()},
                          {"param_groups", groups.dump()}});
  } catch (const FileError& e) {
    throw Error(format_message("save(optimizer): '", path, "': ", e.what()));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(format_message("save(optimizer): '", path, "': ", e.what()));
  }
}

void load(optim::Optimizer& optimizer, const std::string& path) {
  optim::SavedOptimizer saved = optim::read_optimizer_file(path);
  TG_CHECK(saved.optimizer == optimizer.name(), "load(optimizer): '", path, "' holds the state "
           "of a ", saved.optimizer, " optimizer, this one is ", optimizer.name());
  try {
    optimizer.load_state_dict(saved.state);
  } catch (const Error& e) {
    throw Error(format_message("load(optimizer): '", path, "': ", e.what()));
  }
  // Cannot fail: the group count was checked by load_state_dict.
  for (std::size_t g = 0; g < saved.initial_lrs.size(); ++g)
    if (saved.initial_lrs[g]) optimizer.param_groups()[g].set_initial_lr(*saved.initial_lrs[g]);
}

namespace {

void save_scheduler_state(const optim::SchedulerStateDict& state, const std::string& path) {
  const std::string text =
      std::string("{\"format\": \"") + optim::kSchedulerFormat + "\", \"state\": " +
      state.to_json() + "}\n";
  try {
    io::write_file_atomic(path, text, "save(scheduler)");
  } catch (const FileError& e) {
    throw Error(format_message("save(scheduler): '", path, "': ", e.what()));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(format_message("save(scheduler): '", path, "': ", e.what()));
  }
}

optim::SchedulerStateDict load_scheduler_state(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TG_CHECK(in.good(), "load(scheduler): cannot open '", path, "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(buffer.str());
  } catch (const std::exception& e) {
    throw Error(format_message("load(scheduler): '", path, "' is not a saved scheduler (",
                               e.what(), ")"));
  }
  TG_CHECK(j.is_object() && j.contains("format") && j["format"] == optim::kSchedulerFormat &&
               j.contains("state"),
           "load(scheduler): '", path, "' is not a saved scheduler");
  try {
    return optim::SchedulerStateDict::from_json(j["state"].dump());
  } catch (const Error& e) {
    throw Error(format_message("load(scheduler): '", path, "': ", e.what()));
  }
}

template <class Scheduler>
void load_scheduler(Scheduler& scheduler, const std::string& path) {
  const optim::SchedulerStateDict state = load_scheduler_state(path);
  try {
    scheduler.load_state_dict(state);
  } catch (const Error& e) {
    throw Error(format_message("load(scheduler): '", path, "': ", e.what()));
  }
}

}  // namespace

void save(const optim::LRScheduler& scheduler, const std::string& path) {
  save_scheduler_state(scheduler.state_dict(), path);
}

void load(optim::LRScheduler& scheduler, const std::string& path) {
  load_scheduler(scheduler, path);
}

void save(const optim::ReduceLROnPlateau& scheduler, const std::string& path) {
  save_scheduler_state(scheduler.state_dict(), path);
}

void load(optim::ReduceLROnPlateau& scheduler, const std::string& path) {
  load_scheduler(scheduler, path);
}

}  // namespace tg
