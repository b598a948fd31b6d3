// Node: one recorded op on the tape. Edges point from a node to the nodes that produced
// its inputs; backward walks them in reverse, calling each node's vjp.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace tg {

class Node;

// Where a gradient flows: input `input_nr` of `node`. An empty edge drops the gradient.
struct Edge {
  std::shared_ptr<Node> node;
  uint32_t input_nr = 0;
  bool valid() const { return node != nullptr; }
};

// Shape and dtype of one output, kept so missing output gradients can be zero-filled.
struct OutputMeta {
  Shape shape;
  DType dtype = DType::Float32;
};

// A tensor a node keeps for its vjp, with the version it had when saved. Unpacking
// after an in-place write, or after the graph was freed, throws.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output);
  // Rebuilds the tensor; `owner` is the node that saved it (needed for saved outputs).
  Tensor unpack(const std::shared_ptr<Node>& owner, const std::string& op, int index) const;
  void release();
  bool defined() const { return data_.defined() || was_defined_; }
  // Moves the saved tensor's graph link out when nothing else holds the tensor (for
  // iterative teardown).
  std::shared_ptr<Node> take_grad_fn();

 private:
  Tensor data_;  // inputs: the tensor itself; outputs: an alias with no graph link
  uint64_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool requires_grad_ = false;
  bool was_defined_ = false;
  bool released_ = false;
};

using PreHook = std::function<Tensor(const Tensor&)>;

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  virtual std::string name() const = 0;
  // One gradient per output in, one per input (next edge) out. Undefined = zero/none.
  virtual TensorList apply(TensorList&& grads) = 0;
  virtual void release_saved() {}
  // Leaf sink nodes accumulate into .grad instead of returning gradients.
  virtual bool is_accumulator() const { return false; }

  std::vector<Edge> next_edges;
  std::vector<OutputMeta> outputs;
  uint64_t sequence_nr;
  std::string creation_context;  // filled in anomaly mode

  // Scratch space of the backward pass that is walking this node (valid while
  // `task_id` matches that pass); kept here rather than in hash maps for speed.
  struct EngineState {
    uint64_t task_id = 0;
    int dependencies = 0;
    bool needed = false;
    bool execute = false;
    TensorList buffer;
  } engine;

  // Hooks on the gradient of output `i` (tensor hooks and retain_grad of non-leaves).
  int add_pre_hook(uint32_t output_nr, PreHook hook, bool retains_grad = false);
  void remove_pre_hook(int handle);
  Tensor run_pre_hooks(uint32_t output_nr, Tensor grad) const;
  bool has_pre_hooks() const { return !pre_hooks_.empty(); }

  // Pulls strong references to other nodes out of this one so they can be
  // destroyed iteratively rather than by deep recursion.
  virtual void collect_children(std::vector<std::shared_ptr<Node>>& out);

 private:
  struct HookEntry {
    int handle;
    uint32_t output_nr;
    PreHook fn;
    bool retains_grad;  // added by retain_grad(); runs in registration order
  };
  std::vector<HookEntry> pre_hooks_;
};

// The sink for a leaf that requires grad: adds incoming gradients to leaf.grad.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf);
  std::string name() const override { return "AccumulateGrad"; }
  TensorList apply(TensorList&& grads) override;
  bool is_accumulator() const override { return true; }
  // Runs the leaf's hooks on `grad` without accumulating it (used by autograd::grad).
  Tensor run_leaf_hooks(Tensor grad) const;
  const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

namespace autograd {

// The edge a gradient for `t` flows into: its grad_fn, or its leaf accumulator.
Edge gradient_edge(const Tensor& t);

// What a vjp sees: the saved tensors, which inputs need a gradient, input metadata.
class Ctx {
 public:
  Ctx(Node& node, const std::vector<SavedTensor>& saved, const std::vector<bool>& needs,
      const std::vector<OutputMeta>& inputs)
      : node_(node), saved_(saved), needs_(needs), inputs_(inputs) {}
  Tensor saved(int i) const;
  bool needs(int i) const { return needs_[i]; }
  const Shape& input_shape(int i) const { return inputs_[i].shape; }
  DType input_dtype(int i) const { return inputs_[i].dtype; }
  const Shape& output_shape(int i) const { return node_.outputs[i].shape; }

 private:
  Node& node_;
  const std::vector<SavedTensor>& saved_;
  const std::vector<bool>& needs_;
  const std::vector<OutputMeta>& inputs_;
};

using VjpFn = std::function<TensorList(const Ctx&, const TensorList& grads)>;

// A node whose vjp is a function written with ordinary (differentiable) ops.
class FunctionNode final : public Node {
 public:
  FunctionNode(const char* name, VjpFn vjp) : name_(name), vjp_(std::move(vjp)) {}
  ~FunctionNode() override;
  std::string name() const override { return name_; }
  TensorList apply(TensorList&& grads) override;
  void release_saved() override;
  void collect_children(std::vector<std::shared_ptr<Node>>& out) override;

  std::vector<SavedTensor> saved;
  std::vector<bool> needs;
  std::vector<OutputMeta> input_meta;

 private:
  const char* name_;
  VjpFn vjp_;
};

// True when an op on `inputs` must be recorded (grad mode on, some input requires grad).
bool needs_recording(const TensorList& inputs);
bool needs_recording(std::initializer_list<const Tensor*> inputs);

// Ties `outputs` into the graph as results of op `name` applied to `inputs`, keeping
// `saved` for the vjp. Integer/bool outputs never require grad. Call only when
// needs_recording(inputs) is true.
void record_node(const char* name, TensorList& outputs, const TensorList& inputs,
                 const TensorList& saved, VjpFn vjp);

// Single-output convenience: records (when needed) and returns `out`.
template <class F>
Tensor record(const char* name, Tensor out, const TensorList& inputs, const TensorList& saved,
              F&& vjp) {
  if (!needs_recording(inputs)) return out;
  TensorList outs{std::move(out)};
  record_node(name, outs, inputs, saved, VjpFn(std::forward<F>(vjp)));
  return std::move(outs[0]);
}

// Multi-output version: records (when needed) in place.
template <class F>
void record_multi(const char* name, TensorList& outputs, const TensorList& inputs,
                  const TensorList& saved, F&& vjp) {
  if (!needs_recording(inputs)) return;
  record_node(name, outputs, inputs, saved, VjpFn(std::forward<F>(vjp)));
}

// Rewires `self` (modified in place) to take its history from `result`'s node.
void rebase_history(Tensor& self, const Tensor& result);

}  // namespace autograd
}  // namespace tg
