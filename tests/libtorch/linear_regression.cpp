// Linear regression as the libtorch tutorials write it: nn::Linear, SGD and mse_loss on
// synthetic data y = x w + b + noise; the fit must recover w and b, and the gradient of
// the first step must match the closed form 2/N X^T (X w + b - y).
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <iostream>

#define EXPECT(cond)                                                              \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::cerr << __FILE__ << ":" << __LINE__ << ": check failed: " #cond "\n"; \
      std::exit(1);                                                               \
    }                                                                             \
  } while (0)

int main() {
  torch::manual_seed(0);

  // Hyper parameters
  const int64_t input_size = 3;
  const int64_t output_size = 1;
  const int64_t num_samples = 200;
  const size_t num_epochs = 300;
  const double learning_rate = 0.05;

  // Sample dataset
  torch::Tensor w_true = torch::tensor({2.0, -3.0, 0.5}).view({input_size, output_size});
  const double b_true = 1.5;
  torch::Tensor x_train = torch::randn({num_samples, input_size});
  torch::Tensor y_train =
      x_train.matmul(w_true) + b_true + 0.01 * torch::randn({num_samples, output_size});

  // Linear regression model
  torch::nn::Linear model(input_size, output_size);

  // Optimizer
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(learning_rate));

  std::cout << std::fixed << std::setprecision(5);
  double first_loss = 0.0;
  double last_loss = 0.0;
  for (size_t epoch = 0; epoch != num_epochs; ++epoch) {
    // Forward pass
    torch::Tensor output = model->forward(x_train);
    torch::Tensor loss = torch::nn::functional::mse_loss(output, y_train);

    // Backward pass and optimize
    optimizer.zero_grad();
    loss.backward();

    if (epoch == 0) {
      // d mean((Xw + b - y)^2) / dw = 2/N X^T (Xw + b - y)
      torch::NoGradGuard no_grad;
      torch::Tensor residual = output - y_train;
      torch::Tensor expected_w = 2.0 / num_samples * x_train.t().matmul(residual).t();
      torch::Tensor expected_b = 2.0 / num_samples * residual.sum().view({1});
      EXPECT(torch::allclose(model->weight.grad(), expected_w, 1e-4, 1e-5));
      EXPECT(torch::allclose(model->bias.grad(), expected_b, 1e-4, 1e-5));
      first_loss = loss.item<double>();
    }
    optimizer.step();
    last_loss = loss.item<double>();

    if ((epoch + 1) % 50 == 0) {
      std::cout << "Epoch [" << (epoch + 1) << "/" << num_epochs
                << "], Loss: " << loss.item<double>() << "\n";
    }
  }

  std::cout << "weight: " << model->weight << "\nbias: " << model->bias << "\n";
  EXPECT(last_loss < 1e-3 && last_loss < first_loss);
  {
    torch::NoGradGuard no_grad;
    EXPECT(torch::allclose(model->weight, w_true.t(), 0.0, 0.01));
    EXPECT(std::abs(model->bias.item<double>() - b_true) < 0.01);
    // The trained model predicts unseen points.
    torch::Tensor x_test = torch::randn({10, input_size});
    torch::Tensor prediction = model(x_test);
    EXPECT(torch::allclose(prediction, x_test.matmul(w_true) + b_true, 0.0, 0.05));
  }
  std::cout << "linear_regression: OK\n";
  return 0;
}
