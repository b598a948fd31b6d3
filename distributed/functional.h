// Differentiable collectives: ops whose backward is itself a collective, so a model can
// use statistics of the global batch (SyncBatchNorm) and still be differentiated, to any
// order. Every rank must run the same ops in the same order, forward and backward.
#pragma once
#include <memory>

#include "distributed/process_group.h"

namespace tg::distributed {

// The sum over all ranks of `t` (a new tensor). Its vjp is all_reduce_sum of the incoming
// gradient: each rank's input reaches every rank's output.
Tensor all_reduce_sum(const Tensor& t, const std::shared_ptr<ProcessGroupMPI>& group);

}  // namespace tg::distributed
