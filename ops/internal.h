// Helpers shared by the op families (not part of the public API).
#pragma once
#include <functional>

#include "autograd/tensor.h"

namespace tg::detail {

// Copies src's values into dst (same shape, any layouts, converting dtype). No autograd.
void copy_values(const Tensor& dst, const Tensor& src);

// Runs an in-place op on `self`: recorded out of place on a clone when autograd needs
// it (`compute`), else written directly (`direct`). Bumps the version counter.
Tensor& inplace(Tensor& self, const char* op, const std::function<Tensor(const Tensor&)>& compute,
                const std::function<void()>& direct, const Tensor* other = nullptr);

// Normalises a list of dims (negative allowed, duplicates rejected) for tensor rank `ndim`.
std::vector<int> wrap_dims(IntArrayRef dims, int64_t ndim, const char* op,
                           const Shape* shape = nullptr);

}  // namespace tg::detail
