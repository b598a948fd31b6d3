// The backward engine: reverse-mode accumulation over the recorded graph.
#pragma once
#include <optional>

#include "autograd/tensor.h"

namespace tg::autograd {

// Accumulates d(sum_i <tensors[i], grad_tensors[i]>)/d(leaf) into every reachable leaf's
// .grad. An empty grad_tensors entry means ones (one-element tensors only).
void backward(const TensorList& tensors, const TensorList& grad_tensors = {},
              bool retain_graph = false, bool create_graph = false);

// Returns d(sum_i <outputs[i], grad_outputs[i]>)/d(inputs[j]) without touching .grad.
// retain_graph defaults to create_graph. With allow_unused, an input the outputs do not
// depend on gets an undefined tensor; without it, that is an error.
TensorList grad(const TensorList& outputs, const TensorList& inputs,
                const TensorList& grad_outputs = {}, std::optional<bool> retain_graph = {},
                bool create_graph = false, bool allow_unused = false);

}  // namespace tg::autograd
