// cat/stack, split/chunk (views), repeat and flip, each with a vjp written with ops.
#include "ops/join.h"

#include <algorithm>
#include <cstring>

#include "autograd/node.h"
#include "autograd/profiler.h"
#include "ops/internal.h"
#include "ops/ops.h"
#include "ops/rows.h"

namespace tg {
namespace kernels {
namespace {

// out (contiguous, shape in_shape * repeats) tiles `in` (read through `in_strides`); all
// three shapes have repeats.size() dims, the input's leading ones padded with size 1.
template <class T>
void repeat(T* out, const T* in, const Shape& in_shape, const Shape& in_strides,
            const Shape& out_shape) {
  const int n = out_shape.size();
  const int64_t inner = out_shape[n - 1], rows = out_shape.numel() / std::max<int64_t>(inner, 1);
  const int64_t in_inner = in_shape[n - 1], in_stride = in_strides[n - 1];
  detail::parallel_rows(rows, inner, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      int64_t rem = row, base = 0;
      for (int d = n - 2; d >= 0; --d) {
        base += (rem % out_shape[d]) % in_shape[d] * in_strides[d];
        rem /= out_shape[d];
      }
      T* o = out + row * inner;
      for (int64_t j = 0; j < in_inner; ++j) o[j] = in[base + j * in_stride];
      for (int64_t j = in_inner; j < inner; ++j) o[j] = o[j - in_inner];
    }
  });
}

// Copies `rows` contiguous blocks of `block` bytes from `in` into `out`, where block r
// starts at r * out_row + offset (cat of a contiguous input: one block per index before
// the cat dim).
void copy_blocks(char* out, const char* in, int64_t rows, int64_t out_row, int64_t offset,
                 int64_t block) {
  detail::parallel_rows(rows, block / 4, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      std::memcpy(out + r * out_row + offset, in + r * block, static_cast<std::size_t>(block));
  });
}

}  // namespace
}  // namespace kernels

namespace {

// PyTorch's legacy rule: 1-d empty tensors take no part in cat's shape checks.
bool skipped_in_cat(const Tensor& t) { return t.dim() == 1 && t.numel() == 0; }

// Views of consecutive pieces of `sizes` along dim `d`, recorded as one node whose vjp
// concatenates the pieces' gradients (zeros for pieces that got none).
TensorList split_pieces(const Tensor& t, const std::vector<int64_t>& sizes, int d) {
  TensorList pieces;
  pieces.reserve(sizes.size());
  int64_t start = 0;
  for (int64_t len : sizes) {
    Shape shape = t.shape();
    shape[d] = len;
    pieces.push_back(as_strided_view(t, shape, t.strides(),
                                     t.storage_offset() + start * t.stride(d)));
    start += len;
  }
  autograd::record_multi("SplitBackward", pieces, {t}, {},
      [d](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        if (!c.needs(0)) return {Tensor()};
        TensorList parts;
        for (std::size_t i = 0; i < g.size(); ++i)
          parts.push_back(g[i].defined() ? g[i]
                                         : zeros(c.output_shape(static_cast<int>(i)),
                                                 c.input_dtype(0)));
        return {cat(parts, d)};
      });
  return pieces;
}

// The vjp of repeat: sums g over the repeated blocks, one dim at a time (each step a
// reshape to [before, repeats, size * after] and a sum over the middle dim).
Tensor repeat_backward(Tensor g, const Shape& in_padded, IntArrayRef repeats,
                       const Shape& in_shape) {
  for (int64_t r : repeats)
    if (r == 0) return zeros(in_shape, g.dtype());
  Shape cur = g.shape();
  for (int k = 0; k < cur.size(); ++k) {
    if (repeats[k] == 1) continue;
    int64_t before = 1, after = 1;
    for (int i = 0; i < k; ++i) before *= cur[i];
    for (int i = k + 1; i < cur.size(); ++i) after *= cur[i];
    g = g.reshape({before, repeats[k], in_padded[k] * after}).sum({1});
    cur[k] = in_padded[k];
    g = g.reshape(cur);
  }
  return g.reshape(in_shape);
}

}  // namespace

Tensor cat(const TensorList& tensors, int64_t dim) {
  autograd::profiler::OpScope profile_scope("cat", {});
  TG_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  int ref = -1;
  DType dtype = DType::Bool;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    TG_CHECK(t.defined(), "cat: tensor #", i, " is undefined");
    TG_CHECK(t.dim() > 0, "cat: zero-dimensional tensor (at position ", i,
             ") cannot be concatenated");
    dtype = i == 0 ? t.dtype() : promote_types(dtype, t.dtype());
    if (ref < 0 && !skipped_in_cat(t)) ref = static_cast<int>(i);
  }
  const bool all_skipped = ref < 0;
  if (all_skipped) ref = 0;  // every tensor is [0]: the result is [0]
  const Shape& ref_shape = tensors[ref].shape();
  const int d = wrap_dim(dim, ref_shape.size(), "cat", &ref_shape);
  Shape out_shape = ref_shape;
  out_shape[d] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (!all_skipped && skipped_in_cat(t)) continue;
    TG_CHECK(t.dim() == ref_shape.size(), "cat: tensors must have the same number of "
             "dimensions: tensor #", ref, " has shape ", ref_shape, " but tensor #", i,
             " has shape ", t.shape());
    for (int k = 0; k < t.dim(); ++k)
      TG_CHECK(k == d || t.shape()[k] == ref_shape[k], "cat: sizes of tensors must match "
               "except in dimension ", d, ": expected size ", ref_shape[k], " but got size ",
               t.shape()[k], " at dimension ", k, " for tensor #", i, " of shape ", t.shape());
    out_shape[d] += t.shape()[d];
  }

  Tensor out = empty(out_shape, dtype);
  int64_t rows = 1;  // the number of index combinations before dim d
  for (int k = 0; k < d; ++k) rows *= out_shape[k];
  std::vector<int64_t> starts(tensors.size(), 0), lengths(tensors.size(), -1);  // -1: skipped
  int64_t start = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (!all_skipped && skipped_in_cat(t)) continue;
    starts[i] = start;
    lengths[i] = t.shape()[d];
    if (t.numel() > 0 && t.dtype() == dtype && t.is_contiguous()) {
      const int64_t item = static_cast<int64_t>(itemsize(dtype));
      const int64_t after = t.numel() / (rows * lengths[i]) * item;  // bytes per index of d
      kernels::copy_blocks(static_cast<char*>(out.raw_data()),
                           static_cast<const char*>(t.raw_data()), rows,
                           out_shape[d] * after, start * after, lengths[i] * after);
    } else if (t.numel() > 0) {
      detail::copy_values(out.narrow(d, start, lengths[i]), t);
    }
    start += lengths[i];
  }
  return autograd::record("CatBackward", out, tensors, {},
      [d, starts, lengths](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        TensorList grads(starts.size());
        for (int i = 0; i < static_cast<int>(starts.size()); ++i) {
          if (!c.needs(i)) continue;
          grads[i] = lengths[i] < 0 ? zeros(c.input_shape(i), c.input_dtype(i))
                                    : g[0].narrow(d, starts[i], lengths[i]);
        }
        return grads;
      });
}

Tensor stack(const TensorList& tensors, int64_t dim) {
  TG_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    TG_CHECK(tensors[i].defined(), "stack: tensor #", i, " is undefined");
    TG_CHECK(tensors[i].shape() == tensors[0].shape(), "stack: expects each tensor to be equal "
             "size, but got ", tensors[0].shape(), " at entry 0 and ", tensors[i].shape(),
             " at entry ", i);
  }
  const int d = wrap_dim(dim, tensors[0].dim() + 1, "stack", &tensors[0].shape());
  TensorList expanded;
  expanded.reserve(tensors.size());
  for (const Tensor& t : tensors) expanded.push_back(t.unsqueeze(d));
  return cat(expanded, d);
}

TensorList split(const Tensor& t, int64_t split_size, int64_t dim) {
  TG_CHECK(t.defined() && t.dim() > 0, "split: expects at least a 1-dimensional tensor");
  const int d = wrap_dim(dim, t.dim(), "split", &t.shape());
  const int64_t n = t.shape()[d];
  TG_CHECK(split_size >= 0, "split: expects split_size to be non-negative, got ", split_size);
  TG_CHECK(split_size > 0 || n == 0, "split: split_size can only be 0 if the dimension size "
           "is 0, but dimension ", d, " has size ", n);
  const int64_t pieces =
      split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
  std::vector<int64_t> sizes(pieces, split_size);
  sizes.back() = n - split_size * (pieces - 1);
  return split_pieces(t, sizes, d);
}

TensorList split_with_sizes(const Tensor& t, IntArrayRef split_sizes, int64_t dim) {
  TG_CHECK(t.defined() && t.dim() > 0, "split_with_sizes: expects at least a 1-dimensional "
           "tensor");
  const int d = wrap_dim(dim, t.dim(), "split_with_sizes", &t.shape());
  int64_t total = 0;
  bool fits = true;
  for (int64_t s : split_sizes) {
    TG_CHECK(s >= 0, "split_with_sizes: expects non-negative split_sizes, got ", split_sizes);
    // total <= size holds before the add, so the sum is checked without overflowing
    fits = fits && s <= t.shape()[d] - total;
    if (fits) total += s;
  }
  TG_CHECK(fits && total == t.shape()[d], "split_with_sizes: expects split_sizes to sum exactly "
           "to ", t.shape()[d], " (the input's size at dimension ", d, "; input of shape ",
           t.shape(), "), but got split_sizes=", split_sizes);
  return split_pieces(t, split_sizes.vec(), d);
}

TensorList split(const Tensor& t, IntArrayRef split_sizes, int64_t dim) {
  return split_with_sizes(t, split_sizes, dim);
}

TensorList chunk(const Tensor& t, int64_t chunks, int64_t dim) {
  TG_CHECK(t.defined() && t.dim() > 0, "chunk: expects at least a 1-dimensional tensor");
  TG_CHECK(chunks > 0, "chunk: expects `chunks` to be greater than 0, got ", chunks);
  const int d = wrap_dim(dim, t.dim(), "chunk", &t.shape());
  const int64_t n = t.shape()[d];
  const int64_t split_size = n / chunks + (n % chunks != 0);  // ceil(n / chunks), no overflow
  if (split_size == 0 && n == 0) {  // as PyTorch: `chunks` empty pieces
    constexpr int64_t max_empty_pieces = int64_t{1} << 20;
    TG_CHECK(chunks <= max_empty_pieces, "chunk: refusing to make ", chunks, " empty pieces (at "
             "most ", max_empty_pieces, ") of dim ", d, " of a tensor of shape ", t.shape());
    return split_pieces(t, std::vector<int64_t>(chunks, 0), d);
  }
  return split(t, split_size, d);
}

Tensor repeat(const Tensor& t, IntArrayRef repeats) {
  TG_CHECK(t.defined(), "repeat: the tensor is undefined");
  TG_CHECK(static_cast<int64_t>(repeats.size()) >= t.dim(), "repeat: the number of repeats ",
           repeats, " can not be smaller than the number of dimensions of the tensor (shape ",
           t.shape(), ")");
  for (int64_t r : repeats)
    TG_CHECK(r >= 0, "repeat: repeats must be non-negative, got ", repeats);
  const int n = static_cast<int>(repeats.size()), lead = n - static_cast<int>(t.dim());
  Shape in_padded = Shape::filled(n, 1), strides = Shape::filled(n, 0), out_shape;
  for (int k = 0; k < n; ++k) {
    if (k >= lead) {
      in_padded[k] = t.shape()[k - lead];
      strides[k] = t.strides()[k - lead];
    }
    int64_t size = 0;
    TG_CHECK(!__builtin_mul_overflow(in_padded[k], repeats[k], &size), "repeat: repeats ",
             repeats, " of a tensor of shape ", t.shape(), " give a size at dimension ", k,
             " that does not fit a 64-bit integer");
    out_shape.push_back(size);
  }
  Tensor out = empty(out_shape, t.dtype());
  if (n == 0) {
    detail::copy_values(out, t);
  } else if (out.numel() > 0) {
    TG_DISPATCH_ALL(t.dtype(), "repeat", [&] {
      kernels::repeat(out.data_ptr<scalar_t>(), static_cast<const scalar_t*>(t.raw_data()),
                      in_padded, strides, out_shape);
    });
  }
  std::vector<int64_t> reps = repeats.vec();
  return autograd::record("RepeatBackward", out, {t}, {},
      [in_padded, reps](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        return {repeat_backward(g[0], in_padded, reps, c.input_shape(0))};
      });
}

Tensor flip(const Tensor& t, IntArrayRef dims) {
  TG_CHECK(t.defined(), "flip: the tensor is undefined");
  std::vector<int> ds = detail::wrap_dims(dims, t.dim(), "flip", &t.shape());
  Tensor out = empty(t.shape(), t.dtype());
  if (t.numel() > 0) {
    // Read t backwards along the flipped dims: start at their last element, negate strides.
    Shape strides = t.strides();
    int64_t offset = t.storage_offset();
    for (int d : ds) {
      if (d >= t.dim()) continue;  // a 0-d tensor accepts dim 0; nothing to reverse
      offset += (t.shape()[d] - 1) * strides[d];
      strides[d] = -strides[d];
    }
    detail::copy_values(out, as_strided_view(t, t.shape(), strides, offset));
  }
  std::vector<int64_t> flipped = dims.vec();
  return autograd::record("FlipBackward", out, {t}, {},
      [flipped](const autograd::Ctx&, const TensorList& g) -> TensorList {
        return {flip(g[0], flipped)};
      });
}

}  // namespace tg
