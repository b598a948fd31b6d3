#include "nn/modules/container.h"

namespace tg::nn {

// ---------------------------------------------------------------- AnyModule
Tensor AnyModule::forward(const Tensor& input) const {
  TG_CHECK(module_ != nullptr, "AnyModule::forward: the module is empty");
  return module_->call_with_hooks(input, forward_);
}

// ---------------------------------------------------------------- Sequential
SequentialImpl::SequentialImpl(std::initializer_list<NamedAnyModule> named_modules) {
  for (const NamedAnyModule& m : named_modules) push_back(m.name, m.module);
}

Tensor SequentialImpl::forward(const Tensor& input) {
  TG_CHECK(!modules_.empty(), "Sequential::forward: the Sequential is empty");
  Tensor x = input;
  for (const AnyModule& m : modules_) x = m.forward(x);
  return x;
}

void SequentialImpl::push_back(std::string name, AnyModule module) {
  TG_CHECK(!module.is_empty(), "Sequential::push_back: '", name, "' is an empty module");
  register_module(std::move(name), module.ptr());
  modules_.push_back(std::move(module));
}

void SequentialImpl::extend(const SequentialImpl& other) {
  TG_CHECK(&other != this, "Sequential::extend: cannot extend a Sequential with itself");
  for (const AnyModule& m : other.modules_) push_back(std::to_string(modules_.size()), m);
}

std::shared_ptr<Module> SequentialImpl::ptr(std::size_t index) const {
  TG_CHECK(index < modules_.size(), "Sequential: index ", index, " is out of range (size ",
           modules_.size(), ")");
  return modules_[index].ptr();
}

void SequentialImpl::pretty_print(std::ostream& stream) const { stream << "tg::nn::Sequential"; }

// ---------------------------------------------------------------- ModuleList
void ModuleListImpl::push_back_module(std::shared_ptr<Module> module) {
  TG_CHECK(module != nullptr, "ModuleList::push_back: the module is empty");
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

void ModuleListImpl::insert_module(std::size_t index, std::shared_ptr<Module> module) {
  TG_CHECK(module != nullptr, "ModuleList::insert: the module is empty");
  TG_CHECK(index <= modules_.size(), "ModuleList::insert: index ", index,
           " is out of range (size ", modules_.size(), ")");
  modules_.insert(modules_.begin() + static_cast<std::ptrdiff_t>(index), std::move(module));
  raw_children().clear();
  for (std::size_t i = 0; i < modules_.size(); ++i) register_module(std::to_string(i), modules_[i]);
}

void ModuleListImpl::extend(const ModuleListImpl& other) {
  TG_CHECK(&other != this, "ModuleList::extend: cannot extend a ModuleList with itself");
  for (const auto& m : other.modules_) push_back_module(m);
}

std::shared_ptr<Module> ModuleListImpl::ptr(std::size_t index) const {
  TG_CHECK(index < modules_.size(), "ModuleList: index ", index, " is out of range (size ",
           modules_.size(), ")");
  return modules_[index];
}

void ModuleListImpl::pretty_print(std::ostream& stream) const { stream << "tg::nn::ModuleList"; }

// ---------------------------------------------------------------- ModuleDict
ModuleDictImpl::ModuleDictImpl(
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
  update(modules);
}

ModuleDictImpl::ModuleDictImpl(const Dict& modules) {
  for (const auto& item : modules) insert_module(item.key(), item.value());
}

ModuleDictImpl::ModuleDictImpl(std::initializer_list<NamedModule> modules) {
  for (const NamedModule& m : modules) insert_module(m.name, m.module);
}

void ModuleDictImpl::insert_module(const std::string& key, std::shared_ptr<Module> module) {
  TG_CHECK(module != nullptr, "ModuleDict::insert: '", key, "' is an empty module");
  TG_CHECK(!modules_.contains(key), "ModuleDict::insert: '", key, "' is already present; use "
           "update() to replace it");
  register_module(key, module);
  modules_.insert(key, std::move(module));
}

void ModuleDictImpl::update(
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
  for (const auto& [key, module] : modules) {
    TG_CHECK(module != nullptr, "ModuleDict::update: '", key, "' is an empty module");
    if (modules_.contains(key)) {
      modules_[key] = module;
      replace_module(key, module);
    } else {
      insert_module(key, module);
    }
  }
}

std::shared_ptr<Module> ModuleDictImpl::pop(const std::string& key) {
  TG_CHECK(modules_.contains(key), "ModuleDict::pop: no module named '", key, "'");
  unregister_module(key);
  return modules_.pop(key);
}

void ModuleDictImpl::clear() {
  modules_.clear();
  raw_children().clear();
}

std::shared_ptr<Module> ModuleDictImpl::operator[](const std::string& key) const {
  const auto* m = modules_.find(key);
  TG_CHECK(m != nullptr, "ModuleDict: no module named '", key, "'");
  return *m;
}

void ModuleDictImpl::pretty_print(std::ostream& stream) const { stream << "tg::nn::ModuleDict"; }

// ---------------------------------------------------------------- Functional
FunctionalImpl::FunctionalImpl(Function function) : function_(std::move(function)) {
  TG_CHECK(function_ != nullptr, "Functional: the function is empty");
}

Tensor FunctionalImpl::forward(Tensor input) { return function_(std::move(input)); }

void FunctionalImpl::pretty_print(std::ostream& stream) const { stream << "tg::nn::Functional()"; }

}  // namespace tg::nn
