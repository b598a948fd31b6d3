// SyncBatchNorm: batch normalisation over the global batch of a data-parallel job. In
// training, the mean and variance are those of every rank's batch together (one small
// allreduce for the sums, one for the squared deviations); the gradient flows back through
// the same collectives. In eval mode, and with a single process, it is BatchNorm. Same
// parameters, buffers and names as BatchNorm2d, so checkpoints load either way; inputs are
// [N, C, ...] of any rank >= 2.
#pragma once
#include <memory>

#include "distributed/process_group.h"
#include "nn/modules/normalization.h"

namespace tg::distributed {

class SyncBatchNormImpl : public nn::BatchNormImplBase<2> {
 public:
  explicit SyncBatchNormImpl(const nn::BatchNormOptions& options,
                             std::shared_ptr<ProcessGroupMPI> group = nullptr);
  Tensor forward(const Tensor& input);

 private:
  std::shared_ptr<ProcessGroupMPI> group_;
};
TG_MODULE(SyncBatchNorm);

}  // namespace tg::distributed
