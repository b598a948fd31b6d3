// DataLoader: seeded shuffling, batching, transforms, and prefetching of the next batch on
// a oneTBB task while the current training step runs.
//
//   data::DataLoader loader(train_set, data::DataLoaderOptions(64).shuffle(true).seed(1),
//                           data::Normalize({0.2860}, {0.3530}));
//   for (int epoch = 0; epoch < 3; ++epoch)
//     for (const data::Example& batch : loader.epoch(epoch)) { ... }
#pragma once
#include <cstdint>
#include <memory>

#include "data/dataset.h"
#include "data/transforms.h"

namespace tg::data {

struct DataLoaderOptions {
  explicit DataLoaderOptions(int64_t batch_size = 1) : batch_size_(batch_size) {}
  DataLoaderOptions& batch_size(int64_t v) { batch_size_ = v; return *this; }
  DataLoaderOptions& shuffle(bool v) { shuffle_ = v; return *this; }
  DataLoaderOptions& drop_last(bool v) { drop_last_ = v; return *this; }
  DataLoaderOptions& seed(uint64_t v) { seed_ = v; return *this; }
  DataLoaderOptions& prefetch(bool v) { prefetch_ = v; return *this; }
  int64_t batch_size() const { return batch_size_; }
  bool shuffle() const { return shuffle_; }
  bool drop_last() const { return drop_last_; }
  uint64_t seed() const { return seed_; }
  bool prefetch() const { return prefetch_; }

 private:
  int64_t batch_size_;
  bool shuffle_ = false;
  bool drop_last_ = false;
  uint64_t seed_ = 0;
  bool prefetch_ = true;
};

class DataLoader {
 public:
  DataLoader(TensorDataset dataset, DataLoaderOptions options, Transform transform = nullptr);

  int64_t num_batches() const;
  const TensorDataset& dataset() const { return dataset_; }
  const DataLoaderOptions& options() const { return options_; }

  class Epoch;
  // The batches of epoch `index`: the order and the random augmentation depend only on
  // (seed, index), so resuming at an epoch reproduces an uninterrupted run.
  Epoch epoch(int64_t index) const;

  // Batch `b` of epoch `index`, computed synchronously.
  Example batch(int64_t index, int64_t b) const;

 private:
  Example make_batch(const Tensor& order, int64_t index, int64_t b) const;

  TensorDataset dataset_;
  DataLoaderOptions options_;
  Transform transform_;
};

class DataLoader::Epoch {
 public:
  class Iterator;
  Epoch(const DataLoader& loader, int64_t index);
  ~Epoch();
  Epoch(Epoch&&) noexcept;
  Iterator begin();
  Iterator end();

 private:
  friend class Iterator;
  struct State;
  std::unique_ptr<State> state_;
};

class DataLoader::Epoch::Iterator {
 public:
  Iterator(State* state, int64_t position) : state_(state), position_(position) {}
  const Example& operator*() const;
  const Example* operator->() const { return &**this; }
  Iterator& operator++();
  bool operator!=(const Iterator& other) const { return position_ != other.position_; }
  bool operator==(const Iterator& other) const { return position_ == other.position_; }

 private:
  State* state_;
  int64_t position_;
};

}  // namespace tg::data
