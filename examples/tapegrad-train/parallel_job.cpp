#include "parallel_job.h"

#include "models.h"

#include <iostream>
#include <streambuf>

#ifdef TAPEGRAD_TRAIN_WITH_MPI
#include "distributed/distributed.h"
#endif

namespace train {
namespace {

class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
};

}  // namespace

struct ParallelJob::State {
  NullBuffer null_buffer;
  std::ostream null_stream{&null_buffer};
#ifdef TAPEGRAD_TRAIN_WITH_MPI
  std::shared_ptr<tg::distributed::ProcessGroupMPI> group;
  std::unique_ptr<tg::distributed::DistributedDataParallel<ModelHolder>> ddp;
#endif
};

ParallelJob::ParallelJob(bool distributed) : state_(std::make_unique<State>()) {
  if (!distributed) return;
#ifdef TAPEGRAD_TRAIN_WITH_MPI
  state_->group = tg::distributed::ProcessGroupMPI::create();
  rank_ = state_->group->rank();
  size_ = state_->group->size();
#else
  throw tg::Error("tapegrad-train: --distributed needs a build with MPI (TAPEGRAD_WITH_MPI=ON)");
#endif
}

ParallelJob::~ParallelJob() = default;

std::ostream& ParallelJob::out() { return is_main() ? std::cout : state_->null_stream; }

void ParallelJob::attach(const tg::nn::AnyModule& model) {
#ifdef TAPEGRAD_TRAIN_WITH_MPI
  if (state_->group)
    state_->ddp = std::make_unique<tg::distributed::DistributedDataParallel<ModelHolder>>(
        ModelHolder{model}, state_->group);
#else
  (void)model;
#endif
}

tg::Tensor ParallelJob::forward(const tg::nn::AnyModule& model, const tg::Tensor& x) {
#ifdef TAPEGRAD_TRAIN_WITH_MPI
  if (state_->ddp) return state_->ddp->forward(x);
#endif
  return model.forward(x);
}

tg::Tensor ParallelJob::local_rows(const tg::Tensor& batch) const {
  if (size_ == 1) return batch;
  const int64_t n = batch.size(0);
  TG_CHECK(n % size_ == 0, "tapegrad-train: a batch of ", n, " images does not split evenly over ",
           size_, " ranks (choose --batch-size and --limit-train as multiples of ", size_, ")");
  const int64_t share = n / size_;
  return batch.narrow(0, rank_ * share, share);
}

void ParallelJob::sum(std::vector<double>& values) {
#ifdef TAPEGRAD_TRAIN_WITH_MPI
  if (!state_->group) return;
  tg::Tensor t = tg::tensor(values, {static_cast<int64_t>(values.size())});
  state_->group->allreduce(t, tg::distributed::ReduceOp::SUM)->wait();
  values = t.to_vector<double>();
#endif
}

void ParallelJob::sum(tg::Tensor& int64_counts) {
#ifdef TAPEGRAD_TRAIN_WITH_MPI
  if (state_->group) state_->group->allreduce(int64_counts, tg::distributed::ReduceOp::SUM)->wait();
#endif
}

void ParallelJob::abort_job_if_distributed(const std::string& message) {
#ifdef TAPEGRAD_TRAIN_WITH_MPI
  if (tg::distributed::ProcessGroupMPI::launched_by_mpirun())
    tg::distributed::ProcessGroupMPI::create()->abort("tapegrad-train: " + message);
#endif
}

double ParallelJob::last_overlap() const {
#ifdef TAPEGRAD_TRAIN_WITH_MPI
  if (state_->ddp) return state_->ddp->reducer().last_overlap();
#endif
  return 0;
}

}  // namespace train
