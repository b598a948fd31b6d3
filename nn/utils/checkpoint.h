// Gradient checkpointing (torch.utils.checkpoint): trade compute for memory. The forward runs
// `fn` without recording and keeps only its inputs; the backward runs `fn` again, with
// recording, and differentiates that copy. Activations inside `fn` are therefore never held
// between the forward and the backward pass.
//
//   Tensor h = tg::utils::checkpoint(
//       [&](const tg::TensorList& in) { return block(in[0]); }, {x});
//
// What flows where:
// - Gradients reach every tensor of `inputs` that requires grad, through the graph, so the
//   result works with backward(), autograd::grad() and (the backward being itself recorded
//   when create_graph is on) double backward / gradgradcheck.
// - Leaves that `fn` uses without receiving them in `inputs` (a module's parameters) get
//   their gradients accumulated into .grad when the checkpoint's backward runs, as PyTorch's
//   reentrant checkpoint does. autograd::grad() does not return them: pass such tensors in
//   `inputs` to get them from autograd::grad().
// - A non-leaf tensor that requires grad must not be captured by `fn`: pass it in `inputs`
//   (the recomputation throws naming the problem otherwise).
// - With preserve_rng_state, the default generator's state is restored for the recomputation,
//   so random ops (dropout) draw the same values as in the forward; the generator's state
//   outside the recomputation is left as it was.
// - When grad mode is off or no input requires grad, `fn` simply runs (recording as usual):
//   there is nothing to attach a recomputation to.
// - `fn` must compute the same thing twice (same control flow, same train/eval mode); the
//   inputs must not be modified in place before the backward (that throws). `fn` is kept
//   until the backward runs, so whatever it captures by reference must live that long.
#pragma once
#include <cstdint>
#include <functional>

#include "autograd/tensor.h"
#include "nn/modules/container.h"

namespace tg::utils {

using CheckpointFunction = std::function<TensorList(const TensorList&)>;
using SingleOutputCheckpointFunction = std::function<Tensor(const TensorList&)>;

TensorList checkpoint(const CheckpointFunction& fn, const TensorList& inputs,
                      bool preserve_rng_state = true);
Tensor checkpoint(const SingleOutputCheckpointFunction& fn, const TensorList& inputs,
                  bool preserve_rng_state = true);

// Runs `sequential` in `segments` consecutive chunks of (nearly) equal length, checkpointing
// every chunk but the last (whose activations the backward needs first anyway), as
// torch.utils.checkpoint.checkpoint_sequential.
Tensor checkpoint_sequential(const nn::Sequential& sequential, int64_t segments,
                             const Tensor& input, bool preserve_rng_state = true);

}  // namespace tg::utils
