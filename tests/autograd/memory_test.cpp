#include <gtest/gtest.h>

#include <fstream>

#include "tapegrad.h"

namespace tg {
namespace {

// Resident set size in pages, from /proc/self/statm.
long resident_pages() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return resident;
}

// The graph and its saved tensors are freed as soon as backward is done: 10,000 training-like
// steps must not make the process grow.
TEST(Memory, TenThousandStepsKeepMemoryFlat) {
#if defined(__SANITIZE_ADDRESS__)
  // ASan keeps freed memory in quarantine, so RSS grows by design; under ASan the same
  // property is checked by LeakSanitizer at exit instead.
  GTEST_SKIP() << "RSS is not meaningful under AddressSanitizer (LeakSanitizer checks leaks)";
#endif
  manual_seed(0);
  Tensor w = randn({64, 64}).requires_grad_();
  Tensor x = randn({32, 64});
  auto step = [&] {
    Tensor h = relu(matmul(x, w));
    Tensor loss = (h * h).mean() + sigmoid(h).sum() * 1e-3;
    loss.backward();
    NoGradGuard no_grad;
    w.sub_(w.grad() * 1e-4);
    w.mutable_grad() = Tensor();
  };
  for (int i = 0; i < 1000; ++i) step();  // warm up allocator pools
  const long before = resident_pages();
  for (int i = 0; i < 10000; ++i) step();
  const long after = resident_pages();
  // Each step allocates well over 64 KiB; a leak of one step's graph would add > 150 MiB.
  EXPECT_LT(after - before, 2560) << "grew by " << (after - before) << " pages";
}

}  // namespace
}  // namespace tg
