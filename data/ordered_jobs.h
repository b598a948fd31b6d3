// OrderedJobs: runs jobs on oneTBB tasks and lets the caller wait for them oldest first. The
// data loader's workers use it to load batches in parallel while the training step runs;
// waiting executes queued tasks on the waiting thread, so it never deadlocks, whatever the
// thread count (with one thread, each job runs when it is waited for).
#pragma once
#include <cstddef>
#include <functional>
#include <memory>

namespace tg::data::detail {

class OrderedJobs {
 public:
  OrderedJobs();
  ~OrderedJobs();  // waits for every job
  OrderedJobs(const OrderedJobs&) = delete;
  OrderedJobs& operator=(const OrderedJobs&) = delete;

  // `job` should not throw (the loader stores its exceptions); one that does is rethrown by
  // the wait that finishes it.
  void submit(std::function<void()> job);
  // Blocks until the oldest job has finished, then forgets it.
  void wait_oldest();
  void wait_all();
  std::size_t in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tg::data::detail
