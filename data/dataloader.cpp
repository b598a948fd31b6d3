#include "data/dataloader.h"

#include <tbb/task_group.h>

#include <optional>

#include "autograd/grad_mode.h"

namespace tg::data {

DataLoader::DataLoader(TensorDataset dataset, DataLoaderOptions options, Transform transform)
    : dataset_(std::move(dataset)), options_(options), transform_(std::move(transform)) {
  TG_CHECK(options_.batch_size() >= 1, "DataLoader: batch_size must be at least 1, got ",
           options_.batch_size());
}

int64_t DataLoader::num_batches() const {
  const int64_t n = dataset_.size(), b = options_.batch_size();
  return options_.drop_last() ? n / b : (n + b - 1) / b;
}

namespace {

// The example order of one epoch, from a generator seeded by (seed, epoch).
Tensor epoch_order(int64_t n, bool shuffle, uint64_t seed, int64_t epoch) {
  if (!shuffle) return arange(n);
  Generator gen(seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(epoch) + 1);
  return randperm(n, &gen);
}

}  // namespace

Example<> DataLoader::batch(int64_t index, int64_t b) const {
  TG_CHECK(b >= 0 && b < num_batches(), "DataLoader::batch: batch ", b, " of ", num_batches());
  return make_batch(epoch_order(dataset_.size(), options_.shuffle(), options_.seed(), index),
                    index, b);
}

Example<> DataLoader::make_batch(const Tensor& order, int64_t index, int64_t b) const {
  const int64_t bs = options_.batch_size();
  const int64_t len = std::min(bs, dataset_.size() - b * bs);
  NoGradGuard no_grad;
  Example<> ex = dataset_.get_batch(order.narrow(0, b * bs, len).contiguous());
  if (transform_) {
    // Each batch has its own generator, so prefetching order cannot change the draws.
    Generator gen(options_.seed() ^ (static_cast<uint64_t>(index) << 32) ^ static_cast<uint64_t>(b + 1) * 0xbf58476d1ce4e5b9ULL);
    ex = transform_(std::move(ex), gen);
  }
  return ex;
}

struct DataLoader::Epoch::State {
  const DataLoader& loader;
  int64_t index;
  int64_t count;
  Tensor order;
  Example<> current;
  std::optional<Example<>> next;
  tbb::task_group tasks;
  bool pending = false;

  State(const DataLoader& l, int64_t i)
      : loader(l), index(i), count(l.num_batches()),
        order(epoch_order(l.dataset().size(), l.options().shuffle(), l.options().seed(), i)) {}
  ~State() {
    if (pending) tasks.wait();
  }
  void prefetch(int64_t b) {
    if (b >= count || !loader.options().prefetch()) return;
    pending = true;
    tasks.run([this, b] { next = loader.make_batch(order, index, b); });
  }
  void load(int64_t b) {
    if (b >= count) return;
    if (pending) {
      tasks.wait();
      pending = false;
      current = std::move(*next);
      next.reset();
    } else {
      current = loader.make_batch(order, index, b);
    }
    prefetch(b + 1);
  }
};

DataLoader::Epoch::Epoch(const DataLoader& loader, int64_t index)
    : state_(std::make_unique<State>(loader, index)) {}
DataLoader::Epoch::~Epoch() = default;
DataLoader::Epoch::Epoch(Epoch&&) noexcept = default;

DataLoader::Epoch DataLoader::epoch(int64_t index) const { return Epoch(*this, index); }

DataLoader::Epoch::Iterator DataLoader::Epoch::begin() {
  state_->load(0);
  return Iterator(state_.get(), 0);
}

DataLoader::Epoch::Iterator DataLoader::Epoch::end() { return Iterator(state_.get(), state_->count); }

const Example<>& DataLoader::Epoch::Iterator::operator*() const { return state_->current; }

DataLoader::Epoch::Iterator& DataLoader::Epoch::Iterator::operator++() {
  ++position_;
  state_->load(position_);
  return *this;
}

}  // namespace tg::data
