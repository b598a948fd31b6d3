#include "data/datasets/mnist.h"

#include "data/fashion_mnist.h"

namespace tg::data::datasets {

MNIST::MNIST(const std::string& root, Mode mode) : is_train_(mode == Mode::kTrain) {
  TensorDataset all = load_mnist_format(root, is_train_ ? Split::Train : Split::Test, "MNIST");
  images_ = all.data();
  targets_ = all.targets();
}

Example<> MNIST::get(size_t index) {
  const auto n = static_cast<size_t>(images_.size(0));
  TG_CHECK(index < n, "MNIST::get: index ", index, " is out of range for ", n, " examples");
  const auto i = static_cast<int64_t>(index);
  return {images_[i], targets_[i]};
}

optional<size_t> MNIST::size() const { return static_cast<size_t>(images_.size(0)); }

}  // namespace tg::data::datasets
