// Where tensor memory comes from.
//
// Small buffers come from TBB's scalable allocator. Large ones (1 MiB and up) come from a
// cache of blocks mapped from the system: a freed large block is kept and handed to the
// next request of the same size class instead of going back to the kernel. Without it every
// large activation of every step is mapped afresh, and the kernel faults in and zeroes each
// of its pages on first touch (measured: 15% of a convolution benchmark's time, and half of
// a 1x1 convolution's). Blocks of 2 MiB and more are 2 MiB aligned and marked for
// transparent huge pages, so even a fresh block faults once per 2 MiB, not per 4 KiB.
//
// The cache holds at most cache_limit() bytes of free blocks (default 1 GiB, environment
// variable TG_CACHE_LIMIT_MB, or set_cache_limit); beyond it the largest free blocks go back
// to the system. Under AddressSanitizer every buffer is a plain aligned malloc of exactly its
// size (no cache, no pool, no inline storage), so ASan sees out-of-bounds reads and writes and
// use-after-free of tensor memory.
#pragma once
#include <cstddef>

namespace tg::memory {

// 64-byte aligned, uninitialised memory of at least `nbytes`; throws std::bad_alloc.
void* allocate(std::size_t nbytes);
// Gives back memory from allocate(nbytes) (the same nbytes).
void release(void* p, std::size_t nbytes) noexcept;

struct Stats {
  std::size_t large_in_use_bytes;  // large blocks handed out and not yet released
  std::size_t large_peak_bytes;    // the most large_in_use_bytes has been
  std::size_t cached_bytes;        // free large blocks kept for reuse
  std::size_t system_maps;         // large blocks mapped from the system so far
  std::size_t cache_hits;          // large requests served from the cache
};
Stats stats();

// Returns every cached free block to the system.
void empty_cache();
// Caps the bytes of free blocks the cache keeps (0 turns caching off).
void set_cache_limit(std::size_t bytes);
std::size_t cache_limit();

}  // namespace tg::memory
