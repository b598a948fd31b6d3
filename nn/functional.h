// tg::nn::functional: the stateless forms of the layers, with libtorch-style options structs,
// also reachable as tg::F (libtorch's `namespace F = torch::nn::functional`).
#pragma once
#include "nn/functional/conv.h"
#include "nn/functional/pool.h"

namespace tg {
namespace F = nn::functional;
}  // namespace tg
