// Module: the base of every layer and model. It owns named parameters, buffers and child
// modules, switches train/eval, collects state_dict()s, converts dtypes and runs forward
// hooks. The interface follows libtorch's torch::nn::Module.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "autograd/tensor.h"
#include "nn/module_holder.h"
#include "nn/ordered_dict.h"

namespace tg::nn {

class Module;

// A forward pre-hook sees the module and its input; a defined return value replaces the input.
using ForwardPreHook = std::function<Tensor(Module&, const Tensor& input)>;
// A forward hook sees the module, its input and output; a defined return value replaces the
// output.
using ForwardHook = std::function<Tensor(Module&, const Tensor& input, const Tensor& output)>;

namespace detail {
struct HookRegistry {
  int next_id = 0;
  std::map<int, ForwardPreHook> pre_hooks;  // run in registration order (ids increase)
  std::map<int, ForwardHook> hooks;
};
}  // namespace detail

// Returned by register_forward_(pre_)hook; remove() unregisters the hook. Outliving the
// module is harmless.
class RemovableHandle {
 public:
  RemovableHandle() = default;
  void remove();
  bool active() const;

 private:
  friend class Module;
  RemovableHandle(std::weak_ptr<detail::HookRegistry> registry, int id)
      : registry_(std::move(registry)), id_(id) {}
  std::weak_ptr<detail::HookRegistry> registry_;
  int id_ = -1;
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  // `name` is what pretty_print shows; by default the class name.
  explicit Module(std::string name);
  Module();
  virtual ~Module() = default;
  // Modules live behind shared_ptrs and are shared, never copied.
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& name() const noexcept;

  // ---- registration
  // Adds a parameter (made a leaf; requires_grad as given). An undefined tensor reserves
  // the name (e.g. a disabled bias) and is skipped by parameters().
  Tensor& register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  // Adds a buffer (running statistics...). Non-persistent buffers stay out of state_dict().
  Tensor& register_buffer(std::string name, Tensor tensor, bool persistent = true);
  // Adds a child module and returns it, so `fc = register_module("fc", Linear(3, 4));`.
  template <class ModuleType>
  std::shared_ptr<ModuleType> register_module(std::string name,
                                              std::shared_ptr<ModuleType> module);
  template <class ModuleType>
  std::shared_ptr<ModuleType> register_module(std::string name,
                                              ModuleHolder<ModuleType> module_holder);
  // Swaps the child registered under `name` for another one.
  template <class ModuleType>
  std::shared_ptr<ModuleType> replace_module(const std::string& name,
                                             std::shared_ptr<ModuleType> module);
  template <class ModuleType>
  std::shared_ptr<ModuleType> replace_module(const std::string& name,
                                             ModuleHolder<ModuleType> module_holder);
  void unregister_module(const std::string& name);

  // ---- traversal (names are dotted paths: "features.0.weight"; a tensor or module shared
  // under several names is listed once)
  std::vector<Tensor> parameters(bool recurse = true) const;
  OrderedDict<std::string, Tensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  OrderedDict<std::string, Tensor> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  OrderedDict<std::string, std::shared_ptr<Module>> named_children() const;
  // This module (when include_self; it must be owned by a shared_ptr) and all descendants,
  // depth first in registration order.
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true) const;
  OrderedDict<std::string, std::shared_ptr<Module>> named_modules(
      const std::string& name_prefix = "", bool include_self = true) const;

  // Calls fn on this module, then on every descendant (depth first).
  void apply(const std::function<void(Module&)>& fn);
  void apply(const std::function<void(const std::string&, Module&)>& fn,
             const std::string& name_prefix = "");

  // ---- modes and conversions
  virtual void train(bool on = true);
  void eval() { train(false); }
  virtual bool is_training() const noexcept { return is_training_; }
  // Clears (set_to_none) or zeroes every parameter's gradient.
  virtual void zero_grad(bool set_to_none = true);
  // Converts floating parameters and buffers (and their grads) to `dtype` in place: the
  // same tensor handles, still leaves, now holding converted data.
  virtual void to(DType dtype);
  // Moves to a device: the CPU keeps everything where it is (and converts to `dtype` when
  // given); any other device throws tg::Error.
  void to(Device device, bool non_blocking = false);
  void to(Device device, DType dtype, bool non_blocking = false);

  // ---- state
  // Parameters, then persistent buffers, each recursively, under their dotted names.
  OrderedDict<std::string, Tensor> state_dict() const;
  // Copies values in place (dtype converted). Shape mismatches always throw; with strict,
  // missing and unexpected keys throw too. The message names every offending key.
  void load_state_dict(const OrderedDict<std::string, Tensor>& state_dict, bool strict = true);

  // ---- hooks (run when the module is called through its holder's operator() or a container)
  RemovableHandle register_forward_pre_hook(ForwardPreHook hook);
  RemovableHandle register_forward_hook(ForwardHook hook);
  bool has_forward_hooks() const noexcept;
  // Runs pre-hooks, `forward`, then hooks.
  Tensor call_with_hooks(const Tensor& input, const std::function<Tensor(const Tensor&)>& forward);

  // ---- printing
  // One line describing this module alone (libtorch style: "tg::nn::Linear(in_features=...)").
  virtual void pretty_print(std::ostream& stream) const;
  // This module and its children, indented, as operator<< prints it.
  void pretty_print_recursive(std::ostream& stream, const std::string& indentation) const;

  // The module as ModuleType (an Impl or a holder type), or nullptr if it is something else.
  template <class ModuleType>
  auto* as() noexcept {
    if constexpr (is_module_holder_v<ModuleType>) {
      return dynamic_cast<typename ModuleType::ContainedType*>(this);
    } else {
      return dynamic_cast<ModuleType*>(this);
    }
  }

 protected:
  OrderedDict<std::string, Tensor>& raw_parameters() { return parameters_; }
  OrderedDict<std::string, std::shared_ptr<Module>>& raw_children() { return children_; }

 private:
  void check_new_name(const std::string& name, const char* what) const;
  // With `seen`, an object reachable under several names (tied weights, a shared layer) is
  // listed once, under its first name, as PyTorch does; state_dict lists every name.
  void collect_named_parameters(const std::string& prefix, bool recurse,
                                OrderedDict<std::string, Tensor>& out,
                                std::set<const void*>* seen) const;
  void collect_named_buffers(const std::string& prefix, bool recurse, bool persistent_only,
                             OrderedDict<std::string, Tensor>& out,
                             std::set<const void*>* seen) const;
  void collect_named_modules(const std::string& prefix,
                             OrderedDict<std::string, std::shared_ptr<Module>>& out,
                             std::set<const void*>& seen) const;
  void register_child(std::string name, std::shared_ptr<Module> module);
  void replace_child(const std::string& name, std::shared_ptr<Module> module);

  OrderedDict<std::string, Tensor> parameters_{"Parameter"};
  OrderedDict<std::string, Tensor> buffers_{"Buffer"};
  std::set<std::string> non_persistent_buffers_;
  OrderedDict<std::string, std::shared_ptr<Module>> children_{"Submodule"};
  mutable std::optional<std::string> name_;
  bool is_training_ = true;
  std::shared_ptr<detail::HookRegistry> hooks_;
};

std::ostream& operator<<(std::ostream& stream, const Module& module);

// ---- summary: "how many weights?"
struct LayerSummary {
  std::string name;          // dotted path, e.g. "features.0"
  std::string type;          // e.g. "tg::nn::Linear"
  Shape output_shape;        // of the last call during the summary's forward
  bool called = false;       // false if the layer was not reached through hooks
  int64_t num_params = 0;    // this layer's own parameters
  int64_t trainable_params = 0;
};

struct ModelSummary {
  std::vector<LayerSummary> layers;  // leaf modules and modules with their own parameters
  Shape input_shape;
  Shape output_shape;
  int64_t total_params = 0;
  int64_t trainable_params = 0;
  std::string to_string() const;
};
std::ostream& operator<<(std::ostream& stream, const ModelSummary& summary);

namespace detail {
ModelSummary summarize(Module& root, IntArrayRef input_shape, DType dtype,
                       const std::function<Tensor(const Tensor&)>& forward);
}  // namespace detail

// Runs one forward on zeros of `input_shape` (eval mode, no grad; the mode is restored)
// and reports each layer's output shape and parameter count, and the totals. Layers are seen
// when called through a holder's operator() or a container; a layer whose forward() is called
// directly still has its parameters counted.
template <class ModuleType>
ModelSummary summary(ModuleType& module, IntArrayRef input_shape, DType dtype = kFloat32) {
  if constexpr (is_module_holder_v<ModuleType>) {
    auto* impl = module.get();
    return detail::summarize(*impl, input_shape, dtype,
                             [impl](const Tensor& x) { return impl->forward(x); });
  } else if constexpr (std::is_base_of_v<Module, ModuleType>) {
    return detail::summarize(module, input_shape, dtype,
                             [&module](const Tensor& x) { return module.forward(x); });
  } else {  // a shared_ptr to a module
    auto* impl = module.get();
    return detail::summarize(*impl, input_shape, dtype,
                             [impl](const Tensor& x) { return impl->forward(x); });
  }
}

// ---------------------------------------------------------------- template bodies
template <class ModuleType>
std::shared_ptr<ModuleType> Module::register_module(std::string name,
                                                    std::shared_ptr<ModuleType> module) {
  static_assert(std::is_base_of_v<Module, ModuleType>, "register_module: not a Module");
  register_child(std::move(name), module);
  return module;
}

template <class ModuleType>
std::shared_ptr<ModuleType> Module::register_module(std::string name,
                                                    ModuleHolder<ModuleType> module_holder) {
  return register_module(std::move(name), module_holder.ptr());
}

template <class ModuleType>
std::shared_ptr<ModuleType> Module::replace_module(const std::string& name,
                                                   std::shared_ptr<ModuleType> module) {
  static_assert(std::is_base_of_v<Module, ModuleType>, "replace_module: not a Module");
  replace_child(name, module);
  return module;
}

template <class ModuleType>
std::shared_ptr<ModuleType> Module::replace_module(const std::string& name,
                                                   ModuleHolder<ModuleType> module_holder) {
  return replace_module(name, module_holder.ptr());
}

}  // namespace tg::nn
