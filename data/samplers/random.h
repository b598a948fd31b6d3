// RandomSampler: a fresh random permutation of 0..size-1 every epoch, drawn from tapegrad's
// default generator (so tg::manual_seed fixes the order), as libtorch draws from its own.
#pragma once
#include <cstdint>

#include "autograd/dtype.h"
#include "autograd/tensor.h"
#include "data/samplers/base.h"

namespace tg::data::samplers {

class RandomSampler : public Sampler<> {
 public:
  // Draws the first permutation (as libtorch does); `index_dtype` must be an integer type.
  explicit RandomSampler(int64_t size, DType index_dtype = kInt64);
  // Draws a new permutation of `new_size` (default: the current size) indices.
  void reset(optional<size_t> new_size = nullopt) override;
  optional<std::vector<size_t>> next(size_t batch_size) override;
  size_t index() const noexcept { return static_cast<size_t>(index_); }

 private:
  Tensor indices_;
  int64_t index_ = 0;
};

}  // namespace tg::data::samplers
