#include "autograd/graph_export.h"

#include <algorithm>
#include <ostream>
#include <queue>
#include <sstream>
#include <unordered_map>

#include "autograd/node.h"

namespace tg::autograd {
namespace {

// The nodes reachable from `root`, in the order backward visits them: a node comes after
// every node that sends it a gradient; among ready nodes the most recently recorded first.
std::vector<std::shared_ptr<Node>> nodes_in_backward_order(const std::shared_ptr<Node>& root) {
  std::unordered_map<const Node*, int> pending;  // incoming edges not yet visited
  std::vector<const Node*> stack{root.get()};
  pending[root.get()] = 0;
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges) {
      if (!e.node) continue;
      auto [it, fresh] = pending.try_emplace(e.node.get(), 0);
      ++it->second;
      if (fresh) stack.push_back(e.node.get());
    }
  }
  auto later_first = [](const std::shared_ptr<Node>& a, const std::shared_ptr<Node>& b) {
    return a->sequence_nr < b->sequence_nr;
  };
  std::priority_queue<std::shared_ptr<Node>, std::vector<std::shared_ptr<Node>>,
                      decltype(later_first)>
      ready(later_first);
  ready.push(root);
  std::vector<std::shared_ptr<Node>> order;
  while (!ready.empty()) {
    std::shared_ptr<Node> n = ready.top();
    ready.pop();
    order.push_back(n);
    for (const Edge& e : n->next_edges) {
      if (e.node && --pending[e.node.get()] == 0) ready.push(e.node);
    }
  }
  return order;
}

// Looks up the names given for the graph's tensors.
class Namer {
 public:
  explicit Namer(const TensorNames& names) : names_(names) {}
  std::string leaf(const AccumulateGrad& acc) const {
    for (const auto& [name, t] : names_) {
      if (t.defined() && t.impl() == acc.leaf().get()) return name;
    }
    return "";
  }
  std::string output(const Node* n, uint32_t output_nr) const {
    for (const auto& [name, t] : names_) {
      if (t.defined() && t.grad_fn().get() == n && t.output_nr() == output_nr) return name;
    }
    return "";
  }
  std::string tensor(const Tensor& t) const {
    if (!t.defined()) return "";
    for (const auto& [name, u] : names_) {
      if (u.defined() && (u.is_same(t) || u.storage() == t.storage()) &&
          u.shape() == t.shape() && u.storage_offset() == t.storage_offset()) {
        return name;
      }
    }
    return t.grad_fn() ? output(t.grad_fn().get(), t.output_nr()) : "";
  }

 private:
  const TensorNames& names_;
};

template <class T>
std::string str(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::string quoted(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::shared_ptr<Node> root_of(const Tensor& t) {
  if (!t.grad_fn() && !t.requires_grad()) return nullptr;
  return gradient_edge(t).node;
}

}  // namespace

std::string to_dot(const Tensor& t, const TensorNames& names) {
  TG_CHECK(t.defined(), "to_dot: the tensor is undefined");
  const Namer namer(names);
  std::ostringstream os;
  os << "digraph tapegrad {\n  rankdir=BT;\n  node [fontname=\"monospace\"];\n";
  const std::string out_name = namer.tensor(t);
  os << "  out [shape=ellipse, style=filled, fillcolor=lightgrey, label=\""
     << quoted(out_name.empty() ? "output" : out_name) << " " << t.shape() << "\"];\n";
  const std::shared_ptr<Node> root = root_of(t);
  if (!root) {
    os << "}\n";
    return os.str();
  }
  const std::vector<std::shared_ptr<Node>> order = nodes_in_backward_order(root);
  std::unordered_map<const Node*, size_t> id;
  for (size_t i = 0; i < order.size(); ++i) id[order[i].get()] = i;
  // Every node is declared before any edge mentions it.
  for (size_t i = 0; i < order.size(); ++i) {
    const Node* n = order[i].get();
    if (const auto* acc = dynamic_cast<const AccumulateGrad*>(n)) {
      const std::string name = namer.leaf(*acc);
      os << "  n" << i << " [shape=ellipse, label=\""
         << quoted(name.empty() ? "leaf" : "leaf " + name) << " " << acc->leaf()->shape
         << "\"];\n";
    } else {
      os << "  n" << i << " [shape=box, label=\"" << quoted(n->name());
      for (uint32_t j = 0; j < n->outputs.size(); ++j) {
        const std::string name = namer.output(n, j);
        os << "\\n" << quoted(name.empty() ? "" : name + " ") << n->outputs[j].shape;
      }
      os << "\"];\n";
    }
  }
  os << "  out -> n" << id.at(root.get()) << ";\n";
  for (size_t i = 0; i < order.size(); ++i) {
    for (const Edge& e : order[i]->next_edges) {
      if (e.node) os << "  n" << i << " -> n" << id.at(e.node.get()) << ";\n";
    }
  }
  os << "}\n";
  return os.str();
}

void print_graph(std::ostream& os, const Tensor& t, const TensorNames& names) {
  TG_CHECK(t.defined(), "print_graph: the tensor is undefined");
  const Namer namer(names);
  std::string what = namer.tensor(t);
  what = (what.empty() ? "the tensor" : what) + " " + str(t.shape()) + " " +
         str(t.dtype());
  const std::shared_ptr<Node> root = root_of(t);
  if (!root) {
    os << what << " was not recorded: it does not require grad.\n";
    return;
  }
  const std::vector<std::shared_ptr<Node>> order = nodes_in_backward_order(root);
  std::unordered_map<const Node*, size_t> id;
  size_t leaves = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    id[order[i].get()] = i + 1;
    leaves += order[i]->is_accumulator();
  }
  const size_t ops = order.size() - leaves;
  os << "The tape behind " << what << ": " << ops << (ops == 1 ? " op, " : " ops, ") << leaves
     << (leaves == 1 ? " leaf that needs" : " leaves that need")
     << " a gradient. Backward visits them in this order:\n";
  auto describe_meta = [](const OutputMeta& m) {
    return str(m.shape) + " " + str(m.dtype);
  };
  for (const std::shared_ptr<Node>& node : order) {
    const Node* n = node.get();
    os << "  [" << id.at(n) << "] ";
    if (const auto* acc = dynamic_cast<const AccumulateGrad*>(n)) {
      const std::string name = namer.leaf(*acc);
      os << "leaf " << (name.empty() ? "" : name + " ") << acc->leaf()->shape << " "
         << acc->leaf()->dtype << ": AccumulateGrad adds the incoming gradient into "
         << (name.empty() ? "its" : name + ".") << "grad()\n";
      continue;
    }
    os << n->name() << " ->";
    for (uint32_t j = 0; j < n->outputs.size(); ++j) {
      const std::string name = namer.output(n, j);
      os << (j ? ", " : " ") << (name.empty() ? "" : name + " ") << describe_meta(n->outputs[j]);
    }
    os << "\n";
    const auto* fn = dynamic_cast<const FunctionNode*>(n);
    for (size_t i = 0; i < n->next_edges.size(); ++i) {
      const Edge& e = n->next_edges[i];
      os << "        input " << i << ": ";
      if (fn && i < fn->input_meta.size()) {
        if (e.node || !fn->input_meta[i].shape.empty()) {
          os << describe_meta(fn->input_meta[i]) << ", ";
        } else {
          os << "absent or a 0-d constant, ";  // undefined inputs leave no trace
        }
      }
      if (!e.node) {
        os << "no gradient (does not require grad)\n";
        continue;
      }
      os << "gradient goes to [" << id.at(e.node.get()) << "] ";
      if (const auto* acc = dynamic_cast<const AccumulateGrad*>(e.node.get())) {
        const std::string name = namer.leaf(*acc);
        os << "leaf" << (name.empty() ? "" : " " + name) << "\n";
      } else {
        const std::string name = namer.output(e.node.get(), e.input_nr);
        os << e.node->name() << (name.empty() ? "" : " (" + name + ")") << "\n";
      }
    }
    if (!fn) continue;
    os << "        saved for the vjp:";
    if (fn->saved.empty()) os << " nothing";
    for (size_t i = 0; i < fn->saved.size(); ++i) {
      os << (i ? "," : "") << " #" << i << " ";
      try {
        const Tensor s = fn->saved[i].unpack(node, n->name(), static_cast<int>(i));
        if (!s.defined()) {
          os << "(none)";
          continue;
        }
        const std::string name = namer.tensor(s);
        os << (name.empty() ? "" : name + " ") << s.shape() << " " << s.dtype();
      } catch (const Error&) {
        os << "(freed by backward)";
      }
    }
    os << "\n";
  }
}

std::string describe_graph(const Tensor& t, const TensorNames& names) {
  std::ostringstream os;
  print_graph(os, t, names);
  return os.str();
}

}  // namespace tg::autograd
