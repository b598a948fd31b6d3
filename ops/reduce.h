// Reductions over dims (keepdim as PyTorch), with vjps.
#pragma once
#include <optional>
#include <tuple>

#include "autograd/tensor.h"

namespace tg {

Tensor sum(const Tensor& t);
Tensor sum(const Tensor& t, IntArrayRef dims, bool keepdim = false);
Tensor mean(const Tensor& t);
Tensor mean(const Tensor& t, IntArrayRef dims, bool keepdim = false);

}  // namespace tg
