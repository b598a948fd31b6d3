#include "autograd/random.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
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

// The default generator is shared by every thread: each of its members, and each tensor fill
// drawing from it, holds this lock (recursive: a fill holds it across its per-element draws),
// so every draw goes to exactly one caller and a fill takes its values in one run. Other
// generators are not locked: give each thread its own.
std::recursive_mutex& default_generator_mutex() {
  static std::recursive_mutex* m = new std::recursive_mutex();  // never destroyed
  return *m;
}

// The default generator's address, set once it is constructed (its constructor seeds it
// before anyone else can see it, unlocked).
std::atomic<const Generator*> default_generator_address{nullptr};

class GeneratorLock {
 public:
  explicit GeneratorLock(const Generator* g) {
    if (g == default_generator_address.load(std::memory_order_acquire)) {
      mutex_ = &default_generator_mutex();
      mutex_->lock();
    }
  }
  ~GeneratorLock() {
    if (mutex_) mutex_->unlock();
  }
  GeneratorLock(const GeneratorLock&) = delete;
  GeneratorLock& operator=(const GeneratorLock&) = delete;

 private:
  std::recursive_mutex* mutex_ = nullptr;
};

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
  GeneratorLock lock(this);
  seed_value_ = seed;
  uint64_t x = seed;
  for (auto& s : state_) s = splitmix64(x);
  has_spare_ = false;
}

uint64_t Generator::next_u64() {
  GeneratorLock lock(this);
  uint64_t result;
  fill_u64(&result, 1);
  return result;
}

void Generator::fill_u64(uint64_t* out, int64_t n) {
  GeneratorLock lock(this);
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
  GeneratorLock lock(this);
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
  GeneratorLock lock(this);
  std::ostringstream os;
  os << seed_value_ << ' ' << state_[0] << ' ' << state_[1] << ' ' << state_[2] << ' '
     << state_[3] << ' ' << has_spare_ << ' ';
  uint64_t spare_bits;
  std::memcpy(&spare_bits, &spare_, sizeof spare_bits);
  os << spare_bits;
  return os.str();
}

void Generator::set_state(const std::string& state) {
  // Parsed and checked in locals first: a bad state leaves the generator as it was.
  std::istringstream is(state);
  uint64_t seed = 0, s[4] = {0, 0, 0, 0}, spare_bits = 0;
  bool has_spare = false;
  is >> seed >> s[0] >> s[1] >> s[2] >> s[3] >> has_spare >> spare_bits;
  TG_CHECK(!is.fail(), "Generator::set_state: malformed state '", state, "'");
  is >> std::ws;
  TG_CHECK(is.eof(), "Generator::set_state: unexpected text after the state in '", state, "'");
  TG_CHECK((s[0] | s[1] | s[2] | s[3]) != 0, "Generator::set_state: the state '", state,
           "' is all zero (the generator would draw only zeros)");
  double spare;
  std::memcpy(&spare, &spare_bits, sizeof spare);
  GeneratorLock lock(this);
  seed_value_ = seed;
  std::copy(s, s + 4, state_);
  has_spare_ = has_spare;
  spare_ = spare;
}

Generator& default_generator() {
  static Generator* gen = [] {
    auto* g = new Generator(0);  // never destroyed: tensors may be drawn during static teardown
    default_generator_address.store(g, std::memory_order_release);
    return g;
  }();
  return *gen;
}

void manual_seed(uint64_t seed) { default_generator().seed_(seed); }

void uniform_(const Tensor& t, double low, double high, Generator* gen) {
  Generator& g = pick(gen);
  GeneratorLock lock(&g);
  fill_with(t, [&] { return low + (high - low) * g.uniform(); });
}

void normal_(const Tensor& t, double mean, double std, Generator* gen) {
  Generator& g = pick(gen);
  GeneratorLock lock(&g);
  fill_with(t, [&] { return mean + std * g.normal(); });
}

Tensor rand(IntArrayRef shape, TensorOptions options, Generator* gen) {
  check_device(options.device(), "rand");
  Tensor t = empty(shape, options.dtype());
  uniform_(t, 0.0, 1.0, gen);
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

Tensor randn(IntArrayRef shape, TensorOptions options, Generator* gen) {
  check_device(options.device(), "randn");
  Tensor t = empty(shape, options.dtype());
  normal_(t, 0.0, 1.0, gen);
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

Tensor randint(int64_t low, int64_t high, IntArrayRef shape, TensorOptions options,
               Generator* gen) {
  check_device(options.device(), "randint");
  TG_CHECK(high > low, "randint: expected low < high, got [", low, ", ", high, ")");
  Generator& g = pick(gen);
  Tensor t = empty(shape, options.dtype());
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  GeneratorLock lock(&g);
  fill_with(t, [&] {
    return static_cast<int64_t>(static_cast<uint64_t>(low) + g.next_u64() % range);
  });
  return t;
}

Tensor randperm(int64_t n, Generator* gen) {
  TG_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  Generator& g = pick(gen);
  Tensor t = arange(n);
  int64_t* p = t.data_ptr<int64_t>();
  GeneratorLock lock(&g);
  for (int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates
    const int64_t j = static_cast<int64_t>(g.next_u64() % static_cast<uint64_t>(i + 1));
    std::swap(p[i], p[j]);
  }
  return t;
}

Tensor bernoulli_scaled(IntArrayRef shape, double p, Scalar value, TensorOptions options,
                        Generator* gen) {
  check_device(options.device(), "bernoulli_scaled");
  TG_CHECK(p >= 0.0 && p <= 1.0, "bernoulli: p must be in [0, 1], got ", p);
  Generator& g = pick(gen);
  Tensor t = empty(shape, options.dtype());
  // The same draws as g.uniform() < p per element, in blocks and without a branch (a branch
  // per element mispredicts on a fraction p of them).
  // uniform() = k * 2^-53 with k = bits >> 11, and k * 2^-53 < p exactly when k < ceil(p * 2^53).
  const auto threshold = static_cast<uint64_t>(std::ceil(p * 0x1.0p53));
  TG_DISPATCH_ALL(t.dtype(), "bernoulli", [&] {
    scalar_t* out = static_cast<scalar_t*>(t.raw_data());
    const scalar_t values[2] = {scalar_t(0), value.to<scalar_t>()};  // picked, not branched on
    constexpr int64_t kBlock = 512;
    uint64_t bits[kBlock];
    GeneratorLock lock(&g);
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
