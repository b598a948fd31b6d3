// MNIST in libtorch's form: `datasets::MNIST(root, MNIST::Mode::kTrain)` reads
// <root>/{train,t10k}-{images-idx3,labels-idx1}-ubyte (plain, as libtorch reads them, or
// gzip-compressed with a .gz suffix). Each example is an image float32 [1, H, W] scaled to
// [0, 1] (28 x 28 for MNIST) and its label as an int64 scalar. Any MNIST-format set works:
// Fashion-MNIST's files (data::default_fashion_mnist_root()) are read the same way.
#pragma once
#include <string>

#include "autograd/tensor.h"
#include "data/datasets/base.h"

namespace tg::data::datasets {

class MNIST : public Dataset<MNIST> {
 public:
  enum class Mode { kTrain, kTest };

  // Throws tg::Error naming the file for a missing, truncated or malformed file.
  explicit MNIST(const std::string& root, Mode mode = Mode::kTrain);

  Example<> get(size_t index) override;
  optional<size_t> size() const override;
  bool is_train() const noexcept { return is_train_; }
  // All images [N, 1, H, W] and labels [N].
  const Tensor& images() const { return images_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor images_, targets_;
  bool is_train_;
};

}  // namespace tg::data::datasets
