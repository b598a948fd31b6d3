// Padding (torch.nn.functional.pad): constant, reflect, replicate and circular.
#pragma once
#include <optional>
#include <string>

#include "autograd/tensor.h"

namespace tg {

// Pads the last pad.size() / 2 dims of t. `pad` lists (before, after) pairs starting with
// the LAST dim, as PyTorch: {left, right, top, bottom, front, back}.
// - "constant": any number of dims; fills with `value` (default 0); negative entries crop.
// - "reflect" / "replicate" / "circular": 1, 2 or 3 padded dims of a (C, ...) or
//   (N, C, ...) input; `value` must be absent or 0. Negative entries crop. Reflect needs
//   each pad < the size; circular wraps around what is left after cropping, and needs
//   each pad <= that.
Tensor pad(const Tensor& t, IntArrayRef pad, const std::string& mode = "constant",
           std::optional<double> value = std::nullopt);

// The adjoint of reflect/replicate/circular padding of an input of `input_shape`: each
// input element gets the sum of the grad_output elements that read it. Linear; its own
// vjp is pad(gg, pad, mode).
Tensor pad_backward(const Tensor& grad_output, IntArrayRef input_shape, IntArrayRef pad,
                    const std::string& mode);

}  // namespace tg
