#include "nn/serialize.h"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>

#include "data/tensor_io.h"

namespace tg::nn {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Runs `body`, turning a file-layer failure into a tg::Error that names `op` and `path`.
template <class F>
auto with_file_context(const char* op, const std::string& path, F&& body) {
  try {
    return body();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(format_message(op, ": '", path, "': ", e.what()));
  }
}

}  // namespace

StateFileFormat state_file_format(const std::string& path) {
  if (ends_with(path, ".safetensors")) return StateFileFormat::Safetensors;
  if (ends_with(path, ".npz")) return StateFileFormat::Npz;
  throw Error(format_message("nn::save/load: cannot tell the file format of '", path,
                             "': the name must end in .safetensors or .npz"));
}

void save_state_dict(const OrderedDict<std::string, Tensor>& state, const std::string& path) {
  const StateFileFormat format = state_file_format(path);
  io::NamedTensors tensors;
  tensors.reserve(state.size());
  for (const auto& item : state) {
    TG_CHECK(item.value().defined(), "nn::save_state_dict: '", item.key(), "' is undefined");
    tensors.emplace_back(item.key(), item.value());
  }
  // The writers go through a temporary file, fsync and a rename (data/atomic_file.h): readers
  // never see a half-written file, and a crash leaves the previous one.
  with_file_context("nn::save_state_dict", path, [&] {
    if (format == StateFileFormat::Safetensors) {
      io::save_safetensors(path, tensors, {{"format", "pt"}});
    } else {
      io::save_npz(path, tensors);
    }
    return 0;
  });
}

OrderedDict<std::string, Tensor> load_state_dict(const std::string& path) {
  const StateFileFormat format = state_file_format(path);
  io::NamedTensors tensors = with_file_context("nn::load_state_dict", path, [&] {
    if (format == StateFileFormat::Safetensors) return io::load_safetensors(path).tensors;
    return io::load_npz(path);
  });
  OrderedDict<std::string, Tensor> state("Tensor");
  for (auto& [name, t] : tensors) {
    TG_CHECK(!state.contains(name), "nn::load_state_dict: '", path, "' holds '", name,
             "' twice");
    state.insert(name, std::move(t));
  }
  return state;
}

void save(const Module& module, const std::string& path) {
  save_state_dict(module.state_dict(), path);
}

void load(Module& module, const std::string& path, bool strict) {
  const OrderedDict<std::string, Tensor> state = load_state_dict(path);
  try {
    module.load_state_dict(state, strict);
  } catch (const Error& e) {
    throw Error(format_message("nn::load: '", path, "': ", e.what()));
  }
}

}  // namespace tg::nn
