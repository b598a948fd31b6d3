// How many tensor storages and autograd nodes are alive right now, for leak checks: once a
// step's tensors, graph and gradients are gone, the counts are back where they were before
// it. Counted in every build (one relaxed atomic add per storage or node).
#pragma once
#include <cstdint>

namespace tg::memory {

struct LiveObjects {
  int64_t storages;       // Storage objects (a tensor and its views share one)
  int64_t storage_bytes;  // bytes those storages hold
  int64_t nodes;          // autograd nodes (recorded ops and leaf accumulators)
};
LiveObjects live_objects();

}  // namespace tg::memory
