// A process group over MPI: the collectives that data-parallel training needs, on tensors
// of every dtype, with asynchronous variants (c10d::ProcessGroupMPI is the model).
//
//   auto pg = tg::distributed::ProcessGroupMPI::create();   // once per process
//   pg->allreduce(grad, tg::distributed::ReduceOp::AVG)->wait();
//   auto work = pg->broadcast(weights, /*root=*/0);          // returns at once
//   ...                                                      // compute meanwhile
//   work->wait();                                            // rethrows a failure
//
// Every collective runs on one communication thread, in the order it was called, so the
// caller's threads (oneTBB's workers included) never enter MPI and backward computation
// overlaps communication. Floating-point sums go around a ring in a fixed order: results
// are the same bits from run to run at a given world size, and equal on every rank.
//
// Faults end the job instead of hanging it: a collective that has not completed after
// `timeout` seconds (a rank stuck or gone) and an exception that escapes main on any rank
// both print a message naming the rank and call MPI_Abort, which stops every process.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "autograd/tensor.h"

namespace tg::distributed {

enum class ReduceOp { SUM, AVG, MAX, MIN };

// The handle an asynchronous collective returns.
class Work {
 public:
  // Blocks until the collective has finished; rethrows its error, if any.
  void wait();
  bool is_completed();

  // Seconds the collective itself took on the communication thread (after wait()).
  double seconds() const { return seconds_; }

  // Used by the communication thread.
  void finish(std::exception_ptr error = nullptr, double seconds = 0);

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::exception_ptr error_;
  double seconds_ = 0;
};

struct ProcessGroupOptions {
  // Seconds a collective may wait for the other ranks before the job is aborted.
  double timeout_seconds = 300.0;
};

class ProcessGroupMPI {
 public:
  // Initialises MPI (thread level MPI_THREAD_MULTIPLE when available, else SERIALIZED:
  // only the communication thread calls into MPI) on the first call, and returns the
  // group of all processes. The timeout can also be set with TG_DIST_TIMEOUT (seconds).
  static std::shared_ptr<ProcessGroupMPI> create(ProcessGroupOptions options = {});
  // True inside a process started by mpirun (whether or not create() was called).
  static bool launched_by_mpirun();

  ~ProcessGroupMPI();
  ProcessGroupMPI(const ProcessGroupMPI&) = delete;
  ProcessGroupMPI& operator=(const ProcessGroupMPI&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  double timeout_seconds() const { return options_.timeout_seconds; }

  // In place on `tensor` (contiguous, same dtype and shape on every rank; AVG only for
  // floating dtypes; on bool tensors SUM and MAX are logical or, MIN logical and).
  std::shared_ptr<Work> allreduce(Tensor tensor, ReduceOp op = ReduceOp::SUM);
  // Copies root's `tensor` into every rank's `tensor`.
  std::shared_ptr<Work> broadcast(Tensor tensor, int root = 0);
  // outputs[r] receives rank r's `input`; `outputs` is resized and filled on wait().
  std::shared_ptr<Work> allgather(std::vector<Tensor>& outputs, Tensor input);
  std::shared_ptr<Work> barrier();

  // Internal: allreduce without the cross-rank shape check (the caller guarantees equal
  // layouts, as DistributedDataParallel's buckets do), on a flat contiguous tensor.
  std::shared_ptr<Work> allreduce_unchecked(Tensor flat, ReduceOp op);

  // Ends every process of the job with `message`, naming this rank.
  [[noreturn]] void abort(const std::string& message) const;

 private:
  ProcessGroupMPI(int rank, int size, ProcessGroupOptions options);
  std::shared_ptr<Work> enqueue(std::function<void()> task);
  void run_queue();
  // Checks that every rank passed a tensor of the same dtype and shape to `op`.
  void check_same_layout(const char* op, const Tensor& t);
  // Polls MPI requests until they complete, aborting the job after the timeout.
  void wait_requests(const char* op, void* requests, int count);

  int rank_ = 0;
  int size_ = 1;
  ProcessGroupOptions options_;
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<std::pair<std::function<void()>, std::shared_ptr<Work>>> queue_;
  bool stopping_ = false;
  uint64_t collectives_ = 0;  // counts collectives, for messages
  std::thread comm_thread_;
};

}  // namespace tg::distributed
