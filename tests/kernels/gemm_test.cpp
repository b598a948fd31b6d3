// tg::kernels::gemm against a plain double-accumulating reference: all transpose
// combinations, edge tiles, padded leading dimensions, alpha/beta, thread-count determinism
// and argument checks.
#include "ops/kernels/gemm.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using tg::kernels::gemm;

// A problem with its stored operands; padding widens every leading dimension.
template <class T>
struct Problem {
  bool trans_a, trans_b;
  int64_t M, N, K;
  int64_t lda, ldb, ldc;
  std::vector<T> A, B, C;

  Problem(bool ta, bool tb, int64_t m, int64_t n, int64_t k, int64_t pad, uint32_t seed)
      : trans_a(ta), trans_b(tb), M(m), N(n), K(k) {
    lda = (ta ? M : K) + pad;
    ldb = (tb ? K : N) + pad;
    ldc = N + pad;
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    auto fill = [&](std::vector<T>& v, int64_t rows, int64_t ld) {
      v.assign(static_cast<size_t>(std::max<int64_t>(rows * ld, 1)), T(0));
      for (auto& x : v) x = static_cast<T>(dist(rng));
    };
    fill(A, ta ? K : M, lda);
    fill(B, tb ? N : K, ldb);
    fill(C, M, ldc);
  }

  T a(int64_t i, int64_t k) const { return trans_a ? A[k * lda + i] : A[i * lda + k]; }
  T b(int64_t k, int64_t j) const { return trans_b ? B[j * ldb + k] : B[k * ldb + j]; }

  void run(T alpha, T beta) {
    gemm(trans_a, trans_b, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  }
};

// Runs gemm and checks every element against the reference, with a tolerance that grows
// like sqrt(K) times the magnitude of the terms summed.
template <class T>
void expect_matches_reference(Problem<T> p, T alpha, T beta) {
  const std::vector<T> c_before = p.C;
  p.run(alpha, beta);
  const double eps = std::is_same<T, float>::value ? 1e-5 : 1e-13;
  const double scale = eps * std::sqrt(static_cast<double>(std::max<int64_t>(p.K, 1)));
  int64_t failures = 0;
  for (int64_t i = 0; i < p.M; ++i) {
    for (int64_t j = 0; j < p.N; ++j) {
      double sum = 0, magnitude = 0;
      for (int64_t k = 0; k < p.K; ++k) {
        const double term = static_cast<double>(p.a(i, k)) * static_cast<double>(p.b(k, j));
        sum += term;
        magnitude += std::abs(term);
      }
      const double old_c = c_before[i * p.ldc + j];
      const double expected = alpha * sum + (beta == T(0) ? 0.0 : beta * old_c);
      const double bound = scale * (std::abs(alpha) * magnitude + std::abs(beta * old_c)) + 1e-30;
      const double got = p.C[i * p.ldc + j];
      if (!(std::abs(got - expected) <= bound) && failures++ < 5) {
        ADD_FAILURE() << "C[" << i << ", " << j << "] = " << got << ", expected " << expected
                      << " (bound " << bound << ")";
      }
    }
  }
  EXPECT_EQ(failures, 0);
  // Padding columns of C must be left alone.
  for (int64_t i = 0; i < p.M; ++i)
    for (int64_t j = p.N; j < p.ldc; ++j)
      ASSERT_EQ(p.C[i * p.ldc + j], c_before[i * p.ldc + j]) << "padding at " << i << ", " << j;
}

std::string trace(bool ta, bool tb, int64_t M, int64_t N, int64_t K, int64_t pad) {
  return "trans_a=" + std::to_string(ta) + " trans_b=" + std::to_string(tb) +
         " M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
         " pad=" + std::to_string(pad);
}

template <class T>
void check_size_grid(const std::vector<int64_t>& ms, const std::vector<int64_t>& ns,
                     const std::vector<int64_t>& ks) {
  uint32_t seed = 1;
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    for (int64_t M : ms)
      for (int64_t N : ns)
        for (int64_t K : ks) {
          const int64_t pad = (seed % 3 == 0) ? 0 : static_cast<int64_t>(seed % 5);
          SCOPED_TRACE(trace(ta, tb, M, N, K, pad));
          expect_matches_reference(Problem<T>(ta, tb, M, N, K, pad, seed++), T(1), T(0));
        }
  }
}

TEST(Gemm, FloatSmallAndEdgeSizes) {
  check_size_grid<float>({1, 2, 5, 13, 14, 15, 29}, {1, 3, 16, 17, 31, 32, 33, 50}, {1, 4, 17, 64});
}

TEST(Gemm, FloatLargerSizes) {
  check_size_grid<float>({28, 97, 131}, {47, 100, 257}, {255, 300, 513});
}

TEST(Gemm, FloatPrimeSizesUpTo300) {
  const int64_t triples[][3] = {{211, 97, 199}, {293, 61, 283}, {7, 293, 257}, {113, 3, 281}};
  for (int t = 0; t < 4; ++t) {
    for (const auto& [M, N, K] : triples) {
      SCOPED_TRACE(trace(t & 1, t & 2, M, N, K, 3));
      expect_matches_reference(Problem<float>(t & 1, t & 2, M, N, K, 3, 77 + t), 1.f, 0.f);
    }
  }
}

// More rows than one A block, more columns than one B block, several K blocks.
TEST(Gemm, FloatSpansSeveralCacheBlocks) {
  for (int t = 0; t < 4; ++t) {
    SCOPED_TRACE(trace(t & 1, t & 2, 401, 611, 300, 1));
    expect_matches_reference(Problem<float>(t & 1, t & 2, 401, 611, 300, 1, 99 + t), 1.f, 0.5f);
  }
}

TEST(Gemm, DoubleSizes) {
  check_size_grid<double>({1, 3, 14, 15, 37}, {1, 7, 16, 17, 40}, {1, 9, 130});
  check_size_grid<double>({100}, {129}, {257, 300});
}

TEST(Gemm, AlphaBeta) {
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    for (auto [alpha, beta] : {std::pair{1.0, 1.0}, {2.5, -0.5}, {-1.0, 1.0}, {0.5, 0.0}}) {
      for (int64_t K : {5, 300, 700}) {  // 700 spans several K blocks
        SCOPED_TRACE(trace(ta, tb, 45, 70, K, 2) + " alpha=" + std::to_string(alpha) +
                     " beta=" + std::to_string(beta));
        expect_matches_reference(Problem<float>(ta, tb, 45, 70, K, 2, 5 + t), float(alpha),
                                 float(beta));
        expect_matches_reference(Problem<double>(ta, tb, 45, 70, K, 2, 9 + t), alpha, beta);
      }
    }
  }
}

TEST(Gemm, BetaZeroIgnoresNanInC) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int64_t size : {3, 40, 200}) {  // direct, packed serial and packed parallel paths
    Problem<float> p(false, false, size, size, size, 1, 3);
    std::fill(p.C.begin(), p.C.end(), nan);
    p.run(1.f, 0.f);
    for (int64_t i = 0; i < p.M; ++i)
      for (int64_t j = 0; j < p.N; ++j) ASSERT_FALSE(std::isnan(p.C[i * p.ldc + j])) << size;
  }
}

TEST(Gemm, AlphaZeroOrEmptyKScalesC) {
  for (int64_t K : {0, 50}) {
    Problem<double> p(true, false, 20, 30, K, 0, 4);
    const std::vector<double> before = p.C;
    p.run(0.0, 3.0);
    for (size_t i = 0; i < before.size(); ++i) ASSERT_EQ(p.C[i], 3.0 * before[i]);
    p.run(K == 0 ? 1.0 : 0.0, 0.0);
    for (double c : p.C) ASSERT_EQ(c, 0.0);
  }
}

TEST(Gemm, EmptyOutputIsANoOp) {
  float c = 7.f;
  gemm(false, false, 0, 5, 3, 1.f, nullptr, 3, nullptr, 5, 0.f, nullptr, 5);
  gemm(false, false, 1, 1, 0, 1.f, nullptr, 0, nullptr, 1, 1.f, &c, 1);
  EXPECT_EQ(c, 7.f);
}

// global_control alone caps the thread count at the core count; the arena lifts that so
// three threads really run even on a two-core machine.
template <class T>
std::vector<T> run_with_threads(Problem<T> p, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(threads);
  arena.execute([&] { p.run(T(1.5), T(0.5)); });
  return p.C;
}

template <class T>
void expect_same_bits_for_thread_counts(bool ta, bool tb, int64_t M, int64_t N, int64_t K) {
  SCOPED_TRACE(trace(ta, tb, M, N, K, 1));
  const Problem<T> p(ta, tb, M, N, K, 1, 11);
  const std::vector<T> one = run_with_threads(p, 1);
  for (int threads : {2, 3}) {
    const std::vector<T> many = run_with_threads(p, threads);
    ASSERT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(T)), 0)
        << threads << " threads";
  }
}

TEST(Gemm, BitwiseIdenticalAcrossThreadCounts) {
  for (int t = 0; t < 4; ++t) {
    expect_same_bits_for_thread_counts<float>(t & 1, t & 2, 64, 3136, 576);
    expect_same_bits_for_thread_counts<float>(t & 1, t & 2, 301, 257, 700);
    expect_same_bits_for_thread_counts<double>(t & 1, t & 2, 129, 200, 300);
  }
  expect_same_bits_for_thread_counts<float>(false, false, 401, 1100, 300);
  expect_same_bits_for_thread_counts<float>(false, true, 64, 128, 9216);
}

TEST(Gemm, RejectsBadArguments) {
  std::vector<float> a(100), b(100), c(100);
  auto call = [&](int64_t M, int64_t N, int64_t K, int64_t lda, int64_t ldb, int64_t ldc,
                  bool ta = false, bool tb = false) {
    gemm(ta, tb, M, N, K, 1.f, a.data(), lda, b.data(), ldb, 0.f, c.data(), ldc);
  };
  EXPECT_NO_THROW(call(4, 5, 6, 6, 5, 5));
  EXPECT_THROW(call(-1, 5, 6, 6, 5, 5), std::invalid_argument);
  EXPECT_THROW(call(4, -5, 6, 6, 5, 5), std::invalid_argument);
  EXPECT_THROW(call(4, 5, -6, 6, 5, 5), std::invalid_argument);
  EXPECT_THROW(call(4, 5, 6, 5, 5, 5), std::invalid_argument);               // lda < K
  EXPECT_THROW(call(4, 5, 6, 6, 4, 5), std::invalid_argument);               // ldb < N
  EXPECT_THROW(call(4, 5, 6, 6, 5, 4), std::invalid_argument);               // ldc < N
  EXPECT_THROW(call(4, 5, 6, 3, 5, 5, true), std::invalid_argument);         // lda < M
  EXPECT_THROW(call(4, 5, 6, 6, 5, 5, false, true), std::invalid_argument);  // ldb < K
  EXPECT_THROW(gemm(false, false, 2, 2, 2, 1.f, nullptr, 2, b.data(), 2, 0.f, c.data(), 2),
               std::invalid_argument);
  try {
    call(4, 5, 6, 5, 5, 5);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("gemm"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("lda"), std::string::npos);
  }
}

TEST(Gemm, ReportsInstructionSet) {
  const std::string isa = tg::kernels::gemm_isa_name();
  EXPECT_TRUE(isa == "avx512bw" || isa == "fma3<avx2>" || isa == "sse2") << isa;
}

}  // namespace
