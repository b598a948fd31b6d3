#include "distributed/sync_batchnorm.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "distributed/functional.h"
#include "ops/ops.h"

namespace tg::distributed {

SyncBatchNormImpl::SyncBatchNormImpl(const nn::BatchNormOptions& options,
                                     std::shared_ptr<ProcessGroupMPI> group)
    : nn::BatchNormImplBase<2>(options),
      group_(group ? std::move(group) : ProcessGroupMPI::create()) {}

Tensor SyncBatchNormImpl::forward(const Tensor& input) {
  const int64_t C = options.num_features();
  TG_CHECK(input.defined() && input.dim() >= 2 && input.size(1) == C, "SyncBatchNorm: expected "
           "an input of shape [N, ", C, ", ...], got ",
           input.defined() ? input.shape() : Shape{});
  const bool use_batch_stats = is_training() || !options.track_running_stats();
  if (!use_batch_stats || group_->size() == 1) return BatchNormImplBase<2>::forward(input);

  std::vector<int64_t> reduce_dims{0}, stat_shape{1, C};
  for (int64_t d = 2; d < input.dim(); ++d) {
    reduce_dims.push_back(d);
    stat_shape.push_back(1);
  }
  const double local_count = static_cast<double>(input.numel() / C);
  // [sum over this rank's batch per channel..., element count], summed over ranks.
  Tensor stats = all_reduce_sum(
      cat({input.sum(reduce_dims), full({1}, local_count, input.dtype())}, 0), group_);
  Tensor count = stats.narrow(0, C, 1);
  Tensor mean = stats.narrow(0, 0, C) / count;
  Tensor centered = input - mean.view(stat_shape);
  Tensor sq = all_reduce_sum((centered * centered).sum(reduce_dims), group_);
  Tensor var = sq / count;  // biased, as batch norm normalises with
  Tensor out = centered / (var.view(stat_shape) + options.eps()).sqrt();
  if (options.affine()) out = out * weight.view(stat_shape) + bias.view(stat_shape);

  if (is_training() && options.track_running_stats()) {
    NoGradGuard no_grad;
    const double n = count.item<double>();
    num_batches_tracked.add_(int64_t{1});
    const double m = options.momentum().has_value()
                         ? *options.momentum()
                         : 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
    Tensor unbiased = var.detach() * (n / std::max(n - 1.0, 1.0));
    running_mean.mul_(1.0 - m).add_(mean.detach() * m);
    running_var.mul_(1.0 - m).add_(unbiased * m);
  }
  return out;
}

}  // namespace tg::distributed
