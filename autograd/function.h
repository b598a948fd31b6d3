// Custom ops: a forward and a vjp in one small struct with typed residuals.
//
//   struct Swish : tg::autograd::Function<Swish> {
//     struct Saved { tg::Tensor x; };                      // typed residuals
//     static tg::Tensor forward(Saved& s, const tg::Tensor& x) {
//       s.x = x;                                            // save inputs/outputs only
//       return x * tg::sigmoid(x);                          // runs with grad mode off
//     }
//     static tg::TensorList backward(const Saved& s, const tg::TensorList& g) {
//       tg::Tensor sig = tg::sigmoid(s.x);                  // recompute intermediates here
//       return {g[0] * (sig + s.x * sig * (1.0 - sig))};    // ops only: 2nd order works
//     }
//   };
//   tg::Tensor y = Swish::apply(x);
//
// The trap: a residual computed inside forward (grad mode is off there) is a constant to
// the second derivative. Saving sigmoid(x) instead of x passes gradcheck and silently gives
// a wrong Hessian; gradgradcheck catches it. Save inputs and outputs; recompute the rest.
//
// Tensors in Saved are version-checked: modifying one in place after forward makes
// backward throw. backward returns one gradient per tensor argument of forward (an
// undefined Tensor for "no gradient"); forward may return one Tensor or a TensorList.
#pragma once
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "autograd/grad_mode.h"
#include "autograd/node.h"

namespace tg::autograd {

namespace detail {

template <class T>
void collect_tensor_args(TensorList& out, const T& arg) {
  if constexpr (std::is_same_v<std::decay_t<T>, Tensor>) out.push_back(arg);
}

// Versions of the inputs and outputs at forward time, re-checked when backward runs.
struct VersionSnapshot {
  std::vector<std::pair<std::shared_ptr<Storage>, uint64_t>> entries;
  void add(const Tensor& t) {
    if (t.defined()) entries.emplace_back(t.storage(), t.version());
  }
  void check(const char* op) const {
    for (const auto& [storage, version] : entries) {
      TG_CHECK(storage->version() == version, op,
               ": a tensor saved by this custom op was modified in place after forward "
               "(version ", storage->version(), ", saved at ", version, ")");
    }
  }
};

}  // namespace detail

template <class Derived>
struct Function {
  // Runs Derived::forward without recording, then records one node whose vjp is
  // Derived::backward. Tensor arguments are the differentiable inputs; other arguments
  // are passed through unchanged.
  template <class... Args>
  static auto apply(Args&&... args) {
    using Saved = typename Derived::Saved;
    auto saved = std::make_shared<Saved>();
    TensorList inputs;
    (detail::collect_tensor_args(inputs, args), ...);
    auto result = [&] {
      NoGradGuard no_grad;
      return Derived::forward(*saved, std::forward<Args>(args)...);
    }();
    TensorList outputs;
    if constexpr (std::is_same_v<decltype(result), Tensor>) outputs.push_back(result);
    else outputs = result;
    if (!needs_recording(inputs)) return result;

    // Outputs get fresh handles to carry the new history, so a residual that holds an
    // output (or an input returned as is) never points back at this node (no cycle).
    for (Tensor& o : outputs) o = o.detach();
    auto snapshot = std::make_shared<detail::VersionSnapshot>();
    for (const Tensor& t : inputs) snapshot->add(t);
    for (const Tensor& t : outputs) snapshot->add(t);
    const char* name = Derived::name ? Derived::name : "CustomFunction";
    record_node(name, outputs, inputs, {},
                [saved, snapshot, name](const Ctx&, const TensorList& g) -> TensorList {
                  snapshot->check(name);
                  return Derived::backward(*saved, g);
                });
    if constexpr (std::is_same_v<decltype(result), Tensor>) return outputs[0];
    else return outputs;
  }

  static constexpr const char* name = nullptr;
};

}  // namespace tg::autograd
