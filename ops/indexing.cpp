// Tensor indexing with libtorch's TensorIndex lists (see ops/indexing.h).
#include "ops/indexing.h"

#include <algorithm>
#include <cstring>
#include <ostream>
#include <sstream>
#include <type_traits>
#include <vector>

#include "autograd/grad_mode.h"
#include "ops/internal.h"
#include "ops/naming.h"
#include "ops/iter.h"
#include "ops/ops.h"

namespace tg {
namespace indexing {

TensorIndex::TensorIndex(const char* str) : kind_(Kind::Ellipsis) {
  TG_CHECK(str != nullptr && std::strcmp(str, "...") == 0,
           "index: the only string accepted as an index is \"...\" (Ellipsis), got \"",
           (str ? str : "(null)"), "\"");
}

TensorIndex::TensorIndex(Tensor tensor) : kind_(Kind::Tensor), tensor_(std::move(tensor)) {
  TG_CHECK(tensor_.defined(), "index: an index tensor is undefined");
  TG_CHECK(tensor_.dtype() == kInt64 || tensor_.dtype() == kBool,
           "index: tensors used as indices must be int64 or bool, got ", tensor_.dtype());
}

std::ostream& operator<<(std::ostream& os, const Slice& s) {
  if (s.start()) os << *s.start();
  os << ':';
  if (s.stop()) os << *s.stop();
  if (s.step()) os << ':' << *s.step();
  return os;
}

std::ostream& operator<<(std::ostream& os, const TensorIndex& index) {
  switch (index.kind()) {
    case TensorIndex::Kind::None: return os << "None";
    case TensorIndex::Kind::Ellipsis: return os << "...";
    case TensorIndex::Kind::Integer: return os << index.integer();
    case TensorIndex::Kind::Boolean: return os << (index.boolean() ? "True" : "False");
    case TensorIndex::Kind::Slice: return os << index.slice();
    case TensorIndex::Kind::Tensor:
      return os << "Tensor(" << index.tensor().dtype() << ", " << index.tensor().shape() << ")";
  }
  return os;
}

}  // namespace indexing

namespace {

using indexing::TensorIndex;

std::string describe(const std::vector<TensorIndex>& indices) {
  std::ostringstream os;
  os << '{';
  for (std::size_t i = 0; i < indices.size(); ++i) os << (i ? ", " : "") << indices[i];
  return os.str() + '}';
}

// Flat int64 positions of the elements selected by int64 index tensors at consecutive
// dims of `x` (after moving those dims to the front): sum_j idx_j * prod(sizes after j).
Tensor linear_index(const TensorList& idx, const std::vector<int64_t>& sizes,
                    const std::vector<int>& dims, const Shape& self_shape, const std::string& what) {
  NoGradGuard no_grad;
  Tensor lin;
  for (std::size_t j = 0; j < idx.size(); ++j) {
    const int64_t n = sizes[j];
    Tensor i = idx[j];
    if (i.numel() > 0) {
      const int64_t lo = i.min().item<int64_t>(), hi = i.max().item<int64_t>();
      TG_CHECK(lo >= -n && hi < n, "index: index ", (lo < -n ? lo : hi),
               " is out of bounds for dimension ", dims[j], " with size ", n, " (indices ", what,
               " into a tensor of shape ", self_shape, ")");
    }
    i = where(lt(i, 0), i + n, i);
    lin = lin.defined() ? lin * n + i : i;
  }
  return lin;
}

// Writes (or adds) `values`, broadcast to the positions' shape, at the flat positions of
// `self`, through its strides: the no-autograd path of index_put_ (any dtype).
void write_positions(const Tensor& self, const Tensor& positions, const Tensor& values,
                     bool accumulate) {
  TG_CHECK(values.dim() <= positions.dim() || values.numel() == 1,
           "index_put_: values of shape ", values.shape(),
           " cannot be broadcast to the indexed shape ", positions.shape());
  Tensor v = values.to(self.dtype());
  if (v.dim() > positions.dim()) v = v.reshape({});
  v = v.expand(positions.shape()).contiguous();
  Tensor pos = positions.contiguous();
  const int64_t* pp = pos.data_ptr<int64_t>();
  const Shape sh = self.shape(), st = self.strides();
  TG_DISPATCH_ALL(self.dtype(), "index_put_", [&] {
    scalar_t* base = static_cast<scalar_t*>(self.raw_data());
    const scalar_t* pv = v.data_ptr<scalar_t>();
    for (int64_t k = 0; k < pos.numel(); ++k) {
      int64_t p = pp[k], off = 0;
      for (int d = sh.size() - 1; d >= 0; --d) {
        off += (p % sh[d]) * st[d];
        p /= sh[d];
      }
      if constexpr (std::is_same_v<scalar_t, bool>) {
        base[off] = accumulate ? (base[off] || pv[k]) : pv[k];
      } else {
        base[off] = accumulate ? static_cast<scalar_t>(base[off] + pv[k]) : pv[k];
      }
    }
  });
}

}  // namespace

Tensor index(const Tensor& self, const std::vector<TensorIndex>& indices) {
  TG_CHECK(self.defined(), "index: the tensor is undefined");
  const std::string what = describe(indices);
  // Dims of self the indices consume (None, Ellipsis and bools consume none).
  int64_t consumed = 0;
  int ellipses = 0;
  for (const TensorIndex& i : indices) {
    if (i.is_integer() || i.is_slice()) ++consumed;
    else if (i.is_tensor()) consumed += i.tensor().dtype() == kBool ? i.tensor().dim() : 1;
    else if (i.is_ellipsis()) ++ellipses;
  }
  TG_CHECK(ellipses <= 1, "index: an index can only have a single ellipsis (\"...\"), got ", what);
  TG_CHECK(consumed <= self.dim(), "index: too many indices for a tensor of dimension ",
           self.dim(), " (shape ", self.shape(), "): ", what);

  Tensor result = self;
  int64_t dim = 0;  // the current dim of `result`
  std::vector<int> adv_dims;  // dims of `result` indexed by int64 tensors
  TensorList adv;
  for (const TensorIndex& i : indices) {
    switch (i.kind()) {
      case TensorIndex::Kind::None:
        result = result.unsqueeze(dim++);
        break;
      case TensorIndex::Kind::Ellipsis:
        dim += self.dim() - consumed;
        break;
      case TensorIndex::Kind::Integer: {
        const int64_t n = result.size(dim);
        TG_CHECK(i.integer() >= -n && i.integer() < n, "index: index ", i.integer(),
                 " is out of bounds for dimension ", dim, " with size ", n, " (indices ", what,
                 " into a tensor of shape ", self.shape(), ")");
        result = result.select(dim, i.integer());
        break;
      }
      case TensorIndex::Kind::Boolean:
        result = result.unsqueeze(dim);
        if (!i.boolean()) result = result.slice(dim, 0, 0);
        ++dim;
        break;
      case TensorIndex::Kind::Slice: {
        const indexing::Slice& s = i.slice();
        const int64_t step = s.step().value_or(1);
        TG_CHECK(step > 0, "index: slice step must be positive, got ", step, " in ", what);
        const int64_t n = result.size(dim);
        result = result.slice(dim, s.start().value_or(0), s.stop().value_or(n), step);
        ++dim;
        break;
      }
      case TensorIndex::Kind::Tensor: {
        const Tensor& t = i.tensor();
        if (t.dtype() == kBool) {
          for (int64_t k = 0; k < t.dim(); ++k) {
            TG_CHECK(t.size(k) == result.size(dim + k), "index: the shape of the mask ",
                     t.shape(), " does not match the shape of the indexed tensor ", self.shape(),
                     " at dim ", dim + k, " (indices ", what, ")");
          }
          Tensor nz = t.dim() == 0 ? Tensor() : t.nonzero();
          if (t.dim() == 0) {  // a 0-d mask acts like True / False
            result = result.unsqueeze(dim);
            if (!t.item<bool>()) result = result.slice(dim, 0, 0);
            ++dim;
            break;
          }
          for (int64_t k = 0; k < t.dim(); ++k) {
            adv_dims.push_back(static_cast<int>(dim + k));
            adv.push_back(nz.select(1, k));
          }
          dim += t.dim();
        } else {
          adv_dims.push_back(static_cast<int>(dim));
          adv.push_back(t);
          ++dim;
        }
        break;
      }
    }
  }
  if (adv.empty()) return result;

  // Advanced indexing: broadcast the index tensors, move their dims to the front, gather
  // the rows of the flattened front dims, and put the broadcast shape where PyTorch puts it
  // (in place of the indexed dims when they are adjacent, else in front).
  Shape bshape;
  for (const Tensor& t : adv) bshape = detail::broadcast_shapes(bshape, t.shape(), "index");
  for (Tensor& t : adv) t = t.expand(bshape);
  bool adjacent = true;
  for (std::size_t j = 1; j < adv_dims.size(); ++j)
    adjacent = adjacent && adv_dims[j] == adv_dims[j - 1] + 1;
  std::vector<int64_t> perm, sizes, rest;
  for (int d : adv_dims) {
    perm.push_back(d);
    sizes.push_back(result.size(d));
  }
  for (int64_t d = 0; d < result.dim(); ++d) {
    if (std::find(adv_dims.begin(), adv_dims.end(), d) == adv_dims.end()) {
      perm.push_back(d);
      rest.push_back(result.size(d));
    }
  }
  int64_t front = 1;
  for (int64_t s : sizes) front *= s;
  std::vector<int64_t> flat_shape{front};
  flat_shape.insert(flat_shape.end(), rest.begin(), rest.end());
  Tensor x = result.permute(perm).reshape(flat_shape);
  Tensor lin = linear_index(adv, sizes, adv_dims, self.shape(), what);
  Tensor out = x.index_select(0, lin.reshape({-1}));
  std::vector<int64_t> out_shape = bshape.vec();
  out_shape.insert(out_shape.end(), rest.begin(), rest.end());
  out = out.view(out_shape);
  if (adjacent && adv_dims[0] > 0) {
    // [B..., before..., after...] -> [before..., B..., after...]
    const int64_t nb = bshape.size(), before = adv_dims[0];
    std::vector<int64_t> p;
    for (int64_t d = 0; d < before; ++d) p.push_back(nb + d);
    for (int64_t d = 0; d < nb; ++d) p.push_back(d);
    for (int64_t d = nb + before; d < out.dim(); ++d) p.push_back(d);
    out = out.permute(p);
  }
  return out;
}

Tensor index_positions(const Tensor& self, const std::vector<TensorIndex>& indices) {
  NoGradGuard no_grad;
  return index(arange(self.numel()).view(self.shape()), indices);
}

Tensor put_positions(const Tensor& self, const Tensor& positions, const Tensor& values,
                     bool accumulate) {
  TG_CHECK(positions.dtype() == kInt64, "index_put_: positions must be int64");
  TG_CHECK(values.dim() <= positions.dim() || values.numel() == 1,
           "index_put_: values of shape ", values.shape(),
           " cannot be broadcast to the indexed shape ", positions.shape());
  Tensor v = values.to(self.dtype());
  if (v.dim() > positions.dim()) v = v.reshape({});
  v = v.expand(positions.shape()).reshape({-1});
  Tensor pos = positions.reshape({-1});
  Tensor flat = self.reshape({-1});
  if (accumulate) return flat.index_add(0, pos, v).view(self.shape());
  // Last write wins: keep only the last occurrence of each position.
  Tensor keep, mask;
  {
    NoGradGuard no_grad;
    std::vector<int64_t> p = pos.to_vector<int64_t>();
    std::vector<int64_t> last(static_cast<std::size_t>(self.numel()), -1);
    for (std::size_t k = 0; k < p.size(); ++k) last[static_cast<std::size_t>(p[k])] = k;
    std::vector<bool> kv(p.size());
    std::vector<bool> mv(static_cast<std::size_t>(self.numel()), false);
    for (std::size_t k = 0; k < p.size(); ++k) {
      kv[k] = last[static_cast<std::size_t>(p[k])] == static_cast<int64_t>(k);
      mv[static_cast<std::size_t>(p[k])] = true;
    }
    keep = tensor(std::vector<double>(kv.begin(), kv.end())).to(self.dtype());
    if (p.empty()) keep = zeros({0}, self.dtype());
    mask = tensor(std::vector<double>(mv.begin(), mv.end())).to(kBool);
    if (mv.empty()) mask = zeros({0}, kBool);
  }
  Tensor written = zeros_like(flat).index_add(0, pos, v * keep);
  return where(mask, written, flat).view(self.shape());
}

// ---------------------------------------------------------------- Tensor methods

Tensor Tensor::index(std::initializer_list<indexing::TensorIndex> indices) const {
  return tg::index(*this, std::vector<indexing::TensorIndex>(indices));
}
Tensor Tensor::index(const std::vector<indexing::TensorIndex>& indices) const {
  return tg::index(*this, indices);
}
Tensor Tensor::operator[](const Tensor& index) const { return tg::index(*this, {index}); }

Tensor& Tensor::index_put_(const std::vector<indexing::TensorIndex>& indices,
                           const Tensor& value) {
  TG_CHECK(defined(), "index_put_: the tensor is undefined");
  TG_CHECK(value.defined(), "index_put_: the value is undefined");
  bool basic = true;
  for (const auto& i : indices) basic = basic && !i.is_tensor();
  Tensor positions;
  auto get_positions = [&] {
    if (!positions.defined()) positions = index_positions(*this, indices);
    return positions;
  };
  // Errors from indexing and broadcasting below name index_put_ and self's shape.
  return detail::naming_op("index_put_", *this, [&]() -> Tensor& {
    return detail::inplace(
        *this, "index_put_",
        [&](const Tensor& s) { return put_positions(s, get_positions(), value, false); },
        [&] {
          NoGradGuard no_grad;
          if (basic) {
            Tensor view = tg::index(*this, indices);
            TG_CHECK(value.dim() <= view.dim() || value.numel() == 1, "index_put_: values of "
                     "shape ", value.shape(), " cannot be broadcast to the indexed shape ",
                     view.shape());
            Tensor v = value.dim() > view.dim() ? value.reshape({}) : value;
            detail::copy_values(view, v.expand(view.shape()));
            return;
          }
          write_positions(*this, get_positions(), value, false);
        },
        &value);
  });
}
Tensor& Tensor::index_put_(const std::vector<indexing::TensorIndex>& indices, Scalar value) {
  return index_put_(indices, full({}, value, dtype()));
}
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices,
                           const Tensor& value) {
  return index_put_(std::vector<indexing::TensorIndex>(indices), value);
}
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices, Scalar value) {
  return index_put_(std::vector<indexing::TensorIndex>(indices), full({}, value, dtype()));
}

Tensor Tensor::index_put(const TensorList& indices, const Tensor& values, bool accumulate) const {
  std::vector<indexing::TensorIndex> idx(indices.begin(), indices.end());
  return put_positions(*this, index_positions(*this, idx), values, accumulate);
}

Tensor& Tensor::index_put_(const TensorList& indices, const Tensor& values, bool accumulate) {
  std::vector<indexing::TensorIndex> idx(indices.begin(), indices.end());
  Tensor positions = index_positions(*this, idx);
  return detail::inplace(
      *this, "index_put_",
      [&](const Tensor& s) { return put_positions(s, positions, values, accumulate); },
      [&] {
        NoGradGuard no_grad;
        write_positions(*this, positions, values, accumulate);
      },
      &values);
}

}  // namespace tg
