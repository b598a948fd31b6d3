#include "autograd/storage.h"

#include <tbb/scalable_allocator.h>

#include "autograd/allocator.h"
#include "autograd/error.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "autograd/live_objects.h"

#if defined(__SANITIZE_ADDRESS__)
#define TG_STORAGE_NO_INLINE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TG_STORAGE_NO_INLINE 1
#endif
#endif

namespace tg {
namespace {
// Under AddressSanitizer every storage is its own heap block of exactly its size, so a read
// past the end of any tensor lands in a redzone and is reported.
#ifdef TG_STORAGE_NO_INLINE
constexpr bool kInlineSmall = false;
#else
constexpr bool kInlineSmall = true;
#endif

std::atomic<int64_t> live_storages{0};
std::atomic<int64_t> live_storage_bytes{0};

void count_storage(std::size_t nbytes, int sign) {
  live_storages.fetch_add(sign, std::memory_order_relaxed);
  live_storage_bytes.fetch_add(sign * static_cast<int64_t>(nbytes), std::memory_order_relaxed);
}
}  // namespace

namespace detail {
int64_t live_node_count();  // autograd/node.cpp
}

memory::LiveObjects memory::live_objects() {
  return {live_storages.load(std::memory_order_relaxed),
          live_storage_bytes.load(std::memory_order_relaxed), detail::live_node_count()};
}

Storage::Storage(std::size_t nbytes) : nbytes_(nbytes) {
  if (kInlineSmall && nbytes <= kInlineBytes) {
    const auto raw = reinterpret_cast<std::uintptr_t>(inline_);
    data_ = reinterpret_cast<void*>((raw + 63) & ~std::uintptr_t(63));
    inline_storage_ = true;
  } else {
    data_ = memory::allocate(nbytes);
  }
  count_storage(nbytes_, 1);
}

Storage::Storage(void* data, std::size_t nbytes, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), deleter_(std::move(deleter)), owned_(false) {
  count_storage(nbytes_, 1);
}

Storage::~Storage() {
  count_storage(nbytes_, -1);
  if (inline_storage_) return;
  if (owned_) {
    memory::release(data_, nbytes_);
  } else if (deleter_) {
    deleter_(data_);
  }
}

std::shared_ptr<Storage> make_storage(std::size_t nbytes) {
  try {
    return std::allocate_shared<Storage>(tbb::scalable_allocator<Storage>(), nbytes);
  } catch (const std::bad_alloc&) {
    throw Error(format_message("out of memory: cannot allocate ", nbytes, " bytes (",
                               nbytes >> 20, " MiB) of tensor storage"));
  }
}

}  // namespace tg
