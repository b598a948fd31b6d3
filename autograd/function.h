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
//
// libtorch's style works too (a Derived without a Saved type): forward and backward take an
// AutogradContext* as their first argument, save tensors with ctx->save_for_backward (read
// back, version-checked, with ctx->get_saved_variables()), keep other values in
// ctx->saved_data, and backward returns one gradient per argument of forward (undefined for
// the non-tensor ones):
//
//   struct MulConstant : tg::autograd::Function<MulConstant> {
//     static tg::Tensor forward(tg::autograd::AutogradContext* ctx, tg::Tensor x, double c) {
//       ctx->saved_data["c"] = c;
//       return x * c;
//     }
//     static tg::autograd::tensor_list backward(tg::autograd::AutogradContext* ctx,
//                                              tg::autograd::tensor_list g) {
//       return {g[0] * ctx->saved_data["c"].toDouble(), tg::Tensor()};
//     }
//   };
#pragma once
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>

#include "autograd/grad_mode.h"
#include "autograd/ivalue.h"
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

template <class T, class = void>
struct has_typed_saved : std::false_type {};
template <class T>
struct has_typed_saved<T, std::void_t<typename T::Saved>> : std::true_type {};

// "tg::autograd::CppNode<Name>" for the class whose mangled name is given.
std::string cpp_node_name(const char* mangled);

}  // namespace detail

using variable_list = std::vector<Tensor>;
using tensor_list = std::vector<Tensor>;

// What a libtorch-style custom function's forward and backward share.
class AutogradContext {
 public:
  // Values other than saved tensors (scalars, sizes, strings, tensors that are inputs).
  std::unordered_map<std::string, IValue> saved_data;

  // Tensors for backward (inputs or outputs of forward; undefined tensors allowed). Reading
  // them after an in-place change throws, naming the function.
  void save_for_backward(variable_list to_save) { to_save_ = std::move(to_save); }
  variable_list get_saved_variables() const;
  // Outputs that get no gradient (their requires_grad is false; backward receives zeros).
  void mark_non_differentiable(const variable_list& outputs);
  // Whether backward must compute the gradient of the i-th tensor argument of forward
  // (valid inside backward).
  bool needs_input_grad(std::size_t index) const;

 private:
  template <class> friend struct Function;
  variable_list to_save_;
  std::vector<const TensorImpl*> non_differentiable_;
  const Ctx* backward_ctx_ = nullptr;  // set while backward runs
  std::size_t num_saved_ = 0;
};

template <class Derived>
struct Function {
  // Runs Derived::forward without recording, then records one node whose vjp is
  // Derived::backward. Tensor arguments are the differentiable inputs; other arguments
  // are passed through unchanged.
  template <class... Args>
  static auto apply(Args&&... args) {
    if constexpr (detail::has_typed_saved<Derived>::value) {
      return apply_typed(std::forward<Args>(args)...);
    } else {
      return apply_with_context(std::forward<Args>(args)...);
    }
  }

  static constexpr const char* name = nullptr;

 private:
  template <class... Args>
  static auto apply_typed(Args&&... args) {
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

  // libtorch's style: forward(AutogradContext*, args...), backward(AutogradContext*, grads).
  template <class... Args>
  static auto apply_with_context(Args&&... args) {
    static const std::string node_name = detail::cpp_node_name(typeid(Derived).name());
    auto ctx = std::make_shared<AutogradContext>();
    TensorList inputs;
    (detail::collect_tensor_args(inputs, args), ...);
    const std::vector<bool> is_tensor_arg{std::is_same_v<std::decay_t<Args>, Tensor>...};
    auto result = [&] {
      NoGradGuard no_grad;
      return Derived::forward(ctx.get(), std::forward<Args>(args)...);
    }();
    TensorList outputs;
    if constexpr (std::is_same_v<decltype(result), Tensor>) outputs.push_back(result);
    else outputs = result;
    if (!needs_recording(inputs)) {
      ctx->to_save_.clear();
      return result;
    }
    // Fresh output handles carry the new history; saved outputs are re-linked to this node
    // when unpacked (never held with their grad_fn: no cycle).
    const TensorList raw = outputs;
    for (Tensor& o : outputs) o = o.detach();
    TensorList saved = std::move(ctx->to_save_);
    ctx->to_save_.clear();
    for (Tensor& s : saved)
      for (std::size_t j = 0; j < raw.size(); ++j)
        if (s.defined() && s.is_same(raw[j])) s = outputs[j];
    ctx->num_saved_ = saved.size();
    const char* name = node_name.c_str();
    record_node(name, outputs, inputs, saved,
                [ctx, is_tensor_arg, name](const Ctx& c, const TensorList& g) -> TensorList {
                  struct Reset {
                    AutogradContext* ctx;
                    ~Reset() { ctx->backward_ctx_ = nullptr; }
                  } reset{ctx.get()};
                  ctx->backward_ctx_ = &c;
                  TensorList r = Derived::backward(ctx.get(), g);
                  const std::size_t n = is_tensor_arg.size();
                  for (std::size_t i = n; i < r.size(); ++i)
                    TG_CHECK(!r[i].defined(), name, ": backward returned an incorrect number of "
                             "gradients (expected ", n, ", got ", r.size(), ")");
                  TG_CHECK(r.size() >= n, name, ": backward returned an incorrect number of "
                           "gradients (expected ", n, ", got ", r.size(), ")");
                  TensorList out;
                  for (std::size_t i = 0; i < n; ++i) {
                    if (is_tensor_arg[i]) {
                      out.push_back(r[i]);
                    } else {
                      TG_CHECK(!r[i].defined(), name, ": backward returned a gradient for "
                               "argument ", i, ", which is not a tensor (return an undefined "
                               "Tensor there)");
                    }
                  }
                  return out;
                });
    for (std::size_t j = 0; j < outputs.size(); ++j) {
      for (const TensorImpl* nd : ctx->non_differentiable_) {
        if (raw[j].impl() == nd) {
          outputs[j].impl()->grad_fn = nullptr;
          outputs[j].impl()->requires_grad = false;
        }
      }
    }
    ctx->non_differentiable_.clear();
    if constexpr (std::is_same_v<decltype(result), Tensor>) return outputs[0];
    else return outputs;
  }
};

inline variable_list AutogradContext::get_saved_variables() const {
  if (backward_ctx_ == nullptr) return to_save_;
  variable_list out;
  out.reserve(num_saved_);
  for (std::size_t i = 0; i < num_saved_; ++i) out.push_back(backward_ctx_->saved(static_cast<int>(i)));
  return out;
}

inline void AutogradContext::mark_non_differentiable(const variable_list& outputs) {
  for (const Tensor& t : outputs)
    if (t.defined()) non_differentiable_.push_back(t.impl());
}

inline bool AutogradContext::needs_input_grad(std::size_t index) const {
  TG_CHECK(backward_ctx_ != nullptr, "needs_input_grad: only available inside backward");
  return backward_ctx_->needs(static_cast<int>(index));
}

}  // namespace tg::autograd
