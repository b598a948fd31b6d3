// Internal: a loop over [0, n) cut into fixed chunks of `chunk`, run in parallel when there
// are at least two chunks, serially otherwise. The cut depends on n and chunk alone, never
// on the thread count, so each element is handled the same way whatever the thread count.
#pragma once
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <cstdint>

namespace tg::detail {

// Calls f(begin, end) for consecutive ranges covering [0, n).
template <class F>
void parallel_chunks(int64_t n, int64_t chunk, const F& f) {
  if (n < 2 * chunk) {
    f(int64_t{0}, n);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, (n + chunk - 1) / chunk, 1),
      [&](const tbb::blocked_range<int64_t>& r) {
        for (int64_t c = r.begin(); c < r.end(); ++c) f(c * chunk, std::min(n, (c + 1) * chunk));
      },
      tbb::simple_partitioner());
}

}  // namespace tg::detail
