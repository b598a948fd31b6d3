#include "autograd/allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "tapegrad.h"

namespace tg {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCaching = false;  // everything goes to the scalable allocator under ASan
#else
constexpr bool kCaching = true;
#endif

bool aligned64(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }

TEST(Allocator, BlocksOfEverySizeAreAlignedAndWritable) {
  for (std::size_t bytes : {std::size_t{1}, std::size_t{65}, std::size_t{4096},
                            std::size_t{1} << 20, (std::size_t{3} << 20) + 7,
                            std::size_t{40} << 20}) {
    void* p = memory::allocate(bytes);
    ASSERT_TRUE(aligned64(p)) << bytes;
    std::memset(p, 0x5a, bytes);
    EXPECT_EQ(static_cast<unsigned char*>(p)[bytes - 1], 0x5a);
    memory::release(p, bytes);
  }
}

TEST(Allocator, FreedLargeBlockIsReusedForTheSameSize) {
  if (!kCaching) GTEST_SKIP() << "large-block cache is off under AddressSanitizer";
  const std::size_t bytes = std::size_t{5} << 20;
  void* first = memory::allocate(bytes);
  memory::release(first, bytes);
  const memory::Stats before = memory::stats();
  void* again = memory::allocate(bytes - 100);  // same size class
  EXPECT_EQ(again, first);
  EXPECT_EQ(memory::stats().cache_hits, before.cache_hits + 1);
  EXPECT_EQ(memory::stats().system_maps, before.system_maps);
  memory::release(again, bytes - 100);
}

TEST(Allocator, MostRecentlyFreedBlockComesBackFirst) {
  if (!kCaching) GTEST_SKIP() << "large-block cache is off under AddressSanitizer";
  const std::size_t bytes = std::size_t{3} << 20;
  void* a = memory::allocate(bytes);
  void* b = memory::allocate(bytes);
  memory::release(a, bytes);
  memory::release(b, bytes);
  void* c = memory::allocate(bytes);
  EXPECT_EQ(c, b);
  memory::release(c, bytes);
}

TEST(Allocator, LimitAndEmptyCacheReturnBlocksToTheSystem) {
  if (!kCaching) GTEST_SKIP() << "large-block cache is off under AddressSanitizer";
  const std::size_t old_limit = memory::cache_limit();
  const std::size_t bytes = std::size_t{8} << 20;
  void* p = memory::allocate(bytes);
  memory::release(p, bytes);
  EXPECT_GE(memory::stats().cached_bytes, bytes);
  memory::empty_cache();
  EXPECT_EQ(memory::stats().cached_bytes, 0u);

  memory::set_cache_limit(0);
  void* q = memory::allocate(bytes);
  const std::size_t in_use = memory::stats().large_in_use_bytes;
  EXPECT_GE(in_use, bytes);
  memory::release(q, bytes);
  EXPECT_EQ(memory::stats().cached_bytes, 0u);
  EXPECT_EQ(memory::stats().large_in_use_bytes, in_use - bytes);
  memory::set_cache_limit(old_limit);
  EXPECT_EQ(memory::cache_limit(), old_limit);
}

TEST(Allocator, LargeTensorsReuseMemoryAcrossSteps) {
  if (!kCaching) GTEST_SKIP() << "large-block cache is off under AddressSanitizer";
  Tensor x = randn({64, 64, 32, 32});  // 16 MiB
  const memory::Stats before = memory::stats();
  for (int i = 0; i < 20; ++i) {
    Tensor y = relu(x * 2.0);
  }
  // Two large results per step; only the first step may map fresh memory.
  EXPECT_LE(memory::stats().system_maps - before.system_maps, 2u);
}

// The engine hands a leaf the gradient buffer itself when nothing else can see it, and a
// copy otherwise: a gradient the caller still holds must not become the leaf's .grad.
TEST(Allocator, LeafGradientIsNeverACallerHeldTensor) {
  Tensor x = randn({4, 5}).requires_grad_();
  Tensor y = x.clone();
  Tensor seed = ones({4, 5});
  y.backward(seed);
  EXPECT_NE(x.grad().data_ptr<float>(), seed.data_ptr<float>());
  seed.fill_(7.0);
  EXPECT_DOUBLE_EQ(x.grad().sum().item<double>(), 20.0);
}

TEST(Allocator, FreshLeafGradientOwnsItsMemoryAlone) {
  Tensor x = randn({256, 256}).requires_grad_();
  (x * 3.0).sum().backward();
  EXPECT_EQ(x.grad().storage().use_count(), 1);
  EXPECT_DOUBLE_EQ(x.grad().sum().item<double>(), 3.0 * 256 * 256);
}

}  // namespace
}  // namespace tg
