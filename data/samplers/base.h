// Samplers decide which examples make up each batch of a libtorch-style data loader, as
// `torch::data::samplers`: `next(batch_size)` returns the next batch's indices (nullopt at
// the end of the epoch) and `reset(new_size)` starts a new epoch. The loader calls both on
// the thread that iterates, so the batches are the same whatever the number of workers.
#pragma once
#include <cstddef>
#include <vector>

#include "autograd/array_ref.h"

namespace tg::data::samplers {

template <typename BatchRequest = std::vector<size_t>>
class Sampler {
 public:
  using BatchRequestType = BatchRequest;

  virtual ~Sampler() = default;
  virtual void reset(optional<size_t> new_size) = 0;
  virtual optional<BatchRequest> next(size_t batch_size) = 0;
};

}  // namespace tg::data::samplers
