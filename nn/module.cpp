#include "nn/module.h"

#include <cxxabi.h>

#include <cstdlib>
#include <iomanip>
#include <sstream>
#include <typeinfo>

#include "autograd/grad_mode.h"
#include "ops/ops.h"

namespace tg::nn {
namespace {

std::string demangle(const char* mangled) {
  int status = 0;
  char* text = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  if (status != 0 || text == nullptr) return mangled;
  std::string out(text);
  std::free(text);
  return out;
}

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// Points `t`'s handle at a converted copy of its data, so every holder of the handle
// (the module's member, an optimizer's param list) sees the new dtype.
void convert_in_place(const Tensor& t, DType dtype) {
  if (!t.defined() || !t.is_floating_point() || t.dtype() == dtype) return;
  NoGradGuard no_grad;
  Tensor converted = t.detach().to(dtype).contiguous();
  TensorImpl* impl = t.impl();
  impl->storage = converted.storage();
  impl->offset = converted.storage_offset();
  impl->shape = converted.shape();
  impl->strides = converted.strides();
  impl->dtype = dtype;
  impl->refresh_contiguous();
  impl->grad_accumulator.reset();  // a sink made for the old data must not be reused
  if (impl->grad.defined() && impl->grad.is_floating_point())
    impl->grad = impl->grad.detach().to(dtype).contiguous();
}

}  // namespace

// ---------------------------------------------------------------- RemovableHandle
void RemovableHandle::remove() {
  if (auto registry = registry_.lock()) {
    registry->pre_hooks.erase(id_);
    registry->hooks.erase(id_);
  }
  registry_.reset();
}

bool RemovableHandle::active() const {
  auto registry = registry_.lock();
  return registry && (registry->pre_hooks.count(id_) || registry->hooks.count(id_));
}

// ---------------------------------------------------------------- Module
Module::Module(std::string name) : name_(std::move(name)) {}
Module::Module() = default;

const std::string& Module::name() const noexcept {
  // Computed lazily: typeid(*this) names the most derived class only after construction.
  if (!name_) name_ = demangle(typeid(*this).name());
  return *name_;
}

void Module::check_new_name(const std::string& name, const char* what) const {
  TG_CHECK(!name.empty(), what, ": the name must not be empty");
  TG_CHECK(name.find('.') == std::string::npos, what, ": the name must not contain a dot, got '",
           name, "'");
  TG_CHECK(!parameters_.contains(name) && !buffers_.contains(name) && !children_.contains(name),
           what, ": '", name, "' is already registered in ", this->name());
}

Tensor& Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_new_name(name, "register_parameter");
  if (tensor.defined()) {
    TG_CHECK(!requires_grad || tensor.is_floating_point(), "register_parameter: '", name,
             "' must be floating point to require grad, got ", tensor.dtype());
    if (!tensor.is_leaf()) tensor = tensor.detach();  // a parameter is always a leaf
    tensor.requires_grad_(requires_grad);
  }
  return parameters_.insert(std::move(name), std::move(tensor));
}

Tensor& Module::register_buffer(std::string name, Tensor tensor, bool persistent) {
  check_new_name(name, "register_buffer");
  if (!persistent) non_persistent_buffers_.insert(name);
  return buffers_.insert(std::move(name), std::move(tensor));
}

void Module::register_child(std::string name, std::shared_ptr<Module> module) {
  check_new_name(name, "register_module");
  TG_CHECK(module != nullptr, "register_module: '", name, "' is an empty module");
  TG_CHECK(module.get() != this, "register_module: a module cannot be its own child ('", name,
           "')");
  children_.insert(std::move(name), std::move(module));
}

void Module::replace_child(const std::string& name, std::shared_ptr<Module> module) {
  TG_CHECK(children_.contains(name), "replace_module: no submodule named '", name, "' in ",
           this->name());
  TG_CHECK(module != nullptr, "replace_module: '", name, "' is an empty module");
  children_[name] = std::move(module);
}

void Module::unregister_module(const std::string& name) {
  TG_CHECK(children_.contains(name), "unregister_module: no submodule named '", name, "' in ",
           this->name());
  children_.erase(name);
}

// ---------------------------------------------------------------- traversal
void Module::collect_named_parameters(const std::string& prefix, bool recurse,
                                      OrderedDict<std::string, Tensor>& out,
                                      std::set<const void*>* seen) const {
  for (const auto& item : parameters_) {
    if (!item.value().defined()) continue;
    if (seen && !seen->insert(item.value().impl()).second) continue;
    out.insert(join(prefix, item.key()), item.value());
  }
  if (!recurse) return;
  for (const auto& child : children_)
    child.value()->collect_named_parameters(join(prefix, child.key()), true, out, seen);
}

void Module::collect_named_buffers(const std::string& prefix, bool recurse, bool persistent_only,
                                   OrderedDict<std::string, Tensor>& out,
                                   std::set<const void*>* seen) const {
  for (const auto& item : buffers_) {
    if (!item.value().defined()) continue;
    if (persistent_only && non_persistent_buffers_.count(item.key())) continue;
    if (seen && !seen->insert(item.value().impl()).second) continue;
    out.insert(join(prefix, item.key()), item.value());
  }
  if (!recurse) return;
  for (const auto& child : children_)
    child.value()->collect_named_buffers(join(prefix, child.key()), true, persistent_only, out,
                                         seen);
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  return named_parameters(recurse).values();
}

OrderedDict<std::string, Tensor> Module::named_parameters(bool recurse) const {
  OrderedDict<std::string, Tensor> out("Parameter");
  std::set<const void*> seen;
  collect_named_parameters("", recurse, out, &seen);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

OrderedDict<std::string, Tensor> Module::named_buffers(bool recurse) const {
  OrderedDict<std::string, Tensor> out("Buffer");
  std::set<const void*> seen;
  collect_named_buffers("", recurse, false, out, &seen);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const { return children_.values(); }

OrderedDict<std::string, std::shared_ptr<Module>> Module::named_children() const {
  return children_;
}

void Module::collect_named_modules(const std::string& prefix,
                                   OrderedDict<std::string, std::shared_ptr<Module>>& out,
                                   std::set<const void*>& seen) const {
  for (const auto& child : children_) {
    if (!seen.insert(child.value().get()).second) continue;
    const std::string name = join(prefix, child.key());
    out.insert(name, child.value());
    child.value()->collect_named_modules(name, out, seen);
  }
}

OrderedDict<std::string, std::shared_ptr<Module>> Module::named_modules(
    const std::string& name_prefix, bool include_self) const {
  OrderedDict<std::string, std::shared_ptr<Module>> out("Module");
  std::set<const void*> seen = {this};
  if (include_self) {
    std::shared_ptr<const Module> self = weak_from_this().lock();
    TG_CHECK(self != nullptr, "named_modules: ", name(), " is not owned by a std::shared_ptr; "
             "create it with std::make_shared or a module holder, or pass include_self=false");
    out.insert(name_prefix, std::const_pointer_cast<Module>(self));
  }
  collect_named_modules(name_prefix, out, seen);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) const {
  return named_modules("", include_self).values();
}

void Module::apply(const std::function<void(Module&)>& fn) {
  fn(*this);
  for (auto& child : children_) child.value()->apply(fn);
}

void Module::apply(const std::function<void(const std::string&, Module&)>& fn,
                   const std::string& name_prefix) {
  fn(name_prefix, *this);
  for (auto& child : children_) child.value()->apply(fn, join(name_prefix, child.key()));
}

// ---------------------------------------------------------------- modes and conversions
void Module::train(bool on) {
  is_training_ = on;
  for (auto& child : children_) child.value()->train(on);
}

void Module::zero_grad(bool set_to_none) {
  for (const Tensor& p : parameters()) {
    if (!p.grad().defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
    } else {
      NoGradGuard no_grad;
      Tensor g = p.grad().detach();  // drops any history from create_graph
      g.zero_();
      p.set_grad(g);
    }
  }
}

void Module::to(Device device, bool) { check_device(device, "Module::to"); }

void Module::to(Device device, DType dtype, bool) {
  check_device(device, "Module::to");
  to(dtype);
}

void Module::to(DType dtype) {
  TG_CHECK(is_floating(dtype), "Module::to: expected a floating dtype, got ", dtype);
  for (auto& item : parameters_) convert_in_place(item.value(), dtype);
  for (auto& item : buffers_) convert_in_place(item.value(), dtype);
  for (auto& child : children_) child.value()->to(dtype);
}

// ---------------------------------------------------------------- state
OrderedDict<std::string, Tensor> Module::state_dict() const {
  // Parameters then persistent buffers of each module, parent before children (PyTorch's order).
  OrderedDict<std::string, Tensor> out("State");
  std::function<void(const Module&, const std::string&)> visit =
      [&](const Module& m, const std::string& prefix) {
        OrderedDict<std::string, Tensor> own("State");
        m.collect_named_parameters(prefix, false, own, nullptr);
        m.collect_named_buffers(prefix, false, true, own, nullptr);
        for (const auto& item : own) out.insert(item.key(), item.value().detach());
        for (const auto& child : m.children_) visit(*child.value(), join(prefix, child.key()));
      };
  visit(*this, "");
  return out;
}

void Module::load_state_dict(const OrderedDict<std::string, Tensor>& state_dict, bool strict) {
  // The live tensors, not detached copies: values are written into them.
  OrderedDict<std::string, Tensor> own("State");
  std::function<void(const Module&, const std::string&)> visit =
      [&](const Module& m, const std::string& prefix) {
        m.collect_named_parameters(prefix, false, own, nullptr);
        m.collect_named_buffers(prefix, false, true, own, nullptr);
        for (const auto& child : m.children_) visit(*child.value(), join(prefix, child.key()));
      };
  visit(*this, "");

  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& item : own) {
    const Tensor* src = state_dict.find(item.key());
    if (src == nullptr || !src->defined()) {
      missing.push_back(item.key());
    } else if (src->shape() != item.value().shape()) {
      mismatched.push_back(format_message(item.key(), " (expected ", item.value().shape(),
                                          ", got ", src->shape(), ")"));
    }
  }
  for (const auto& item : state_dict)
    if (!own.contains(item.key())) unexpected.push_back(item.key());

  auto list = [](const std::vector<std::string>& names) {
    std::ostringstream os;
    for (std::size_t i = 0; i < names.size(); ++i) os << (i ? ", " : "") << '"' << names[i] << '"';
    return os.str();
  };
  std::ostringstream problems;
  if (!mismatched.empty()) problems << " size mismatch for: " << list(mismatched) << ".";
  if (strict && !missing.empty()) problems << " missing keys: " << list(missing) << ".";
  if (strict && !unexpected.empty()) problems << " unexpected keys: " << list(unexpected) << ".";
  TG_CHECK(problems.str().empty(), "load_state_dict: error(s) loading the state of ", name(),
           ":", problems.str());

  // Everything that can fail (dtype conversions allocate) happens before the first value is
  // written, so a failed load leaves every parameter and buffer as it was; the copies below
  // are between tensors of one shape and dtype.
  NoGradGuard no_grad;
  std::vector<std::pair<Tensor, Tensor>> writes;  // (destination, source of its dtype)
  writes.reserve(own.size());
  for (auto& item : own) {
    const Tensor* src = state_dict.find(item.key());
    if (src == nullptr || !src->defined()) continue;
    writes.emplace_back(item.value(), src->detach().to(item.value().dtype()));
  }
  for (auto& [dst, src] : writes) dst.copy_(src);
}

// ---------------------------------------------------------------- hooks
RemovableHandle Module::register_forward_pre_hook(ForwardPreHook hook) {
  TG_CHECK(hook != nullptr, "register_forward_pre_hook: the hook is empty");
  if (!hooks_) hooks_ = std::make_shared<detail::HookRegistry>();
  const int id = hooks_->next_id++;
  hooks_->pre_hooks.emplace(id, std::move(hook));
  return RemovableHandle(hooks_, id);
}

RemovableHandle Module::register_forward_hook(ForwardHook hook) {
  TG_CHECK(hook != nullptr, "register_forward_hook: the hook is empty");
  if (!hooks_) hooks_ = std::make_shared<detail::HookRegistry>();
  const int id = hooks_->next_id++;
  hooks_->hooks.emplace(id, std::move(hook));
  return RemovableHandle(hooks_, id);
}

bool Module::has_forward_hooks() const noexcept {
  return hooks_ && (!hooks_->pre_hooks.empty() || !hooks_->hooks.empty());
}

Tensor Module::call_with_hooks(const Tensor& input,
                               const std::function<Tensor(const Tensor&)>& forward) {
  if (!has_forward_hooks()) return forward(input);
  // Copies, so a hook may remove itself (or others) while running.
  const auto pre_hooks = hooks_->pre_hooks;
  Tensor x = input;
  for (const auto& entry : pre_hooks) {
    Tensor replaced = entry.second(*this, x);
    if (replaced.defined()) x = replaced;
  }
  Tensor y = forward(x);
  const auto hooks = hooks_->hooks;
  for (const auto& entry : hooks) {
    Tensor replaced = entry.second(*this, x, y);
    if (replaced.defined()) y = replaced;
  }
  return y;
}

// ---------------------------------------------------------------- printing
void Module::pretty_print(std::ostream& stream) const { stream << name(); }

void Module::pretty_print_recursive(std::ostream& stream, const std::string& indentation) const {
  pretty_print(stream);
  if (children_.is_empty()) return;
  stream << "(\n";
  const std::string next = indentation + "  ";
  for (const auto& child : children_) {
    stream << next << "(" << child.key() << "): ";
    child.value()->pretty_print_recursive(stream, next);
    stream << "\n";
  }
  stream << indentation << ")";
}

std::ostream& operator<<(std::ostream& stream, const Module& module) {
  module.pretty_print_recursive(stream, "");
  return stream;
}

}  // namespace tg::nn
