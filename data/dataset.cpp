#include "data/dataset.h"

#include <cstring>

namespace tg::data {

TensorDataset::TensorDataset(Tensor data, Tensor targets)
    : data_(std::move(data)), targets_(std::move(targets)) {
  TG_CHECK(data_.defined() && targets_.defined(), "TensorDataset: data and targets must be defined");
  TG_CHECK(data_.dim() >= 1 && targets_.dim() >= 1 && data_.size(0) == targets_.size(0),
           "TensorDataset: data ", data_.shape(), " and targets ", targets_.shape(),
           " must have the same first dimension");
  data_ = data_.contiguous();
  targets_ = targets_.contiguous();
}

Example<> TensorDataset::get(int64_t index) const {
  TG_CHECK(index >= 0 && index < size(), "TensorDataset::get: index ", index,
           " is out of range for a dataset of ", size(), " examples");
  return {data_.select(0, index), targets_.select(0, index)};
}

namespace {

// Copies whole rows of a contiguous tensor (row = everything after dim 0).
Tensor gather_rows(const Tensor& src, const int64_t* idx, int64_t n) {
  Shape shape = src.shape();
  shape[0] = n;
  Tensor out = empty(shape, src.dtype());
  const std::size_t row_bytes = static_cast<std::size_t>(src.numel() / std::max<int64_t>(src.size(0), 1)) *
                                itemsize(src.dtype());
  const char* s = static_cast<const char*>(src.raw_data());
  char* d = static_cast<char*>(out.raw_data());
  for (int64_t i = 0; i < n; ++i) std::memcpy(d + i * row_bytes, s + idx[i] * row_bytes, row_bytes);
  return out;
}

}  // namespace

Example<> TensorDataset::get_batch(const Tensor& indices) const {
  TG_CHECK(indices.dtype() == kInt64 && indices.dim() == 1, "TensorDataset::get_batch: expected "
           "a 1-d int64 index tensor, got ", indices.dtype(), " ", indices.shape());
  Tensor idx = indices.contiguous();
  const int64_t* p = idx.data_ptr<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i)
    TG_CHECK(p[i] >= 0 && p[i] < size(), "TensorDataset::get_batch: index ", p[i],
             " is out of range for a dataset of ", size(), " examples");
  return {gather_rows(data_, p, idx.numel()), gather_rows(targets_, p, idx.numel())};
}

TensorDataset TensorDataset::head(int64_t n) const {
  TG_CHECK(n >= 0 && n <= size(), "TensorDataset::head: ", n, " examples requested, ", size(),
           " available");
  return TensorDataset(data_.narrow(0, 0, n), targets_.narrow(0, 0, n));
}

}  // namespace tg::data
