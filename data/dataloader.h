// DataLoader: tapegrad's loader over a TensorDataset: seeded shuffling per epoch, batching,
// batch transforms, and prefetching of the next batch on a oneTBB task while the current
// training step runs. libtorch's `make_data_loader` (samplers, user datasets, workers) is in
// data/stateless_dataloader.h.
//
//   data::DataLoader loader(train_set, data::DataLoaderOptions(64).shuffle(true).seed(1),
//                           data::Normalize({0.2860}, {0.3530}));
//   for (int epoch = 0; epoch < 3; ++epoch)
//     for (const data::Example<>& batch : loader.epoch(epoch)) { ... }
#pragma once
#include <cstdint>
#include <memory>

#include "data/dataloader_options.h"
#include "data/dataset.h"
#include "data/transforms.h"

namespace tg::data {

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
  Example<> batch(int64_t index, int64_t b) const;

 private:
  Example<> make_batch(const Tensor& order, int64_t index, int64_t b) const;

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
  const Example<>& operator*() const;
  const Example<>* operator->() const { return &**this; }
  Iterator& operator++();
  bool operator!=(const Iterator& other) const { return position_ != other.position_; }
  bool operator==(const Iterator& other) const { return position_ == other.position_; }

 private:
  State* state_;
  int64_t position_;
};

}  // namespace tg::data
