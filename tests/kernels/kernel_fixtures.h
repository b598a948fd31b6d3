// Test helpers shared by the kernel tests: a reader for the PyTorch fixture files
// written by make_kernel_fixtures.py, tolerance checks, and small utilities.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace tg::kernels::test_support {

// One stored tensor; floating data is widened to double, int64 data kept as is.
struct FixtureTensor {
  std::vector<int64_t> shape;
  std::vector<double> values;
  std::vector<int64_t> ints;

  template <class T>
  std::vector<T> as() const {
    return std::vector<T>(values.begin(), values.end());
  }
};

class Fixtures {
 public:
  explicit Fixtures(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open fixture file " + path);
    char magic[4];
    uint32_t version = 0, count = 0;
    in.read(magic, 4);
    read(in, version);
    read(in, count);
    if (std::memcmp(magic, "TGKF", 4) != 0 || version != 1) {
      throw std::runtime_error("bad fixture file " + path);
    }
    for (uint32_t r = 0; r < count; ++r) {
      uint16_t name_len = 0;
      read(in, name_len);
      std::string name(name_len, '\0');
      in.read(name.data(), name_len);
      uint8_t dtype = 0, rank = 0;
      read(in, dtype);
      read(in, rank);
      FixtureTensor t;
      t.shape.resize(rank);
      int64_t n = 1;
      for (auto& s : t.shape) {
        read(in, s);
        n *= s;
      }
      if (dtype == 0) {
        t.values.resize(n);
        in.read(reinterpret_cast<char*>(t.values.data()), n * 8);
      } else if (dtype == 1) {
        t.ints.resize(n);
        in.read(reinterpret_cast<char*>(t.ints.data()), n * 8);
      } else {
        std::vector<float> f(n);
        in.read(reinterpret_cast<char*>(f.data()), n * 4);
        t.values.assign(f.begin(), f.end());
      }
      if (!in) throw std::runtime_error("truncated fixture file " + path);
      tensors_[name] = std::move(t);
    }
  }

  bool has(const std::string& name) const { return tensors_.count(name) != 0; }

  const FixtureTensor& get(const std::string& name) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) throw std::runtime_error("missing fixture tensor " + name);
    return it->second;
  }

  // Case names (the part before the slash) that start with `prefix`, sorted.
  std::vector<std::string> cases(const std::string& prefix = "") const {
    std::vector<std::string> out;
    for (const auto& [name, t] : tensors_) {
      const std::string c = name.substr(0, name.find('/'));
      if (c.compare(0, prefix.size(), prefix) == 0 &&
          std::find(out.begin(), out.end(), c) == out.end()) {
        out.push_back(c);
      }
    }
    return out;
  }

 private:
  template <class V>
  static void read(std::ifstream& in, V& v) {
    in.read(reinterpret_cast<char*>(&v), sizeof(V));
  }

  std::map<std::string, FixtureTensor> tensors_;
};

// Path of a fixture file next to the test sources (tests/kernels/fixtures/<name>).
inline std::string fixture_path(const std::string& name) {
#ifdef TAPEGRAD_SOURCE_DIR
  return std::string(TAPEGRAD_SOURCE_DIR) + "/tests/kernels/fixtures/" + name;
#else
  const std::string here = __FILE__;
  return here.substr(0, here.find_last_of('/') + 1) + "fixtures/" + name;
#endif
}

// Tolerance of the float and double tests against float64 PyTorch references.
template <class T>
constexpr double tolerance() {
  return sizeof(T) == sizeof(float) ? 1e-5 : 1e-12;
}

// |got - want| <= tol * (1 + |want|) elementwise; NaN must meet NaN, inf the same inf.
template <class T>
void expect_close(const std::vector<T>& got, const std::vector<double>& want,
                  const std::string& what, double tol = tolerance<T>()) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int reported = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = static_cast<double>(got[i]), w = want[i];
    bool ok;
    if (std::isnan(w) || std::isinf(w)) {
      ok = std::isnan(w) ? std::isnan(g) : g == w;
    } else {
      ok = std::abs(g - w) <= tol * (1.0 + std::abs(w));
    }
    if (!ok && reported++ < 5) {
      ADD_FAILURE() << what << ": element " << i << " is " << g << ", PyTorch gives " << w;
    }
  }
}

template <class T>
bool bitwise_equal(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

inline std::vector<double> random_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist;
  std::vector<double> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace tg::kernels::test_support
