#include "distributed/sampler.h"

#include "autograd/error.h"
#include "autograd/random.h"

namespace tg::distributed {

DistributedSampler::DistributedSampler(int64_t dataset_size, int num_replicas, int rank,
                                       bool shuffle, uint64_t seed, bool drop_last)
    : dataset_size_(dataset_size), num_replicas_(num_replicas), rank_(rank), shuffle_(shuffle),
      seed_(seed), drop_last_(drop_last) {
  TG_CHECK(dataset_size >= 0, "DistributedSampler: dataset_size must be >= 0, got ", dataset_size);
  TG_CHECK(num_replicas >= 1, "DistributedSampler: num_replicas must be >= 1, got ", num_replicas);
  TG_CHECK(rank >= 0 && rank < num_replicas, "DistributedSampler: rank ", rank,
           " is out of range [0, ", num_replicas - 1, "]");
  num_samples_ = drop_last ? dataset_size / num_replicas
                           : (dataset_size + num_replicas - 1) / num_replicas;
}

std::vector<int64_t> DistributedSampler::indices() const {
  std::vector<int64_t> order(static_cast<std::size_t>(dataset_size_));
  for (int64_t i = 0; i < dataset_size_; ++i) order[i] = i;
  if (shuffle_) {
    // Fisher-Yates driven by a generator seeded from seed + epoch: the same on every rank.
    Generator gen(seed_ + static_cast<uint64_t>(epoch_));
    for (int64_t i = dataset_size_ - 1; i > 0; --i) {
      const uint64_t span = static_cast<uint64_t>(i) + 1;
      // Rejection sampling keeps every position equally likely.
      const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
      uint64_t draw;
      do draw = gen.next_u64(); while (draw >= limit);
      std::swap(order[i], order[static_cast<int64_t>(draw % span)]);
    }
  }
  const int64_t total = total_size();
  if (total > dataset_size_ && dataset_size_ > 0) {  // pad by repeating from the start
    for (int64_t i = dataset_size_; i < total; ++i) order.push_back(order[i - dataset_size_]);
  }
  order.resize(static_cast<std::size_t>(total));
  std::vector<int64_t> mine;
  mine.reserve(static_cast<std::size_t>(num_samples_));
  for (int64_t i = rank_; i < total; i += num_replicas_) mine.push_back(order[i]);
  return mine;
}

}  // namespace tg::distributed
