// Two independent models trained at the same time in two std::threads, their kernels sharing
// the oneTBB pool: each gets the losses and parameters, bit for bit, of training it alone.
// scripts/tsan.sh runs this suite under ThreadSanitizer.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "nn/nn.h"
#include "optim/optim.h"
#include "tapegrad.h"

namespace tg {
namespace {

struct Result {
  std::vector<double> losses;
  std::vector<std::vector<float>> params;
};

// A model, its optimizer and its data, all made in the calling thread from one seed (so the
// default generator is not drawn from by two threads and both orders see the same values).
struct Job {
  std::function<Tensor(const Tensor&)> forward;
  std::vector<Tensor> parameters;
  std::unique_ptr<optim::Optimizer> optimizer;
  Tensor x, y;

  Result train(int steps) {
    Result r;
    for (int i = 0; i < steps; ++i) {
      optimizer->zero_grad();
      Tensor loss = cross_entropy(forward(x), y);
      loss.backward();
      optimizer->step();
      r.losses.push_back(loss.item<double>());
    }
    for (const Tensor& p : parameters) r.params.push_back(p.to_vector<float>());
    return r;
  }
};

// LeNet-5 with Adam on a [16, 1, 28, 28] batch.
Job lenet_job() {
  manual_seed(11);
  nn::models::LeNet5 model;
  Job job;
  job.forward = [model](const Tensor& x) mutable { return model->forward(x); };
  job.parameters = model->parameters();
  job.optimizer = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions(1e-3));
  job.x = randn({16, 1, 28, 28});
  job.y = randint(0, 10, {16});
  return job;
}

// Convolution, batch norm (training mode: batch statistics, running buffers updated), average
// pooling and a linear layer with SGD and momentum on a [12, 3, 20, 20] batch.
Job convnet_job() {
  manual_seed(22);
  nn::Sequential model(nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding(1)), nn::BatchNorm2d(8),
                       nn::ReLU(), nn::AvgPool2d(nn::AvgPool2dOptions(2)), nn::Flatten(),
                       nn::Linear(8 * 10 * 10, 5));
  model->train();
  Job job;
  job.forward = [model](const Tensor& x) mutable { return model->forward(x); };
  job.parameters = model->parameters();
  job.optimizer = std::make_unique<optim::SGD>(model->parameters(),
                                               optim::SGDOptions(0.05).momentum(0.9));
  job.x = randn({12, 3, 20, 20});
  job.y = randint(0, 5, {12});
  return job;
}

TEST(TwoModelsTwoThreads, SameResultsAsOneAfterTheOther) {
  constexpr int kSteps = 3;
  set_num_threads(2);
  Job a1 = lenet_job(), b1 = convnet_job();
  const Result a_alone = a1.train(kSteps);
  const Result b_alone = b1.train(kSteps);

  Job a2 = lenet_job(), b2 = convnet_job();
  Result a_threaded, b_threaded;
  std::thread ta([&] { a_threaded = a2.train(kSteps); });
  std::thread tb([&] { b_threaded = b2.train(kSteps); });
  ta.join();
  tb.join();

  ASSERT_EQ(a_threaded.losses.size(), static_cast<size_t>(kSteps));
  EXPECT_EQ(a_threaded.losses, a_alone.losses);
  EXPECT_EQ(b_threaded.losses, b_alone.losses);
  EXPECT_EQ(a_threaded.params, a_alone.params);
  EXPECT_EQ(b_threaded.params, b_alone.params);
  // The runs trained: the loss moved and the two models are different problems.
  EXPECT_NE(a_alone.losses.front(), a_alone.losses.back());
  EXPECT_NE(b_alone.losses.front(), b_alone.losses.back());
  EXPECT_NE(a_alone.losses.front(), b_alone.losses.front());
}

}  // namespace
}  // namespace tg
