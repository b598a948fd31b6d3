// Convolution by im2col + GEMM: the general fast path behind ops/kernels/conv.h.
//
// The products, with K = C_in/groups * kD*kH*kW and P the output positions of one image:
//   forward:       y[C_out/g, P]  = W[C_out/g, K] * cols[K, P]            (+ bias)
//   input grad:    stride 1: the forward convolution of gy with the flipped kernel;
//                  otherwise cols = W^T * gy, each column added back where it was gathered
//   weight grad:   gw[C_out/g, K] = sum over images of gy[C_out/g, P] * cols[K, P]^T
// run through a register-tiled micro-kernel (conv_im2col_simd.h). cols never exists
// whole: each task copies the input rows it reads into a zero-padded region, and gathers
// the columns of one panel of output positions at a time straight into the micro-kernel's
// layout. Weights are packed once per call.
//
// Same buffer layouts as conv_reference.h: contiguous N, C, D, H, W; weights
// [C_out, C_in/groups, kD, kH, kW]; outputs are overwritten. Results are bitwise identical
// for any thread count: the work is cut into tasks by the geometry alone, each output
// element has one writer, and the weight gradient's sum over the batch runs in fixed
// chunks added in chunk order.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <new>

#include "ops/kernels/conv_geometry.h"

namespace tg::kernels {

// False when g would need thread-local buffers beyond 64 MiB (huge kernels or rows); the
// reference loops, which need none, are then the better choice.
bool conv_im2col_fits(const ConvGeometry& g, int64_t element_bytes);

// The three convolution kernels (same contracts as conv_forward_ref & co.).
template <class T>
void conv_forward_im2col(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y);
template <class T>
void conv_backward_input_im2col(const ConvGeometry& g, const T* gy, const T* w, T* gx);
template <class T>
void conv_backward_weight_im2col(const ConvGeometry& g, const T* x, const T* gy, T* gw);

namespace conv_detail {

// A thread's reusable scratch buffer (64-byte aligned, only grows), one per Tag and type.
// If the thread's buffer is already leased (a nested call on the same thread), the lease
// owns a fresh buffer instead, so a lease is always safe to write.
template <class T, class Tag>
class ScratchLease {
 public:
  explicit ScratchLease(int64_t count) {
    Slot& slot = thread_slot();
    if (!slot.busy) {
      slot.busy = true;
      slot_ = &slot;
      data_ = slot.buffer.get(count);
    } else {
      data_ = own_.get(count);
    }
  }
  ~ScratchLease() {
    if (slot_) slot_->busy = false;
  }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;

  T* data() const { return data_; }

 private:
  class Buffer {
   public:
    Buffer() = default;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer() { std::free(data_); }
    T* get(int64_t count) {
      if (count > capacity_) {
        std::free(data_);
        data_ = nullptr;
        capacity_ = 0;
        const size_t bytes = (static_cast<size_t>(count) * sizeof(T) + 63) / 64 * 64;
        data_ = static_cast<T*>(std::aligned_alloc(64, bytes));
        if (!data_) throw std::bad_alloc();
        capacity_ = count;
      }
      return data_;
    }

   private:
    T* data_ = nullptr;
    int64_t capacity_ = 0;
  };
  struct Slot {
    Buffer buffer;
    bool busy = false;
  };
  static Slot& thread_slot() {
    thread_local Slot slot;
    return slot;
  }

  Slot* slot_ = nullptr;
  Buffer own_;
  T* data_ = nullptr;
};

}  // namespace conv_detail

#define TG_CONV_IM2COL_DECLARE(PREFIX, T)                                                        \
  PREFIX template void conv_forward_im2col<T>(const ConvGeometry&, const T*, const T*, const T*, \
                                              T*);                                               \
  PREFIX template void conv_backward_input_im2col<T>(const ConvGeometry&, const T*, const T*,    \
                                                     T*);                                        \
  PREFIX template void conv_backward_weight_im2col<T>(const ConvGeometry&, const T*, const T*, T*);

TG_CONV_IM2COL_DECLARE(extern, float)
TG_CONV_IM2COL_DECLARE(extern, double)

}  // namespace tg::kernels
