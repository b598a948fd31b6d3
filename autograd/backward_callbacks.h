// Callbacks at the end of a backward pass, for hooks that must act once every gradient of
// the pass has been accumulated (data-parallel training averages gradients this way).
#pragma once
#include <functional>

namespace tg::autograd {

// Runs `callback` once the backward() pass that is running on this thread has finished
// (after every leaf's .grad has been accumulated), in the order queued; a callback may
// queue more. Throws tg::Error when no backward() runs on this thread (autograd::grad
// does not run callbacks).
void queue_callback(std::function<void()> callback);
// True while a backward() pass runs on this thread (where queue_callback may be called).
bool in_backward_pass();

}  // namespace tg::autograd
