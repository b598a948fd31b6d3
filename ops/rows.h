// Internal to ops/: a parallel loop over rows with fixed chunking, for kernels that
// compute their own offsets (pad, repeat, the index ops).
#pragma once
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdint>

namespace tg::detail {

// Runs f(begin, end) over [0, rows), rows of about `row_cost` elements of work each:
// serially when the total is small, else in chunks whose size depends only on the sizes
// (never on the thread count), so each row is always handled by the same code path.
template <class F>
void parallel_rows(int64_t rows, int64_t row_cost, F&& f) {
  constexpr int64_t kGrainElements = 1 << 14;
  row_cost = std::max<int64_t>(row_cost, 1);
  if (rows < 2 || rows * row_cost < 4 * kGrainElements) {
    f(int64_t{0}, rows);
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kGrainElements / row_cost);
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, rows, grain),
                    [&](const tbb::blocked_range<int64_t>& r) { f(r.begin(), r.end()); },
                    tbb::simple_partitioner());
}

}  // namespace tg::detail
