// Under AddressSanitizer every tensor storage is its own malloc'd block of exactly its size
// (no inline small buffers, no pooled or cached large blocks), so a kernel that reads one
// element past the end of any tensor is reported. These tests exist only in ASan builds
// (the `asan` preset, which CI runs); elsewhere there is nothing to check.
#include <gtest/gtest.h>

#include "tapegrad.h"

#if defined(__SANITIZE_ADDRESS__)
#define TG_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TG_TEST_ASAN 1
#endif
#endif

#ifdef TG_TEST_ASAN
namespace tg {
namespace {

// One element past the end of a tensor of n floats, as a buggy kernel would read it.
float read_past_end(int64_t n) {
  Tensor t = zeros({n});
  const volatile float* p = t.data_ptr<float>();
  return p[n];
}

TEST(AsanStorageDeathTest, ReadingPastASmallTensorIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(read_past_end(4), "heap-buffer-overflow");  // once an inline buffer
}

TEST(AsanStorageDeathTest, ReadingPastALargeTensorIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(read_past_end(int64_t{1} << 20), "heap-buffer-overflow");  // once a cached block
}

TEST(AsanStorageDeathTest, UseAfterFreeOfTensorMemoryIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto use_after_free = [] {
    const volatile float* p;
    {
      Tensor t = ones({1 << 20});
      p = t.data_ptr<float>();
    }
    return p[0];
  };
  EXPECT_DEATH(use_after_free(), "heap-use-after-free");
}

}  // namespace
}  // namespace tg
#endif
