// Parameter initialisation (torch::nn::init): fills tensors in place, without recording
// on the tape, from the seeded generator (tg::manual_seed).
#pragma once
#include <cstdint>
#include <string>
#include <tuple>

#include "autograd/tensor.h"

namespace tg::nn::init {

enum class Nonlinearity {
  Linear, Conv1D, Conv2D, Conv3D, ConvTranspose1D, ConvTranspose2D, ConvTranspose3D,
  Sigmoid, Tanh, ReLU, LeakyReLU, SELU
};
enum class FanMode { FanIn, FanOut };

// The recommended gain for a nonlinearity; `param` is LeakyReLU's negative slope.
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);
// Same, by PyTorch's string name ("relu", "leaky_relu", "tanh", ...).
double calculate_gain(const std::string& nonlinearity, double param = 0.01);

// (fan_in, fan_out) of a weight of at least 2 dims: size(1) and size(0) times the
// receptive field (the product of the remaining dims).
std::tuple<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);
inline std::tuple<int64_t, int64_t> _calculate_fan_in_and_fan_out(const Tensor& tensor) {
  return calculate_fan_in_and_fan_out(tensor);
}

Tensor constant_(Tensor tensor, Scalar value);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);
// The identity matrix (2-d tensors).
Tensor eye_(Tensor tensor);
Tensor uniform_(Tensor tensor, double low = 0, double high = 1);
Tensor normal_(Tensor tensor, double mean = 0, double std = 1);

// He initialisation: std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a);
// uniform on [-sqrt(3) std, sqrt(3) std], or normal(0, std).
Tensor kaiming_uniform_(Tensor tensor, double a = 0, FanMode mode = FanMode::FanIn,
                        Nonlinearity nonlinearity = Nonlinearity::LeakyReLU);
Tensor kaiming_normal_(Tensor tensor, double a = 0, FanMode mode = FanMode::FanIn,
                       Nonlinearity nonlinearity = Nonlinearity::LeakyReLU);
// Glorot initialisation: std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0);
Tensor xavier_normal_(Tensor tensor, double gain = 1.0);

}  // namespace tg::nn::init

namespace tg {
// The libtorch spellings: tg::kReLU, tg::kFanOut, ...
constexpr nn::init::Nonlinearity kLinear = nn::init::Nonlinearity::Linear;
constexpr nn::init::Nonlinearity kConv1D = nn::init::Nonlinearity::Conv1D;
constexpr nn::init::Nonlinearity kConv2D = nn::init::Nonlinearity::Conv2D;
constexpr nn::init::Nonlinearity kConv3D = nn::init::Nonlinearity::Conv3D;
constexpr nn::init::Nonlinearity kConvTranspose1D = nn::init::Nonlinearity::ConvTranspose1D;
constexpr nn::init::Nonlinearity kConvTranspose2D = nn::init::Nonlinearity::ConvTranspose2D;
constexpr nn::init::Nonlinearity kConvTranspose3D = nn::init::Nonlinearity::ConvTranspose3D;
constexpr nn::init::Nonlinearity kSigmoid = nn::init::Nonlinearity::Sigmoid;
constexpr nn::init::Nonlinearity kTanh = nn::init::Nonlinearity::Tanh;
constexpr nn::init::Nonlinearity kReLU = nn::init::Nonlinearity::ReLU;
constexpr nn::init::Nonlinearity kLeakyReLU = nn::init::Nonlinearity::LeakyReLU;
constexpr nn::init::Nonlinearity kSELU = nn::init::Nonlinearity::SELU;
constexpr nn::init::FanMode kFanIn = nn::init::FanMode::FanIn;
constexpr nn::init::FanMode kFanOut = nn::init::FanMode::FanOut;
}  // namespace tg
