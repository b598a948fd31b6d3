#include "autograd/allocator.h"

#include <sys/mman.h>
#include <tbb/scalable_allocator.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#define TG_ALLOCATOR_PASS_THROUGH 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TG_ALLOCATOR_PASS_THROUGH 1
#endif
#endif

namespace tg::memory {
namespace {

constexpr std::size_t kLargeBytes = std::size_t{1} << 20;
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kMinGranule = std::size_t{64} << 10;
// Blocks start a few cache lines into their mapping, a different number for each mapping:
// buffers all aligned alike make a kernel's loads and stores to several of them collide
// (4 KiB aliasing; measured 20% on a depthwise convolution). The shift stays below a page,
// so the mapping's start is the block's address rounded down to a page.
constexpr std::size_t kPage = 4096;
constexpr std::size_t kMaxShift = kPage;
std::size_t shift_for(std::size_t map_index) { return map_index * 17 % 63 * 64; }
void* mapping_of(void* block) {
  return reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(block) & ~(kPage - 1));
}
void unmap_block(void* block, std::size_t bytes) { munmap(mapping_of(block), bytes + kMaxShift); }

[[maybe_unused]] bool is_large(std::size_t nbytes) {
#ifdef TG_ALLOCATOR_PASS_THROUGH
  (void)nbytes;
  return false;
#else
  return nbytes >= kLargeBytes;
#endif
}

// Large sizes rounded up to one of eight classes per power of two (at most 12.5% waste),
// so that blocks of nearly equal sizes are shared.
[[maybe_unused]] std::size_t size_class(std::size_t nbytes) {
  std::size_t top = std::size_t{1} << (63 - __builtin_clzll(nbytes));
  const std::size_t granule = std::max(kMinGranule, top / 8);
  return (nbytes + granule - 1) / granule * granule;
}

// A fresh mapping of `bytes`, 2 MiB aligned and marked for huge pages when that large.
void* map_block(std::size_t bytes) {
  const bool huge = bytes >= kHugePage;
  const std::size_t span = huge ? bytes + kHugePage : bytes;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  if (!huge) return raw;
  const auto begin = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (begin + kHugePage - 1) & ~(kHugePage - 1);
  if (aligned > begin) munmap(raw, aligned - begin);
  const std::uintptr_t tail = aligned + bytes, end = begin + span;
  if (end > tail) munmap(reinterpret_cast<void*>(tail), end - tail);
  void* block = reinterpret_cast<void*>(aligned);
  madvise(block, bytes, MADV_HUGEPAGE);  // advice only: failure changes nothing
  return block;
}

std::size_t limit_from_environment() {
  if (const char* env = std::getenv("TG_CACHE_LIMIT_MB")) {
    try {
      return static_cast<std::size_t>(std::stoull(env)) << 20;
    } catch (...) {
      // A malformed value keeps the default.
    }
  }
  return std::size_t{1} << 30;
}

class BlockCache {
 public:
  void* take(std::size_t bytes) {
    std::size_t maps = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stats_.large_in_use_bytes += bytes;
      stats_.large_peak_bytes = std::max(stats_.large_peak_bytes, stats_.large_in_use_bytes);
      // The most recently freed block of the size: the likeliest to be still in cache.
      const auto it = free_.upper_bound(bytes);
      if (it != free_.begin() && std::prev(it)->first == bytes) {
        const auto hit = std::prev(it);
        void* block = hit->second;
        free_.erase(hit);
        stats_.cached_bytes -= bytes;
        ++stats_.cache_hits;
        return block;
      }
      maps = stats_.system_maps++;
    }
    try {
      return static_cast<char*>(map_block(bytes + kMaxShift)) + shift_for(maps);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      stats_.large_in_use_bytes -= bytes;
      throw;
    }
  }

  void give_back(void* block, std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.large_in_use_bytes -= bytes;
    try {
      free_.emplace(bytes, block);
    } catch (...) {  // no memory for the bookkeeping: unmap instead of caching
      unmap_block(block, bytes);
      return;
    }
    stats_.cached_bytes += bytes;
    trim_to(limit_);
  }

  void set_limit(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    limit_ = bytes;
    trim_to(limit_);
  }
  void trim(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    trim_to(bytes);
  }
  std::size_t limit() {
    std::lock_guard<std::mutex> lock(mutex_);
    return limit_;
  }
  Stats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

 private:
  // Unmaps the largest free blocks until at most `bytes` stay cached (mutex held).
  void trim_to(std::size_t bytes) {
    while (stats_.cached_bytes > bytes && !free_.empty()) {
      const auto last = std::prev(free_.end());
      unmap_block(last->second, last->first);
      stats_.cached_bytes -= last->first;
      free_.erase(last);
    }
  }

  std::mutex mutex_;
  std::multimap<std::size_t, void*> free_;  // class size -> free block
  std::size_t limit_ = limit_from_environment();
  Stats stats_{};
};

// Never destroyed: tensors held in static objects may be freed after main returns.
BlockCache& cache() {
  static BlockCache* instance = new BlockCache();
  return *instance;
}

}  // namespace

void* allocate(std::size_t nbytes) {
#ifdef TG_ALLOCATOR_PASS_THROUGH
  // Plain aligned malloc of exactly nbytes: no pool, so ASan sees every block and its bounds.
  void* block = nullptr;
  if (posix_memalign(&block, 64, nbytes) != 0 || (!block && nbytes != 0)) throw std::bad_alloc();
  return block;
#else
  if (is_large(nbytes)) return cache().take(size_class(nbytes));
  void* p = scalable_aligned_malloc(nbytes, 64);
  if (!p) throw std::bad_alloc();
  return p;
#endif
}

void release(void* p, std::size_t nbytes) noexcept {
  if (!p) return;
#ifdef TG_ALLOCATOR_PASS_THROUGH
  (void)nbytes;
  std::free(p);
#else
  if (is_large(nbytes)) {
    cache().give_back(p, size_class(nbytes));
    return;
  }
  scalable_aligned_free(p);
#endif
}

Stats stats() { return cache().stats(); }
void empty_cache() { cache().trim(0); }
void set_cache_limit(std::size_t bytes) { cache().set_limit(bytes); }
std::size_t cache_limit() { return cache().limit(); }

}  // namespace tg::memory
