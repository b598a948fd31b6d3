// One seeded generator for every random tensor: same seed, same values.
#pragma once
#include <cstdint>
#include <string>

#include "autograd/tensor.h"

namespace tg {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0x853c49e6748fea9bULL) { seed_(seed); }
  void seed_(uint64_t seed);
  uint64_t next_u64();
  // out[i] = the next n values of next_u64(), drawn with the state held in registers.
  void fill_u64(uint64_t* out, int64_t n);
  double uniform();   // [0, 1) with 53 random bits
  double normal();    // standard normal (Box-Muller, both values used)
  uint64_t initial_seed() const { return seed_value_; }
  // The full state as text (to checkpoint and resume a run bit for bit), and back.
  std::string get_state() const;
  void set_state(const std::string& state);

 private:
  uint64_t state_[4];
  uint64_t seed_value_ = 0;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// The process-wide default generator (used by every function below unless one is given).
Generator& default_generator();
void manual_seed(uint64_t seed);

Tensor rand(IntArrayRef shape, TensorOptions options = {}, Generator* gen = nullptr);
Tensor randn(IntArrayRef shape, TensorOptions options = {}, Generator* gen = nullptr);
// Integers uniformly in [low, high).
Tensor randint(int64_t low, int64_t high, IntArrayRef shape, TensorOptions options = DType::Int64,
               Generator* gen = nullptr);
Tensor randperm(int64_t n, Generator* gen = nullptr);
// Each element 1 with probability p, else 0 (dtype of `options`).
Tensor bernoulli(IntArrayRef shape, double p, TensorOptions options = {}, Generator* gen = nullptr);
// Each element `value` with probability p, else 0: the same draws as bernoulli (a dropout
// mask scaled by 1 / (1 - p) in one pass).
Tensor bernoulli_scaled(IntArrayRef shape, double p, Scalar value, TensorOptions options = {},
                        Generator* gen = nullptr);
Tensor rand_like(const Tensor& t);
Tensor randn_like(const Tensor& t);
// In-place fills (no autograd), used by nn::init.
void uniform_(const Tensor& t, double low, double high, Generator* gen = nullptr);
void normal_(const Tensor& t, double mean, double std, Generator* gen = nullptr);

}  // namespace tg
