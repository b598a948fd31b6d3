#include "autograd/graph_export.h"

#include <sstream>
#include <unordered_map>

#include "autograd/node.h"

namespace tg::autograd {

std::string to_dot(const Tensor& t) {
  TG_CHECK(t.defined(), "to_dot: the tensor is undefined");
  std::ostringstream os;
  os << "digraph tapegrad {\n  rankdir=BT;\n  node [fontname=\"monospace\"];\n";
  std::unordered_map<const Node*, int> ids;
  std::vector<const Node*> stack;
  auto id_of = [&](const Node* n) {
    auto it = ids.find(n);
    if (it != ids.end()) return it->second;
    const int id = static_cast<int>(ids.size());
    ids.emplace(n, id);
    if (const auto* acc = dynamic_cast<const AccumulateGrad*>(n)) {
      os << "  n" << id << " [shape=ellipse, label=\"leaf " << acc->leaf()->shape << "\"];\n";
    } else {
      os << "  n" << id << " [shape=box, label=\"" << n->name() << "\"];\n";
    }
    stack.push_back(n);
    return id;
  };
  os << "  out [shape=ellipse, style=filled, fillcolor=lightgrey, label=\"output "
     << t.shape() << "\"];\n";
  if (t.grad_fn() || t.requires_grad()) {
    Edge root = gradient_edge(t);
    os << "  out -> n" << id_of(root.node.get()) << ";\n";
  }
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    const int from = ids.at(n);
    for (const Edge& e : n->next_edges) {
      if (!e.node) continue;
      os << "  n" << from << " -> n" << id_of(e.node.get()) << ";\n";
    }
  }
  os << "}\n";
  return os.str();
}

}  // namespace tg::autograd
