// The recorded graph as Graphviz DOT (rendered by Graphviz's own `dot`, whose plain output is
// parsed back) and as a teaching printout.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "tapegrad.h"

namespace tg {
namespace {

// A small CNN's loss: conv -> relu -> max-pool -> linear -> cross-entropy, with a leaf (w1)
// used twice.
struct SmallCnn {
  Tensor x = randn({2, 1, 8, 8}, kFloat64);
  Tensor w1 = randn({3, 1, 3, 3}, kFloat64).requires_grad_();
  Tensor b1 = zeros({3}, kFloat64).requires_grad_();
  Tensor fc = randn({4, 27}, kFloat64).requires_grad_();
  Tensor labels = tensor(std::vector<int64_t>{1, 3}, {2});
  Tensor z, loss;
  SmallCnn() {
    z = conv2d(x, w1, b1, 1, 0);
    Tensor h = max_pool2d(relu(z), 2, 2).flatten(1);
    loss = cross_entropy(h.matmul(fc.t()), labels) + (w1 * w1).sum() * 0.01;
  }
  autograd::TensorNames names() const {
    return {{"x", x}, {"w1", w1}, {"b1", b1}, {"fc", fc}, {"z", z}, {"loss", loss}};
  }
};

// Every node reachable from t's grad_fn, counted independently of the exporter.
size_t count_nodes(const Tensor& t) {
  std::unordered_set<const Node*> seen{t.grad_fn().get()};
  std::vector<const Node*> stack{t.grad_fn().get()};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges) {
      if (e.node && seen.insert(e.node.get()).second) stack.push_back(e.node.get());
    }
  }
  return seen.size();
}

bool have_dot() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

TEST(GraphExport, DotRendersWithGraphviz) {
  if (!have_dot()) GTEST_SKIP() << "Graphviz's dot is not installed (Debian package graphviz)";
  manual_seed(3);
  SmallCnn net;
  const std::string dir = ::testing::TempDir();
  const std::string dot_path = dir + "graph_export_cnn.dot";
  const std::string plain_path = dir + "graph_export_cnn.plain";
  std::ofstream(dot_path) << autograd::to_dot(net.loss, net.names());
  const std::string cmd = "dot -Tplain " + dot_path + " -o " + plain_path + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "dot rejected:\n" << autograd::to_dot(net.loss);

  // Plain format: "node NAME x y w h LABEL ..." and "edge TAIL HEAD n x1 y1 ... ".
  std::ifstream plain(plain_path);
  std::set<std::string> nodes;
  std::vector<std::pair<std::string, std::string>> edges;
  std::string line;
  while (std::getline(plain, line)) {
    std::istringstream ls(line);
    std::string kind, a, b;
    ls >> kind >> a >> b;
    if (kind == "node") nodes.insert(a);
    if (kind == "edge") edges.emplace_back(a, b);
  }
  EXPECT_EQ(nodes.size(), count_nodes(net.loss) + 1);  // + the output's own ellipse
  EXPECT_FALSE(edges.empty());
  size_t edge_count = 0;
  std::unordered_set<const Node*> seen;
  std::vector<const Node*> stack{net.loss.grad_fn().get()};
  while (!stack.empty()) {  // one DOT edge per graph edge, plus out -> root
    const Node* n = stack.back();
    stack.pop_back();
    if (!seen.insert(n).second) continue;
    for (const Edge& e : n->next_edges) {
      if (!e.node) continue;
      ++edge_count;
      stack.push_back(e.node.get());
    }
  }
  EXPECT_EQ(edges.size(), edge_count + 1);
  for (const auto& [tail, head] : edges) {
    EXPECT_TRUE(nodes.count(tail)) << "edge from undeclared node " << tail;
    EXPECT_TRUE(nodes.count(head)) << "edge to undeclared node " << head;
  }
  std::remove(dot_path.c_str());
  std::remove(plain_path.c_str());
}

TEST(GraphExport, DotDeclaresEveryNodeBeforeItsEdges) {
  manual_seed(4);
  SmallCnn net;
  const std::string dot = autograd::to_dot(net.loss, net.names());
  std::istringstream lines(dot);
  std::set<std::string> declared{"out"};
  std::string line;
  size_t edges = 0;
  while (std::getline(lines, line)) {
    const size_t arrow = line.find(" -> ");
    if (arrow == std::string::npos) {
      std::istringstream ls(line);
      std::string name;
      ls >> name;
      if (line.find('[') != std::string::npos) declared.insert(name);
      continue;
    }
    ++edges;
    std::istringstream ls(line);
    std::string from, op, to;
    ls >> from >> op >> to;
    ASSERT_EQ(to.back(), ';') << line;  // nothing else on an edge line
    to.pop_back();
    EXPECT_TRUE(declared.count(from)) << line;
    EXPECT_TRUE(declared.count(to)) << line;
  }
  EXPECT_GT(edges, 5u);
  EXPECT_NE(dot.find("leaf w1 [3, 1, 3, 3]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("ConvolutionBackward\\nz [2, 3, 6, 6]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("loss []"), std::string::npos) << dot;
}

TEST(GraphExport, PrintGraphListsOpsShapesSavedTensorsAndGrads) {
  Tensor a = arange(25.0, 50.0, 1.0, kFloat64).reshape({1, 1, 5, 5});
  Tensor w = ones({1, 1, 3, 3}, kFloat64).requires_grad_();
  Tensor z = conv2d(a, w, {}, 2);
  Tensor loss = (z * z).sum();
  const std::string text =
      autograd::describe_graph(loss, {{"a", a}, {"w", w}, {"z", z}, {"L", loss}});
  // Header, then ops in backward order: sum, mul, convolution, then the leaf.
  EXPECT_NE(text.find("The tape behind L [] float64: 3 ops, 1 leaf that needs a gradient"), std::string::npos)
      << text;
  const size_t sum = text.find("[1] SumBackward -> L [] float64");
  const size_t mul = text.find("[2] MulBackward -> [1, 1, 2, 2] float64");
  const size_t conv = text.find("[3] ConvolutionBackward -> z [1, 1, 2, 2] float64");
  const size_t leaf = text.find("[4] leaf w [1, 1, 3, 3] float64");
  ASSERT_NE(sum, std::string::npos) << text;
  ASSERT_NE(mul, std::string::npos) << text;
  ASSERT_NE(conv, std::string::npos) << text;
  ASSERT_NE(leaf, std::string::npos) << text;
  EXPECT_LT(sum, mul);
  EXPECT_LT(mul, conv);
  EXPECT_LT(conv, leaf);
  // Both of mul's inputs are z: the gradient reaches the convolution twice.
  EXPECT_NE(text.find("input 0: [1, 1, 2, 2] float64, gradient goes to [3] ConvolutionBackward (z)"),
            std::string::npos) << text;
  // The convolution: a does not need a gradient, w does; it saved a and w.
  EXPECT_NE(text.find("input 0: [1, 1, 5, 5] float64, no gradient"), std::string::npos) << text;
  EXPECT_NE(text.find("input 1: [1, 1, 3, 3] float64, gradient goes to [4] leaf w"),
            std::string::npos) << text;
  EXPECT_NE(text.find("saved for the vjp: #0 a [1, 1, 5, 5] float64, #1 w [1, 1, 3, 3] float64"),
            std::string::npos) << text;
  EXPECT_NE(text.find("into w.grad()"), std::string::npos) << text;

  // After backward the saved tensors are freed, and the printout says so.
  loss.backward();
  EXPECT_NE(autograd::describe_graph(loss).find("(freed by backward)"), std::string::npos);
  // A tensor outside any graph.
  EXPECT_NE(autograd::describe_graph(a, {{"a", a}}).find("a [1, 1, 5, 5] float64 was not recorded"),
            std::string::npos);
  EXPECT_THROW(autograd::describe_graph(Tensor()), Error);
}

}  // namespace
}  // namespace tg
