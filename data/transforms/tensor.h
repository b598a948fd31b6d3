// Transforms of an example's data tensor (its target passes through): TensorLambda and
// Normalize, as in libtorch.
#pragma once
#include <functional>
#include <utility>

#include "autograd/array_ref.h"
#include "autograd/tensor.h"
#include "data/example.h"
#include "data/transforms/base.h"

namespace tg::data::transforms {

template <typename Target = Tensor>
class TensorTransform : public Transform<Example<Tensor, Target>, Example<Tensor, Target>> {
 public:
  using E = Example<Tensor, Target>;
  using typename Transform<E, E>::InputType;
  using typename Transform<E, E>::OutputType;

  virtual Tensor operator()(Tensor input) = 0;

  OutputType apply(InputType input) override {
    input.data = (*this)(std::move(input.data));
    return input;
  }
};

template <typename Target = Tensor>
class TensorLambda : public TensorTransform<Target> {
 public:
  using FunctionType = std::function<Tensor(Tensor)>;
  explicit TensorLambda(FunctionType function) : function_(std::move(function)) {}
  Tensor operator()(Tensor input) override { return function_(std::move(input)); }

 private:
  FunctionType function_;
};

namespace detail {
// The values as a float32 tensor [C, 1, 1], broadcasting over an image [C, H, W] (or a batch).
Tensor channel_constants(ArrayRef<double> values, const char* what);
}  // namespace detail

// (data - mean[c]) / stddev[c] over the channels of each example's data [C, H, W]; one value
// applies to every channel.
template <typename Target = Tensor>
struct Normalize : public TensorTransform<Target> {
  Normalize(ArrayRef<double> mean, ArrayRef<double> stddev)
      : mean(detail::channel_constants(mean, "mean")),
        stddev(detail::channel_constants(stddev, "stddev")) {}

  Tensor operator()(Tensor input) override { return input.sub(mean).div(stddev); }

  Tensor mean, stddev;
};

}  // namespace tg::data::transforms
