#include "optim/optimizer.h"

#include <cmath>
#include <set>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "optim/state_checks.h"

namespace tg::optim {

// ---------------------------------------------------------------- OptimizerParamGroup
OptimizerParamGroup::OptimizerParamGroup(const OptimizerParamGroup& other)
    : params_(other.params_),
      options_(other.options_ ? other.options_->clone() : nullptr),
      initial_lr_(other.initial_lr_) {}

OptimizerParamGroup& OptimizerParamGroup::operator=(const OptimizerParamGroup& other) {
  if (this == &other) return *this;
  params_ = other.params_;
  options_ = other.options_ ? other.options_->clone() : nullptr;
  initial_lr_ = other.initial_lr_;
  return *this;
}

OptimizerOptions& OptimizerParamGroup::options() {
  TG_CHECK(options_ != nullptr, "OptimizerParamGroup: the group has no options");
  return *options_;
}

const OptimizerOptions& OptimizerParamGroup::options() const {
  TG_CHECK(options_ != nullptr, "OptimizerParamGroup: the group has no options");
  return *options_;
}

// ---------------------------------------------------------------- Optimizer
Optimizer::Optimizer(std::vector<OptimizerParamGroup> param_groups,
                     std::unique_ptr<OptimizerOptions> defaults, const char* name)
    : name_(name), defaults_(std::move(defaults)) {
  std::size_t count = 0;
  for (const auto& group : param_groups) count += group.params().size();
  TG_CHECK(count > 0, name_, ": optimizer got an empty parameter list");
  for (const auto& group : param_groups) add_param_group(group);
}

void Optimizer::finish_construction() {
  check_options(*defaults_);
  for (const auto& group : param_groups_) check_options(group.options());
  constructed_ = true;
}

void Optimizer::add_param_group(const OptimizerParamGroup& param_group) {
  std::set<const TensorImpl*> seen;
  for (const auto& group : param_groups_)
    for (const Tensor& p : group.params()) seen.insert(p.impl());
  for (std::size_t i = 0; i < param_group.params().size(); ++i) {
    const Tensor& p = param_group.params()[i];
    TG_CHECK(p.defined(), name_, ": parameter ", i, " of the new group is undefined");
    TG_CHECK(p.is_floating_point(), name_, ": can only optimize floating tensors, parameter ", i,
             " is ", p.dtype());
    TG_CHECK(p.is_leaf(), name_, ": can't optimize a non-leaf tensor (parameter ", i,
             ", shape ", p.shape(), ")");
    TG_CHECK(seen.insert(p.impl()).second, name_, ": parameter ", i, " (shape ", p.shape(),
             ") appears in more than one parameter group, or twice in one");
  }
  OptimizerParamGroup group(param_group.params(),
                            param_group.has_options() ? param_group.options().clone()
                                                      : defaults_->clone());
  if (constructed_) check_options(group.options());
  param_groups_.push_back(std::move(group));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& group : param_groups_) {
    for (Tensor& p : group.params()) {
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
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> out;
  for (const auto& group : param_groups_)
    out.insert(out.end(), group.params().begin(), group.params().end());
  return out;
}

std::size_t Optimizer::size() const noexcept {
  std::size_t n = 0;
  for (const auto& group : param_groups_) n += group.params().size();
  return n;
}

OptimizerStateDict Optimizer::state_dict() const {
  OptimizerStateDict out;
  int64_t index = 0;
  for (const auto& group : param_groups_) {
    OptimizerStateDict::Group g;
    g.options = group.options().to_map();
    for (const Tensor& p : group.params()) {
      auto it = state_.find(p.impl());
      if (it != state_.end() && it->second) out.state[index] = it->second->to_map();
      g.params.push_back(index++);
    }
    out.param_groups.push_back(std::move(g));
  }
  return out;
}

void Optimizer::load_state_dict(const OptimizerStateDict& state_dict) {
  TG_CHECK(state_dict.param_groups.size() == param_groups_.size(), name_,
           ": load_state_dict: the loaded state has ", state_dict.param_groups.size(),
           " parameter groups, this optimizer has ", param_groups_.size());
  std::vector<Tensor> params;
  for (std::size_t g = 0; g < param_groups_.size(); ++g) {
    const auto& saved = state_dict.param_groups[g];
    TG_CHECK(saved.params.size() == param_groups_[g].params().size(), name_,
             ": load_state_dict: group ", g, " has ", saved.params.size(),
             " parameters in the loaded state, ", param_groups_[g].params().size(), " here");
    for (std::size_t i = 0; i < saved.params.size(); ++i) {
      const int64_t index = saved.params[i];
      TG_CHECK(index == static_cast<int64_t>(params.size()), name_,
               ": load_state_dict: unexpected parameter index ", index, " in group ", g);
      params.push_back(param_groups_[g].params()[i]);
    }
  }
  for (const auto& entry : state_dict.state)
    TG_CHECK(entry.first >= 0 && entry.first < static_cast<int64_t>(params.size()), name_,
             ": load_state_dict: state for parameter ", entry.first, " but there are only ",
             params.size(), " parameters");

  // Build everything first, so a bad entry leaves this optimizer untouched.
  std::vector<std::unique_ptr<OptimizerOptions>> options;
  for (std::size_t g = 0; g < param_groups_.size(); ++g) {
    auto o = param_groups_[g].options().clone();
    o->from_map(state_dict.param_groups[g].options);
    check_options(*o);
    options.push_back(std::move(o));
  }
  std::map<const TensorImpl*, std::unique_ptr<OptimizerParamState>> state;
  for (const auto& [index, values] : state_dict.state) {
    auto s = make_state();
    s->from_map(values, params[index]);
    state[params[index].impl()] = std::move(s);
  }
  for (std::size_t g = 0; g < param_groups_.size(); ++g)
    param_groups_[g].set_options(std::move(options[g]));
  state_ = std::move(state);
}

// ---------------------------------------------------------------- OptimizerStateDict
OrderedDict<std::string, Tensor> OptimizerStateDict::flatten() const {
  OrderedDict<std::string, Tensor> out("State");
  for (std::size_t g = 0; g < param_groups.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    for (const auto& [key, value] : param_groups[g].options)
      out.insert(prefix + key, scalar_tensor(value, kFloat64));
    out.insert(prefix + "params", tensor(param_groups[g].params,
                                         {static_cast<int64_t>(param_groups[g].params.size())}));
  }
  for (const auto& [index, values] : state)
    for (const auto& [key, value] : values)
      out.insert("state." + std::to_string(index) + "." + key, value);
  return out;
}

OptimizerStateDict OptimizerStateDict::unflatten(const OrderedDict<std::string, Tensor>& flat) {
  OptimizerStateDict out;
  for (const auto& item : flat) {
    const std::string& name = item.key();
    const std::size_t first = name.find('.');
    const std::size_t second = first == std::string::npos ? first : name.find('.', first + 1);
    TG_CHECK(second != std::string::npos, "OptimizerStateDict::unflatten: bad key '", name, "'");
    const std::string section = name.substr(0, first);
    const std::string key = name.substr(second + 1);
    int64_t index = -1;
    try {
      index = std::stoll(name.substr(first + 1, second - first - 1));
    } catch (const std::exception&) {
      throw Error(format_message("OptimizerStateDict::unflatten: bad index in key '", name, "'"));
    }
    // Every group and state entry has at least one key, so an index is below the key count;
    // a larger one (from a damaged file) is refused before it sizes any allocation.
    TG_CHECK(index >= 0 && static_cast<uint64_t>(index) < flat.size(),
             "OptimizerStateDict::unflatten: index ", index, " in key '", name,
             "' is out of range for a state of ", flat.size(), " entries");
    if (section == "param_groups") {
      if (out.param_groups.size() <= static_cast<std::size_t>(index))
        out.param_groups.resize(index + 1);
      auto& group = out.param_groups[index];
      if (key == "params") {
        group.params = item.value().to(kInt64).contiguous().to_vector<int64_t>();
      } else {
        TG_CHECK(item.value().numel() == 1, "OptimizerStateDict::unflatten: option '", name,
                 "' must hold one value, got shape ", item.value().shape());
        group.options[key] = item.value().item<double>();
      }
    } else if (section == "state") {
      out.state[index][key] = item.value();
    } else {
      throw Error(format_message("OptimizerStateDict::unflatten: unknown section in key '", name,
                                 "'"));
    }
  }
  return out;
}

// ---------------------------------------------------------------- helpers
namespace detail {

Tensor scalar_state(double value) { return scalar_tensor(value, kFloat64); }

double read_scalar_state(const std::map<std::string, Tensor>& values, const std::string& key,
                         const char* op) {
  auto it = values.find(key);
  TG_CHECK(it != values.end() && it->second.defined(), op, ": load_state_dict: the state has no '",
           key, "'");
  TG_CHECK(it->second.numel() == 1, op, ": load_state_dict: '", key,
           "' must hold one value, got shape ", it->second.shape());
  return it->second.item<double>();
}

Tensor read_tensor_state(const std::map<std::string, Tensor>& values, const std::string& key,
                         const Tensor& param, bool required, const char* op) {
  auto it = values.find(key);
  if (it == values.end() || !it->second.defined()) {
    TG_CHECK(!required, op, ": load_state_dict: the state has no '", key, "'");
    return Tensor();
  }
  TG_CHECK(it->second.shape() == param.shape(), op, ": load_state_dict: '", key, "' has shape ",
           it->second.shape(), " but its parameter has shape ", param.shape());
  NoGradGuard no_grad;
  return it->second.detach().to(param.dtype()).clone();
}

double read_option(const std::map<std::string, double>& values, const std::string& key,
                   const char* op) {
  auto it = values.find(key);
  TG_CHECK(it != values.end(), op, ": load_state_dict: the group options have no '", key, "'");
  return it->second;
}

namespace {
int64_t whole_number(double value, const std::string& key, const char* op) {
  constexpr double kLimit = 9007199254740992.0;  // 2^53: every integer up to it is exact
  TG_CHECK(std::isfinite(value) && std::fabs(value) <= kLimit, op, ": load_state_dict: '", key,
           "' must be a whole number within +-2^53, got ", value);
  return static_cast<int64_t>(value);
}
}  // namespace

int64_t read_int_state(const std::map<std::string, Tensor>& values, const std::string& key,
                       const char* op) {
  return whole_number(read_scalar_state(values, key, op), key, op);
}

int64_t read_int_option(const std::map<std::string, double>& values, const std::string& key,
                        const char* op) {
  return whole_number(read_option(values, key, op), key, op);
}

}  // namespace detail
Tensor Optimizer::evaluate_closure(const LossClosure& closure) {
  if (!closure) return Tensor();
  EnableGradGuard grad_on;
  return closure();
}

}  // namespace tg::optim
