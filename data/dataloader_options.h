// DataLoaderOptions: the settings of both data loaders, with libtorch's names.
//
//   make_data_loader(dataset, DataLoaderOptions().batch_size(64).workers(2).drop_last(true));
//   DataLoader loader(train_set, DataLoaderOptions(64).shuffle(true).seed(1));
//
// batch_size, workers, max_jobs, timeout, enforce_ordering and drop_last are libtorch's
// (`make_data_loader`); shuffle, seed and prefetch configure tapegrad's epoch-seeded
// `data::DataLoader` over a TensorDataset, where the sampler is not a template argument.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace tg::data {

struct DataLoaderOptions {
  DataLoaderOptions() = default;
  DataLoaderOptions(int64_t batch_size) : batch_size_(batch_size) {}  // NOLINT: implicit, as in libtorch

  DataLoaderOptions& batch_size(int64_t v) { batch_size_ = v; return *this; }
  // Batches loaded at the same time on oneTBB tasks (0: the calling thread loads each batch
  // when the loop asks for it). Each worker has its own copy of the dataset.
  DataLoaderOptions& workers(int64_t v) { workers_ = v; return *this; }
  // Accepted for libtorch code; tapegrad keeps `workers` batches in flight (see README).
  DataLoaderOptions& max_jobs(int64_t v) { max_jobs_ = v; return *this; }
  DataLoaderOptions& timeout(std::chrono::milliseconds v) { timeout_ = v; return *this; }
  // Batches always come in sampler order: false is accepted and changes nothing.
  DataLoaderOptions& enforce_ordering(bool v) { enforce_ordering_ = v; return *this; }
  // Leave out a last batch smaller than batch_size.
  DataLoaderOptions& drop_last(bool v) { drop_last_ = v; return *this; }
  DataLoaderOptions& shuffle(bool v) { shuffle_ = v; return *this; }
  DataLoaderOptions& seed(uint64_t v) { seed_ = v; return *this; }
  DataLoaderOptions& prefetch(bool v) { prefetch_ = v; return *this; }

  int64_t batch_size() const { return batch_size_; }
  int64_t workers() const { return workers_; }
  std::optional<int64_t> max_jobs() const { return max_jobs_; }
  std::optional<std::chrono::milliseconds> timeout() const { return timeout_; }
  bool enforce_ordering() const { return enforce_ordering_; }
  bool drop_last() const { return drop_last_; }
  bool shuffle() const { return shuffle_; }
  uint64_t seed() const { return seed_; }
  bool prefetch() const { return prefetch_; }

 private:
  int64_t batch_size_ = 1;
  int64_t workers_ = 0;
  std::optional<int64_t> max_jobs_;
  std::optional<std::chrono::milliseconds> timeout_;
  bool enforce_ordering_ = true;
  bool drop_last_ = false;
  bool shuffle_ = false;
  uint64_t seed_ = 0;
  bool prefetch_ = true;
};

// The options a libtorch-style loader runs with (`loader->options().batch_size`), checked and
// with max_jobs resolved (default 2 * workers).
struct FullDataLoaderOptions {
  explicit FullDataLoaderOptions(const DataLoaderOptions& o);

  std::size_t batch_size;
  std::size_t workers;
  std::size_t max_jobs;
  std::optional<std::chrono::milliseconds> timeout;
  bool enforce_ordering;
  bool drop_last;
};

}  // namespace tg::data
