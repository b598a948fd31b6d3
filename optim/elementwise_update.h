// The optimizers' update loop: one pass over the elements of a parameter and its state
// tensors, in place, without recording. Each element is independent, so any chunking gives
// the same bits.
#pragma once
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <array>
#include <cstdint>

#include "autograd/grad_mode.h"
#include "autograd/tensor.h"

namespace tg::optim::detail {

constexpr int64_t kUpdateGrain = 1 << 15;

// Calls body(zero, out_ptrs, in_ptrs, begin, end) over [0, numel) where `zero` is a scalar_t
// (for the body to name the element type), `outs` are written in place (version bumped) and
// `ins` are read. All tensors share shape and dtype. Non-contiguous tensors are handled
// through contiguous copies.
template <std::size_t NOut, std::size_t NIn, class Body>
void update_elementwise(const char* op, const std::array<Tensor, NOut>& outs,
                        const std::array<Tensor, NIn>& ins, Body&& body) {
  static_assert(NOut > 0, "update_elementwise: nothing to write");
  NoGradGuard no_grad;
  const Tensor& ref = outs[0];
  std::array<Tensor, NOut> work_out;
  std::array<Tensor, NIn> work_in;
  for (std::size_t i = 0; i < NOut; ++i) {
    TG_CHECK(outs[i].shape() == ref.shape() && outs[i].dtype() == ref.dtype(), op,
             ": state tensor of shape ", outs[i].shape(), " and dtype ", outs[i].dtype(),
             " does not match the parameter (", ref.shape(), ", ", ref.dtype(), ")");
    work_out[i] = outs[i].is_contiguous() ? outs[i] : outs[i].detach().contiguous();
  }
  for (std::size_t i = 0; i < NIn; ++i) {
    TG_CHECK(ins[i].shape() == ref.shape(), op, ": gradient of shape ", ins[i].shape(),
             " does not match the parameter's shape ", ref.shape());
    Tensor t = ins[i].dtype() == ref.dtype() ? ins[i].detach() : ins[i].detach().to(ref.dtype());
    work_in[i] = t.contiguous();
  }
  TG_DISPATCH_FLOATING(ref.dtype(), op, [&] {
    std::array<scalar_t*, NOut> po;
    std::array<const scalar_t*, NIn> pi;
    for (std::size_t i = 0; i < NOut; ++i) po[i] = static_cast<scalar_t*>(work_out[i].raw_data());
    for (std::size_t i = 0; i < NIn; ++i)
      pi[i] = static_cast<const scalar_t*>(work_in[i].raw_data());
    const int64_t n = ref.numel();
    if (n <= kUpdateGrain) {
      body(scalar_t(0), po, pi, int64_t{0}, n);
    } else {
      tbb::parallel_for(
          tbb::blocked_range<int64_t>(0, n, kUpdateGrain),
          [&](const tbb::blocked_range<int64_t>& r) {
            body(scalar_t(0), po, pi, r.begin(), r.end());
          },
          tbb::simple_partitioner());
    }
  });
  for (std::size_t i = 0; i < NOut; ++i) {
    if (work_out[i].is_same(outs[i])) {
      outs[i].bump_version();
    } else {
      Tensor dst = outs[i];
      dst.copy_(work_out[i]);
    }
  }
}

}  // namespace tg::optim::detail
