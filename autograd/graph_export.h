// Looking at the recorded graph (the tape): as Graphviz DOT, or as a plain-text printout.
#pragma once
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace tg::autograd {

// Names to show for tensors of the graph: a leaf is recognised by identity, any other tensor
// by the node that produced it (its grad_fn and output number).
using TensorNames = std::vector<std::pair<std::string, Tensor>>;

// The graph that produced `t`, as Graphviz DOT: one box per recorded op (its backward node,
// with its output shape), one ellipse per leaf that requires grad (with its shape), edges in
// the direction the gradient flows. Render with `dot -Tsvg graph.dot -o graph.svg`.
std::string to_dot(const Tensor& t, const TensorNames& names = {});

// A teaching printout of the graph that produced `t`, one op per paragraph in the order
// backward visits them: the op, what it produced (shape, dtype), each input (shape, whether
// a gradient flows to it and from where), and the tensors the op saved for its vjp.
//
//   tg::autograd::print_graph(std::cout, loss, {{"x", x}, {"w", w}});
void print_graph(std::ostream& os, const Tensor& t, const TensorNames& names = {});
std::string describe_graph(const Tensor& t, const TensorNames& names = {});

}  // namespace tg::autograd
