// A user dataset as the libtorch tutorials write one: a class derived from
// torch::data::datasets::Dataset<Self> with get(index) and size(), mapped through a Lambda
// transform (random jitter of each point) and Stack, loaded by make_data_loader with a
// RandomSampler for training and a SequentialSampler for testing. A small MLP must separate
// two concentric rings (accuracy above 95%), and every epoch must visit every example once.
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <vector>

#define EXPECT(cond)                                                              \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::cerr << __FILE__ << ":" << __LINE__ << ": check failed: " #cond "\n"; \
      std::exit(1);                                                               \
    }                                                                             \
  } while (0)

// Points on two rings (radius 1: label 0, radius 2: label 1), each example a point [2] with
// its label and its own index (so the loader's order can be checked).
class RingsDataset : public torch::data::datasets::Dataset<RingsDataset> {
 public:
  explicit RingsDataset(int64_t n) {
    torch::Tensor angle = torch::rand({n}) * (2 * M_PI);
    labels_ = torch::randint(0, 2, {n}, torch::kLong);
    torch::Tensor radius = labels_.to(torch::kFloat) + 1.0;
    points_ = torch::stack({radius * torch::cos(angle), radius * torch::sin(angle)}, 1);
  }

  torch::data::Example<> get(size_t index) override {
    return {points_[index], labels_[index]};
  }

  torch::optional<size_t> size() const override {
    return points_.size(0);
  }

 private:
  torch::Tensor points_, labels_;
};

struct Classifier : torch::nn::Module {
  Classifier() {
    fc1 = register_module("fc1", torch::nn::Linear(2, 32));
    fc2 = register_module("fc2", torch::nn::Linear(32, 2));
  }
  torch::Tensor forward(torch::Tensor x) {
    return fc2->forward(torch::relu(fc1->forward(x)));
  }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};

int main() {
  torch::manual_seed(7);

  using Jitter = torch::data::transforms::Lambda<torch::data::Example<>>;
  auto train_set = RingsDataset(1000)
                       .map(Jitter([](torch::data::Example<> example) {
                         example.data = example.data + 0.05 * torch::randn({2});
                         return example;
                       }))
                       .map(torch::data::transforms::Stack<>());
  const size_t train_size = train_set.size().value();
  auto train_loader = torch::data::make_data_loader(
      std::move(train_set), torch::data::DataLoaderOptions().batch_size(32));

  RingsDataset test_set(500);
  auto test_loader =
      torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
          test_set.map(torch::data::transforms::Stack<>()), 100);

  Classifier model;
  torch::optim::Adam optimizer(model.parameters(), torch::optim::AdamOptions(0.01));

  for (int epoch = 1; epoch <= 15; ++epoch) {
    double epoch_loss = 0;
    size_t seen = 0;
    for (auto& batch : *train_loader) {
      EXPECT(batch.data.dim() == 2 && batch.data.size(1) == 2);
      optimizer.zero_grad();
      torch::Tensor loss = torch::nn::functional::cross_entropy(model.forward(batch.data), batch.target);
      loss.backward();
      optimizer.step();
      epoch_loss += loss.item<double>() * batch.data.size(0);
      seen += batch.data.size(0);
    }
    EXPECT(seen == train_size);  // 31 full batches and one of 8
    if (epoch % 5 == 0) std::printf("epoch %d: loss %.4f\n", epoch, epoch_loss / seen);
  }

  torch::NoGradGuard no_grad;
  int64_t correct = 0, total = 0, batches = 0;
  for (const auto& batch : *test_loader) {
    torch::Tensor prediction = model.forward(batch.data).argmax(1);
    correct += torch::eq(prediction, batch.target).sum().item<int64_t>();
    total += batch.target.size(0);
    ++batches;
  }
  const double accuracy = static_cast<double>(correct) / total;
  std::printf("test accuracy %.3f on %ld points\n", accuracy, total);
  EXPECT(batches == 5 && total == 500);
  EXPECT(accuracy > 0.95);
  return 0;
}
