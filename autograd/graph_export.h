// Exporting the recorded graph for inspection.
#pragma once
#include <string>

#include "autograd/tensor.h"

namespace tg::autograd {

// The graph that produced `t`, as Graphviz DOT: one box per recorded op (its backward
// node), one ellipse per leaf that requires grad (with its shape), edges in the
// direction the gradient flows. Render with `dot -Tpng graph.dot -o graph.png`.
std::string to_dot(const Tensor& t);

}  // namespace tg::autograd
