// Pooling layers, as libtorch's: MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d,
// AdaptiveMaxPool1d/2d/3d and MaxUnpool1d/2d/3d. One base per kind, templated on the spatial
// rank D; the 1/2/3-d classes only fix D.
//
//   tg::nn::MaxPool2d pool(tg::nn::MaxPool2dOptions(3).stride(2).padding(1));
//   auto [y, indices] = pool->forward_with_indices(x);
//   tg::nn::MaxUnpool2d unpool(tg::nn::MaxUnpool2dOptions(3).stride(2).padding(1));
//   Tensor back = unpool(y, indices, std::vector<int64_t>{x.size(2), x.size(3)});
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <tuple>
#include <vector>

#include "nn/module.h"
#include "nn/options/pool.h"

namespace tg::nn {

// ---------------------------------------------------------------- max pooling
template <std::size_t D, class Derived>
class MaxPoolImpl : public Module {
 public:
  explicit MaxPoolImpl(ExpandingArray<D> kernel_size)
      : MaxPoolImpl(MaxPoolOptions<D>(kernel_size)) {}
  explicit MaxPoolImpl(const MaxPoolOptions<D>& options);

  // Checks the options (there are no parameters).
  void reset();
  Tensor forward(const Tensor& input);
  // The output and the argmax of each window (int64 flat positions in each input plane, as
  // MaxUnpool takes them).
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  // tg::nn::MaxPool2d(kernel_size=[3, 3], stride=[2, 2], padding=[0, 0], dilation=[1, 1],
  // ceil_mode=false)
  void pretty_print(std::ostream& stream) const override;

  MaxPoolOptions<D> options;
};

class MaxPool1dImpl : public MaxPoolImpl<1, MaxPool1dImpl> {
 public:
  using MaxPoolImpl<1, MaxPool1dImpl>::MaxPoolImpl;
};
TG_MODULE(MaxPool1d);

class MaxPool2dImpl : public MaxPoolImpl<2, MaxPool2dImpl> {
 public:
  using MaxPoolImpl<2, MaxPool2dImpl>::MaxPoolImpl;
};
TG_MODULE(MaxPool2d);

class MaxPool3dImpl : public MaxPoolImpl<3, MaxPool3dImpl> {
 public:
  using MaxPoolImpl<3, MaxPool3dImpl>::MaxPoolImpl;
};
TG_MODULE(MaxPool3d);

// ---------------------------------------------------------------- average pooling
template <std::size_t D, class Derived>
class AvgPoolImpl : public Module {
 public:
  explicit AvgPoolImpl(ExpandingArray<D> kernel_size)
      : AvgPoolImpl(AvgPoolOptions<D>(kernel_size)) {}
  explicit AvgPoolImpl(const AvgPoolOptions<D>& options);

  void reset();
  Tensor forward(const Tensor& input);
  // tg::nn::AvgPool2d(kernel_size=[3, 3], stride=[2, 2], padding=[0, 0])
  void pretty_print(std::ostream& stream) const override;

  AvgPoolOptions<D> options;
};

class AvgPool1dImpl : public AvgPoolImpl<1, AvgPool1dImpl> {
 public:
  using AvgPoolImpl<1, AvgPool1dImpl>::AvgPoolImpl;
};
TG_MODULE(AvgPool1d);

class AvgPool2dImpl : public AvgPoolImpl<2, AvgPool2dImpl> {
 public:
  using AvgPoolImpl<2, AvgPool2dImpl>::AvgPoolImpl;
};
TG_MODULE(AvgPool2d);

class AvgPool3dImpl : public AvgPoolImpl<3, AvgPool3dImpl> {
 public:
  using AvgPoolImpl<3, AvgPool3dImpl>::AvgPoolImpl;
};
TG_MODULE(AvgPool3d);

// ---------------------------------------------------------------- adaptive pooling
// The output has the requested spatial size whatever the input's; an absent element
// (std::nullopt) keeps the input's size in that dim.
template <std::size_t D, class Derived>
class AdaptiveAvgPoolImpl : public Module {
 public:
  explicit AdaptiveAvgPoolImpl(ExpandingArrayWithOptionalElem<D> output_size)
      : AdaptiveAvgPoolImpl(AdaptivePoolOptions<D>(output_size)) {}
  explicit AdaptiveAvgPoolImpl(const AdaptivePoolOptions<D>& options);

  void reset();
  Tensor forward(const Tensor& input);
  // tg::nn::AdaptiveAvgPool2d(output_size=[7, None])
  void pretty_print(std::ostream& stream) const override;

  AdaptivePoolOptions<D> options;
};

class AdaptiveAvgPool1dImpl : public AdaptiveAvgPoolImpl<1, AdaptiveAvgPool1dImpl> {
 public:
  using AdaptiveAvgPoolImpl<1, AdaptiveAvgPool1dImpl>::AdaptiveAvgPoolImpl;
};
TG_MODULE(AdaptiveAvgPool1d);

class AdaptiveAvgPool2dImpl : public AdaptiveAvgPoolImpl<2, AdaptiveAvgPool2dImpl> {
 public:
  using AdaptiveAvgPoolImpl<2, AdaptiveAvgPool2dImpl>::AdaptiveAvgPoolImpl;
};
TG_MODULE(AdaptiveAvgPool2d);

class AdaptiveAvgPool3dImpl : public AdaptiveAvgPoolImpl<3, AdaptiveAvgPool3dImpl> {
 public:
  using AdaptiveAvgPoolImpl<3, AdaptiveAvgPool3dImpl>::AdaptiveAvgPoolImpl;
};
TG_MODULE(AdaptiveAvgPool3d);

template <std::size_t D, class Derived>
class AdaptiveMaxPoolImpl : public Module {
 public:
  explicit AdaptiveMaxPoolImpl(ExpandingArrayWithOptionalElem<D> output_size)
      : AdaptiveMaxPoolImpl(AdaptivePoolOptions<D>(output_size)) {}
  explicit AdaptiveMaxPoolImpl(const AdaptivePoolOptions<D>& options);

  void reset();
  Tensor forward(const Tensor& input);
  // The output and the argmax of each window (int64 flat positions in each input plane).
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  // tg::nn::AdaptiveMaxPool2d(output_size=[7, 7])
  void pretty_print(std::ostream& stream) const override;

  AdaptivePoolOptions<D> options;
};

class AdaptiveMaxPool1dImpl : public AdaptiveMaxPoolImpl<1, AdaptiveMaxPool1dImpl> {
 public:
  using AdaptiveMaxPoolImpl<1, AdaptiveMaxPool1dImpl>::AdaptiveMaxPoolImpl;
};
TG_MODULE(AdaptiveMaxPool1d);

class AdaptiveMaxPool2dImpl : public AdaptiveMaxPoolImpl<2, AdaptiveMaxPool2dImpl> {
 public:
  using AdaptiveMaxPoolImpl<2, AdaptiveMaxPool2dImpl>::AdaptiveMaxPoolImpl;
};
TG_MODULE(AdaptiveMaxPool2d);

class AdaptiveMaxPool3dImpl : public AdaptiveMaxPoolImpl<3, AdaptiveMaxPool3dImpl> {
 public:
  using AdaptiveMaxPoolImpl<3, AdaptiveMaxPool3dImpl>::AdaptiveMaxPoolImpl;
};
TG_MODULE(AdaptiveMaxPool3d);

// ---------------------------------------------------------------- max unpooling
// The partial inverse of MaxPoolNd: zeros with each input value put back at its index.
template <std::size_t D, class Derived>
class MaxUnpoolImpl : public Module {
 public:
  explicit MaxUnpoolImpl(ExpandingArray<D> kernel_size)
      : MaxUnpoolImpl(MaxUnpoolOptions<D>(kernel_size)) {}
  explicit MaxUnpoolImpl(const MaxUnpoolOptions<D>& options);

  void reset();
  // output_size: the unpooled spatial size (D values, or with the batch and channel sizes in
  // front); by default (in - 1) * stride - 2 * padding + kernel_size per dim.
  Tensor forward(const Tensor& input, const Tensor& indices,
                 const std::optional<std::vector<int64_t>>& output_size = std::nullopt);
  // tg::nn::MaxUnpool2d(kernel_size=[2, 2], stride=[2, 2], padding=[0, 0])
  void pretty_print(std::ostream& stream) const override;

  MaxUnpoolOptions<D> options;
};

class MaxUnpool1dImpl : public MaxUnpoolImpl<1, MaxUnpool1dImpl> {
 public:
  using MaxUnpoolImpl<1, MaxUnpool1dImpl>::MaxUnpoolImpl;
};
TG_MODULE(MaxUnpool1d);

class MaxUnpool2dImpl : public MaxUnpoolImpl<2, MaxUnpool2dImpl> {
 public:
  using MaxUnpoolImpl<2, MaxUnpool2dImpl>::MaxUnpoolImpl;
};
TG_MODULE(MaxUnpool2d);

class MaxUnpool3dImpl : public MaxUnpoolImpl<3, MaxUnpool3dImpl> {
 public:
  using MaxUnpoolImpl<3, MaxUnpool3dImpl>::MaxUnpoolImpl;
};
TG_MODULE(MaxUnpool3d);

}  // namespace tg::nn
