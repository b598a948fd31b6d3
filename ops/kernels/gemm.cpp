// GEMM driver: argument checks, cache blocking, packing and the parallel split of C.
// The register-tiled inner loops live in gemm_microkernel.h, compiled per instruction set
// in ops/kernels/isa/ and picked at run time by xsimd::dispatch.
//
// Blocking (names after the usual Goto/BLIS scheme):
//   K is cut into blocks of at most kMaxDepth (kc); op(A) is packed once per call into
//   mr-row panels per K block (shared, read-only). Each task owns a block of C; per K block
//   it packs its columns of op(B) (at most kMaxBBlockBytes at a time) into a thread-local
//   buffer, then the block kernel sweeps one kc x nr B panel (in L1) past all its A panels
//   (in L2).
// Determinism: C is cut into a grid of tasks that depends only on M, N, K and the tile
// shape; every C element is computed by one task, always over the same K blocks in the same
// order, so the bits do not depend on the number of threads.
#include "ops/kernels/gemm.h"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "ops/kernels/gemm_microkernel.h"

namespace tg::kernels {
namespace {

using namespace gemm_detail;
using Isas = xsimd::arch_list<xsimd::avx512bw, xsimd::fma3<xsimd::avx2>, xsimd::sse2>;

template <class F>
auto dispatched() {
  return xsimd::dispatch<Isas>(F{});
}

// Depth of a K block: a kc x nr B panel (32 KiB for float with AVX-512) stays in L1.
constexpr int64_t kMaxDepth = 256;
// A packed B block (kc x columns) is at most this big, and an A block (rows x kc) has at most
// kMaxBlockRows rows: together (<= 640 KiB for float) they stay in a 1 MiB L2 while the B
// panels sweep past the A block.
constexpr int64_t kMaxBBlockBytes = 256 << 10;
constexpr int64_t kMaxBlockRows = 384;
// When M has to be split to make enough tasks (each row chunk packs B again), a chunk keeps
// at least this many A panels.
constexpr int64_t kMinTaskRowPanels = 4;
// Parallel split: problems under kMinParallelWork multiply-adds (~10-20 us on one core) run
// serially; otherwise about one task per kTaskWork, in a multiple of 6 so that 2 or 3
// threads get equal shares.
constexpr int64_t kMinParallelWork = int64_t{1} << 21;
constexpr int64_t kTaskWork = int64_t{1} << 20;
constexpr int64_t kTaskMultiple = 6;
constexpr int64_t kMaxTasks = 24;
// A panels per job when op(A) is packed in parallel.
constexpr int64_t kPackJobPanels = 8;
// At most this many multiply-adds go through the unpacked loop for tiny problems.
constexpr int64_t kDirectWork = 256;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// 64-byte aligned scratch memory that only grows.
template <class T>
class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() { std::free(data_); }

  T* get(int64_t count) {
    if (count > capacity_) {
      std::free(data_);
      data_ = nullptr;
      capacity_ = 0;
      const size_t bytes = (static_cast<size_t>(count) * sizeof(T) + 63) / 64 * 64;
      data_ = static_cast<T*>(std::aligned_alloc(64, bytes));
      if (!data_) throw std::bad_alloc();
      capacity_ = count;
    }
    return data_;
  }

 private:
  T* data_ = nullptr;
  int64_t capacity_ = 0;
};

// A thread's buffer for packed A. A nested gemm on the same thread (possible when a task
// that called gemm waits and picks up other work) must not reuse it, so it is leased.
template <class T>
class PackedALease {
 public:
  explicit PackedALease(int64_t count) {
    Slot& slot = thread_slot();
    if (!slot.busy) {
      data_ = slot.buffer.get(count);
      slot_ = &slot;
      slot.busy = true;
    } else {
      data_ = own_.get(count);
    }
  }
  ~PackedALease() {
    if (slot_) slot_->busy = false;
  }
  T* data() const { return data_; }

 private:
  struct Slot {
    ScratchBuffer<T> buffer;
    bool busy = false;
  };
  static Slot& thread_slot() {
    thread_local Slot slot;
    return slot;
  }
  Slot* slot_ = nullptr;
  ScratchBuffer<T> own_;
  T* data_ = nullptr;
};

// One packed B block per worker thread; task bodies never nest, so no lease is needed.
template <class T>
T* b_block_buffer(int64_t count) {
  thread_local ScratchBuffer<T> buffer;
  return buffer.get(count);
}

std::string shape_text(int64_t rows, int64_t cols) {
  return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
}

void check_arguments(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const void* A,
                     int64_t lda, const void* B, int64_t ldb, const void* C, int64_t ldc) {
  auto fail = [&](const std::string& what) {
    std::ostringstream out;
    out << "gemm: " << what << " (M=" << M << ", N=" << N << ", K=" << K << ", lda=" << lda
        << ", ldb=" << ldb << ", ldc=" << ldc << ", trans_a=" << trans_a << ", trans_b=" << trans_b
        << ")";
    throw std::invalid_argument(out.str());
  };
  if (M < 0 || N < 0 || K < 0) fail("sizes must be non-negative");
  // Stored shapes: A is M x K (K x M when transposed), B is K x N (N x K), C is M x N.
  const int64_t a_cols = trans_a ? M : K, a_rows = trans_a ? K : M;
  const int64_t b_cols = trans_b ? K : N, b_rows = trans_b ? N : K;
  if (lda < a_cols)
    fail("lda must be >= " + std::to_string(a_cols) + " for A stored as " +
         shape_text(a_rows, a_cols));
  if (ldb < b_cols)
    fail("ldb must be >= " + std::to_string(b_cols) + " for B stored as " +
         shape_text(b_rows, b_cols));
  if (ldc < N) fail("ldc must be >= N = " + std::to_string(N));
  if (M > 0 && N > 0) {  // otherwise nothing is read or written
    if (K > 0 && !A) fail("A is null");
    if (K > 0 && !B) fail("B is null");
    if (!C) fail("C is null");
  }
}

// C = beta * C, with beta == 0 overwriting (NaNs in C are not propagated).
template <class T>
void scale_c(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    T* row = C + i * ldc;
    if (beta == T(0)) {
      std::fill(row, row + N, T(0));
    } else if (beta != T(1)) {
      for (int64_t j = 0; j < N; ++j) row[j] *= beta;
    }
  }
}

// Unpacked loop for problems too small to pay for packing.
template <class T>
void gemm_direct(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                 int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  const int64_t a_row = trans_a ? 1 : lda, a_col = trans_a ? lda : 1;
  const int64_t b_row = trans_b ? 1 : ldb, b_col = trans_b ? ldb : 1;
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      T sum = 0;
      for (int64_t k = 0; k < K; ++k) sum += A[i * a_row + k * a_col] * B[k * b_row + j * b_col];
      T& out = C[i * ldc + j];
      out = beta == T(0) ? alpha * sum : alpha * sum + beta * out;
    }
  }
}

// The fixed cut of the problem into K blocks and a grid of C blocks (tasks).
struct Plan {
  int64_t depth_blocks, depth;  // K blocks, all of `depth` except a shorter last one
  int64_t row_panels, col_panels;
  int64_t row_chunks, col_chunks;  // task grid
  int64_t block_rows;              // rows of one A block, a multiple of mr
  int64_t block_columns;           // columns of one packed B block, a multiple of nr

  int64_t tasks() const { return row_chunks * col_chunks; }
  int64_t block_start(int64_t p) const { return p * depth; }
  // Chunk c of `chunks` covers panels [c * panels / chunks, (c + 1) * panels / chunks).
  static int64_t chunk_start(int64_t c, int64_t panels, int64_t chunks) {
    return c * panels / chunks;
  }
};

template <class T>
Plan make_plan(int64_t M, int64_t N, int64_t K, const TileShape& tile) {
  Plan plan;
  plan.depth_blocks = ceil_div(K, kMaxDepth);
  plan.depth = ceil_div(K, plan.depth_blocks);
  plan.row_panels = ceil_div(M, tile.mr);
  plan.col_panels = ceil_div(N, tile.nr);
  const int64_t block_panels =
      std::max<int64_t>(1, kMaxBBlockBytes / (plan.depth * tile.nr * int64_t{sizeof(T)}));
  plan.block_columns = block_panels * tile.nr;
  plan.block_rows = std::max<int64_t>(1, kMaxBlockRows / tile.mr) * tile.mr;

  // Split N first: column chunks share the packed A and pack disjoint parts of B. Split M
  // only if N has too few panels.
  const double work = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  int64_t wanted = 1;
  if (work >= kMinParallelWork) {
    const auto by_work = static_cast<int64_t>(std::min(work / kTaskWork, double{kMaxTasks}));
    wanted = std::clamp(ceil_div(by_work, kTaskMultiple) * kTaskMultiple, kTaskMultiple, kMaxTasks);
  }
  plan.col_chunks = std::min(wanted, plan.col_panels);
  plan.row_chunks = std::clamp<int64_t>(ceil_div(wanted, plan.col_chunks), 1,
                                        std::max<int64_t>(1, plan.row_panels / kMinTaskRowPanels));
  return plan;
}

template <class T>
void gemm_packed(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                 int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  static const TileShape tile = dispatched<TileShapeQuery<T>>()();
  const Plan plan = make_plan<T>(M, N, K, tile);
  auto rows_of = [&](int64_t chunk) {
    const int64_t begin = Plan::chunk_start(chunk, plan.row_panels, plan.row_chunks) * tile.mr;
    const int64_t end = Plan::chunk_start(chunk + 1, plan.row_panels, plan.row_chunks) * tile.mr;
    return std::pair<int64_t, int64_t>{begin, std::min(M, end)};
  };
  auto cols_of = [&](int64_t chunk) {
    const int64_t begin = Plan::chunk_start(chunk, plan.col_panels, plan.col_chunks) * tile.nr;
    const int64_t end = Plan::chunk_start(chunk + 1, plan.col_panels, plan.col_chunks) * tile.nr;
    return std::pair<int64_t, int64_t>{begin, std::min(N, end)};
  };

  // All of op(A), packed once: K block p starts at p * depth * M, its panels for rows from i
  // at i * kc within the block.
  PackedALease<T> packed_a(M * K);
  T* a_packed = packed_a.data();
  const int64_t pack_row_jobs = ceil_div(plan.row_panels, kPackJobPanels);
  const int64_t pack_jobs = plan.depth_blocks * pack_row_jobs;
  auto pack_a = [&](int64_t job) {
    const int64_t p = job / pack_row_jobs;
    const int64_t k0 = plan.block_start(p), kc = std::min(plan.depth, K - k0);
    const int64_t i0 = job % pack_row_jobs * kPackJobPanels * tile.mr;
    const int64_t i1 = std::min(M, i0 + kPackJobPanels * tile.mr);
    const T* src = trans_a ? A + k0 * lda + i0 : A + i0 * lda + k0;
    dispatched<PackA<T>>()(src, lda, trans_a, i1 - i0, kc, a_packed + k0 * M + i0 * kc);
  };

  auto run_task = [&](int64_t task) {
    const auto [i0, i1] = rows_of(task / plan.col_chunks);
    const auto [j0, j1] = cols_of(task % plan.col_chunks);
    T* b_packed = b_block_buffer<T>(plan.depth * plan.block_columns);
    auto pack_b = dispatched<PackB<T>>();
    auto kernel = dispatched<BlockKernel<T>>();
    for (int64_t jc = j0; jc < j1; jc += plan.block_columns) {
      const int64_t cols = std::min(plan.block_columns, j1 - jc);
      for (int64_t p = 0; p < plan.depth_blocks; ++p) {
        const int64_t k0 = plan.block_start(p), kc = std::min(plan.depth, K - k0);
        pack_b(trans_b ? B + jc * ldb + k0 : B + k0 * ldb + jc, ldb, trans_b, cols, kc, b_packed);
        for (int64_t ic = i0; ic < i1; ic += plan.block_rows) {
          kernel(BlockJob<T>{a_packed + k0 * M + ic * kc, b_packed,
                             std::min(plan.block_rows, i1 - ic), cols, kc, C + ic * ldc + jc, ldc,
                             alpha, p == 0 ? beta : T(1)});
        }
      }
    }
  };

  // The same tasks run either way, so going serial on one thread changes no result bits.
  const size_t threads =
      std::min(static_cast<size_t>(tbb::this_task_arena::max_concurrency()),
               tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  if (plan.tasks() == 1 || threads <= 1) {
    for (int64_t job = 0; job < pack_jobs; ++job) pack_a(job);
    for (int64_t task = 0; task < plan.tasks(); ++task) run_task(task);
    return;
  }
  // Isolation keeps a waiting thread from picking up an unrelated task that might reuse this
  // thread's buffers; the results would not change, but the buffers would be clobbered.
  tbb::this_task_arena::isolate([&] {
    auto each = [](auto&& body) {
      return [&body](const tbb::blocked_range<int64_t>& r) {
        for (int64_t i = r.begin(); i < r.end(); ++i) body(i);
      };
    };
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, pack_jobs, 1), each(pack_a),
                      tbb::simple_partitioner());
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, plan.tasks(), 1), each(run_task),
                      tbb::simple_partitioner());
  });
}

template <class T>
void gemm_any(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
              int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  check_arguments(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc);
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == T(0)) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  if (static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K) <= kDirectWork) {
    gemm_direct(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  gemm_packed(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  gemm_any(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
          const double* A, int64_t lda, const double* B, int64_t ldb, double beta, double* C,
          int64_t ldc) {
  gemm_any(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

const char* gemm_isa_name() {
  static const char* name = dispatched<TileShapeQuery<float>>()().isa;
  return name;
}

}  // namespace tg::kernels
