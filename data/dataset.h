// TensorDataset: (input, target) examples held as the rows of two tensors, batched by
// data::DataLoader. User datasets in libtorch's style derive from datasets::Dataset
// (data/datasets/base.h).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "autograd/tensor.h"
#include "data/example.h"

namespace tg::data {

// A dataset whose examples are rows of two tensors: data [N, ...] and targets [N, ...].
class TensorDataset {
 public:
  TensorDataset(Tensor data, Tensor targets);
  virtual ~TensorDataset() = default;

  int64_t size() const { return data_.size(0); }
  Example<> get(int64_t index) const;
  // The rows `indices` (int64 [B]) stacked into a batch.
  Example<> get_batch(const Tensor& indices) const;
  // The first `n` examples (a view, no copy): for quick experiments and tests.
  TensorDataset head(int64_t n) const;

  const Tensor& data() const { return data_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor data_;
  Tensor targets_;
};

}  // namespace tg::data
