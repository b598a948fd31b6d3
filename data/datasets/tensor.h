// datasets::TensorDataset: libtorch's dataset over the rows of one tensor (examples without a
// target). tapegrad's own data::TensorDataset (data/dataset.h) pairs inputs with targets.
#pragma once
#include <vector>

#include "autograd/tensor.h"
#include "data/datasets/base.h"
#include "ops/join.h"

namespace tg::data::datasets {

struct TensorDataset : public Dataset<TensorDataset, TensorExample> {
  explicit TensorDataset(const std::vector<Tensor>& tensors) : TensorDataset(stack(tensors)) {}
  explicit TensorDataset(Tensor tensor) : tensor(std::move(tensor)) {
    TG_CHECK(this->tensor.defined() && this->tensor.dim() >= 1,
             "TensorDataset: expected a tensor with at least one dimension");
  }

  TensorExample get(size_t index) override {
    TG_CHECK(index < static_cast<size_t>(tensor.size(0)), "TensorDataset::get: index ", index,
             " is out of range for ", tensor.size(0), " examples");
    return tensor[static_cast<int64_t>(index)];
  }
  optional<size_t> size() const override { return static_cast<size_t>(tensor.size(0)); }

  Tensor tensor;
};

}  // namespace tg::data::datasets
