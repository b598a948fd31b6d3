#include "autograd/random.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "autograd/grad_mode.h"

namespace tg {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

Generator& pick(Generator* gen) { return gen ? *gen : default_generator(); }

// Writes f() into every element of a contiguous tensor, in order.
template <class F>
void fill_with(const Tensor& t, F&& f) {
  TG_CHECK(t.is_contiguous(), "random fill: the tensor must be contiguous");
  TG_DISPATCH_ALL(t.dtype(), "random fill", [&] {
    scalar_t* p = static_cast<scalar_t*>(t.raw_data());
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<scalar_t>(f());
  });
  t.bump_version();
}

}  // namespace

// xoshiro256** seeded through splitmix64.
void Generator::seed_(uint64_t seed) {
  seed_value_ = seed;
  uint64_t x = seed;
  for (auto& s : state_) s = splitmix64(x);
  has_spare_ = false;
}

uint64_t Generator::next_u64() {
  uint64_t result;
  fill_u64(&result, 1);
  return result;
}

void Generator::fill_u64(uint64_t* out, int64_t n) {
  // The state in locals, so that a long fill keeps it in registers.
  uint64_t s0 = state_[0], s1 = state_[1], s2 = state_[2], s3 = state_[3];
  for (int64_t i = 0; i < n; ++i) {
    out[i] = rotl(s1 * 5, 7) * 9;
    const uint64_t t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 45);
  }
  state_[0] = s0, state_[1] = s1, state_[2] = s2, state_[3] = s3;
}

double Generator::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * M_PI * u2;
  spare_ = r * std::sin(theta);
  has_spare_ = true;
  return r * std::cos(theta);
}

std::string Generator::get_state() const {
  std::ostringstream os;
  os << seed_value_ << ' ' << state_[0] << ' ' << state_[1] << ' ' << state_[2] << ' '
     << state_[3] << ' ' << has_spare_ << ' ';
  uint64_t spare_bits;
  std::memcpy(&spare_bits, &spare_, sizeof spare_bits);
  os << spare_bits;
  return os.str();
}

void Generator::set_state(const std::string& state) {
  std::istringstream is(state);
  uint64_t spare_bits = 0;
  is >> seed_value_ >> state_[0] >> state_[1] >> state_[2] >> state_[3] >> has_spare_ >> spare_bits;
  TG_CHECK(!is.fail(), "Generator::set_state: malformed state '", state, "'");
  std::memcpy(&spare_, &spare_bits, sizeof spare_);
}

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}

void manual_seed(uint64_t seed) { default_generator().seed_(seed); }

void uniform_(const Tensor& t, double low, double high, Generator* gen) {
  Generator& g = pick(gen);
  fill_with(t, [&] { return low + (high - low) * g.uniform(); });
}

void normal_(const Tensor& t, double mean, double std, Generator* gen) {
  Generator& g = pick(gen);
  fill_with(t, [&] { return mean + std * g.normal(); });
}

Tensor rand(IntArrayRef shape, TensorOptions options, Generator* gen) {
  Tensor t = empty(shape, options.dtype);
  uniform_(t, 0.0, 1.0, gen);
  if (options.requires_grad) t.requires_grad_(true);
  return t;
}

Tensor randn(IntArrayRef shape, TensorOptions options, Generator* gen) {
  Tensor t = empty(shape, options.dtype);
  normal_(t, 0.0, 1.0, gen);
  if (options.requires_grad) t.requires_grad_(true);
  return t;
}

Tensor randint(int64_t low, int64_t high, IntArrayRef shape, TensorOptions options,
               Generator* gen) {
  TG_CHECK(high > low, "randint: expected low < high, got [", low, ", ", high, ")");
  Generator& g = pick(gen);
  Tensor t = empty(shape, options.dtype);
  const uint64_t range = static_cast<uint64_t>(high - low);
  fill_with(t, [&] { return low + static_cast<int64_t>(g.next_u64() % range); });
  return t;
}

Tensor randperm(int64_t n, Generator* gen) {
  TG_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  Generator& g = pick(gen);
  Tensor t = arange(n);
  int64_t* p = t.data_ptr<int64_t>();
  for (int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates
    const int64_t j = static_cast<int64_t>(g.next_u64() % static_cast<uint64_t>(i + 1));
    std::swap(p[i], p[j]);
  }
  return t;
}

Tensor bernoulli_scaled(IntArrayRef shape, double p, Scalar value, TensorOptions options,
                        Generator* gen) {
  TG_CHECK(p >= 0.0 && p <= 1.0, "bernoulli: p must be in [0, 1], got ", p);
  Generator& g = pick(gen);
  Tensor t = empty(shape, options.dtype);
  // The same draws as g.uniform() < p per element, in blocks and without a branch (a branch
  // per element mispredicts on a fraction p of them).
  // uniform() = k * 2^-53 with k = bits >> 11, and k * 2^-53 < p exactly when k < ceil(p * 2^53).
  const auto threshold = static_cast<uint64_t>(std::ceil(p * 0x1.0p53));
  TG_DISPATCH_ALL(t.dtype(), "bernoulli", [&] {
    scalar_t* out = static_cast<scalar_t*>(t.raw_data());
    const scalar_t values[2] = {scalar_t(0), value.to<scalar_t>()};  // picked, not branched on
    constexpr int64_t kBlock = 512;
    uint64_t bits[kBlock];
    for (int64_t i = 0; i < t.numel(); i += kBlock) {
      const int64_t m = std::min(kBlock, t.numel() - i);
      g.fill_u64(bits, m);
      for (int64_t j = 0; j < m; ++j) {
        out[i + j] = values[(bits[j] >> 11) < threshold];
      }
    }
  });
  t.bump_version();
  return t;
}

Tensor bernoulli(IntArrayRef shape, double p, TensorOptions options, Generator* gen) {
  return bernoulli_scaled(shape, p, 1, options, gen);
}

Tensor rand_like(const Tensor& t) { return rand(t.shape(), t.dtype()); }
Tensor randn_like(const Tensor& t) { return randn(t.shape(), t.dtype()); }

}  // namespace tg
