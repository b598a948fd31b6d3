// Samplers that split a dataset among `num_replicas` processes (as libtorch's): replica
// `rank` sees its own ceil(size / num_replicas) indices (size / num_replicas without
// allow_duplicates; with it, the first indices are reused to give every replica the same
// count). DistributedRandomSampler shuffles with a permutation that depends only on the
// epoch (`set_epoch`), so every replica agrees on it without communicating.
#pragma once
#include <vector>

#include "data/samplers/base.h"

namespace tg::data::samplers {

template <typename BatchRequest = std::vector<size_t>>
class DistributedSampler : public Sampler<BatchRequest> {
 public:
  DistributedSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                     bool allow_duplicates = true)
      : size_(size), num_replicas_(num_replicas), rank_(rank), epoch_(0),
        allow_duplicates_(allow_duplicates) {
    check_replicas(num_replicas, rank);
  }

  void set_epoch(size_t epoch) { epoch_ = epoch; }
  size_t epoch() const { return epoch_; }

 protected:
  size_t local_sample_count() {
    return allow_duplicates_ ? (size_ + num_replicas_ - 1) / num_replicas_ : size_ / num_replicas_;
  }

  size_t size_;
  size_t num_replicas_;
  size_t rank_;
  size_t epoch_;
  bool allow_duplicates_;

 private:
  static void check_replicas(size_t num_replicas, size_t rank);
};

// Throws tg::Error unless num_replicas >= 1 and rank < num_replicas.
void check_distributed_replicas(size_t num_replicas, size_t rank);

template <typename BatchRequest>
void DistributedSampler<BatchRequest>::check_replicas(size_t num_replicas, size_t rank) {
  check_distributed_replicas(num_replicas, rank);
}

class DistributedRandomSampler : public DistributedSampler<> {
 public:
  DistributedRandomSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                           bool allow_duplicates = true);
  void reset(optional<size_t> new_size = nullopt) override;
  optional<std::vector<size_t>> next(size_t batch_size) override;
  size_t index() const noexcept { return sample_index_ - begin_index_; }

 private:
  void populate_indices();
  size_t begin_index_ = 0;
  size_t end_index_ = 0;
  size_t sample_index_ = 0;
  std::vector<size_t> all_indices_;
};

class DistributedSequentialSampler : public DistributedSampler<> {
 public:
  DistributedSequentialSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                               bool allow_duplicates = true);
  void reset(optional<size_t> new_size = nullopt) override;
  optional<std::vector<size_t>> next(size_t batch_size) override;
  size_t index() const noexcept { return sample_index_ - begin_index_; }

 private:
  void populate_indices();
  size_t begin_index_ = 0;
  size_t end_index_ = 0;
  size_t sample_index_ = 0;
};

}  // namespace tg::data::samplers
