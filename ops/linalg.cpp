// Matrix products: mm, bmm and linear are primitives over kernels::gemm with vjps written
// with mm/bmm; matmul and outer are compositions of views and those primitives.
#include "ops/linalg.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/profiler.h"
#include "ops/internal.h"
#include "ops/iter.h"
#include "ops/kernels/gemm.h"
#include "ops/ops.h"

namespace tg {
namespace {

using autograd::Ctx;

// ---------------------------------------------------------------- checks

void check_operands(const char* op, const char* name_a, const Tensor& a, const char* name_b,
                    const Tensor& b) {
  TG_CHECK(a.defined() && b.defined(), op, ": ", a.defined() ? name_b : name_a,
           " is undefined");
  TG_CHECK(a.dtype() == b.dtype(), op, ": expected ", name_a, " and ", name_b,
           " to have the same dtype, got ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()),
           " (shapes ", a.shape(), " and ", b.shape(), ")");
  TG_CHECK(a.is_floating_point(), op, ": expected floating tensors (float32 or float64), got ",
           dtype_name(a.dtype()), " (shapes ", a.shape(), " and ", b.shape(), ")");
}

// ---------------------------------------------------------------- the batched GEMM kernel

// How a [rows, cols] matrix with strides (row_stride, col_stride) is handed to gemm:
// row-major with leading dimension ld, or column-major (trans) with ld. False when the
// strides fit neither (then the caller copies).
bool gemm_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride,
                 bool& trans, int64_t& ld) {
  const int64_t min_row_ld = std::max<int64_t>(cols, 1), min_col_ld = std::max<int64_t>(rows, 1);
  if (cols <= 1 || col_stride == 1) {
    const int64_t l = rows <= 1 ? min_row_ld : row_stride;
    if (l >= min_row_ld) {
      trans = false;
      ld = l;
      return true;
    }
  }
  if (rows <= 1 || row_stride == 1) {
    const int64_t l = cols <= 1 ? min_col_ld : col_stride;
    if (l >= min_col_ld) {
      trans = true;
      ld = l;
      return true;
    }
  }
  return false;
}

// One operand of the batched product: a stack of matrices at a fixed batch stride.
template <class T>
struct GemmOperand {
  const T* data = nullptr;
  int64_t batch_stride = 0;
  int64_t ld = 0;
  bool trans = false;
  Tensor holder;  // a contiguous copy, when the view's strides do not suit gemm
};

// `m` is a 3-D view [batch, rows, cols] outside autograd.
template <class T>
GemmOperand<T> gemm_operand(const Tensor& m) {
  GemmOperand<T> op;
  Tensor src = m;
  if (!gemm_layout(m.size(1), m.size(2), m.stride(1), m.stride(2), op.trans, op.ld)) {
    src = empty(m.shape(), m.dtype());
    detail::copy_values(src, m);
    gemm_layout(m.size(1), m.size(2), src.stride(1), src.stride(2), op.trans, op.ld);
    op.holder = src;
  }
  op.data = static_cast<const T*>(src.raw_data());
  op.batch_stride = m.size(0) == 1 ? 0 : src.stride(0);
  return op;
}

// out[i] = a[i] @ b[i] (+ out[i] when accumulate) for 3-D a [B, M, K], b [B, K, N] (any
// strides, batch stride 0 allowed) and contiguous out [B, M, N]. Large products run one
// after another, each parallel inside gemm; many small ones run in parallel over the batch
// in fixed chunks. gemm is deterministic, so the bits never depend on the thread count.
template <class T>
void batched_gemm(const Tensor& a, const Tensor& b, const Tensor& out, bool accumulate) {
  const int64_t batch = out.size(0), M = out.size(1), N = out.size(2), K = a.size(2);
  if (batch == 0 || M == 0 || N == 0) return;
  const GemmOperand<T> A = gemm_operand<T>(a), B = gemm_operand<T>(b);
  T* C = static_cast<T*>(out.raw_data());
  const T beta = accumulate ? T(1) : T(0);
  auto one = [&](int64_t i) {
    kernels::gemm(A.trans, B.trans, M, N, K, T(1), A.data + i * A.batch_stride, A.ld,
                  B.data + i * B.batch_stride, B.ld, beta, C + i * M * N, N);
  };
  const int64_t work = M * N * std::max<int64_t>(K, 1);
  constexpr int64_t kParallelWork = int64_t{1} << 21;  // above this gemm splits the work itself
  if (batch < 2 || work >= kParallelWork || batch * work < (int64_t{1} << 16)) {
    for (int64_t i = 0; i < batch; ++i) one(i);
    return;
  }
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 18) / work);
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, batch, grain),
                    [&](const tbb::blocked_range<int64_t>& r) {
                      for (int64_t i = r.begin(); i < r.end(); ++i) one(i);
                    },
                    tbb::simple_partitioner());
}

// A 3-D view [batch, rows, cols] of a matrix or a stack of matrices (no autograd).
Tensor as_batch(const Tensor& t) {
  if (t.dim() == 3) return as_strided_view(t, t.shape(), t.strides(), t.storage_offset());
  return as_strided_view(t, {1, t.size(0), t.size(1)}, {0, t.stride(0), t.stride(1)},
                         t.storage_offset());
}

// a @ b for matching 2-D or 3-D operands, with `bias` (1-D, broadcast over rows) added
// when given. Returns a new contiguous tensor.
Tensor product(const char* op, const Tensor& a, const Tensor& b, const Tensor& bias) {
  const bool batched = a.dim() == 3;
  const int64_t batch = batched ? a.size(0) : 1;
  const int64_t M = a.size(-2), N = b.size(-1);
  Tensor out = batched ? empty({batch, M, N}, a.dtype()) : empty({M, N}, a.dtype());
  Tensor out3 = as_batch(out);
  if (bias.defined()) {  // each row starts as the bias, then gemm accumulates onto it
    NoGradGuard no_grad;
    detail::copy_values(out3, bias.detach().to(a.dtype()).expand(out3.shape()));
  }
  TG_DISPATCH_FLOATING(a.dtype(), op, [&] {
    batched_gemm<scalar_t>(as_batch(a), as_batch(b), out3, bias.defined());
  });
  return out;
}

}  // namespace

Tensor mm(const Tensor& input, const Tensor& mat2) {
  autograd::profiler::OpScope profile_scope("mm", {&input, &mat2});
  check_operands("mm", "input", input, "mat2", mat2);
  TG_CHECK(input.dim() == 2 && mat2.dim() == 2, "mm: expected 2-D tensors, got input of shape ",
           input.shape(), " and mat2 of shape ", mat2.shape());
  TG_CHECK(input.size(1) == mat2.size(0), "mm: input and mat2 shapes cannot be multiplied (",
           input.shape(), " and ", mat2.shape(), ")");
  Tensor out = product("mm", input, mat2, Tensor());
  return autograd::record("MmBackward", out, {input, mat2}, {input, mat2},
      [](const Ctx& c, const TensorList& g) -> TensorList {
        // [M,N] = [M,K] @ [K,N]:  dA = g @ B^T  [M,K],  dB = A^T @ g  [K,N]
        return {c.needs(0) ? mm(g[0], c.saved(1).t()) : Tensor(),
                c.needs(1) ? mm(c.saved(0).t(), g[0]) : Tensor()};
      });
}

Tensor bmm(const Tensor& input, const Tensor& mat2) {
  autograd::profiler::OpScope profile_scope("bmm", {&input, &mat2});
  check_operands("bmm", "input", input, "mat2", mat2);
  TG_CHECK(input.dim() == 3 && mat2.dim() == 3, "bmm: expected 3-D tensors, got input of shape ",
           input.shape(), " and mat2 of shape ", mat2.shape());
  TG_CHECK(input.size(0) == mat2.size(0), "bmm: input and mat2 must have the same batch size, "
           "got shapes ", input.shape(), " and ", mat2.shape());
  TG_CHECK(input.size(2) == mat2.size(1), "bmm: input and mat2 shapes cannot be multiplied (",
           input.shape(), " and ", mat2.shape(), ")");
  Tensor out = product("bmm", input, mat2, Tensor());
  return autograd::record("BmmBackward", out, {input, mat2}, {input, mat2},
      [](const Ctx& c, const TensorList& g) -> TensorList {
        return {c.needs(0) ? bmm(g[0], c.saved(1).transpose(1, 2)) : Tensor(),
                c.needs(1) ? bmm(c.saved(0).transpose(1, 2), g[0]) : Tensor()};
      });
}

Tensor matmul(const Tensor& input, const Tensor& other) {
  autograd::profiler::OpScope profile_scope("matmul", {&input, &other});
  check_operands("matmul", "input", input, "other", other);
  const int64_t da = input.dim(), db = other.dim();
  TG_CHECK(da >= 1 && db >= 1, "matmul: both arguments need at least 1 dimension, got shapes ",
           input.shape(), " and ", other.shape());
  const int64_t k_left = input.size(-1), k_right = other.size(db == 1 ? 0 : -2);
  TG_CHECK(k_left == k_right, "matmul: input and other shapes cannot be multiplied (",
           input.shape(), " and ", other.shape(), "): ", k_left, " != ", k_right);
  if (da == 1 && db == 1) return mm(input.unsqueeze(0), other.unsqueeze(1)).view({});
  if (da == 2 && db == 1) return mm(input, other.unsqueeze(1)).squeeze(1);
  if (da == 1 && db == 2) return mm(input.unsqueeze(0), other).squeeze(0);
  if (da == 2 && db == 2) return mm(input, other);
  if (da >= 3 && db <= 2) {
    // Fold the batch dims into the rows: one large mm instead of many small ones.
    Shape out_shape(input.shape());
    out_shape.erase(out_shape.size() - 1);
    if (db == 2) out_shape.push_back(other.size(1));
    Tensor rows = input.reshape({-1, k_left});
    Tensor right = db == 1 ? other.unsqueeze(1) : other;
    return mm(rows, right).view(out_shape);
  }
  // Batched with broadcasting: promote 1-D operands, broadcast the batch dims, bmm.
  Tensor a = da == 1 ? input.unsqueeze(0) : input;
  Tensor b = db == 1 ? other.unsqueeze(1) : other;
  Shape batch_a, batch_b;
  for (int64_t d = 0; d + 2 < a.dim(); ++d) batch_a.push_back(a.size(d));
  for (int64_t d = 0; d + 2 < b.dim(); ++d) batch_b.push_back(b.size(d));
  Shape batch;
  try {
    batch = detail::broadcast_shapes(batch_a, batch_b, "matmul");
  } catch (const Error& e) {  // name the operands' shapes, not only their batch dims
    throw Error(format_message("matmul: the batch dims of input of shape ", input.shape(),
                               " and other of shape ", other.shape(), " do not broadcast (",
                               e.what(), ")"));
  }
  const int64_t M = a.size(-2), N = b.size(-1), n_batch = batch.numel();
  Shape a_shape = batch, b_shape = batch;
  a_shape.push_back(M);
  a_shape.push_back(k_left);
  b_shape.push_back(k_left);
  b_shape.push_back(N);
  Tensor a3 = a.expand(a_shape).reshape({n_batch, M, k_left});
  Tensor b3 = b.expand(b_shape).reshape({n_batch, k_left, N});
  Shape out_shape = batch;
  if (da > 1) out_shape.push_back(M);
  if (db > 1) out_shape.push_back(N);
  return bmm(a3, b3).view(out_shape);
}

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  autograd::profiler::OpScope profile_scope("linear", {&input, &weight});
  check_operands("linear", "input", input, "weight", weight);
  TG_CHECK(input.dim() >= 1 && weight.dim() == 2, "linear: expected input of shape [*, in] and "
           "a 2-D weight [out, in], got input ", input.shape(), " and weight ", weight.shape());
  const int64_t in_features = weight.size(1), out_features = weight.size(0);
  TG_CHECK(input.size(-1) == in_features, "linear: input and weight shapes cannot be multiplied "
           "(input ", input.shape(), ", weight ", weight.shape(), "): input's last dim ",
           input.size(-1), " != weight's in_features ", in_features);
  if (bias.defined()) {
    TG_CHECK(bias.dtype() == input.dtype(), "linear: expected bias to have dtype ",
             dtype_name(input.dtype()), ", got ", dtype_name(bias.dtype()));
    TG_CHECK(bias.dim() == 1 && bias.size(0) == out_features, "linear: expected bias of shape [",
             out_features, "] for weight ", weight.shape(), ", got ", bias.shape());
  }
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < input.dim(); ++d) rows *= input.size(d);
  Shape out_shape(input.shape());
  out_shape[out_shape.size() - 1] = out_features;
  Tensor out;
  {
    NoGradGuard no_grad;
    Tensor x2 = input.detach().reshape({rows, in_features});
    out = product("linear", x2, weight.detach().t(), bias).view(out_shape);
  }
  return autograd::record("LinearBackward", out, {input, weight, bias}, {input, weight},
      [rows, in_features, out_features](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor x = c.saved(0), w = c.saved(1);
        Tensor g2 = g[0].reshape({rows, out_features});
        return {c.needs(0) ? mm(g2, w).view(c.input_shape(0)) : Tensor(),
                c.needs(1) ? mm(g2.t(), x.reshape({rows, in_features})) : Tensor(),
                c.needs(2) ? g2.sum({0}) : Tensor()};
      });
}

Tensor outer(const Tensor& input, const Tensor& vec2) {
  TG_CHECK(input.defined() && vec2.defined(), "outer: ", input.defined() ? "vec2" : "input",
           " is undefined");
  TG_CHECK(input.dim() == 1 && vec2.dim() == 1, "outer: expected 1-D tensors, got input of "
           "shape ", input.shape(), " and vec2 of shape ", vec2.shape());
  return input.unsqueeze(1) * vec2.unsqueeze(0);
}

Tensor Tensor::matmul(const Tensor& other) const { return tg::matmul(*this, other); }

}  // namespace tg
