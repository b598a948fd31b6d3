// Reductions over dims (keepdim as PyTorch), with vjps.
#pragma once
#include <optional>
#include <tuple>
#include <type_traits>

#include "autograd/tensor.h"

namespace tg {

// In every reduction an empty `dims` list means all dims.
Tensor sum(const Tensor& t);
Tensor sum(const Tensor& t, IntArrayRef dims, bool keepdim = false);
Tensor mean(const Tensor& t);
Tensor mean(const Tensor& t, IntArrayRef dims, bool keepdim = false);

// Product of all elements, or along one dim. Integer inputs give int64.
Tensor prod(const Tensor& t);
Tensor prod(const Tensor& t, int64_t dim, bool keepdim = false);

// Largest / smallest element (0-d). NaN propagates. The gradient is shared evenly by ties.
Tensor max(const Tensor& t);
Tensor min(const Tensor& t);
// Along `dim`: (values, int64 indices of the first extreme). The gradient goes to the index.
std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim = false);
// Extremes over several dims; the gradient is shared evenly by ties.
Tensor amax(const Tensor& t, IntArrayRef dims = {}, bool keepdim = false);
Tensor amin(const Tensor& t, IntArrayRef dims = {}, bool keepdim = false);
// Index of the first extreme, in the flattened tensor when dim is not given (int64, no grad).
Tensor argmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);

// Variance and standard deviation over dims, with Bessel's correction when unbiased.
Tensor var(const Tensor& t, IntArrayRef dims = {}, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& t, IntArrayRef dims = {}, bool unbiased = true, bool keepdim = false);
// var(t, false) / std(t, true): over all dims. Only a real bool selects these, so var(t, 1)
// and var(t, {1}) mean dim 1 (libtorch's plain bool overload would take 1 as unbiased).
template <class B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
Tensor var(const Tensor& t, B unbiased) { return var(t, IntArrayRef(), unbiased, false); }
template <class B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
Tensor std(const Tensor& t, B unbiased) { return std(t, IntArrayRef(), unbiased, false); }

// log(sum(exp(t))) over dims, computed with the maximum subtracted.
Tensor logsumexp(const Tensor& t, IntArrayRef dims, bool keepdim = false);

// Vector p-norm: (sum |t|^p)^(1/p); p = inf / -inf give max / min |t|, p = 0 counts
// non-zeros. The gradient at a zero norm is 0, as in PyTorch.
Tensor norm(const Tensor& t, Scalar p = 2);
Tensor norm(const Tensor& t, Scalar p, IntArrayRef dims, bool keepdim = false);

}  // namespace tg
