// DistributedSampler: which dataset indices each rank reads in an epoch (the semantics of
// torch.utils.data.DistributedSampler). Every rank gets the same number of indices: the
// dataset is padded by repeating its first indices (or, with drop_last, trimmed) to a
// multiple of the number of replicas, then dealt out round-robin. With shuffle, the order
// is a permutation drawn from seed + epoch, the same on every rank; call set_epoch(e) at
// the start of each epoch so each epoch gets a new order.
#pragma once
#include <cstdint>
#include <vector>

namespace tg::distributed {

class DistributedSampler {
 public:
  DistributedSampler(int64_t dataset_size, int num_replicas, int rank, bool shuffle = true,
                     uint64_t seed = 0, bool drop_last = false);

  void set_epoch(int64_t epoch) { epoch_ = epoch; }
  int64_t epoch() const { return epoch_; }
  // Indices per rank in one epoch, and in all.
  int64_t num_samples() const { return num_samples_; }
  int64_t total_size() const { return num_samples_ * num_replicas_; }
  // This rank's indices for the current epoch.
  std::vector<int64_t> indices() const;

 private:
  int64_t dataset_size_;
  int num_replicas_;
  int rank_;
  bool shuffle_;
  uint64_t seed_;
  bool drop_last_;
  int64_t epoch_ = 0;
  int64_t num_samples_ = 0;
};

}  // namespace tg::distributed
