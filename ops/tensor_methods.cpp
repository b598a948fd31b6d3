// Tensor methods that are the free functions of ops/ under libtorch's method names
// (x.mm(y), x.eq(0), x.max(1), x.norm(2, 1), ...): each one calls its free function, which
// holds the op's checks and vjp.
#include <algorithm>
#include <tuple>

#include "autograd/grad_mode.h"
#include "autograd/random.h"
#include "ops/internal.h"
#include "ops/ops.h"

namespace tg {

// ---- devices and conversions
Tensor Tensor::to(Device device) const {
  TG_CHECK(defined(), "to: the tensor is undefined");
  check_device(device, "to");
  return *this;
}
Tensor Tensor::to(Device device, DType dtype) const { return to(device).to(dtype); }
Tensor Tensor::to(const TensorOptions& options) const {
  return to(options.device(), options.dtype());
}

// ---- shapes
Tensor Tensor::unflatten(int64_t dim, IntArrayRef sizes) const {
  return tg::unflatten(*this, dim, sizes);
}
Tensor Tensor::movedim(int64_t source, int64_t destination) const {
  const int64_t n = dim();
  const int s = wrap_dim(source, n, "movedim", &shape()), d = wrap_dim(destination, n, "movedim", &shape());
  std::vector<int64_t> order;
  for (int64_t i = 0; i < n; ++i)
    if (i != s) order.push_back(i);
  order.insert(order.begin() + d, s);
  return permute(order);
}

Tensor Tensor::diagonal(int64_t offset, int64_t dim1, int64_t dim2) const {
  const int64_t n = dim();
  TG_CHECK(n >= 2, "diagonal: expected a tensor of at least 2 dims, got shape ", shape());
  const int a = wrap_dim(dim1, n, "diagonal", &shape()), b = wrap_dim(dim2, n, "diagonal", &shape());
  TG_CHECK(a != b, "diagonal: dim1 and dim2 must differ, both are ", a);
  std::vector<int64_t> order;
  for (int64_t i = 0; i < n; ++i)
    if (i != a && i != b) order.push_back(i);
  order.push_back(a);
  order.push_back(b);
  Tensor planes = permute(order);  // [..., rows, cols]
  const int64_t rows = size(a), cols = size(b);
  // Element (i, i + offset) of a row-major plane sits at i * (cols + 1) + offset.
  const int64_t start = offset >= 0 ? offset : -offset * cols;
  const int64_t len = offset >= 0 ? std::max<int64_t>(0, std::min(rows, cols - offset))
                                  : std::max<int64_t>(0, std::min(rows + offset, cols));
  std::vector<int64_t> flat_shape(order.size() - 1);
  for (std::size_t i = 0; i + 2 < order.size(); ++i) flat_shape[i] = size(order[i]);
  flat_shape.back() = rows * cols;
  Tensor flat = planes.reshape(flat_shape);
  if (len == 0) return flat.slice(-1, 0, 0);
  return flat.slice(-1, start, start + (len - 1) * (cols + 1) + 1, cols + 1);
}

namespace {
// In-place shape changes rebind this handle to the view (libtorch's squeeze_ and friends).
Tensor& rebind(Tensor& self, const Tensor& view) {
  self = view;
  return self;
}
}  // namespace
Tensor& Tensor::squeeze_() { return rebind(*this, squeeze()); }
Tensor& Tensor::squeeze_(int64_t dim) { return rebind(*this, squeeze(dim)); }
Tensor& Tensor::unsqueeze_(int64_t dim) { return rebind(*this, unsqueeze(dim)); }
Tensor& Tensor::t_() { return rebind(*this, t()); }
Tensor& Tensor::transpose_(int64_t dim0, int64_t dim1) {
  return rebind(*this, transpose(dim0, dim1));
}

// ---- indexing family
Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  return tg::index_select(*this, dim, index);
}
Tensor Tensor::index_add(int64_t dim, const Tensor& index, const Tensor& source,
                         Scalar alpha) const {
  return tg::index_add(*this, dim, index, source, alpha);
}
Tensor Tensor::gather(int64_t dim, const Tensor& index) const {
  return tg::gather(*this, dim, index);
}
Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  return tg::scatter_add(*this, dim, index, src);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src) const {
  return tg::scatter(*this, dim, index, src);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, Scalar value) const {
  return tg::scatter(*this, dim, index, value);
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src) {
  return detail::inplace(
      *this, "scatter_", [&](const Tensor& s) { return tg::scatter(s, dim, index, src); },
      [&] {
        NoGradGuard no_grad;
        detail::copy_values(*this, tg::scatter(*this, dim, index, src));
      },
      &src);
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, Scalar value) {
  return detail::inplace(
      *this, "scatter_", [&](const Tensor& s) { return tg::scatter(s, dim, index, value); },
      [&] {
        NoGradGuard no_grad;
        detail::copy_values(*this, tg::scatter(*this, dim, index, value));
      });
}
Tensor& Tensor::scatter_add_(int64_t dim, const Tensor& index, const Tensor& src) {
  return detail::inplace(
      *this, "scatter_add_", [&](const Tensor& s) { return tg::scatter_add(s, dim, index, src); },
      [&] {
        NoGradGuard no_grad;
        detail::copy_values(*this, tg::scatter_add(*this, dim, index, src));
      },
      &src);
}
Tensor Tensor::masked_fill(const Tensor& mask, Scalar value) const {
  return tg::masked_fill(*this, mask, value);
}
Tensor Tensor::masked_select(const Tensor& mask) const { return tg::masked_select(*this, mask); }
Tensor Tensor::nonzero() const { return tg::nonzero(*this); }
Tensor Tensor::where(const Tensor& condition, const Tensor& other) const {
  return tg::where(condition, *this, other);
}
Tensor Tensor::repeat(IntArrayRef repeats) const { return tg::repeat(*this, repeats); }
Tensor Tensor::flip(IntArrayRef dims) const { return tg::flip(*this, dims); }
TensorList Tensor::split(int64_t split_size, int64_t dim) const {
  return tg::split(*this, split_size, dim);
}
TensorList Tensor::chunk(int64_t chunks, int64_t dim) const {
  return tg::chunk(*this, chunks, dim);
}
TensorList Tensor::unbind(int64_t dim) const {
  const int d = wrap_dim(dim, this->dim(), "unbind", &shape());
  TensorList out;
  for (int64_t i = 0; i < size(d); ++i) out.push_back(select(d, i));
  return out;
}

// ---- elementwise
Tensor Tensor::clamp_max(Scalar max) const { return tg::clamp_max(*this, max); }
Tensor Tensor::add(Scalar other, Scalar alpha) const {
  return tg::add(*this, Scalar(other.to_double() * alpha.to_double()));
}
Tensor Tensor::sub(Scalar other, Scalar alpha) const {
  return tg::sub(*this, Scalar(other.to_double() * alpha.to_double()));
}
Tensor Tensor::mul(Scalar other) const { return tg::mul(*this, other); }
Tensor Tensor::div(Scalar other) const { return tg::div(*this, other); }
Tensor Tensor::log1p() const { return tg::log1p(*this); }
Tensor Tensor::square() const { return tg::square(*this); }
Tensor Tensor::reciprocal() const { return tg::reciprocal(*this); }
Tensor Tensor::sign() const { return tg::sign(*this); }
Tensor Tensor::floor() const { return tg::floor(*this); }
Tensor Tensor::ceil() const { return tg::ceil(*this); }
Tensor Tensor::round() const { return tg::round(*this); }
Tensor Tensor::isnan() const { return tg::isnan(*this); }
Tensor Tensor::isfinite() const { return tg::isfinite(*this); }
Tensor Tensor::leaky_relu(Scalar negative_slope) const {
  return tg::leaky_relu(*this, negative_slope);
}
Tensor Tensor::softplus() const { return tg::softplus(*this); }
Tensor Tensor::maximum(const Tensor& other) const { return tg::maximum(*this, other); }
Tensor Tensor::minimum(const Tensor& other) const { return tg::minimum(*this, other); }
Tensor Tensor::mm(const Tensor& mat2) const { return tg::mm(*this, mat2); }
Tensor Tensor::bmm(const Tensor& mat2) const { return tg::bmm(*this, mat2); }
Tensor Tensor::mv(const Tensor& vec) const {
  TG_CHECK(dim() == 2 && vec.dim() == 1, "mv: expected a matrix and a vector, got shapes ",
           shape(), " and ", vec.shape());
  TG_CHECK(size(1) == vec.size(0), "mv: shapes ", shape(), " and ", vec.shape(),
           " cannot be multiplied (", size(1), " != ", vec.size(0), ")");
  return tg::matmul(*this, vec);
}
Tensor Tensor::dot(const Tensor& other) const {
  TG_CHECK(dim() == 1 && other.dim() == 1, "dot: expected two 1-d tensors, got shapes ", shape(),
           " and ", other.shape());
  TG_CHECK(size(0) == other.size(0), "dot: expected both vectors to have the same number of "
           "elements, got shapes ", shape(), " and ", other.shape());
  return tg::matmul(*this, other);
}
Tensor Tensor::outer(const Tensor& vec2) const { return tg::outer(*this, vec2); }
Tensor Tensor::eq(const Tensor& other) const { return tg::eq(*this, other); }
Tensor Tensor::ne(const Tensor& other) const { return tg::ne(*this, other); }
Tensor Tensor::lt(const Tensor& other) const { return tg::lt(*this, other); }
Tensor Tensor::le(const Tensor& other) const { return tg::le(*this, other); }
Tensor Tensor::gt(const Tensor& other) const { return tg::gt(*this, other); }
Tensor Tensor::ge(const Tensor& other) const { return tg::ge(*this, other); }
Tensor Tensor::eq(Scalar other) const { return tg::eq(*this, other); }
Tensor Tensor::ne(Scalar other) const { return tg::ne(*this, other); }
Tensor Tensor::lt(Scalar other) const { return tg::lt(*this, other); }
Tensor Tensor::le(Scalar other) const { return tg::le(*this, other); }
Tensor Tensor::gt(Scalar other) const { return tg::gt(*this, other); }
Tensor Tensor::ge(Scalar other) const { return tg::ge(*this, other); }
Tensor Tensor::logical_not() const { return tg::logical_not(*this); }
Tensor Tensor::logical_and(const Tensor& other) const { return tg::logical_and(*this, other); }
Tensor Tensor::logical_or(const Tensor& other) const { return tg::logical_or(*this, other); }
bool Tensor::equal(const Tensor& other) const { return tg::equal(*this, other); }
bool Tensor::allclose(const Tensor& other, double rtol, double atol) const {
  return tg::allclose(*this, other, rtol, atol);
}

// ---- in place: computed by the out-of-place op (recorded when autograd needs it)
namespace {
Tensor& unary_inplace(Tensor& self, const char* op, const std::function<Tensor(const Tensor&)>& f) {
  return detail::inplace(
      self, op, f,
      [&] {
        NoGradGuard no_grad;
        detail::copy_values(self, f(self));
      });
}
}  // namespace
Tensor& Tensor::sub_(Scalar other) { return add_(Scalar(-other.to_double())); }
Tensor& Tensor::clamp_min_(Scalar min) {
  return unary_inplace(*this, "clamp_min_", [&](const Tensor& s) { return tg::clamp_min(s, min); });
}
Tensor& Tensor::clamp_max_(Scalar max) {
  return unary_inplace(*this, "clamp_max_", [&](const Tensor& s) { return tg::clamp_max(s, max); });
}
Tensor& Tensor::pow_(Scalar exponent) {
  return unary_inplace(*this, "pow_", [&](const Tensor& s) { return tg::pow(s, exponent); });
}
Tensor& Tensor::neg_() {
  return unary_inplace(*this, "neg_", [](const Tensor& s) { return tg::neg(s); });
}
Tensor& Tensor::exp_() {
  return unary_inplace(*this, "exp_", [](const Tensor& s) { return tg::exp(s); });
}
Tensor& Tensor::log_() {
  return unary_inplace(*this, "log_", [](const Tensor& s) { return tg::log(s); });
}
Tensor& Tensor::sqrt_() {
  return unary_inplace(*this, "sqrt_", [](const Tensor& s) { return tg::sqrt(s); });
}
Tensor& Tensor::abs_() {
  return unary_inplace(*this, "abs_", [](const Tensor& s) { return tg::abs(s); });
}
Tensor& Tensor::sigmoid_() {
  return unary_inplace(*this, "sigmoid_", [](const Tensor& s) { return tg::sigmoid(s); });
}
Tensor& Tensor::tanh_() {
  return unary_inplace(*this, "tanh_", [](const Tensor& s) { return tg::tanh(s); });
}
Tensor& Tensor::uniform_(double from, double to) {
  TG_CHECK(defined(), "uniform_: the tensor is undefined");
  tg::uniform_(*this, from, to);
  bump_version();
  return *this;
}
Tensor& Tensor::normal_(double mean, double std) {
  TG_CHECK(defined(), "normal_: the tensor is undefined");
  tg::normal_(*this, mean, std);
  bump_version();
  return *this;
}
Tensor& Tensor::bernoulli_(double p) {
  TG_CHECK(defined(), "bernoulli_: the tensor is undefined");
  TG_CHECK(p >= 0 && p <= 1, "bernoulli_: p must be in [0, 1], got ", p);
  NoGradGuard no_grad;
  detail::copy_values(*this, tg::bernoulli(shape(), p, dtype()));
  bump_version();
  return *this;
}

// ---- reductions
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const {
  return tg::argmin(*this, dim, keepdim);
}
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const {
  return tg::max(*this, dim, keepdim);
}
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const {
  return tg::min(*this, dim, keepdim);
}
Tensor Tensor::sum(IntArrayRef dims, bool keepdim, DType dtype) const {
  return tg::sum(to(dtype), dims, keepdim);
}
Tensor Tensor::prod() const { return tg::prod(*this); }
Tensor Tensor::prod(int64_t dim, bool keepdim) const { return tg::prod(*this, dim, keepdim); }
Tensor Tensor::var(IntArrayRef dims, bool unbiased, bool keepdim) const {
  return tg::var(*this, dims, unbiased, keepdim);
}
Tensor Tensor::std(IntArrayRef dims, bool unbiased, bool keepdim) const {
  return tg::std(*this, dims, unbiased, keepdim);
}
Tensor Tensor::logsumexp(IntArrayRef dims, bool keepdim) const {
  return tg::logsumexp(*this, dims, keepdim);
}
Tensor Tensor::norm(Scalar p) const { return tg::norm(*this, p); }
Tensor Tensor::norm(Scalar p, IntArrayRef dims, bool keepdim) const {
  return tg::norm(*this, p, dims, keepdim);
}

}  // namespace tg
