// ModuleHolder<Impl>: the value-semantics handle users hold (`tg::nn::Linear` owns a
// std::shared_ptr<LinearImpl>), and TG_MODULE(Name), which declares `Name` for `NameImpl`,
// as libtorch's TORCH_MODULE does.
#pragma once
#include <cstddef>
#include <memory>
#include <ostream>
#include <type_traits>
#include <utility>

#include "autograd/error.h"
#include "autograd/tensor.h"

namespace tg::nn {

namespace detail {
struct ModuleHolderIndicator {};
}  // namespace detail

template <class T>
constexpr bool is_module_holder_v = std::is_base_of_v<detail::ModuleHolderIndicator,
                                                      std::decay_t<T>>;

template <class Contained>
class ModuleHolder : detail::ModuleHolderIndicator {
 public:
  using ContainedType = Contained;

  // Default-constructs the module; only for modules whose Impl has a default constructor.
  ModuleHolder() : impl_(default_construct()) {}
  // An empty holder, to be assigned later (`Linear fc = nullptr;`).
  ModuleHolder(std::nullptr_t) : impl_(nullptr) {}  // NOLINT: implicit as in libtorch
  ModuleHolder(std::shared_ptr<Contained> module)   // NOLINT: implicit as in libtorch
      : impl_(std::move(module)) {}

  // Builds the module from its constructor arguments: Linear(3, 4), Linear(LinearOptions(...)).
  template <class Head, class... Tail,
            class = std::enable_if_t<
                !(sizeof...(Tail) == 0 &&
                  (std::is_same_v<std::decay_t<Head>, ModuleHolder> ||
                   std::is_base_of_v<ModuleHolder, std::decay_t<Head>> ||
                   std::is_same_v<std::decay_t<Head>, std::nullptr_t> ||
                   std::is_convertible_v<Head, std::shared_ptr<Contained>>))>>
  explicit ModuleHolder(Head&& head, Tail&&... tail)
      : impl_(std::make_shared<Contained>(std::forward<Head>(head),
                                          std::forward<Tail>(tail)...)) {}

  Contained* operator->() { return get(); }
  const Contained* operator->() const { return get(); }
  Contained& operator*() { return *get(); }
  const Contained& operator*() const { return *get(); }
  const std::shared_ptr<Contained>& ptr() const {
    TG_CHECK(!is_empty(), "ModuleHolder: accessing an empty holder (declared as nullptr and "
             "never assigned a module)");
    return impl_;
  }
  Contained* get() const { return ptr().get(); }
  bool is_empty() const noexcept { return impl_ == nullptr; }
  explicit operator bool() const noexcept { return !is_empty(); }

  // Indexes the contained module (`seq[1]` for a Sequential, `dict["fc"]` for a ModuleDict).
  template <class Arg>
  decltype(auto) operator[](Arg&& arg) {
    return (*get())[std::forward<Arg>(arg)];
  }

  // Calls the module's forward. A forward that maps one Tensor to one Tensor goes through
  // the module's forward pre-hooks and forward hooks.
  template <class... Args>
  decltype(auto) operator()(Args&&... args) {
    Contained& m = *get();
    if constexpr (sizeof...(Args) == 1 &&
                  (std::is_convertible_v<Args, const Tensor&> && ...) &&
                  std::is_same_v<decltype(m.forward(std::forward<Args>(args)...)), Tensor>) {
      return m.call_with_hooks(std::forward<Args>(args)...,
                               [&m](const Tensor& x) { return m.forward(x); });
    } else {
      return m.forward(std::forward<Args>(args)...);
    }
  }

 private:
  static std::shared_ptr<Contained> default_construct() {
    if constexpr (std::is_default_constructible_v<Contained>) {
      return std::make_shared<Contained>();
    } else {
      static_assert(std::is_default_constructible_v<Contained>,
                    "this module has no default constructor: pass its options, or "
                    "initialise the holder with nullptr");
      return nullptr;
    }
  }

  std::shared_ptr<Contained> impl_;
};

template <class Contained>
std::ostream& operator<<(std::ostream& os, const ModuleHolder<Contained>& holder) {
  return os << *holder;
}

}  // namespace tg::nn

// Declares `Name` as the holder of `ImplType`.
#define TG_MODULE_IMPL(Name, ImplType)                                  \
  class Name : public ::tg::nn::ModuleHolder<ImplType> {                \
   public:                                                              \
    using ::tg::nn::ModuleHolder<ImplType>::ModuleHolder;               \
    using Impl = ImplType;                                              \
  }

// Declares `Name` as the holder of `NameImpl`.
#define TG_MODULE(Name) TG_MODULE_IMPL(Name, Name##Impl)

// libtorch's spellings, so a ported program keeps its TORCH_MODULE(Net) lines.
#ifndef TORCH_MODULE
#define TORCH_MODULE(Name) TG_MODULE(Name)
#define TORCH_MODULE_IMPL(Name, ImplType) TG_MODULE_IMPL(Name, ImplType)
#endif
