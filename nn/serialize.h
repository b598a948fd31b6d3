// Saving and loading models: a module's state_dict() (parameters and persistent buffers under
// their dotted names, "features.0.weight") in a safetensors or .npz file, chosen by the path's
// extension. The names and layouts are PyTorch's, so a file written by
// safetensors.torch.save_file(model.state_dict(), ...) for the same architecture loads here,
// and a file saved here loads into PyTorch with model.load_state_dict(...).
//
//   tg::nn::save(model, "lenet.safetensors");
//   tg::nn::load(model, "lenet.safetensors");            // strict: names and shapes must match
//   tg::nn::load(backbone, "full.npz", /*strict=*/false);  // only the entries backbone has
#pragma once
#include <memory>
#include <string>

#include "autograd/tensor.h"
#include "nn/module.h"
#include "nn/ordered_dict.h"

namespace tg::nn {

enum class StateFileFormat { Safetensors, Npz };

// The format a path names: "*.safetensors" or "*.npz"; anything else throws.
StateFileFormat state_file_format(const std::string& path);

// Writes named tensors (any dtype tapegrad has, any layout) to `path`. The file is written
// beside `path` first and renamed into place, so a failed save leaves no truncated file.
void save_state_dict(const OrderedDict<std::string, Tensor>& state, const std::string& path);
// Reads every tensor of a safetensors or .npz file, in file order.
OrderedDict<std::string, Tensor> load_state_dict(const std::string& path);

// Saves module.state_dict().
void save(const Module& module, const std::string& path);
// Copies the file's tensors into the module's parameters and buffers in place (converting
// dtypes), as Module::load_state_dict does: shape mismatches always throw; with `strict`,
// missing and unexpected names throw too. Messages name the file and every offending entry.
void load(Module& module, const std::string& path, bool strict = true);

// The same for module holders (tg::nn::Sequential, tg::nn::Linear, ...) and shared_ptrs.
template <class ModuleType>
void save(const ModuleHolder<ModuleType>& module, const std::string& path) {
  save(static_cast<const Module&>(*module), path);
}
template <class ModuleType>
void load(const ModuleHolder<ModuleType>& module, const std::string& path, bool strict = true) {
  load(static_cast<Module&>(*module.get()), path, strict);
}
template <class ModuleType>
void save(const std::shared_ptr<ModuleType>& module, const std::string& path) {
  save(static_cast<const Module&>(*module), path);
}
template <class ModuleType>
void load(const std::shared_ptr<ModuleType>& module, const std::string& path,
          bool strict = true) {
  load(static_cast<Module&>(*module), path, strict);
}

}  // namespace tg::nn
