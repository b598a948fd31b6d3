// Optimizer: the base of every optimizer (torch::optim style). Parameters live in groups,
// each with its own options; per-parameter state (moments, step counts) is kept by the
// optimizer, keyed by the parameter. step() updates parameters in place without recording.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "nn/arg.h"
#include "nn/ordered_dict.h"

namespace tg::optim {

// Options shared by every optimizer, seen through the base class by schedulers.
class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  virtual double get_lr() const = 0;
  virtual void set_lr(double lr) = 0;
  double lr() const { return get_lr(); }
  // Every option as a number (bools as 0/1, betas as beta1/beta2), for state_dict().
  virtual std::map<std::string, double> to_map() const = 0;
  virtual void from_map(const std::map<std::string, double>& values) = 0;
};

template <class Derived>
class OptimizerCloneableOptions : public OptimizerOptions {
 public:
  std::unique_ptr<OptimizerOptions> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

// Per-parameter state of one optimizer.
class OptimizerParamState {
 public:
  virtual ~OptimizerParamState() = default;
  // Each tensor by name, counters as 0-d float64 tensors (step); copies, not aliases.
  virtual std::map<std::string, Tensor> to_map() const = 0;
  // Restores from to_map()'s output; `param` gives the expected shape and dtype.
  virtual void from_map(const std::map<std::string, Tensor>& values, const Tensor& param) = 0;
};

class OptimizerParamGroup {
 public:
  OptimizerParamGroup(std::vector<Tensor> params)  // NOLINT: implicit as in libtorch
      : params_(std::move(params)) {}
  OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options)
      : params_(std::move(params)), options_(std::move(options)) {}
  OptimizerParamGroup(const OptimizerParamGroup& other);
  OptimizerParamGroup& operator=(const OptimizerParamGroup& other);
  OptimizerParamGroup(OptimizerParamGroup&&) = default;
  OptimizerParamGroup& operator=(OptimizerParamGroup&&) = default;

  bool has_options() const noexcept { return options_ != nullptr; }
  OptimizerOptions& options();
  const OptimizerOptions& options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }
  std::vector<Tensor>& params() noexcept { return params_; }
  const std::vector<Tensor>& params() const noexcept { return params_; }
  // The learning rate schedulers start from (PyTorch's group['initial_lr']); set by the first
  // scheduler attached to the optimizer.
  const std::optional<double>& initial_lr() const noexcept { return initial_lr_; }
  void set_initial_lr(double lr) { initial_lr_ = lr; }

 private:
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
  std::optional<double> initial_lr_;
};

// A plain copy of an optimizer's state, as PyTorch's optimizer.state_dict(): parameters are
// numbered in group order; tensors are copies.
struct OptimizerStateDict {
  struct Group {
    std::map<std::string, double> options;
    std::vector<int64_t> params;  // global parameter indices
  };
  std::vector<Group> param_groups;
  std::map<int64_t, std::map<std::string, Tensor>> state;  // by parameter index

  // One flat name -> tensor list ("state.3.exp_avg", "param_groups.0.lr" as a 0-d float64,
  // "param_groups.0.params" as int64), ready for a tensor file; and back.
  OrderedDict<std::string, Tensor> flatten() const;
  static OptimizerStateDict unflatten(const OrderedDict<std::string, Tensor>& flat);
};

using LossClosure = std::function<Tensor()>;

class Optimizer {
 public:
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  virtual ~Optimizer() = default;

  // Adds a group; without options it takes a copy of the defaults. A parameter may belong
  // to one group only, and must be a floating leaf.
  void add_param_group(const OptimizerParamGroup& param_group);
  // Runs `closure` (if any) with grad mode on to get the loss, then updates every parameter
  // that has a gradient. Returns the closure's loss (undefined without a closure).
  virtual Tensor step(LossClosure closure = nullptr) = 0;
  // Clears (set_to_none) or zeroes every parameter's gradient.
  void zero_grad(bool set_to_none = true);

  // All parameters, in group order.
  std::vector<Tensor> parameters() const;
  std::size_t size() const noexcept;
  OptimizerOptions& defaults() noexcept { return *defaults_; }
  const OptimizerOptions& defaults() const noexcept { return *defaults_; }
  std::vector<OptimizerParamGroup>& param_groups() noexcept { return param_groups_; }
  const std::vector<OptimizerParamGroup>& param_groups() const noexcept { return param_groups_; }
  // Per-parameter state, keyed by the parameter's TensorImpl.
  std::map<const TensorImpl*, std::unique_ptr<OptimizerParamState>>& state() noexcept {
    return state_;
  }

  // The optimizer's name ("SGD", "Adam", ...), as its error messages and saved files give it.
  const char* name() const noexcept { return name_; }

  OptimizerStateDict state_dict() const;
  // Restores options and state. The groups must match this optimizer's in number and sizes,
  // and state tensors must match their parameters' shapes; throws tg::Error otherwise.
  void load_state_dict(const OptimizerStateDict& state_dict);

 protected:
  // Runs `closure` (if any) with grad mode on and returns its loss (undefined without one).
  static Tensor evaluate_closure(const LossClosure& closure);
  Optimizer(std::vector<OptimizerParamGroup> param_groups,
            std::unique_ptr<OptimizerOptions> defaults, const char* name);
  // The state of `param`, created by make_state() on first use.
  template <class State>
  State& param_state(const Tensor& param) {
    auto& slot = state_[param.impl()];
    if (!slot) slot = std::make_unique<State>();
    return static_cast<State&>(*slot);
  }
  virtual std::unique_ptr<OptimizerParamState> make_state() const = 0;
  // Validates one group's options (throws tg::Error naming the optimizer and option).
  virtual void check_options(const OptimizerOptions& options) const = 0;
  // Derived constructors call this last: it validates every group's options (the base
  // constructor cannot call check_options) and enables the check in add_param_group.
  void finish_construction();
  const char* name_;

 private:
  std::unique_ptr<OptimizerOptions> defaults_;
  std::vector<OptimizerParamGroup> param_groups_;
  std::map<const TensorImpl*, std::unique_ptr<OptimizerParamState>> state_;
  bool constructed_ = false;
};

namespace detail {
// Shared helpers for the optimizers' state maps.
Tensor scalar_state(double value);
double read_scalar_state(const std::map<std::string, Tensor>& values, const std::string& key,
                         const char* op);
// A copy of values[key] checked against param's shape (undefined if absent and optional).
Tensor read_tensor_state(const std::map<std::string, Tensor>& values, const std::string& key,
                         const Tensor& param, bool required, const char* op);
double read_option(const std::map<std::string, double>& values, const std::string& key,
                   const char* op);
}  // namespace detail

}  // namespace tg::optim
