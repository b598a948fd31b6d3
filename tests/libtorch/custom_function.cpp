// Custom autograd functions the way libtorch's autograd tutorial writes them
// (torch::autograd::Function<T> with an AutogradContext): saved tensors, saved_data holding
// scalars and tensors, needs_input_grad, mark_non_differentiable, several outputs, and
// second derivatives through autograd::grad(..., create_graph=true).
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>

#define EXPECT(cond)                                                              \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::cerr << __FILE__ << ":" << __LINE__ << ": check failed: " #cond "\n"; \
      std::exit(1);                                                               \
    }                                                                             \
  } while (0)

using namespace torch::autograd;

// Inherit from Function
class LinearFunction : public Function<LinearFunction> {
 public:
  // Note that both forward and backward are static functions

  // bias is an optional argument
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor input, torch::Tensor weight,
                               torch::Tensor bias = torch::Tensor()) {
    ctx->save_for_backward({input, weight, bias});
    auto output = input.mm(weight.t());
    if (bias.defined()) {
      output += bias.unsqueeze(0).expand_as(output);
    }
    return output;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    auto input = saved[0];
    auto weight = saved[1];
    auto bias = saved[2];

    auto grad_output = grad_outputs[0];
    auto grad_input = grad_output.mm(weight);
    auto grad_weight = grad_output.t().mm(input);
    auto grad_bias = torch::Tensor();
    if (bias.defined()) {
      grad_bias = grad_output.sum(0);
    }

    return {grad_input, grad_weight, grad_bias};
  }
};

// A non-tensor argument kept in saved_data.
class MulConstant : public Function<MulConstant> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor tensor, double constant) {
    // ctx is a context object that can be used to stash information
    // for backward computation
    ctx->saved_data["constant"] = constant;
    return tensor * constant;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    // We return as many input gradients as there were arguments.
    // Gradients of non-tensor arguments to forward must be `torch::Tensor()`.
    return {grad_outputs[0] * ctx->saved_data["constant"].toDouble(), torch::Tensor()};
  }
};

// x^3 * scale, with x saved through save_for_backward and a tensor kept in saved_data:
// backward is written with differentiable ops, so its result can be differentiated again.
class Cube : public Function<Cube> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, torch::Tensor scale,
                               int64_t power) {
    ctx->save_for_backward({x});
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["power"] = power;
    return scale * x.pow(power);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    auto x = ctx->get_saved_variables()[0];
    auto scale = ctx->saved_data["scale"].toTensor();
    int64_t power = ctx->saved_data["power"].toInt();
    torch::Tensor grad_x;
    if (ctx->needs_input_grad(0)) {
      grad_x = grad_outputs[0] * scale * power * x.pow(power - 1);
    }
    return {grad_x, torch::Tensor(), torch::Tensor()};
  }
};

// Two outputs: the sorted-by-magnitude values are differentiable, the permutation is not.
class MaxAlongRows : public Function<MaxAlongRows> {
 public:
  static variable_list forward(AutogradContext* ctx, torch::Tensor x) {
    auto result = x.max(1);
    auto values = std::get<0>(result);
    auto indices = std::get<1>(result);
    ctx->mark_non_differentiable({indices});
    ctx->save_for_backward({indices});
    ctx->saved_data["columns"] = x.size(1);
    return {values, indices};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto indices = ctx->get_saved_variables()[0];
    int64_t columns = ctx->saved_data["columns"].toInt();
    auto one_hot = torch::zeros({indices.size(0), columns}, grad_outputs[0].options());
    one_hot.scatter_(1, indices.unsqueeze(1), 1.0);
    return {grad_outputs[0].unsqueeze(1) * one_hot};
  }
};

int main() {
  torch::manual_seed(0);
  auto opts = torch::TensorOptions().dtype(torch::kFloat64).requires_grad(true);

  // ---- LinearFunction: gradients equal those of the built-in ops.
  {
    auto x = torch::randn({2, 3}, opts);
    auto weight = torch::randn({4, 3}, opts);
    auto bias = torch::randn({4}, opts);
    auto y = LinearFunction::apply(x, weight, bias);
    EXPECT(y.sizes() == torch::IntArrayRef({2, 4}));
    EXPECT(y.grad_fn() != nullptr);
    std::cout << "LinearFunction node: " << y.grad_fn()->name() << "\n";
    y.sum().backward();

    auto x2 = x.detach().clone().requires_grad_(true);
    auto w2 = weight.detach().clone().requires_grad_(true);
    auto b2 = bias.detach().clone().requires_grad_(true);
    torch::nn::functional::linear(x2, w2, b2).sum().backward();
    EXPECT(torch::allclose(x.grad(), x2.grad()));
    EXPECT(torch::allclose(weight.grad(), w2.grad()));
    EXPECT(torch::allclose(bias.grad(), b2.grad()));

    // Without the optional bias.
    auto x3 = torch::randn({5, 3}, opts);
    auto out = LinearFunction::apply(x3, weight);
    EXPECT(out.sizes() == torch::IntArrayRef({5, 4}));
    out.sum().backward();
    EXPECT(torch::allclose(x3.grad(), weight.sum(0).expand({5, 3})));
  }

  // ---- MulConstant: a double argument, and its gradient.
  {
    auto x = torch::randn({2}, opts);
    auto y = MulConstant::apply(x, 5.5);
    y.sum().backward();
    EXPECT(torch::allclose(x.grad(), torch::full({2}, 5.5, torch::kFloat64)));
  }

  // ---- Cube: first and second derivatives through autograd::grad(create_graph=true).
  {
    auto x = torch::tensor({0.5, -1.0, 2.0}, opts);
    auto scale = torch::tensor({2.0}, torch::kFloat64);
    auto y = Cube::apply(x, scale, 3);
    auto dy = torch::autograd::grad({y.sum()}, {x}, /*grad_outputs=*/{},
                                    /*retain_graph=*/true, /*create_graph=*/true)[0];
    EXPECT(torch::allclose(dy, 6.0 * x.pow(2)));
    EXPECT(dy.requires_grad());
    auto d2y = torch::autograd::grad({dy.sum()}, {x})[0];
    EXPECT(torch::allclose(d2y, 12.0 * x.detach()));

    // needs_input_grad: a constant input gets no gradient computed.
    auto c = torch::tensor({1.0, 2.0}, torch::kFloat64);
    auto s = torch::tensor({3.0}, opts);
    auto z = Cube::apply(c, s, 2);
    EXPECT(z.requires_grad());

    // Modifying a saved tensor in place after forward makes backward fail.
    auto x4 = torch::tensor({1.0, 2.0}, opts);
    auto x5 = x4 * 1.0;
    auto y4 = Cube::apply(x5, scale, 2);
    {
      torch::NoGradGuard no_grad;
      x5.add_(1.0);
    }
    bool threw = false;
    try {
      y4.sum().backward();
    } catch (const std::exception& e) {
      threw = true;
      std::cout << "modified saved tensor: " << std::string(e.what()).substr(0, 80) << "\n";
    }
    EXPECT(threw);
  }

  // ---- MaxAlongRows: two outputs, one of them not differentiable.
  {
    auto x = torch::tensor({{1.0, 5.0, 2.0}, {7.0, 0.0, -1.0}}, opts);
    auto outputs = MaxAlongRows::apply(x);
    EXPECT(outputs.size() == 2);
    EXPECT(outputs[0].requires_grad());
    EXPECT(!outputs[1].requires_grad());
    EXPECT(outputs[1].equal(torch::tensor({1, 0}, torch::kLong)));
    (outputs[0] * torch::tensor({2.0, 3.0}, torch::kFloat64)).sum().backward();
    auto expected = torch::tensor({{0.0, 2.0, 0.0}, {3.0, 0.0, 0.0}}, torch::kFloat64);
    EXPECT(torch::allclose(x.grad(), expected));
  }

  // ---- Numerical checks of a custom function inside a larger expression (Hessian-vector
  // product by double backward against central differences).
  {
    auto x = torch::randn({4}, opts);
    auto v = torch::randn({4}, torch::kFloat64);
    auto f = [](const torch::Tensor& t) {
      return MulConstant::apply(LinearFunction::apply(t.view({1, 4}), t.view({1, 4}).tanh()), 0.5)
          .sum();
    };
    auto g = torch::autograd::grad({f(x)}, {x}, {}, true, true)[0];
    auto hv = torch::autograd::grad({(g * v).sum()}, {x})[0];
    const double eps = 1e-6;
    auto xd = x.detach();
    auto xp = (xd + eps * v).requires_grad_(true);
    auto xm = (xd - eps * v).requires_grad_(true);
    auto g_plus = torch::autograd::grad({f(xp)}, {xp})[0];
    auto g_minus = torch::autograd::grad({f(xm)}, {xm})[0];
    auto numerical = (g_plus - g_minus) / (2 * eps);
    EXPECT(torch::allclose(hv, numerical, 1e-5, 1e-6));
  }

  std::cout << "custom_function: OK\n";
  return 0;
}
