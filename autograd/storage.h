// Storage: one 64-byte aligned buffer shared by a tensor and all its views, with the
// version counter that in-place writes bump (so autograd can detect stale saved tensors).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace tg {

class Storage {
 public:
  // Allocates `nbytes` (rounded up to 64) of uninitialised, 64-byte aligned memory.
  explicit Storage(std::size_t nbytes);
  // Wraps memory owned elsewhere; `deleter` (may be empty) runs when the storage dies.
  Storage(void* data, std::size_t nbytes, std::function<void(void*)> deleter);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }
  uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  static constexpr std::size_t kInlineBytes = 64;
  // Small tensors (scalars, biases) live inside the Storage object: one allocation less.
  // The buffer is over-sized so a 64-byte aligned window always fits in it.
  unsigned char inline_[kInlineBytes + 64];
  void* data_ = nullptr;
  std::size_t nbytes_ = 0;
  uint64_t version_ = 0;
  std::function<void(void*)> deleter_;
  bool owned_ = true;
  bool inline_storage_ = false;
};

// Allocates a Storage (and below, a TensorImpl) from TBB's scalable allocator: autograd
// creates several small objects per op, and the default malloc dominated their cost.
// Throws tg::Error naming the byte count when the memory cannot be had.
std::shared_ptr<Storage> make_storage(std::size_t nbytes);

}  // namespace tg
