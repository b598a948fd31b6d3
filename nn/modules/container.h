// Containers: Sequential (a chain of Tensor -> Tensor modules), ModuleList, ModuleDict,
// and Functional (a plain function as a module, for use in a Sequential).
#pragma once
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nn/module.h"

namespace tg::nn {

namespace detail {
template <class M, class = void>
struct has_tensor_forward : std::false_type {};
template <class M>
struct has_tensor_forward<
    M, std::void_t<decltype(std::declval<M&>().forward(std::declval<const Tensor&>()))>>
    : std::is_convertible<decltype(std::declval<M&>().forward(std::declval<const Tensor&>())),
                          Tensor> {};
}  // namespace detail

// Any module whose forward maps one Tensor to one Tensor, with its type erased.
class AnyModule {
 public:
  AnyModule() = default;
  template <class ModuleType>
  AnyModule(std::shared_ptr<ModuleType> module);  // NOLINT: implicit by design
  template <class ModuleType>
  AnyModule(const ModuleHolder<ModuleType>& holder)  // NOLINT: implicit by design
      : AnyModule(holder.ptr()) {}

  // Calls the module's forward through its forward hooks.
  Tensor forward(const Tensor& input) const;
  const std::shared_ptr<Module>& ptr() const { return module_; }
  bool is_empty() const noexcept { return module_ == nullptr; }
  // The module as its concrete type; throws if it is another type.
  template <class ModuleType>
  ModuleType& get() const;

 private:
  std::shared_ptr<Module> module_;
  std::function<Tensor(const Tensor&)> forward_;
};

// A module with the name it is registered under (Sequential({{"fc", Linear(3, 4)}, ...})).
struct NamedAnyModule {
  template <class ModuleType>
  NamedAnyModule(std::string name, ModuleType&& module)  // NOLINT: implicit by design
      : name(std::move(name)), module(AnyModule(std::forward<ModuleType>(module))) {}
  std::string name;
  AnyModule module;
};

// A module of any kind with a name (ModuleDict({{"encoder", Linear(3, 4)}, ...})).
struct NamedModule {
  template <class ModuleType>
  NamedModule(std::string name, std::shared_ptr<ModuleType> module)  // NOLINT
      : name(std::move(name)), module(std::move(module)) {}
  template <class ModuleType>
  NamedModule(std::string name, const ModuleHolder<ModuleType>& holder)  // NOLINT
      : name(std::move(name)), module(holder.ptr()) {}
  std::string name;
  std::shared_ptr<Module> module;
};

// ---------------------------------------------------------------- Sequential
class SequentialImpl : public Module {
 public:
  using Iterator = std::vector<AnyModule>::iterator;
  using ConstIterator = std::vector<AnyModule>::const_iterator;

  SequentialImpl() = default;
  // Each module is registered under its position: "0", "1", ...
  template <class First, class... Rest>
  explicit SequentialImpl(First&& first, Rest&&... rest) {
    push_back(std::forward<First>(first));
    (push_back(std::forward<Rest>(rest)), ...);
  }
  explicit SequentialImpl(std::initializer_list<NamedAnyModule> named_modules);

  // Feeds `input` through every module in order.
  Tensor forward(const Tensor& input);

  template <class ModuleType>
  void push_back(ModuleType&& module) {
    push_back(std::to_string(modules_.size()), AnyModule(std::forward<ModuleType>(module)));
  }
  void push_back(std::string name, AnyModule module);
  // Appends the modules of another Sequential (shared, not copied).
  void extend(const SequentialImpl& other);

  std::shared_ptr<Module> ptr(std::size_t index) const;
  std::shared_ptr<Module> operator[](std::size_t index) const { return ptr(index); }
  template <class ModuleType>
  std::shared_ptr<ModuleType> ptr(std::size_t index) const;
  template <class ModuleType>
  ModuleType& at(std::size_t index) const { return *ptr<ModuleType>(index); }

  std::size_t size() const noexcept { return modules_.size(); }
  bool is_empty() const noexcept { return modules_.empty(); }
  Iterator begin() { return modules_.begin(); }
  Iterator end() { return modules_.end(); }
  ConstIterator begin() const { return modules_.begin(); }
  ConstIterator end() const { return modules_.end(); }

  void pretty_print(std::ostream& stream) const override;

 private:
  std::vector<AnyModule> modules_;
};

class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder<SequentialImpl>::ModuleHolder;
  using Impl = SequentialImpl;
  Sequential() : ModuleHolder<SequentialImpl>() {}
  Sequential(std::initializer_list<NamedAnyModule> named_modules)
      : ModuleHolder<SequentialImpl>(std::make_shared<SequentialImpl>(named_modules)) {}
};

// ---------------------------------------------------------------- ModuleList
class ModuleListImpl : public Module {
 public:
  using Iterator = std::vector<std::shared_ptr<Module>>::iterator;
  using ConstIterator = std::vector<std::shared_ptr<Module>>::const_iterator;

  ModuleListImpl() = default;
  template <class First, class... Rest>
  explicit ModuleListImpl(First&& first, Rest&&... rest) {
    push_back(std::forward<First>(first));
    (push_back(std::forward<Rest>(rest)), ...);
  }

  template <class ModuleType>
  void push_back(std::shared_ptr<ModuleType> module) {
    push_back_module(std::move(module));
  }
  template <class ModuleType>
  void push_back(const ModuleHolder<ModuleType>& holder) {
    push_back_module(holder.ptr());
  }
  // Inserts before `index` (index == size() appends); later modules are renumbered.
  template <class ModuleType>
  void insert(std::size_t index, std::shared_ptr<ModuleType> module) {
    insert_module(index, std::move(module));
  }
  template <class ModuleType>
  void insert(std::size_t index, const ModuleHolder<ModuleType>& holder) {
    insert_module(index, holder.ptr());
  }
  void extend(const ModuleListImpl& other);

  std::shared_ptr<Module> ptr(std::size_t index) const;
  std::shared_ptr<Module> operator[](std::size_t index) const { return ptr(index); }
  template <class ModuleType>
  std::shared_ptr<ModuleType> ptr(std::size_t index) const;
  template <class ModuleType>
  ModuleType& at(std::size_t index) const { return *ptr<ModuleType>(index); }

  std::size_t size() const noexcept { return modules_.size(); }
  bool is_empty() const noexcept { return modules_.empty(); }
  Iterator begin() { return modules_.begin(); }
  Iterator end() { return modules_.end(); }
  ConstIterator begin() const { return modules_.begin(); }
  ConstIterator end() const { return modules_.end(); }

  void pretty_print(std::ostream& stream) const override;

 private:
  void push_back_module(std::shared_ptr<Module> module);
  void insert_module(std::size_t index, std::shared_ptr<Module> module);
  std::vector<std::shared_ptr<Module>> modules_;
};
TG_MODULE(ModuleList);

// ---------------------------------------------------------------- ModuleDict
class ModuleDictImpl : public Module {
 public:
  using Dict = OrderedDict<std::string, std::shared_ptr<Module>>;

  ModuleDictImpl() = default;
  explicit ModuleDictImpl(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules);
  explicit ModuleDictImpl(const Dict& modules);
  explicit ModuleDictImpl(std::initializer_list<NamedModule> modules);

  // Adds a module; throws if the key exists.
  template <class ModuleType>
  void insert(const std::string& key, std::shared_ptr<ModuleType> module) {
    insert_module(key, std::move(module));
  }
  template <class ModuleType>
  void insert(const std::string& key, const ModuleHolder<ModuleType>& holder) {
    insert_module(key, holder.ptr());
  }
  // Inserts or replaces each entry (another dict's entries: other->named_children().pairs()).
  void update(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules);
  std::shared_ptr<Module> pop(const std::string& key);
  void clear();

  std::shared_ptr<Module> operator[](const std::string& key) const;
  template <class ModuleType>
  ModuleType& at(const std::string& key) const;
  bool contains(const std::string& key) const noexcept { return modules_.contains(key); }
  std::size_t size() const noexcept { return modules_.size(); }
  bool is_empty() const noexcept { return modules_.is_empty(); }
  std::vector<std::string> keys() const { return modules_.keys(); }
  std::vector<std::shared_ptr<Module>> values() const { return modules_.values(); }
  const std::vector<Dict::Item>& items() const { return modules_.items(); }
  Dict::ConstIterator begin() const { return modules_.begin(); }
  Dict::ConstIterator end() const { return modules_.end(); }

  void pretty_print(std::ostream& stream) const override;

 private:
  void insert_module(const std::string& key, std::shared_ptr<Module> module);
  Dict modules_{"Module"};
};

class ModuleDict : public ModuleHolder<ModuleDictImpl> {
 public:
  using ModuleHolder<ModuleDictImpl>::ModuleHolder;
  using Impl = ModuleDictImpl;
  ModuleDict() : ModuleHolder<ModuleDictImpl>() {}
  ModuleDict(std::initializer_list<NamedModule> modules)
      : ModuleHolder<ModuleDictImpl>(std::make_shared<ModuleDictImpl>(modules)) {}
};

// ---------------------------------------------------------------- Functional
// Wraps a function as a module: Functional(tg::relu), Functional(tg::softmax, 1) (the extra
// arguments are bound after the input).
class FunctionalImpl : public Module {
 public:
  using Function = std::function<Tensor(Tensor)>;
  explicit FunctionalImpl(Function function);
  template <class F, class Arg, class... Args>
  FunctionalImpl(F function, Arg arg, Args... args)
      : FunctionalImpl(Function([function, arg, args...](Tensor input) {
          return function(input, arg, args...);
        })) {}
  Tensor forward(Tensor input);
  void pretty_print(std::ostream& stream) const override;

 private:
  Function function_;
};
TG_MODULE(Functional);

// The summary of a type-erased module (see summary() in nn/module.h).
ModelSummary summary(AnyModule& module, IntArrayRef input_shape, DType dtype = kFloat32);

// ---------------------------------------------------------------- template bodies
template <class ModuleType>
AnyModule::AnyModule(std::shared_ptr<ModuleType> module) {
  static_assert(std::is_base_of_v<Module, ModuleType>, "AnyModule: not a Module");
  static_assert(detail::has_tensor_forward<ModuleType>::value,
                "AnyModule (Sequential): the module's forward must take one Tensor and return "
                "a Tensor");
  TG_CHECK(module != nullptr, "AnyModule: the module is empty");
  ModuleType* raw = module.get();
  forward_ = [raw](const Tensor& x) -> Tensor { return raw->forward(x); };
  module_ = std::move(module);
}

template <class ModuleType>
ModuleType& AnyModule::get() const {
  TG_CHECK(module_ != nullptr, "AnyModule::get: the module is empty");
  auto* typed = dynamic_cast<ModuleType*>(module_.get());
  TG_CHECK(typed != nullptr, "AnyModule::get: the module is a ", module_->name(),
           ", not the requested type");
  return *typed;
}

template <class ModuleType>
std::shared_ptr<ModuleType> SequentialImpl::ptr(std::size_t index) const {
  auto typed = std::dynamic_pointer_cast<ModuleType>(ptr(index));
  TG_CHECK(typed != nullptr, "Sequential::ptr: module ", index, " is a ", ptr(index)->name(),
           ", not the requested type");
  return typed;
}

template <class ModuleType>
std::shared_ptr<ModuleType> ModuleListImpl::ptr(std::size_t index) const {
  auto typed = std::dynamic_pointer_cast<ModuleType>(ptr(index));
  TG_CHECK(typed != nullptr, "ModuleList::ptr: module ", index, " is a ", ptr(index)->name(),
           ", not the requested type");
  return typed;
}

template <class ModuleType>
ModuleType& ModuleDictImpl::at(const std::string& key) const {
  auto typed = std::dynamic_pointer_cast<ModuleType>((*this)[key]);
  TG_CHECK(typed != nullptr, "ModuleDict::at: '", key, "' is a ", (*this)[key]->name(),
           ", not the requested type");
  return *typed;
}

}  // namespace tg::nn
