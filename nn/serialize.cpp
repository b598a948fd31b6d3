#include "nn/serialize.h"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>

#include "data/pytorch_file.h"
#include "data/tensor_io.h"
#include "data/zip.h"

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
  } catch (const FileError& e) {
    throw Error(format_message(op, ": '", path, "': ", e.what()));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(format_message(op, ": '", path, "': ", e.what()));
  }
}

void write_state(const OrderedDict<std::string, Tensor>& state, const std::string& path,
                 StateFileFormat format);

}  // namespace

StateFileFormat state_file_format(const std::string& path) {
  if (ends_with(path, ".safetensors")) return StateFileFormat::Safetensors;
  if (ends_with(path, ".npz")) return StateFileFormat::Npz;
  throw Error(format_message("nn::save/load: cannot tell the file format of '", path,
                             "': the name must end in .safetensors or .npz"));
}

void save_state_dict(const OrderedDict<std::string, Tensor>& state, const std::string& path) {
  write_state(state, path, state_file_format(path));
}

namespace {

void write_state(const OrderedDict<std::string, Tensor>& state, const std::string& path,
                 StateFileFormat format) {
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

}  // namespace

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

namespace {

enum class FileKind { PyTorch, Npz, Safetensors };

// Tells a file's format by its first bytes (and, for zips, the member names).
FileKind sniff(const std::string& path) {
  const std::vector<unsigned char> bytes = with_file_context(
      "load", path, [&] { return io::read_file_bytes(path, "load"); });
  if (io::looks_like_pytorch_file(bytes.data(), bytes.size())) return FileKind::PyTorch;
  if (bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K') return FileKind::Npz;
  return FileKind::Safetensors;
}

OrderedDict<std::string, Tensor> to_state_dict(const io::PickleValue& dict,
                                               const std::string& what) {
  TG_CHECK(dict.is_dict(), "load_pytorch_state_dict: ", what, " holds a ", dict.kind_name(),
           ", not a dict of tensors");
  OrderedDict<std::string, Tensor> state("Tensor");
  for (std::size_t i = 0; i < dict.size(); ++i) {
    const io::PickleValue& key = dict.keys()[i];
    const io::PickleValue& value = dict.values()[i];
    TG_CHECK(key.kind() == io::PickleValue::Kind::String, "load_pytorch_state_dict: ", what,
             " has a ", key.kind_name(), " key; a state dict's keys are strings");
    TG_CHECK(value.is_tensor(), "load_pytorch_state_dict: ", what, ": '", key.to_string(),
             "' is a ", value.kind_name(), ", not a tensor");
    state.insert(key.to_string(), value.to_tensor().detach());
  }
  return state;
}

}  // namespace

OrderedDict<std::string, Tensor> read_state_dict(const std::string& path) {
  const FileKind kind = sniff(path);
  switch (kind) {
    case FileKind::PyTorch: return load_pytorch_state_dict(path);
    case FileKind::Npz:
    case FileKind::Safetensors: {
      io::NamedTensors tensors = with_file_context("load", path, [&] {
        if (kind == FileKind::Npz) return io::load_npz(path);
        return io::load_safetensors(path).tensors;
      });
      OrderedDict<std::string, Tensor> state("Tensor");
      for (auto& [name, t] : tensors) {
        TG_CHECK(!state.contains(name), "load: '", path, "' holds '", name, "' twice");
        state.insert(name, std::move(t));
      }
      return state;
    }
  }
  return OrderedDict<std::string, Tensor>("Tensor");
}

}  // namespace tg::nn

namespace tg {
namespace {

nn::StateFileFormat save_format(const std::string& path) {
  const std::string npz = ".npz";
  const bool is_npz = path.size() >= npz.size() &&
                      path.compare(path.size() - npz.size(), npz.size(), npz) == 0;
  return is_npz ? nn::StateFileFormat::Npz : nn::StateFileFormat::Safetensors;
}

}  // namespace

OrderedDict<std::string, Tensor> load_pytorch_state_dict(const std::string& path,
                                                         const std::string& entry) {
  const io::PickleValue root = io::load_pytorch(path);
  if (entry.empty()) return nn::to_state_dict(root, "'" + path + "'");
  TG_CHECK(root.is_dict(), "load_pytorch_state_dict: '", path, "' holds a ", root.kind_name(),
           ", not a dict with an entry '", entry, "'");
  return nn::to_state_dict(root.at(entry), "'" + path + "' [\"" + entry + "\"]");
}

void save(const nn::Module& module, const std::string& path) {
  nn::write_state(module.state_dict(), path, save_format(path));
}

void load(nn::Module& module, const std::string& path, bool strict) {
  const OrderedDict<std::string, Tensor> state = nn::read_state_dict(path);
  try {
    module.load_state_dict(state, strict);
  } catch (const Error& e) {
    throw Error(format_message("load: '", path, "': ", e.what()));
  }
}

void save(const Tensor& tensor, const std::string& path) {
  TG_CHECK(tensor.defined(), "save: the tensor to write to '", path, "' is undefined");
  OrderedDict<std::string, Tensor> state("Tensor");
  state.insert("0", tensor.detach());
  nn::write_state(state, path, save_format(path));
}

void save(const std::vector<Tensor>& tensors, const std::string& path) {
  OrderedDict<std::string, Tensor> state("Tensor");
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    TG_CHECK(tensors[i].defined(), "save: tensor ", i, " of the list to write to '", path,
             "' is undefined");
    state.insert(std::to_string(i), tensors[i].detach());
  }
  nn::write_state(state, path, save_format(path));
}

void load(Tensor& tensor, const std::string& path) {
  if (nn::sniff(path) == nn::FileKind::PyTorch) {
    const io::PickleValue root = io::load_pytorch(path);
    TG_CHECK(root.is_tensor(), "load: '", path, "' holds a ", root.kind_name(),
             ", not a tensor");
    tensor = root.to_tensor();
    return;
  }
  const OrderedDict<std::string, Tensor> state = nn::read_state_dict(path);
  TG_CHECK(state.size() == 1, "load: '", path, "' holds ", state.size(),
           " tensors, expected exactly one");
  tensor = state.begin()->value();
}

void load(std::vector<Tensor>& tensors, const std::string& path) {
  std::vector<Tensor> out;
  if (nn::sniff(path) == nn::FileKind::PyTorch) {
    const io::PickleValue root = io::load_pytorch(path);
    TG_CHECK(root.is_list(), "load: '", path, "' holds a ", root.kind_name(),
             ", not a list of tensors");
    for (std::size_t i = 0; i < root.size(); ++i) {
      TG_CHECK(root[i].is_tensor(), "load: item ", i, " of '", path, "' is a ",
               root[i].kind_name(), ", not a tensor");
      out.push_back(root[i].to_tensor());
    }
  } else {
    const OrderedDict<std::string, Tensor> state = nn::read_state_dict(path);
    for (std::size_t i = 0; i < state.size(); ++i) {
      const Tensor* t = state.find(std::to_string(i));
      TG_CHECK(t != nullptr, "load: '", path, "' is not a saved tensor list (no entry '", i,
               "' among its ", state.size(), ")");
      out.push_back(*t);
    }
  }
  tensors = std::move(out);
}

}  // namespace tg
