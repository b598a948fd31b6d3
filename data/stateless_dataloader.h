// libtorch's data loader over a dataset and a sampler (`torch::data::make_data_loader`):
//
//   auto dataset = tg::data::datasets::MNIST(root)
//                      .map(tg::data::transforms::Normalize<>(0.1307, 0.3081))
//                      .map(tg::data::transforms::Stack<>());
//   auto loader = tg::data::make_data_loader<tg::data::samplers::SequentialSampler>(
//       std::move(dataset), tg::data::DataLoaderOptions().batch_size(64).workers(2));
//   for (tg::data::Example<>& batch : *loader) { ... }
//
// The sampler is asked for each batch's indices on the iterating thread, in order. With
// workers(0) that thread then calls dataset.get_batch itself; with workers(n) up to n batches
// are loaded at the same time on oneTBB tasks, each worker with its own copy of the dataset,
// and handed out in sampler order: the same batches in the same order as workers(0), as long
// as get_batch depends only on its request.
#pragma once
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "autograd/error.h"
#include "data/dataloader_options.h"
#include "data/iterator.h"
#include "data/ordered_jobs.h"
#include "data/samplers/random.h"

namespace tg::data {

template <typename Dataset, typename Sampler>
class StatelessDataLoader {
 public:
  using BatchType = typename Dataset::BatchType;
  using BatchRequestType = typename Sampler::BatchRequestType;

  StatelessDataLoader(Dataset dataset, Sampler sampler, DataLoaderOptions options)
      : options_(options), sampler_(std::move(sampler)) {
    if (options_.workers == 0) {
      main_thread_dataset_ = std::make_unique<Dataset>(std::move(dataset));
    } else {
      for (std::size_t w = 0; w < options_.workers; ++w)
        worker_datasets_.push_back(std::make_unique<Dataset>(dataset));
    }
  }
  ~StatelessDataLoader() { drain(); }
  StatelessDataLoader(const StatelessDataLoader&) = delete;
  StatelessDataLoader& operator=(const StatelessDataLoader&) = delete;

  // Starts an epoch: resets the sampler and, with workers, starts loading the first batches.
  // A loop left early (break) is fine: its batches still in flight are dropped here.
  Iterator<BatchType> begin() {
    reset();
    return Iterator<BatchType>([this] { return next(); });
  }
  Iterator<BatchType> end() { return Iterator<BatchType>(); }

  // Waits for the batches in flight and drops them.
  void join() { drain(); }
  const FullDataLoaderOptions& options() const noexcept { return options_; }

 private:
  struct Pending {
    std::optional<BatchType> batch;
    std::exception_ptr error;
  };

  void drain() {
    try {
      jobs_.wait_all();
    } catch (...) {  // the jobs store their exceptions; nothing is lost here
    }
    pending_.clear();
  }

  void reset() {
    drain();
    sampler_.reset();
    submitted_ = 0;
    for (std::size_t w = 0; w < worker_datasets_.size(); ++w) submit_next();
  }

  std::optional<BatchRequestType> get_batch_request() {
    auto indices = sampler_.next(options_.batch_size);
    if (!indices || (indices->size() < options_.batch_size && options_.drop_last))
      return std::nullopt;
    return indices;
  }

  // Job k runs on worker copy k % workers; at most `workers` jobs are in flight, so no two
  // running jobs share a copy.
  void submit_next() {
    std::optional<BatchRequestType> request = get_batch_request();
    if (!request) return;
    Dataset* dataset = worker_datasets_[submitted_++ % worker_datasets_.size()].get();
    auto slot = std::make_unique<Pending>();
    Pending* out = slot.get();
    pending_.push_back(std::move(slot));
    jobs_.submit([dataset, out, req = std::move(*request)]() mutable {
      try {
        out->batch.emplace(dataset->get_batch(std::move(req)));
      } catch (...) {
        out->error = std::current_exception();
      }
    });
  }

  std::optional<BatchType> next() {
    if (main_thread_dataset_) {
      std::optional<BatchRequestType> request = get_batch_request();
      if (!request) return std::nullopt;
      return main_thread_dataset_->get_batch(std::move(*request));
    }
    if (pending_.empty()) return std::nullopt;
    jobs_.wait_oldest();
    std::unique_ptr<Pending> done = std::move(pending_.front());
    pending_.pop_front();
    submit_next();
    if (done->error) std::rethrow_exception(done->error);
    return std::move(done->batch);
  }

  FullDataLoaderOptions options_;
  Sampler sampler_;
  std::unique_ptr<Dataset> main_thread_dataset_;
  std::vector<std::unique_ptr<Dataset>> worker_datasets_;
  std::deque<std::unique_ptr<Pending>> pending_;
  std::size_t submitted_ = 0;
  detail::OrderedJobs jobs_;  // declared last, so destroyed (after waiting) before the datasets
};

// A loader over `dataset` that draws each batch's indices from `sampler`.
template <typename Dataset, typename Sampler>
std::enable_if_t<!Dataset::is_stateful, std::unique_ptr<StatelessDataLoader<Dataset, Sampler>>>
make_data_loader(Dataset dataset, Sampler sampler, DataLoaderOptions options) {
  return std::make_unique<StatelessDataLoader<Dataset, Sampler>>(
      std::move(dataset), std::move(sampler), std::move(options));
}

// A loader whose sampler (by default a RandomSampler) is built from the dataset's size.
template <typename Sampler = samplers::RandomSampler, typename Dataset>
std::enable_if_t<!Dataset::is_stateful && std::is_constructible<Sampler, std::size_t>::value,
                 std::unique_ptr<StatelessDataLoader<Dataset, Sampler>>>
make_data_loader(Dataset dataset, DataLoaderOptions options = DataLoaderOptions()) {
  const std::optional<std::size_t> size = dataset.size();
  TG_CHECK(size.has_value(), "make_data_loader: the dataset has no size, which the sampler "
           "needs (stream datasets are not supported)");
  return make_data_loader(std::move(dataset), Sampler(*size), std::move(options));
}

}  // namespace tg::data
