// The backward engine: reverse-mode accumulation over the recorded graph.
#pragma once
#include <functional>
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

// Runs `callback` once the backward() pass that is running on this thread has finished
// (after every leaf's .grad has been accumulated), in the order queued. Meant for hooks:
// data-parallel training averages gradients across processes this way. Throws when no
// backward() is running on this thread (autograd::grad does not run callbacks).
void queue_callback(std::function<void()> callback);
// True while a backward() pass runs on this thread (where queue_callback may be called).
bool in_backward_pass();

}  // namespace tg::autograd
