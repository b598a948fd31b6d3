#include "nn/utils/checkpoint.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/random.h"

namespace tg::utils {
namespace {

// Creating a node takes the next sequence number: every node recorded after this call has a
// larger one, every node recorded before it a smaller one.
struct TapeMark final : Node {
  std::string name() const override { return "TapeMark"; }
  TensorList apply(TensorList&&) override { return {}; }
};

uint64_t tape_position() {
  TapeMark mark;
  return mark.sequence_nr;
}

// Puts the default generator in `replayed` while alive, then back where it was.
class RngReplay {
 public:
  explicit RngReplay(const std::optional<std::string>& replayed) {
    if (!replayed) return;
    outer_ = default_generator().get_state();
    default_generator().set_state(*replayed);
  }
  ~RngReplay() {
    if (outer_) default_generator().set_state(*outer_);
  }
  RngReplay(const RngReplay&) = delete;
  RngReplay& operator=(const RngReplay&) = delete;

 private:
  std::optional<std::string> outer_;
};

// What the backward needs: the function, its inputs' values and where their gradients go.
struct CheckpointState {
  CheckpointFunction fn;
  TensorList inputs;                // detached: values only
  std::vector<bool> requires_grad;  // of each input at forward time
  std::vector<Edge> input_edges;    // the recorded node's edges (one per input)
  std::optional<std::string> rng_state;
  std::vector<std::pair<std::shared_ptr<Storage>, uint64_t>> versions;

  void check_versions() const {
    for (std::size_t i = 0; i < versions.size(); ++i) {
      const auto& [storage, version] = versions[i];
      TG_CHECK(storage->version() == version, "checkpoint: an input of the checkpointed "
               "function was modified in place after the forward (version ", storage->version(),
               ", saved at ", version, "); the recomputation would see other values");
    }
  }
};

// The recomputed graph as found from its outputs: stand-in leaves for the leaves `fn`
// captured (so the inner backward pass never touches a node the outer pass may own).
class RecomputedGraph {
 public:
  RecomputedGraph(uint64_t mark, const TensorList& inputs) : mark_(mark) {
    for (const Tensor& t : inputs)
      if (t.defined() && t.requires_grad()) input_impls_.insert(t.impl());
  }

  // Redirects every edge into a captured leaf to its stand-in; outputs that are captured
  // leaves are replaced by their stand-ins. Throws on a captured non-leaf.
  void isolate(TensorList& outputs) {
    std::vector<Node*> stack;
    std::set<Node*> seen;
    for (Tensor& out : outputs) {
      if (!out.defined() || !out.requires_grad()) continue;
      if (out.is_leaf()) {
        if (!input_impls_.count(out.impl())) out = stand_in(out.impl_ptr());
        continue;
      }
      check_recomputed(out.grad_fn().get());
      if (seen.insert(out.grad_fn().get()).second) stack.push_back(out.grad_fn().get());
    }
    while (!stack.empty()) {
      Node* node = stack.back();
      stack.pop_back();
      for (Edge& e : node->next_edges) {
        if (!e.valid()) continue;
        if (e.node->is_accumulator()) {
          const auto& leaf = static_cast<AccumulateGrad*>(e.node.get())->leaf();
          if (!input_impls_.count(leaf.get())) e = autograd::gradient_edge(stand_in(leaf));
          continue;
        }
        check_recomputed(e.node.get());
        if (seen.insert(e.node.get()).second) stack.push_back(e.node.get());
      }
    }
  }

  const TensorList& captured_leaves() const { return leaves_; }
  const TensorList& stand_ins() const { return stand_ins_; }

  // After a create_graph pass: points the new graph's edges into the inputs' stand-ins
  // (detached inputs, leaf stand-ins) at the real tensors, so higher derivatives reach them.
  void reattach(const TensorList& roots, const std::map<const Node*, Edge>& redirect) const {
    std::vector<Node*> stack;
    std::set<Node*> seen;
    for (const Tensor& r : roots) {
      if (!r.defined() || !r.grad_fn() || r.grad_fn()->sequence_nr < mark_) continue;
      if (seen.insert(r.grad_fn().get()).second) stack.push_back(r.grad_fn().get());
    }
    while (!stack.empty()) {
      Node* node = stack.back();
      stack.pop_back();
      for (Edge& e : node->next_edges) {
        if (!e.valid()) continue;
        auto it = redirect.find(e.node.get());
        if (it != redirect.end()) {
          e = it->second;
          continue;
        }
        if (e.node->sequence_nr < mark_ || e.node->is_accumulator()) continue;
        if (seen.insert(e.node.get()).second) stack.push_back(e.node.get());
      }
    }
  }

 private:
  void check_recomputed(const Node* node) const {
    TG_CHECK(node->sequence_nr > mark_, "checkpoint: the checkpointed function uses a tensor "
             "that requires grad but is neither one of its inputs nor a leaf (it was computed "
             "by '", node->name(), "' before the checkpoint); pass it in `inputs`");
  }

  Tensor stand_in(const std::shared_ptr<TensorImpl>& leaf) {
    auto it = index_.find(leaf.get());
    if (it != index_.end()) return stand_ins_[it->second];
    Tensor real(leaf);
    Tensor proxy = real.detach();
    proxy.requires_grad_(true);
    index_.emplace(leaf.get(), leaves_.size());
    leaves_.push_back(real);
    stand_ins_.push_back(proxy);
    return proxy;
  }

  uint64_t mark_;
  std::set<const TensorImpl*> input_impls_;
  std::map<const TensorImpl*, std::size_t> index_;
  TensorList leaves_;
  TensorList stand_ins_;
};

TensorList checkpoint_backward(const CheckpointState& state, const autograd::Ctx& ctx,
                               const TensorList& grads) {
  state.check_versions();
  const bool create_graph = GradMode::is_enabled();  // the engine runs vjps in that mode
  const std::size_t n = state.inputs.size();
  TensorList detached(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!state.inputs[i].defined()) continue;
    detached[i] = state.inputs[i].detach();
    if (state.requires_grad[i]) detached[i].requires_grad_(true);
  }

  const uint64_t mark = tape_position();
  TensorList outputs;
  {
    RngReplay replay(state.rng_state);
    EnableGradGuard grad_mode;
    outputs = state.fn(detached);
  }
  TG_CHECK(outputs.size() == grads.size(), "checkpoint: the recomputation returned ",
           outputs.size(), " outputs but the forward returned ", grads.size());

  RecomputedGraph graph(mark, detached);
  graph.isolate(outputs);

  TensorList targets;
  std::vector<int64_t> target_of_input(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    if (!ctx.needs(static_cast<int>(i)) || !detached[i].defined()) continue;
    target_of_input[i] = static_cast<int64_t>(targets.size());
    targets.push_back(detached[i]);
  }
  const std::size_t first_leaf = targets.size();
  for (const Tensor& s : graph.stand_ins()) targets.push_back(s);

  TensorList roots, root_grads;
  for (std::size_t j = 0; j < outputs.size(); ++j) {
    if (!outputs[j].defined() || !outputs[j].requires_grad() || !grads[j].defined()) continue;
    roots.push_back(outputs[j]);
    root_grads.push_back(grads[j]);
  }
  TensorList result(n);
  if (roots.empty() || targets.empty()) return result;

  TensorList g = autograd::grad(roots, targets, root_grads, std::nullopt, create_graph,
                                /*allow_unused=*/true);

  if (create_graph) {
    std::map<const Node*, Edge> redirect;
    for (std::size_t i = 0; i < n; ++i) {
      if (target_of_input[i] < 0) continue;
      redirect[autograd::gradient_edge(detached[i]).node.get()] = state.input_edges[i];
    }
    for (std::size_t k = 0; k < graph.stand_ins().size(); ++k) {
      redirect[autograd::gradient_edge(graph.stand_ins()[k]).node.get()] =
          autograd::gradient_edge(graph.captured_leaves()[k]);
    }
    graph.reattach(g, redirect);
  }

  // Captured leaves: accumulate as the engine's sink for them would (hooks included).
  for (std::size_t k = 0; k < graph.captured_leaves().size(); ++k) {
    Tensor leaf_grad = g[first_leaf + k];
    if (!leaf_grad.defined()) continue;
    autograd::gradient_edge(graph.captured_leaves()[k]).node->apply({leaf_grad});
  }
  for (std::size_t i = 0; i < n; ++i)
    if (target_of_input[i] >= 0) result[i] = g[static_cast<std::size_t>(target_of_input[i])];
  return result;
}

}  // namespace

TensorList checkpoint(const CheckpointFunction& fn, const TensorList& inputs,
                      bool preserve_rng_state) {
  TG_CHECK(fn != nullptr, "checkpoint: the function is empty");
  if (!autograd::needs_recording(inputs)) return fn(inputs);

  auto state = std::make_shared<CheckpointState>();
  if (preserve_rng_state) state->rng_state = default_generator().get_state();
  TensorList outputs;
  {
    NoGradGuard no_grad;
    outputs = fn(inputs);
  }
  for (std::size_t j = 0; j < outputs.size(); ++j) {
    TG_CHECK(outputs[j].defined(), "checkpoint: output #", j,
             " of the checkpointed function is undefined");
    outputs[j] = outputs[j].detach();  // a fresh handle to carry the new history
  }

  state->fn = fn;
  state->inputs.resize(inputs.size());
  state->requires_grad.resize(inputs.size(), false);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) continue;
    state->inputs[i] = inputs[i].detach();
    state->requires_grad[i] = inputs[i].requires_grad();
    state->versions.emplace_back(inputs[i].storage(), inputs[i].version());
  }
  autograd::record_node("Checkpoint", outputs, inputs, {},
                        [state](const autograd::Ctx& ctx, const TensorList& grads) {
                          return checkpoint_backward(*state, ctx, grads);
                        });
  for (const Tensor& out : outputs) {
    if (!out.grad_fn()) continue;
    state->input_edges = out.grad_fn()->next_edges;
    break;
  }
  return outputs;
}

Tensor checkpoint(const SingleOutputCheckpointFunction& fn, const TensorList& inputs,
                  bool preserve_rng_state) {
  TG_CHECK(fn != nullptr, "checkpoint: the function is empty");
  TensorList out = checkpoint(
      [fn](const TensorList& in) { return TensorList{fn(in)}; }, inputs, preserve_rng_state);
  return out[0];
}

Tensor checkpoint_sequential(const nn::Sequential& sequential, int64_t segments,
                             const Tensor& input, bool preserve_rng_state) {
  const nn::SequentialImpl& seq = *sequential.get();
  const auto count = static_cast<int64_t>(seq.size());
  TG_CHECK(segments >= 1 && segments <= count, "checkpoint_sequential: segments must be between "
           "1 and the number of modules (", count, "), got ", segments);
  const std::vector<nn::AnyModule> modules(seq.begin(), seq.end());
  const int64_t segment_size = count / segments;
  Tensor x = input;
  int64_t next = 0;
  for (int64_t s = 0; s + 1 < segments; ++s, next += segment_size) {
    // The chunk is copied into the function: the backward calls it after this returns.
    std::vector<nn::AnyModule> chunk(modules.begin() + next,
                                     modules.begin() + next + segment_size);
    x = checkpoint(
        [chunk](const TensorList& in) {
          Tensor h = in[0];
          for (const nn::AnyModule& m : chunk) h = m.forward(h);
          return h;
        },
        {x}, preserve_rng_state);
  }
  for (int64_t k = next; k < count; ++k) x = modules[static_cast<std::size_t>(k)].forward(x);
  return x;
}

}  // namespace tg::utils
