#include "data/ordered_jobs.h"

#include <tbb/task_group.h>

#include <deque>

#include "data/dataloader_options.h"
#include "autograd/error.h"

namespace tg::data {
namespace detail {

// One task group per job, so a wait is for that job only (and runs it on the waiting thread
// if no worker thread has started it).
struct OrderedJobs::Impl {
  std::deque<std::unique_ptr<tbb::task_group>> jobs;
};

OrderedJobs::OrderedJobs() : impl_(std::make_unique<Impl>()) {}

OrderedJobs::~OrderedJobs() {
  try {
    wait_all();
  } catch (...) {  // a destructor does not throw; the jobs have finished either way
  }
}

void OrderedJobs::submit(std::function<void()> job) {
  auto group = std::make_unique<tbb::task_group>();
  group->run(std::move(job));
  impl_->jobs.push_back(std::move(group));
}

void OrderedJobs::wait_oldest() {
  TG_CHECK(!impl_->jobs.empty(), "OrderedJobs::wait_oldest: no job is in flight");
  std::unique_ptr<tbb::task_group> oldest = std::move(impl_->jobs.front());
  impl_->jobs.pop_front();
  oldest->wait();
}

void OrderedJobs::wait_all() {
  // Every job is waited for even if one throws; the first exception is rethrown.
  std::exception_ptr first;
  while (!impl_->jobs.empty()) {
    try {
      wait_oldest();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

std::size_t OrderedJobs::in_flight() const { return impl_->jobs.size(); }

}  // namespace detail

FullDataLoaderOptions::FullDataLoaderOptions(const DataLoaderOptions& o)
    : batch_size(0), workers(0), max_jobs(0), timeout(o.timeout()),
      enforce_ordering(o.enforce_ordering()), drop_last(o.drop_last()) {
  TG_CHECK(o.batch_size() >= 1, "DataLoaderOptions: batch_size must be at least 1, got ",
           o.batch_size());
  TG_CHECK(o.workers() >= 0, "DataLoaderOptions: workers must be non-negative, got ",
           o.workers());
  TG_CHECK(o.max_jobs().value_or(0) >= 0, "DataLoaderOptions: max_jobs must be non-negative, got ",
           *o.max_jobs());
  batch_size = static_cast<std::size_t>(o.batch_size());
  workers = static_cast<std::size_t>(o.workers());
  max_jobs = static_cast<std::size_t>(o.max_jobs().value_or(2 * o.workers()));
}

}  // namespace tg::data
