// Activation layers: thin modules over the ops in ops/activation.h.
#pragma once
#include <cstdint>
#include <string>

#include "nn/arg.h"
#include "nn/module.h"

namespace tg::nn {

struct ReLUOptions {
  ReLUOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT: implicit as in libtorch
  // Overwrite the input with the result.
  TG_ARG(bool, inplace);
};

struct LeakyReLUOptions {
  // Slope for negative inputs.
  TG_ARG(double, negative_slope) = 1e-2;
  TG_ARG(bool, inplace) = false;
};

struct ELUOptions {
  // Saturation value for negative inputs: alpha * (exp(x) - 1).
  TG_ARG(double, alpha) = 1.0;
  TG_ARG(bool, inplace) = false;
};

struct ReLU6Options {
  ReLU6Options(bool inplace = false) : inplace_(inplace) {}  // NOLINT: implicit as in libtorch
  TG_ARG(bool, inplace);
};

struct HardtanhOptions {
  // The output is clamped to [min_val, max_val].
  TG_ARG(double, min_val) = -1.0;
  TG_ARG(double, max_val) = 1.0;
  TG_ARG(bool, inplace) = false;
};

struct GELUOptions {
  // "none" (exact, with erf) or "tanh" (the tanh approximation).
  TG_ARG(std::string, approximate) = "none";
};

struct SoftmaxOptions {
  SoftmaxOptions(int64_t dim) : dim_(dim) {}  // NOLINT: implicit as in libtorch
  // The dim along which the outputs sum to one.
  TG_ARG(int64_t, dim);
};

struct LogSoftmaxOptions {
  LogSoftmaxOptions(int64_t dim) : dim_(dim) {}  // NOLINT: implicit as in libtorch
  TG_ARG(int64_t, dim);
};

class ReLUImpl : public Module {
 public:
  explicit ReLUImpl(const ReLUOptions& options = {}) : options(options) {}
  Tensor forward(Tensor input);
  void pretty_print(std::ostream& stream) const override;
  ReLUOptions options;
};
TG_MODULE(ReLU);

class LeakyReLUImpl : public Module {
 public:
  explicit LeakyReLUImpl(const LeakyReLUOptions& options = {}) : options(options) {}
  Tensor forward(Tensor input);
  void pretty_print(std::ostream& stream) const override;
  LeakyReLUOptions options;
};
TG_MODULE(LeakyReLU);

class ELUImpl : public Module {
 public:
  explicit ELUImpl(const ELUOptions& options = {}) : options(options) {}
  Tensor forward(Tensor input);
  void pretty_print(std::ostream& stream) const override;
  ELUOptions options;
};
TG_MODULE(ELU);

// min(max(x, 0), 6), as in MobileNetV2.
class ReLU6Impl : public Module {
 public:
  explicit ReLU6Impl(const ReLU6Options& options = {}) : options(options) {}
  Tensor forward(Tensor input);
  void pretty_print(std::ostream& stream) const override;
  ReLU6Options options;
};
TG_MODULE(ReLU6);

class HardtanhImpl : public Module {
 public:
  explicit HardtanhImpl(const HardtanhOptions& options = {});
  Tensor forward(Tensor input);
  void pretty_print(std::ostream& stream) const override;
  HardtanhOptions options;
};
TG_MODULE(Hardtanh);

class GELUImpl : public Module {
 public:
  explicit GELUImpl(const GELUOptions& options = {});
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& stream) const override;
  GELUOptions options;
};
TG_MODULE(GELU);

class SiLUImpl : public Module {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& stream) const override;
};
TG_MODULE(SiLU);

class SigmoidImpl : public Module {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& stream) const override;
};
TG_MODULE(Sigmoid);

class TanhImpl : public Module {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& stream) const override;
};
TG_MODULE(Tanh);

class SoftmaxImpl : public Module {
 public:
  explicit SoftmaxImpl(int64_t dim) : options(dim) {}
  explicit SoftmaxImpl(const SoftmaxOptions& options) : options(options) {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& stream) const override;
  SoftmaxOptions options;
};
TG_MODULE(Softmax);

class LogSoftmaxImpl : public Module {
 public:
  explicit LogSoftmaxImpl(int64_t dim) : options(dim) {}
  explicit LogSoftmaxImpl(const LogSoftmaxOptions& options) : options(options) {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& stream) const override;
  LogSoftmaxOptions options;
};
TG_MODULE(LogSoftmax);

}  // namespace tg::nn
