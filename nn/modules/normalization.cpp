#include "nn/modules/normalization.h"

#include "autograd/grad_mode.h"
#include "nn/init.h"

namespace tg::nn {
namespace {

namespace F = functional;

const char* bool_name(bool b) { return b ? "true" : "false"; }

}  // namespace

// ---------------------------------------------------------------- BatchNorm

template <int D>
BatchNormImplBase<D>::BatchNormImplBase(const BatchNormOptions& options_) : options(options_) {
  reset();
}

template <int D>
void BatchNormImplBase<D>::reset() {
  const int64_t c = options.num_features();
  TG_CHECK(c > 0, "BatchNorm", D, "d: num_features must be positive, got ", c);
  const bool affine = options.affine(), track = options.track_running_stats();
  weight = register_parameter("weight", affine ? empty({c}) : Tensor(), affine);
  bias = register_parameter("bias", affine ? empty({c}) : Tensor(), affine);
  running_mean = register_buffer("running_mean", track ? zeros({c}) : Tensor());
  running_var = register_buffer("running_var", track ? ones({c}) : Tensor());
  num_batches_tracked =
      register_buffer("num_batches_tracked", track ? zeros({}, kInt64) : Tensor());
  reset_parameters();
}

template <int D>
void BatchNormImplBase<D>::reset_running_stats() {
  if (!options.track_running_stats()) return;
  NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

template <int D>
void BatchNormImplBase<D>::reset_parameters() {
  reset_running_stats();
  if (!options.affine()) return;
  init::ones_(weight);
  init::zeros_(bias);
}

template <int D>
void BatchNormImplBase<D>::check_input(const Tensor& input) const {
  TG_CHECK(input.defined(), "BatchNorm", D, "d: the input is undefined");
  if (D == 1) {
    TG_CHECK(input.dim() == 2 || input.dim() == 3, "BatchNorm1d: expected 2D or 3D input "
             "([N, C] or [N, C, L]), got ", input.dim(), "D input of shape ", input.shape());
  } else {
    TG_CHECK(input.dim() == D + 2, "BatchNorm", D, "d: expected ", D + 2, "D input, got ",
             input.dim(), "D input of shape ", input.shape());
  }
  TG_CHECK(input.size(1) == options.num_features(), "BatchNorm", D, "d: expected ",
           options.num_features(), " channels (dim 1 = num_features), got input of shape ",
           input.shape());
}

template <int D>
Tensor BatchNormImplBase<D>::forward(const Tensor& input) {
  check_input(input);
  double factor = options.momentum().value_or(0.0);
  if (is_training() && options.track_running_stats()) {
    // One more batch: the cumulative average (momentum = nullopt) weighs it 1 / count.
    num_batches_tracked.data_ptr<int64_t>()[0] += 1;
    num_batches_tracked.bump_version();
    if (!options.momentum())
      factor = 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
  }
  // Batch statistics when training, or in eval mode when there are no running ones.
  const bool use_batch_stats = is_training() || !running_mean.defined();
  // Running statistics are read in eval mode and updated when training with tracking.
  const bool pass_running = !is_training() || options.track_running_stats();
  return F::batch_norm(input, pass_running ? running_mean : Tensor(),
                       pass_running ? running_var : Tensor(),
                       F::BatchNormFuncOptions()
                           .weight(weight)
                           .bias(bias)
                           .training(use_batch_stats)
                           .momentum(factor)
                           .eps(options.eps()));
}

template <int D>
void BatchNormImplBase<D>::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::BatchNorm" << D << "d(" << options.num_features()
         << ", eps=" << options.eps() << ", momentum=";
  if (options.momentum()) stream << *options.momentum();
  else stream << "None";
  stream << ", affine=" << bool_name(options.affine())
         << ", track_running_stats=" << bool_name(options.track_running_stats()) << ")";
}

template class BatchNormImplBase<1>;
template class BatchNormImplBase<2>;
template class BatchNormImplBase<3>;

// ---------------------------------------------------------------- GroupNorm

GroupNormImpl::GroupNormImpl(const GroupNormOptions& options_) : options(options_) { reset(); }

void GroupNormImpl::reset() {
  const int64_t g = options.num_groups(), c = options.num_channels();
  TG_CHECK(g > 0 && c > 0 && c % g == 0, "GroupNorm: num_channels must be divisible by "
           "num_groups (both positive), got num_groups=", g, ", num_channels=", c);
  const bool affine = options.affine();
  weight = register_parameter("weight", affine ? empty({c}) : Tensor(), affine);
  bias = register_parameter("bias", affine ? empty({c}) : Tensor(), affine);
  reset_parameters();
}

void GroupNormImpl::reset_parameters() {
  if (!options.affine()) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor GroupNormImpl::forward(const Tensor& input) {
  TG_CHECK(input.defined() && input.dim() >= 2 && input.size(1) == options.num_channels(),
           "GroupNorm: expected an input [N, C, *] with C = num_channels = ",
           options.num_channels(), ", got shape ", input.defined() ? input.shape() : Shape{});
  return F::group_norm(input, F::GroupNormFuncOptions(options.num_groups())
                                  .weight(weight)
                                  .bias(bias)
                                  .eps(options.eps()));
}

void GroupNormImpl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::GroupNorm(" << options.num_groups() << ", " << options.num_channels()
         << ", eps=" << options.eps() << ", affine=" << bool_name(options.affine()) << ")";
}

// ---------------------------------------------------------------- LayerNorm

LayerNormImpl::LayerNormImpl(const LayerNormOptions& options_) : options(options_) { reset(); }

void LayerNormImpl::reset() {
  const auto& shape = options.normalized_shape();
  TG_CHECK(!shape.empty(), "LayerNorm: normalized_shape must have at least one dim");
  for (int64_t s : shape)
    TG_CHECK(s > 0, "LayerNorm: normalized_shape sizes must be positive, got ", Shape(shape));
  const bool affine = options.elementwise_affine();
  weight = register_parameter("weight", affine ? tg::empty(shape) : Tensor(), affine);
  bias = register_parameter("bias", affine ? tg::empty(shape) : Tensor(), affine);
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  if (!options.elementwise_affine()) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  return F::layer_norm(input, F::LayerNormFuncOptions(options.normalized_shape())
                                  .weight(weight)
                                  .bias(bias)
                                  .eps(options.eps()));
}

void LayerNormImpl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::LayerNorm(" << Shape(options.normalized_shape())
         << ", eps=" << options.eps()
         << ", elementwise_affine=" << bool_name(options.elementwise_affine()) << ")";
}

}  // namespace tg::nn
