#include "autograd/node.h"

#include "autograd/demangle.h"

#include <execinfo.h>
#include <tbb/scalable_allocator.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <sstream>

#include "autograd/grad_mode.h"

namespace tg {
namespace {

std::atomic<uint64_t> next_sequence_nr{0};

// Destroying a long chain of nodes through nested shared_ptr destructors would recurse
// once per node and overflow the stack. Instead, each dying node hands its children to
// this loop, which releases them one at a time.
thread_local std::vector<std::shared_ptr<Node>>* pending_release = nullptr;

void release_iteratively(std::vector<std::shared_ptr<Node>>&& children) {
  if (children.empty()) return;
  if (pending_release) {
    for (auto& c : children) pending_release->push_back(std::move(c));
    return;
  }
  std::vector<std::shared_ptr<Node>> stack = std::move(children);
  pending_release = &stack;
  while (!stack.empty()) {
    std::shared_ptr<Node> n = std::move(stack.back());
    stack.pop_back();
    n.reset();  // may run ~Node, which appends its own children to `stack`
  }
  pending_release = nullptr;
}

std::string capture_backtrace() {
  void* frames[24];
  const int n = ::backtrace(frames, 24);
  char** symbols = ::backtrace_symbols(frames, n);
  std::ostringstream os;
  for (int i = 2; i < n; ++i)
    os << "\n    " << (symbols ? detail::demangle_backtrace_line(symbols[i]) : "?");
  std::free(symbols);
  return os.str();
}

Tensor alias_without_graph(const Tensor& t) {
  auto impl = make_tensor_impl();
  const TensorImpl& src = *t.impl();
  impl->storage = src.storage;
  impl->offset = src.offset;
  impl->shape = src.shape;
  impl->strides = src.strides;
  impl->dtype = src.dtype;
  impl->contiguous = src.contiguous;
  return Tensor(std::move(impl));
}

}  // namespace

// ---------------------------------------------------------------- SavedTensor

SavedTensor::SavedTensor(const Tensor& t, bool is_output) {
  was_defined_ = t.defined();
  if (!was_defined_) return;
  version_ = t.version();
  is_output_ = is_output;
  requires_grad_ = t.requires_grad();
  output_nr_ = t.output_nr();
  if (is_output) {
    // Never keep the output's own grad_fn (that would be a reference cycle): the
    // link is rebuilt from the owning node at unpack time.
    data_ = alias_without_graph(t);
  } else {
    // An input is kept as is: its history is older than this node, so no cycle. A later
    // in-place write (which could rebase its history) is caught by the version check.
    data_ = t;
  }
}

Tensor SavedTensor::unpack(const std::shared_ptr<Node>& owner, const std::string& op,
                           int index) const {
  if (!was_defined_) return Tensor();
  TG_CHECK(!released_, op,
           ": trying to backward through the graph a second time (or to read saved tensors "
           "after they were freed). Saved values are freed by backward() and "
           "autograd::grad(); pass retain_graph=true to backward twice.");
  if (data_.version() != version_) {
    throw Error(format_message(
        "one of the tensors needed for gradient computation has been modified by an in-place "
        "operation: the ", is_output_ ? "output" : "input", " saved as #", index, " by ", op,
        " (shape ", data_.shape(), ", dtype ", data_.dtype(), ") is at version ",
        data_.version(), "; expected version ", version_,
        ". Use an out-of-place op, or clone() the tensor before modifying it."));
  }
  if (!is_output_) return data_;
  Tensor t = alias_without_graph(data_);
  t.impl()->requires_grad = requires_grad_;
  t.impl()->output_nr = output_nr_;
  t.impl()->grad_fn = requires_grad_ ? owner : nullptr;
  return t;
}

std::shared_ptr<Node> SavedTensor::take_grad_fn() {
  // Only when this is the last handle on the tensor: then its history would otherwise
  // be destroyed recursively from inside this node's destructor.
  if (is_output_ || !data_.defined() || data_.impl_ptr().use_count() != 1) return nullptr;
  return std::move(data_.impl()->grad_fn);
}

void SavedTensor::release() {
  data_ = Tensor();
  released_ = true;
}

// ---------------------------------------------------------------- Node

namespace {
std::atomic<int64_t> live_nodes{0};
}  // namespace

namespace detail {
int64_t live_node_count() { return live_nodes.load(std::memory_order_relaxed); }
}  // namespace detail

Node::Node() : sequence_nr(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {
  if (autograd::AnomalyMode::is_enabled()) creation_context = capture_backtrace();
  live_nodes.fetch_add(1, std::memory_order_relaxed);
}

Node::~Node() {
  live_nodes.fetch_sub(1, std::memory_order_relaxed);
  std::vector<std::shared_ptr<Node>> children;
  Node::collect_children(children);
  release_iteratively(std::move(children));
}

void Node::collect_children(std::vector<std::shared_ptr<Node>>& out) {
  for (auto& e : next_edges)
    if (e.node) out.push_back(std::move(e.node));
  next_edges.clear();
}

int Node::add_pre_hook(uint32_t output_nr, PreHook hook, bool retains_grad) {
  static std::atomic<int> next_handle{1};
  const int handle = next_handle++;
  pre_hooks_.push_back({handle, output_nr, std::move(hook), retains_grad});
  return handle;
}

void Node::remove_pre_hook(int handle) {
  pre_hooks_.erase(std::remove_if(pre_hooks_.begin(), pre_hooks_.end(),
                                  [&](const HookEntry& h) { return h.handle == handle; }),
                   pre_hooks_.end());
}

// In registration order, as PyTorch 1.13: retain_grad() keeps the gradient as the hooks
// registered before it left it; hooks registered after it do not change the retained .grad.
Tensor Node::run_pre_hooks(uint32_t output_nr, Tensor grad) const {
  for (const auto& h : pre_hooks_) {
    if (h.output_nr != output_nr) continue;
    Tensor replaced = h.fn(grad);
    if (replaced.defined()) grad = std::move(replaced);
  }
  return grad;
}

// ---------------------------------------------------------------- AccumulateGrad

AccumulateGrad::AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {
  outputs.push_back({leaf_->shape, leaf_->dtype});
}

Tensor AccumulateGrad::run_leaf_hooks(Tensor grad) const {
  for (const auto& [handle, fn] : leaf_->hooks) {
    Tensor replaced = fn(grad);
    if (replaced.defined()) grad = std::move(replaced);
  }
  return grad;
}

namespace {
// A gradient nothing else can see (its only handle, sole owner of its memory, dense from
// the start, no history) becomes the leaf's .grad as it is, without a copy.
bool can_steal(const Tensor& g) {
  const TensorImpl* impl = g.impl();
  return g.impl_ptr().use_count() == 1 && impl->storage.use_count() == 1 && impl->contiguous &&
         impl->offset == 0 && !impl->grad_fn && !impl->requires_grad && !impl->is_view;
}
}  // namespace

TensorList AccumulateGrad::apply(TensorList&& grads) {
  Tensor g = run_leaf_hooks(std::move(grads[0]));
  if (!g.defined()) return {};
  TG_CHECK(g.shape() == leaf_->shape, "AccumulateGrad: gradient of shape ", g.shape(),
           " does not match the leaf's shape ", leaf_->shape);
  if (g.dtype() != leaf_->dtype) g = g.to(leaf_->dtype);
  Tensor& acc = leaf_->grad;
  if (GradMode::is_enabled()) {  // create_graph: keep the gradient's own history
    acc = acc.defined() ? acc.add(g) : g.clone();
  } else if (!acc.defined()) {
    acc = can_steal(g) ? std::move(g) : g.detach().clone();
  } else {
    acc.add_(g);
  }
  return {};
}

namespace autograd {

Edge gradient_edge(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (impl->grad_fn) return {impl->grad_fn, impl->output_nr};
  if (!impl->requires_grad) return {};
  std::shared_ptr<Node> acc = impl->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
    impl->grad_accumulator = acc;
  }
  return {acc, 0};
}

// ---------------------------------------------------------------- FunctionNode

Tensor Ctx::saved(int i) const {
  TG_CHECK(i >= 0 && i < static_cast<int>(saved_.size()), node_.name(), ": saved tensor #", i,
           " does not exist (", saved_.size(), " saved)");
  return saved_[i].unpack(node_.shared_from_this(), node_.name(), i);
}

TensorList FunctionNode::apply(TensorList&& grads) {
  Ctx ctx(*this, saved, needs, input_meta);
  TensorList out = vjp_(ctx, grads);
  TG_CHECK(out.size() == next_edges.size(), name_, ": the vjp returned ", out.size(),
           " gradients for ", next_edges.size(), " inputs");
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!needs[i]) {
      out[i] = Tensor();
      continue;
    }
    if (!out[i].defined()) continue;
    TG_CHECK(out[i].shape() == input_meta[i].shape, name_, ": the vjp returned a gradient of shape ",
             out[i].shape(), " for input #", i, " of shape ", input_meta[i].shape);
    if (out[i].dtype() != input_meta[i].dtype) out[i] = out[i].to(input_meta[i].dtype);
  }
  return out;
}

FunctionNode::~FunctionNode() {
  std::vector<std::shared_ptr<Node>> children;
  for (auto& s : saved)
    if (auto fn = s.take_grad_fn()) children.push_back(std::move(fn));
  release_iteratively(std::move(children));
}


void FunctionNode::release_saved() {
  for (auto& s : saved) s.release();
}

void FunctionNode::collect_children(std::vector<std::shared_ptr<Node>>& out) {
  Node::collect_children(out);
  for (auto& s : saved)
    if (auto fn = s.take_grad_fn()) out.push_back(std::move(fn));
}

bool needs_recording(const TensorList& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const auto& t : inputs)
    if (t.requires_grad()) return true;
  return false;
}

bool needs_recording(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->requires_grad()) return true;
  return false;
}

void record_node(const char* name, TensorList& outputs, const TensorList& inputs,
                 const TensorList& saved, VjpFn vjp) {
  auto node = std::allocate_shared<FunctionNode>(tbb::scalable_allocator<FunctionNode>(), name, std::move(vjp));
  const std::size_t n_in = inputs.size();
  node->next_edges.resize(n_in);
  node->needs.resize(n_in, false);
  node->input_meta.resize(n_in);
  for (std::size_t i = 0; i < n_in; ++i) {
    const Tensor& in = inputs[i];
    if (!in.defined()) continue;
    node->input_meta[i] = {in.shape(), in.dtype()};
    if (in.requires_grad()) {
      node->next_edges[i] = gradient_edge(in);
      node->needs[i] = true;
    }
  }
  // Outputs first, so a saved output is recorded with its final autograd state.
  node->outputs.reserve(outputs.size());
  for (uint32_t j = 0; j < outputs.size(); ++j) {
    Tensor& o = outputs[j];
    node->outputs.push_back({o.shape(), o.dtype()});
    if (!is_floating(o.dtype())) continue;  // integer outputs are not differentiable
    TensorImpl* impl = o.impl();
    impl->requires_grad = true;
    impl->grad_fn = node;
    impl->output_nr = j;
  }
  node->saved.reserve(saved.size());
  for (const Tensor& s : saved) {
    bool is_output = false;
    for (const Tensor& o : outputs) is_output = is_output || (s.defined() && s.is_same(o));
    node->saved.emplace_back(s, is_output);
  }
}

void rebase_history(Tensor& self, const Tensor& result) {
  TensorImpl* impl = self.impl();
  impl->grad_fn = result.grad_fn();
  impl->output_nr = result.output_nr();
  impl->requires_grad = result.requires_grad();
}

}  // namespace autograd
}  // namespace tg
