// Thread count for tapegrad's parallel kernels (through tbb::global_control).
#pragma once

namespace tg {

// Limits the kernels to `n` threads (n >= 1). Results are bitwise identical for any n.
void set_num_threads(int n);
// The current limit: set_num_threads, else TG_NUM_THREADS, else the core count.
int get_num_threads();

}  // namespace tg
