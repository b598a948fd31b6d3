// Iterator<Batch>: the input iterator of a libtorch-style data loader (`for (auto& batch :
// *loader)`). A valid iterator asks its loader for the first batch lazily and compares equal
// to the sentinel (end()) once the loader is exhausted.
#pragma once
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>

#include "autograd/error.h"

namespace tg::data {

template <typename Batch>
class Iterator {
 public:
  using difference_type = std::ptrdiff_t;
  using value_type = Batch;
  using pointer = Batch*;
  using reference = Batch&;
  using iterator_category = std::input_iterator_tag;
  using BatchProducer = std::function<std::optional<Batch>()>;

  // The sentinel.
  Iterator() = default;
  explicit Iterator(BatchProducer next_batch)
      : state_(std::make_shared<State>(std::move(next_batch))) {}

  Iterator& operator++() {
    TG_CHECK(state_, "DataLoader: incrementing the past-the-end iterator is not allowed");
    state_->load();
    TG_CHECK(state_->batch.has_value(), "DataLoader: incrementing an iterator past the end");
    state_->batch = state_->next_batch();
    return *this;
  }
  Batch& operator*() {
    TG_CHECK(state_, "DataLoader: dereferencing the past-the-end iterator is not allowed");
    state_->load();
    TG_CHECK(state_->batch.has_value(), "DataLoader: dereferencing an iterator past the end");
    return *state_->batch;
  }
  Batch* operator->() { return &**this; }

  bool operator==(const Iterator& other) const {
    if (state_ && other.state_) return state_ == other.state_;
    if (!state_ && !other.state_) return true;
    const State& valid = state_ ? *state_ : *other.state_;
    valid.load();
    return !valid.batch.has_value();
  }
  bool operator!=(const Iterator& other) const { return !(*this == other); }

 private:
  struct State {
    explicit State(BatchProducer f) : next_batch(std::move(f)) {}
    void load() const {
      if (loaded) return;
      batch = next_batch();
      loaded = true;
    }
    BatchProducer next_batch;
    mutable std::optional<Batch> batch;
    mutable bool loaded = false;
  };
  std::shared_ptr<State> state_;
};

}  // namespace tg::data
