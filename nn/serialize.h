// Saving and loading models: a module's state_dict() (parameters and persistent buffers under
// their dotted names, "features.0.weight") in a safetensors or .npz file, chosen by the path's
// extension. The names and layouts are PyTorch's, so a file written by
// safetensors.torch.save_file(model.state_dict(), ...) for the same architecture loads here,
// and a file saved here loads into PyTorch with model.load_state_dict(...).
//
//   tg::nn::save(model, "lenet.safetensors");
//   tg::nn::load(model, "lenet.safetensors");            // strict: names and shapes must match
//   tg::nn::load(backbone, "full.npz", /*strict=*/false);  // only the entries backbone has
//
// libtorch's spelling, in namespace tg (any file name; the format is told by content):
//
//   tg::save(model, "model.pt");     tg::load(model, "model.pt");     // modules (holders too)
//   tg::save(tensor, "t.pt");        tg::load(tensor, "t.pt");        // a tensor
//   tg::save(tensors, "ts.pt");      tg::load(tensors, "ts.pt");      // std::vector<Tensor>
//   (optimizers: optim/serialize.h)
//
// tg::save writes safetensors (npz when the name ends in .npz). tg::load reads safetensors,
// .npz, and the files Python writes with torch.save (data/pytorch_file.h): a module loads
// from torch.save(model.state_dict(), path), a tensor from torch.save(tensor, path). A failed
// load (unreadable file, missing or unexpected names, a shape mismatch) throws and leaves the
// module or tensor exactly as it was.
#pragma once
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "autograd/tensor.h"
#include "nn/module.h"
#include "nn/module_holder.h"
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

// Reads a state dict from any supported file, telling the format by content: a torch.save
// file (zip with data.pkl, or the legacy format), an .npz archive, or safetensors.
OrderedDict<std::string, Tensor> read_state_dict(const std::string& path);

}  // namespace tg::nn

namespace tg {

// The tensors of a state_dict written by Python's torch.save(model.state_dict(), path): a
// dict of names to tensors. With `entry`, the state dict is the value under that key of a
// top-level dict (torch.save({"model": model.state_dict(), "epoch": 3}, path) -> "model").
// Non-tensor values throw, naming them.
OrderedDict<std::string, Tensor> load_pytorch_state_dict(const std::string& path,
                                                         const std::string& entry = "");

void save(const nn::Module& module, const std::string& path);
void load(nn::Module& module, const std::string& path, bool strict = true);
template <class ModuleType>
void save(const nn::ModuleHolder<ModuleType>& module, const std::string& path) {
  tg::save(static_cast<const nn::Module&>(*module), path);
}
template <class ModuleType>
void load(const nn::ModuleHolder<ModuleType>& module, const std::string& path,
          bool strict = true) {
  tg::load(static_cast<nn::Module&>(*module.get()), path, strict);
}
template <class ModuleType,
          class = std::enable_if_t<std::is_base_of_v<nn::Module, ModuleType>>>
void save(const std::shared_ptr<ModuleType>& module, const std::string& path) {
  tg::save(static_cast<const nn::Module&>(*module), path);
}
template <class ModuleType,
          class = std::enable_if_t<std::is_base_of_v<nn::Module, ModuleType>>>
void load(const std::shared_ptr<ModuleType>& module, const std::string& path,
          bool strict = true) {
  tg::load(static_cast<nn::Module&>(*module), path, strict);
}

// One tensor (stored under the name "0"); loading replaces `tensor` (as libtorch's
// torch::load(tensor, path) does) with the file's only tensor.
void save(const Tensor& tensor, const std::string& path);
void load(Tensor& tensor, const std::string& path);
// A list of tensors (stored as "0", "1", ...); a torch.save'd Python list or tuple loads too.
void save(const std::vector<Tensor>& tensors, const std::string& path);
void load(std::vector<Tensor>& tensors, const std::string& path);

}  // namespace tg
