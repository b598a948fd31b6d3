// The fixed task split the convolution kernels share: results depend on how work is cut into
// tasks, never on which thread runs a task, so every thread count gives the same bits.
#pragma once
#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

namespace tg::kernels::tasks {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Chunk c of `chunks` covers [c * total / chunks, (c + 1) * total / chunks).
inline int64_t chunk_begin(int64_t c, int64_t total, int64_t chunks) { return c * total / chunks; }

// Runs body(t) for t in [0, tasks), in parallel when there is more than one task.
template <class Body>
void run_tasks(int64_t tasks, const Body& body) {
  if (tasks == 1) {
    body(0);
    return;
  }
  // Isolation keeps a waiting thread from starting unrelated work that might lease the
  // same thread-local buffers; results would not change, only memory use.
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(
        tbb::blocked_range<int64_t>(0, tasks, 1),
        [&](const tbb::blocked_range<int64_t>& r) {
          for (int64_t t = r.begin(); t < r.end(); ++t) body(t);
        },
        tbb::simple_partitioner());
  });
}

}  // namespace tg::kernels::tasks
