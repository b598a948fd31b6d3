// Dependency-counting, iterative backward pass (no recursion, deterministic order).
#include "autograd/engine.h"

#include <atomic>
#include <cmath>
#include <queue>

#include "autograd/backward_callbacks.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/profiler.h"

namespace tg::autograd {
namespace {

std::atomic<uint64_t> next_task_id{1};

struct Capture {
  std::shared_ptr<Node> node;  // owning: a leaf's accumulator may exist only here
  uint32_t input_nr;
  std::size_t slot;
};

bool has_non_finite(const Tensor& t) {
  if (!t.defined() || !t.is_floating_point()) return false;
  Tensor c = t.detach().contiguous();
  return TG_DISPATCH_FLOATING(c.dtype(), "anomaly check", [&] {
    const scalar_t* p = c.data_ptr<scalar_t>();
    for (int64_t i = 0; i < c.numel(); ++i)
      if (!std::isfinite(p[i])) return true;
    return false;
  });
}

void add_to_buffer(TensorList& buffer, uint32_t input_nr, Tensor grad) {
  if (!grad.defined()) return;
  Tensor& slot = buffer[input_nr];
  slot = slot.defined() ? slot.add(grad) : std::move(grad);
}

class GraphTask {
 public:
  GraphTask(bool keep_graph, bool create_graph)
      : id_(next_task_id++), keep_graph_(keep_graph), create_graph_(create_graph) {}

  // Seeds the pass with the root gradients.
  void add_root(const Edge& edge, Tensor grad) {
    Node* n = edge.node.get();
    touch(n);
    add_to_buffer(n->engine.buffer, edge.input_nr, std::move(grad));
    roots_.push_back(edge.node);
  }

  // autograd::grad mode: capture the gradient flowing into `edge` instead of
  // accumulating into .grad.
  void add_capture(const Edge& edge, std::size_t slot) {
    captures_.push_back({edge.node, edge.input_nr, slot});
  }

  void run(TensorList* captured) {
    // However the pass ends (a hook, a vjp or the anomaly check may throw), every node's
    // scratch state is cleared on the way out: the gradients buffered for nodes that never
    // ran are released (under create_graph they reference the graph itself, a cycle that
    // would never be freed), and a retained graph can be walked again.
    struct ClearOnExit {
      GraphTask& task;
      ~ClearOnExit() {
        for (Node* n : task.nodes_)
          if (n->engine.task_id == task.id_) n->engine = Node::EngineState{};
      }
    } clear_on_exit{*this};
    discover();
    std::priority_queue<std::pair<uint64_t, Node*>> ready;  // newest node first
    for (Node* n : nodes_)
      if (n->engine.needed && n->engine.dependencies == 0) ready.push({n->sequence_nr, n});
    AutoGradMode mode(create_graph_);
    while (!ready.empty()) {
      Node* n = ready.top().second;
      ready.pop();
      check_owned(n);
      TensorList grads = std::move(n->engine.buffer);
      grads.resize(n->outputs.size());
      if (n->has_pre_hooks()) {
        for (uint32_t i = 0; i < grads.size(); ++i)
          if (grads[i].defined()) grads[i] = n->run_pre_hooks(i, std::move(grads[i]));
      }
      if (captured) {
        for (const Capture& c : captures_) {
          if (c.node.get() != n) continue;
          Tensor g = grads[c.input_nr];
          if (n->is_accumulator() && g.defined())
            g = static_cast<AccumulateGrad*>(n)->run_leaf_hooks(std::move(g));
          if (g.defined()) (*captured)[c.slot] = (*captured)[c.slot].defined()
                                                     ? (*captured)[c.slot].add(g)
                                                     : std::move(g);
        }
      }
      if (!n->engine.execute) continue;
      TensorList out = call(n, std::move(grads));
      for (std::size_t i = 0; i < n->next_edges.size(); ++i) {
        const Edge& e = n->next_edges[i];
        if (!e.valid()) continue;
        Node* child = e.node.get();
        if (!child->engine.needed || child->engine.task_id != id_) continue;
        if (i < out.size()) add_to_buffer(child->engine.buffer, e.input_nr, std::move(out[i]));
        if (--child->engine.dependencies == 0) ready.push({child->sequence_nr, child});
      }
    }
  }

 private:
  void touch(Node* n) {
    if (n->engine.task_id == id_) return;
    n->engine = Node::EngineState{};
    n->engine.task_id = id_;
    n->engine.buffer.resize(n->outputs.size());
    nodes_.push_back(n);
  }

  void check_owned(Node* n) const {
    TG_CHECK(n->engine.task_id == id_,
             "backward: the graph is being walked by another backward pass at the same time "
             "(a backward call from inside a hook over the same graph is not supported)");
  }

  // Finds every node reachable from the roots, decides which must run, and counts
  // each node's incoming edges from nodes that run.
  void discover() {
    std::vector<Node*> order;  // post-order (children before parents)
    std::vector<std::pair<Node*, std::size_t>> stack;
    for (auto& r : roots_) {
      Node* root = r.get();
      if (root->engine.needed) continue;  // visited marker reused during discovery
      root->engine.needed = true;
      stack.push_back({root, 0});
      while (!stack.empty()) {
        auto& [n, next] = stack.back();
        if (next < n->next_edges.size()) {
          Node* child = n->next_edges[next++].node.get();
          if (!child) continue;
          touch(child);
          if (!child->engine.needed) {
            child->engine.needed = true;
            stack.push_back({child, 0});
          }
          continue;
        }
        order.push_back(n);
        stack.pop_back();
      }
    }
    // Which nodes matter: everything in backward(); in grad(), only nodes on a path to a
    // captured edge. Accumulators never run in grad().
    const bool capturing = !captures_.empty() || capture_mode_;
    for (Node* n : order) {
      if (!capturing) {
        n->engine.needed = true;
        n->engine.execute = true;
        continue;
      }
      bool is_target = false;
      for (const Capture& c : captures_) is_target = is_target || c.node.get() == n;
      bool child_needed = false;
      for (const Edge& e : n->next_edges)
        child_needed = child_needed || (e.node && e.node->engine.needed);
      n->engine.needed = is_target || child_needed;
      n->engine.execute = child_needed && !n->is_accumulator();
    }
    for (Node* n : order) {
      if (!n->engine.execute) continue;
      for (const Edge& e : n->next_edges)
        if (e.node && e.node->engine.needed) ++e.node->engine.dependencies;
    }
  }

  TensorList call(Node* n, TensorList&& grads) {
    bool any = false;
    for (const Tensor& g : grads) any = any || g.defined();
    if (!any) return {};
    if (grads.size() > 1) {  // multi-output node: missing gradients are zeros
      for (std::size_t i = 0; i < grads.size(); ++i) {
        if (!grads[i].defined() && is_floating(n->outputs[i].dtype))
          grads[i] = zeros(n->outputs[i].shape, n->outputs[i].dtype);
      }
    }
    TensorList out;
    {
      profiler::BackwardScope scope(*n);
      out = n->apply(std::move(grads));
    }
    if (AnomalyMode::is_enabled()) {
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (!has_non_finite(out[i])) continue;
        throw Error(format_message("anomaly detected: function '", n->name(),
                                   "' returned nan or inf values in its gradient #", i,
                                   ". The op was recorded at:", n->creation_context));
      }
    }
    if (!keep_graph_) n->release_saved();
    return out;
  }

  uint64_t id_;
  bool keep_graph_;
  bool create_graph_;
  std::vector<std::shared_ptr<Node>> roots_;
  std::vector<Node*> nodes_;
  std::vector<Capture> captures_;

 public:
  bool capture_mode_ = false;
};

// Callbacks queued by hooks during the backward() pass running on this thread.
thread_local std::vector<std::function<void()>>* queued_callbacks = nullptr;

Tensor root_gradient(const Tensor& t, const TensorList& grads, std::size_t i, const char* op) {
  if (i < grads.size() && grads[i].defined()) {
    TG_CHECK(grads[i].shape() == t.shape(), op, ": grad_outputs[", i, "] has shape ",
             grads[i].shape(), " but the output has shape ", t.shape());
    return grads[i];
  }
  TG_CHECK(t.numel() == 1, op, ": a gradient can be implicitly created only for one-element "
           "outputs; output #", i, " has shape ", t.shape(), ", pass its gradient explicitly");
  return ones_like(t);
}

}  // namespace

void backward(const TensorList& tensors, const TensorList& grad_tensors, bool retain_graph,
              bool create_graph) {
  TG_CHECK(grad_tensors.empty() || grad_tensors.size() == tensors.size(), "backward: got ",
           tensors.size(), " tensors but ", grad_tensors.size(), " gradients");
  GraphTask task(retain_graph || create_graph, create_graph);
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    TG_CHECK(t.defined(), "backward: tensor #", i, " is undefined");
    TG_CHECK(t.requires_grad(), "backward: tensor #", i,
             " does not require grad and does not have a grad_fn");
    task.add_root(gradient_edge(t), root_gradient(t, grad_tensors, i, "backward"));
  }
  std::vector<std::function<void()>> callbacks;
  struct Scope {  // a hook may itself run a backward pass: restore the outer list
    std::vector<std::function<void()>>* outer = queued_callbacks;
    ~Scope() { queued_callbacks = outer; }
  } scope;
  queued_callbacks = &callbacks;
  task.run(nullptr);
  for (std::size_t i = 0; i < callbacks.size(); ++i) {
    auto callback = std::move(callbacks[i]);  // the list may grow while it runs
    callback();
  }
}

void queue_callback(std::function<void()> callback) {
  TG_CHECK(queued_callbacks != nullptr,
           "queue_callback: no backward() pass is running on this thread");
  queued_callbacks->push_back(std::move(callback));
}

bool in_backward_pass() { return queued_callbacks != nullptr; }

TensorList grad(const TensorList& outputs, const TensorList& inputs,
                const TensorList& grad_outputs, std::optional<bool> retain_graph,
                bool create_graph, bool allow_unused) {
  TG_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), "autograd::grad: got ",
           outputs.size(), " outputs but ", grad_outputs.size(), " grad_outputs");
  GraphTask task(retain_graph.value_or(create_graph), create_graph);
  task.capture_mode_ = true;
  for (std::size_t j = 0; j < inputs.size(); ++j) {
    TG_CHECK(inputs[j].defined() && inputs[j].requires_grad(), "autograd::grad: input #", j,
             " does not require grad");
    task.add_capture(gradient_edge(inputs[j]), j);
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& t = outputs[i];
    TG_CHECK(t.defined() && t.requires_grad(), "autograd::grad: output #", i,
             " does not require grad and does not have a grad_fn");
    task.add_root(gradient_edge(t), root_gradient(t, grad_outputs, i, "autograd::grad"));
  }
  TensorList result(inputs.size());
  task.run(&result);
  for (std::size_t j = 0; j < inputs.size(); ++j) {
    TG_CHECK(result[j].defined() || allow_unused, "autograd::grad: input #", j,
             " (shape ", inputs[j].shape(), ") was not used to compute the outputs; pass "
             "allow_unused=true if this is intended");
    if (result[j].defined() && !create_graph) result[j] = result[j].detach();
  }
  return result;
}

}  // namespace tg::autograd
