#include "nn/init.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/random.h"
#include "ops/ops.h"

namespace tg::nn::init {
namespace {

// Runs `fill` on a contiguous tensor with t's shape and dtype, then writes it into t.
template <class Fill>
Tensor fill_in_place(Tensor& t, const char* op, Fill&& fill) {
  TG_CHECK(t.defined(), op, ": the tensor is undefined");
  NoGradGuard no_grad;
  if (t.is_contiguous()) {
    fill(t);
    return t;
  }
  Tensor tmp = empty(t.shape(), t.dtype());
  fill(tmp);
  t.copy_(tmp);
  return t;
}

int64_t fan(const Tensor& t, FanMode mode, const char* op) {
  TG_CHECK(t.defined(), op, ": the tensor is undefined");
  TG_CHECK(t.dim() >= 2, op, ": fan in and fan out need a tensor with at least 2 dims, got ",
           "shape ", t.shape());
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return mode == FanMode::FanIn ? fan_in : fan_out;
}

double kaiming_std(const Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity,
                   const char* op) {
  const int64_t f = fan(t, mode, op);
  return calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(f));
}

double xavier_std(const Tensor& t, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
}

}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Conv1D:
    case Nonlinearity::Conv2D:
    case Nonlinearity::Conv3D:
    case Nonlinearity::ConvTranspose1D:
    case Nonlinearity::ConvTranspose2D:
    case Nonlinearity::ConvTranspose3D:
    case Nonlinearity::Sigmoid:
      return 1.0;
    case Nonlinearity::Tanh:
      return 5.0 / 3.0;
    case Nonlinearity::ReLU:
      return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU:
      return std::sqrt(2.0 / (1.0 + param * param));
    case Nonlinearity::SELU:
      return 3.0 / 4.0;
  }
  return 1.0;
}

double calculate_gain(const std::string& nonlinearity, double param) {
  static const std::pair<const char*, Nonlinearity> names[] = {
      {"linear", Nonlinearity::Linear},
      {"conv1d", Nonlinearity::Conv1D},
      {"conv2d", Nonlinearity::Conv2D},
      {"conv3d", Nonlinearity::Conv3D},
      {"conv_transpose1d", Nonlinearity::ConvTranspose1D},
      {"conv_transpose2d", Nonlinearity::ConvTranspose2D},
      {"conv_transpose3d", Nonlinearity::ConvTranspose3D},
      {"sigmoid", Nonlinearity::Sigmoid},
      {"tanh", Nonlinearity::Tanh},
      {"relu", Nonlinearity::ReLU},
      {"leaky_relu", Nonlinearity::LeakyReLU},
      {"selu", Nonlinearity::SELU}};
  for (const auto& [name, value] : names)
    if (nonlinearity == name) return calculate_gain(value, param);
  throw Error(format_message("calculate_gain: unsupported nonlinearity '", nonlinearity, "'"));
}

std::tuple<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
  TG_CHECK(tensor.defined(), "calculate_fan_in_and_fan_out: the tensor is undefined");
  TG_CHECK(tensor.dim() >= 2, "calculate_fan_in_and_fan_out: fan in and fan out can not be "
           "computed for a tensor with fewer than 2 dimensions, got shape ", tensor.shape());
  int64_t receptive_field = 1;
  for (int64_t d = 2; d < tensor.dim(); ++d) receptive_field *= tensor.size(d);
  return {tensor.size(1) * receptive_field, tensor.size(0) * receptive_field};
}

Tensor constant_(Tensor tensor, Scalar value) {
  return fill_in_place(tensor, "constant_", [&](Tensor& t) { t.fill_(value); });
}
Tensor zeros_(Tensor tensor) { return constant_(std::move(tensor), 0); }
Tensor ones_(Tensor tensor) { return constant_(std::move(tensor), 1); }

Tensor eye_(Tensor tensor) {
  TG_CHECK(tensor.defined() && tensor.dim() == 2, "eye_: expected a 2-d tensor, got shape ",
           tensor.defined() ? tensor.shape() : Shape{});
  NoGradGuard no_grad;
  tensor.copy_(eye(tensor.size(0), tensor.size(1), tensor.dtype()));
  return tensor;
}

Tensor uniform_(Tensor tensor, double low, double high) {
  TG_CHECK(low <= high, "uniform_: expected low <= high, got [", low, ", ", high, "]");
  return fill_in_place(tensor, "uniform_", [&](Tensor& t) { ::tg::uniform_(t, low, high); });
}

Tensor normal_(Tensor tensor, double mean, double std) {
  TG_CHECK(std >= 0, "normal_: std must be non-negative, got ", std);
  return fill_in_place(tensor, "normal_", [&](Tensor& t) { ::tg::normal_(t, mean, std); });
}

Tensor kaiming_uniform_(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity) {
  fan(tensor, FanMode::FanIn, "kaiming_uniform_");  // checks the rank
  if (tensor.numel() == 0) return tensor;  // nothing to fill, as in PyTorch
  const double bound = std::sqrt(3.0) * kaiming_std(tensor, a, mode, nonlinearity,
                                                    "kaiming_uniform_");
  return init::uniform_(std::move(tensor), -bound, bound);
}

Tensor kaiming_normal_(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity) {
  fan(tensor, FanMode::FanIn, "kaiming_normal_");  // checks the rank
  if (tensor.numel() == 0) return tensor;  // nothing to fill, as in PyTorch
  const double std = kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_");
  return init::normal_(std::move(tensor), 0.0, std);
}

Tensor xavier_uniform_(Tensor tensor, double gain) {
  fan(tensor, FanMode::FanIn, "xavier_uniform_");  // checks the rank
  if (tensor.numel() == 0) return tensor;  // nothing to fill, as in PyTorch
  const double bound = std::sqrt(3.0) * xavier_std(tensor, gain);
  return init::uniform_(std::move(tensor), -bound, bound);
}

Tensor xavier_normal_(Tensor tensor, double gain) {
  fan(tensor, FanMode::FanIn, "xavier_normal_");  // checks the rank
  if (tensor.numel() == 0) return tensor;  // nothing to fill, as in PyTorch
  const double std = xavier_std(tensor, gain);
  return init::normal_(std::move(tensor), 0.0, std);
}

}  // namespace tg::nn::init
