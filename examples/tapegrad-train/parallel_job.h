// The trainer's view of a data-parallel job. Under `mpirun -np K tapegrad-train
// --distributed`, every rank walks the same global batches (same shuffle seed) and trains
// on its K-th of each one's rows; DistributedDataParallel averages the gradients, so the
// run follows one process's run with the same global batch to float rounding. Only rank 0
// prints, draws the progress bar and writes files. Without --distributed (or in a build
// without MPI) it is a job of one and every call is a no-op.
#pragma once
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <tapegrad.h>

namespace train {

class ParallelJob {
 public:
  // Throws when `distributed` is asked for in a build without MPI support.
  explicit ParallelJob(bool distributed);
  ~ParallelJob();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_main() const { return rank_ == 0; }
  // std::cout on rank 0, a stream that discards everything elsewhere.
  std::ostream& out();

  // Wraps the model (any module) for gradient averaging (copies rank 0's weights to every
  // rank).
  void attach(const tg::nn::AnyModule& model);
  tg::Tensor forward(const tg::nn::AnyModule& model, const tg::Tensor& x);
  // This rank's rows of a global batch [B, ...]; B must divide by the world size.
  tg::Tensor local_rows(const tg::Tensor& batch) const;
  // Sums `values` (float64, in place) over the ranks.
  void sum(std::vector<double>& values);
  void sum(tg::Tensor& int64_counts);
  // In a distributed job, ends every rank with `message` (naming this rank) instead of
  // leaving the others waiting in a collective; otherwise returns.
  static void abort_job_if_distributed(const std::string& message);
  // Seconds of the last backward's allreduces hidden behind computation (0..1).
  double last_overlap() const;

 private:
  int rank_ = 0;
  int size_ = 1;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace train
