#include <algorithm>
#include <numeric>

#include "autograd/random.h"
#include "data/samplers/distributed.h"
#include "data/samplers/random.h"
#include "data/samplers/sequential.h"

namespace tg::data::samplers {

// ---------------------------------------------------------------- SequentialSampler

SequentialSampler::SequentialSampler(size_t size) : size_(size) {}

void SequentialSampler::reset(optional<size_t> new_size) {
  if (new_size) size_ = *new_size;
  index_ = 0;
}

optional<std::vector<size_t>> SequentialSampler::next(size_t batch_size) {
  const size_t n = std::min(batch_size, size_ - index_);
  if (n == 0) return nullopt;
  std::vector<size_t> batch(n);
  std::iota(batch.begin(), batch.end(), index_);
  index_ += n;
  return batch;
}

// ---------------------------------------------------------------- RandomSampler

namespace {

Tensor permutation(int64_t size, DType index_dtype) {
  TG_CHECK(size >= 0, "RandomSampler: size must be non-negative, got ", size);
  TG_CHECK(index_dtype == kInt64, "RandomSampler: index_dtype must be an integer type (int64), "
           "got ", index_dtype);
  return randperm(size);
}

}  // namespace

RandomSampler::RandomSampler(int64_t size, DType index_dtype)
    : indices_(permutation(size, index_dtype)) {}

void RandomSampler::reset(optional<size_t> new_size) {
  const size_t size = new_size.value_or(static_cast<size_t>(indices_.numel()));
  TG_CHECK(size <= static_cast<size_t>(INT64_MAX), "RandomSampler::reset: size ", size,
           " is too large");
  indices_ = permutation(static_cast<int64_t>(size), indices_.dtype());
  index_ = 0;
}

optional<std::vector<size_t>> RandomSampler::next(size_t batch_size) {
  const size_t remaining = static_cast<size_t>(indices_.numel() - index_);
  const size_t n = std::min(batch_size, remaining);
  if (n == 0) return nullopt;
  const int64_t* p = indices_.data_ptr<int64_t>() + index_;
  std::vector<size_t> batch(p, p + n);
  index_ += static_cast<int64_t>(n);
  return batch;
}

// ---------------------------------------------------------------- distributed samplers

void check_distributed_replicas(size_t num_replicas, size_t rank) {
  TG_CHECK(num_replicas >= 1, "DistributedSampler: num_replicas must be at least 1, got ",
           num_replicas);
  TG_CHECK(rank < num_replicas, "DistributedSampler: rank ", rank, " is out of range for ",
           num_replicas, " replicas");
}

DistributedRandomSampler::DistributedRandomSampler(size_t size, size_t num_replicas, size_t rank,
                                                   bool allow_duplicates)
    : DistributedSampler(size, num_replicas, rank, allow_duplicates) {
  reset(size_);
}

void DistributedRandomSampler::populate_indices() {
  // One permutation of the whole dataset, the same on every replica: it depends only on the
  // epoch. Padded with its own first entries (or cut) to num_replicas * local indices.
  const size_t local = local_sample_count();
  std::vector<size_t> perm(size_);
  std::iota(perm.begin(), perm.end(), size_t{0});
  Generator gen(0x5eed0000ULL + epoch_);
  for (size_t i = size_; i > 1; --i) std::swap(perm[i - 1], perm[gen.next_u64() % i]);
  all_indices_.resize(local * num_replicas_);
  for (size_t i = 0; i < all_indices_.size(); ++i) all_indices_[i] = perm[i % size_];
  begin_index_ = rank_ * local;
  end_index_ = begin_index_ + local;
  sample_index_ = begin_index_;
}

void DistributedRandomSampler::reset(optional<size_t> new_size) {
  size_ = new_size.value_or(size_);
  populate_indices();
}

optional<std::vector<size_t>> DistributedRandomSampler::next(size_t batch_size) {
  const size_t end = sample_index_ + std::min(batch_size, end_index_ - sample_index_);
  if (end == sample_index_) return nullopt;
  std::vector<size_t> batch(all_indices_.begin() + static_cast<std::ptrdiff_t>(sample_index_),
                            all_indices_.begin() + static_cast<std::ptrdiff_t>(end));
  sample_index_ = end;
  return batch;
}

DistributedSequentialSampler::DistributedSequentialSampler(size_t size, size_t num_replicas,
                                                           size_t rank, bool allow_duplicates)
    : DistributedSampler(size, num_replicas, rank, allow_duplicates) {
  populate_indices();
}

void DistributedSequentialSampler::populate_indices() {
  begin_index_ = rank_ * local_sample_count();
  end_index_ = begin_index_ + local_sample_count();
  sample_index_ = begin_index_;
}

void DistributedSequentialSampler::reset(optional<size_t> new_size) {
  const size_t size = new_size.value_or(size_);
  if (size != size_) {
    size_ = size;
    populate_indices();
  } else {
    sample_index_ = begin_index_;
  }
}

optional<std::vector<size_t>> DistributedSequentialSampler::next(size_t batch_size) {
  const size_t end = sample_index_ + std::min(batch_size, end_index_ - sample_index_);
  if (end == sample_index_) return nullopt;
  std::vector<size_t> batch(end - sample_index_);
  // Replica r reads r * local ... (r + 1) * local - 1, wrapped around the dataset when
  // duplicates pad the last replica's share.
  for (size_t i = 0; i < batch.size(); ++i) batch[i] = (sample_index_ + i) % size_;
  sample_index_ = end;
  return batch;
}

}  // namespace tg::data::samplers
