// Bad input to the elementwise, unary and activation ops (ops/elementwise.h, ops/unary.h,
// ops/activation.h).
#include "badinput/bad_input.h"

namespace tg::badinput {
namespace {

std::vector<Row> elementwise_rows() {
  return {
      // ---- shapes that do not broadcast: op name and both shapes
      throws("add", "shapes [2, 3] and [4]", [] { return add(seq({2, 3}), seq({4})); },
             {"[2, 3]", "[4]"}),
      throws("sub", "shapes [2, 3] and [3, 2]", [] { return sub(seq({2, 3}), seq({3, 2})); },
             {"[2, 3]", "[3, 2]"}).fix(),
      throws("mul", "shapes [5] and [4]", [] { return mul(seq({5}), seq({4})); }, {"[5]", "[4]"}),
      throws("div", "shapes [2, 2] and [3]", [] { return div(seq({2, 2}), seq({3})); },
             {"[2, 2]", "[3]"}),
      throws("pow", "shapes [2] and [3]", [] { return pow(seq({2}), seq({3})); }, {"[2]", "[3]"}),
      throws("maximum", "shapes [2] and [3]", [] { return maximum(seq({2}), seq({3})); },
             {"[2]", "[3]"}),
      throws("minimum", "shapes [2] and [3]", [] { return minimum(seq({2}), seq({3})); },
             {"[2]", "[3]"}),
      throws("eq", "shapes [2] and [3]", [] { return eq(seq({2}), seq({3})); }, {"[2]", "[3]"}),
      throws("lt", "shapes [0] and [2]", [] { return lt(seq({0}), seq({2})); }, {"[0]", "[2]"}),
      throws("logical_and", "shapes [2] and [3]",
             [] { return logical_and(seq({2}).gt(0), seq({3}).gt(0)); }, {"[2]", "[3]"}),
      throws("where", "condition [3] against [2]",
             [] { return where(seq({3}).gt(0), seq({2}), seq({2})); }, {"[3]", "[2]"}),
      throws("where", "float condition", [] { return where(seq({2}), seq({2}), seq({2})); },
             {"float32"}),
      throws("add_", "result [2, 3] does not fit self [3]",
             [] { Tensor a = seq({3}); a.add_(seq({2, 3})); return a; }, {"[2, 3]", "[3]"}),
      throws("mul_", "result [4, 4] does not fit self [1, 4]",
             [] { Tensor a = seq({1, 4}); a.mul_(seq({4, 1})); return a; }, {"[4, 4]", "[1, 4]"}),
      throws("add", "undefined operand", [] { return add(seq({2}), Tensor()); }, {"undefined"}),
      throws("sum_to", "cannot reduce [2, 3] to [4]", [] { return sum_to(seq({2, 3}), {4}); },
             {"[2, 3]", "[4]"}).fix(),
      // ---- dtypes: PyTorch's promotion, and the in-place casts it refuses
      torch("add", "add_int_float", [] { return add(seq({3}, kInt64), vals({0.5, 1.5, 2.5})); }),
      torch("add", "add_bool_bool", [] { return add(vals({1, 0, 0}, {3}, kBool), vals({1, 1, 0}, {3}, kBool)); }).fix(),
      torch("div", "div_int_int_by_zero",
            [] { return div(vals({1, -1, 0}, {3}, kInt64), vals({0, 0, 0}, {3}, kInt64)); }),
      throws("div_", "int64 self cannot hold a true division",
             [] { Tensor a = vals({1, 2}, {2}, kInt64); a.div_(vals({0, 1}, {2}, kInt64)); return a; },
             {"int64"}).fix(),
      throws("add_", "int64 self cannot hold a float32 result",
             [] { Tensor a = seq({2}, kInt64); a.add_(vals({0.5, 0.5})); return a; },
             {"int64", "float32"}).fix(),
      torch("pow", "pow_int_negative_tensor_exponent", [] {
        return pow(vals({0, 2, 1, -1, -1, 3}, {6}, kInt64), vals({-1, -1, -2, -3, -2, 2}, {6}, kInt64));
      }).fix(),
      throws("pow", "int64 to a negative scalar power",
             [] { return pow(vals({0, 2}, {2}, kInt64), Scalar(int64_t{-2})); },
             {"negative"}).fix(),
      torch("pow", "pow_int_scalar_base_float",
            [] { return pow(Scalar(2.0), vals({0, 1, -1}, {3}, kInt64)); }),
      torch("pow", "pow_bool_base_float_exponent", [] { return pow(vals({1, 0}, {2}, kBool), Scalar(2.0)); }),
      torch("sub", "sub_int", [] {
        return sub(vals({1, 0}, {2}, kInt64), vals({1, 1}, {2}, kInt64));
      }),
      throws("sub", "bool operands (PyTorch refuses '-' on bool)",
             [] { return sub(vals({1, 0}, {2}, kBool), vals({1, 1}, {2}, kBool)); }, {"bool"}).fix(),
      torch("logical_and", "logical_and_float",
            [] { return logical_and(vals({0, 1, kNaN}), vals({1, 1, 1})); }),
      // ---- NaN and Inf: PyTorch's results
      torch("add", "add_inf_minus_inf", [] { return add(vals({kInf, 1}), vals({-kInf, kNaN})); }),
      torch("mul", "mul_zero_inf", [] { return mul(vals({0, kInf}), vals({kInf, -kInf})); }),
      torch("div", "div_float_zero", [] { return div(vals({1, -1, 0}), vals({0, 0, 0})); }),
      torch("rdiv", "rdiv_zero", [] { return rdiv(vals({0, kInf}), Scalar(1.0)); }),
      torch("pow", "pow_special", [] {
        return pow(vals({0, -8, kNaN, 1, kInf, -1}), vals({-1, 1.0 / 3, 0, kNaN, -1, kInf}));
      }),
      torch("maximum", "maximum_nan", [] { return maximum(vals({kNaN, 1, 2}), vals({0, kNaN, 1})); }),
      torch("minimum", "minimum_nan", [] { return minimum(vals({kNaN, 1, 2}), vals({0, kNaN, 1})); }),
      torch("eq", "eq_nan", [] { return eq(vals({kNaN, kInf}), vals({kNaN, kInf})); }),
      torch("ne", "ne_nan", [] { return ne(vals({kNaN, 1}), Scalar(kNaN)); }),
      torch("lt", "lt_inf", [] { return lt(vals({-kInf, kInf, kNaN}), Scalar(0.0)); }),
      torch("where", "where_nan", [] {
        return where(vals({1, 0}, {2}, kBool), vals({kNaN, 1}), Scalar(kInf));
      }),
      torch("mul", "mul_scalar_huge", [] { return mul(vals({1, -1, 0}), Scalar(1e300)); }),
      torch("add", "add_scalar_nan", [] { return add(vals({1, 2}), Scalar(kNaN)); }),
      torch("ge", "ge_nan", [] { return ge(vals({kNaN, 1}), vals({0, 1})); }),
      torch("le", "le_nan_scalar", [] { return le(vals({kNaN, -kInf}), Scalar(0.0)); }),
      torch("logical_not", "logical_not_nan", [] { return logical_not(vals({kNaN, 0})); }),
      torch("logical_or", "logical_or_nan", [] { return logical_or(vals({kNaN, 0}), vals({0, 0})); }),
      torch("rsub", "rsub_inf", [] { return rsub(vals({kInf, 1}), Scalar(1.0)); }),
      throws("logical_or", "shapes [2] and [3]", [] { return logical_or(seq({2}), seq({3})); }, {"[2]", "[3]"}),
      throws("ge", "shapes [2] and [3]", [] { return ge(seq({2}), seq({3})); }, {"[2]", "[3]"}),
      throws("equal", "undefined operand", [] { (void)equal(seq({2}), Tensor()); return none(); }, {"undefined"}).fix(),
      throws("allclose", "undefined operand", [] { (void)allclose(Tensor(), seq({2})); return none(); }, {"undefined"}).fix(),
      // equal/allclose as PyTorch: NaN is not equal to NaN, inf is close to inf
      torch("equal", "equal_nan_is_false", [] { return scalar_tensor(equal(vals({kNaN}), vals({kNaN})), kBool); }),
      torch("allclose", "allclose_nan_is_false", [] { return scalar_tensor(allclose(vals({kNaN}), vals({kNaN})), kBool); }),
      torch("allclose", "allclose_inf", [] { return scalar_tensor(allclose(vals({kInf}), vals({kInf})), kBool); }),
      // ---- empty and zero-size operands
      torch("add", "add_empty_broadcast", [] { return add(seq({0, 3}), seq({1, 3})); }),
      torch("mul", "mul_empty_scalar", [] { return mul(seq({2, 0}), Scalar(3.0)); }),
      torch("maximum", "maximum_empty", [] { return maximum(seq({0}), seq({1})); }),
      // ---- non-contiguous, expanded and overlapping views
      torch("add", "add_transposed", [] { return add(seq({2, 3}).t(), seq({3, 1})); }),
      torch("mul", "mul_expanded", [] { return mul(seq({1, 3}).expand({2, 3}), seq({2, 1})); }),
      torch("div", "div_strided_slice",
            [] { return div(seq({6}).slice(0, 0, 6, 2), seq({6}).slice(0, 1, 6, 2) + 1); }),
      torch("where", "where_permuted", [] {
        Tensor x = seq({2, 3, 2}).permute({2, 0, 1});
        return where(x.gt(4), x, Scalar(-1.0));
      }),
      torch("add", "add_overlapping_view", [] {
        Tensor base = seq({4});
        Tensor win = as_strided_view(base, {3, 2}, {1, 1}, 0);  // [[0,1],[1,2],[2,3]]
        return add(win, win);
      }),
      throws("add_", "self is expanded (several elements share memory)",
             [] { Tensor a = seq({1, 3}).expand({2, 3}); a.add_(seq({2, 3})); return a; },
             {"[2, 3]"}).fix(),
  };
}

std::vector<Row> unary_rows() {
  return {
      torch("exp", "exp_special", [] { return exp(vals({kInf, -kInf, kNaN, 1000})); }),
      torch("log", "log_special", [] { return log(vals({0, -1, kInf, kNaN})); }),
      torch("sqrt", "sqrt_special", [] { return sqrt(vals({-1, 0, kInf, -0.0})); }),
      torch("rsqrt", "rsqrt_special", [] { return rsqrt(vals({0, -1, kInf})); }),
      torch("abs", "abs_special", [] { return abs(vals({-kInf, kNaN, -0.0})); }),
      torch("sin", "sin_special", [] { return sin(vals({kInf, kNaN})); }),
      torch("cos", "cos_special", [] { return cos(vals({-kInf, kNaN})); }),
      torch("square", "square_huge", [] { return square(vals({1e20, kNaN})); }),
      torch("reciprocal", "reciprocal_zero", [] { return reciprocal(vals({0, -0.0, kInf})); }),
      torch("log1p", "log1p_special", [] { return log1p(vals({-1, -2, kInf})); }),
      torch("clamp", "clamp_nan", [] { return clamp(vals({kNaN, -kInf, kInf, 0.5}), Scalar(0.0), Scalar(1.0)); }),
      torch("clamp", "clamp_min_above_max", [] { return clamp(vals({0, 1, 2}), Scalar(2.0), Scalar(1.0)); }),
      torch("clamp_min", "clamp_min_nan_bound", [] { return clamp_min(vals({0, 1}), Scalar(kNaN)); }).fix(),
      torch("clamp_max", "clamp_max_int", [] { return clamp_max(seq({4}, kInt64), Scalar(int64_t{2})); }),
      torch("clamp", "clamp_int_float_bounds",
            [] { return clamp(seq({4}, kInt64), Scalar(0.5), Scalar(2.5)); }).fix(),
      throws("clamp_min", "int64 with a bound beyond float32",
             [] { return clamp_min(seq({3}, kInt64), Scalar(1e300)); }, {"1e+300", "float32", "[3]"}).fix(),
      torch("to", "to_int64_nonfinite", [] {
        return vals({kNaN, kInf, -kInf, 1e300, -1e300, 9.3e18, 2.5, -2.5}).to(kInt64); }).fix(),
      throws("clamp", "neither min nor max", [] { return clamp(seq({2}), std::nullopt, std::nullopt); },
             {"min", "max"}),
      torch("sign", "sign_special", [] { return sign(vals({kNaN, -0.0, -kInf, 3})); }),
      torch("floor", "floor_special", [] { return floor(vals({-kInf, kNaN, -0.5})); }),
      torch("ceil", "ceil_special", [] { return ceil(vals({kInf, kNaN, -0.5})); }),
      torch("round", "round_half_even", [] { return round(vals({0.5, 1.5, 2.5, -0.5, kNaN})); }),
      torch("isnan", "isnan_values", [] { return isnan(vals({kNaN, kInf, 0})); }),
      torch("isfinite", "isfinite_values", [] { return isfinite(vals({kNaN, kInf, -kInf, 0})); }),
      torch("isfinite", "isfinite_int", [] { return isfinite(seq({2}, kInt64)); }),
      torch("exp", "exp_int_promotes", [] { return exp(seq({3}, kInt64)); }),
      torch("sqrt", "sqrt_bool_promotes", [] { return sqrt(vals({1, 0}, {2}, kBool)); }),
      torch("abs", "abs_int_min", [] { return abs(vals({-5, 3}, {2}, kInt64)); }),
      torch("exp", "exp_empty", [] { return exp(seq({0, 2})); }),
      torch("log", "log_transposed", [] { return log(seq({2, 3}).t() + 1); }),
      torch("abs", "abs_expanded", [] { return abs(vals({-1, 2}).expand({2, 2})); }),
      throws("exp", "undefined input", [] { return exp(Tensor()); }, {"undefined"}),
      throws("neg", "undefined input", [] { return neg(Tensor()); }, {"undefined"}),
      throws("neg", "bool input (PyTorch refuses)", [] { return neg(vals({1, 0}, {2}, kBool)); },
             {"bool"}),
  };
}

std::vector<Row> activation_rows() {
  return {
      torch("relu", "relu_special", [] { return relu(vals({kNaN, -kInf, kInf, -0.0})); }),
      torch("leaky_relu", "leaky_relu_special",
            [] { return leaky_relu(vals({kNaN, -kInf, 1}), Scalar(0.1)); }),
      torch("hardtanh", "hardtanh_nan", [] { return hardtanh(vals({kNaN, -kInf, kInf})); }),
      throws("hardtanh", "min_val above max_val",
             [] { return hardtanh(seq({2}), Scalar(1.0), Scalar(-1.0)); }, {"min_val", "max_val"}),
      torch("relu6", "relu6_special", [] { return relu6(vals({kNaN, kInf, -kInf})); }),
      torch("elu", "elu_special", [] { return elu(vals({kNaN, -kInf, kInf})); }),
      torch("gelu", "gelu_special", [] { return gelu(vals({kNaN, -kInf, kInf})); }),
      torch("gelu", "gelu_tanh_special", [] { return gelu(vals({kNaN, -kInf, kInf}), "tanh"); }),
      throws("gelu", "unknown approximate", [] { return gelu(seq({2}), "fast"); }, {"fast"}),
      torch("sigmoid", "sigmoid_special", [] { return sigmoid(vals({kNaN, -kInf, kInf, -1000})); }),
      torch("tanh", "tanh_special", [] { return tanh(vals({kNaN, -kInf, kInf})); }),
      torch("softplus", "softplus_special", [] { return softplus(vals({kNaN, -kInf, kInf, 1000})); }),
      throws("softplus", "beta zero", [] { return softplus(seq({2}), Scalar(0.0)); }, {"beta"}),
      torch("silu", "silu_special", [] { return silu(vals({kNaN, -kInf, kInf})); }),
      torch("normal_cdf", "normal_cdf_special", [] { return normal_cdf(vals({kNaN, -kInf, kInf})); }),
      torch("softmax", "softmax_inf", [] { return softmax(vals({kInf, 0, 1}), 0); }).fix(),
      torch("softmax", "softmax_all_neg_inf", [] { return softmax(vals({-kInf, -kInf}), 0); }),
      torch("softmax", "softmax_nan", [] { return softmax(vals({kNaN, 0}), 0); }),
      torch("softmax", "softmax_huge", [] { return softmax(vals({1e30, 0, -1e30}), 0); }),
      torch("softmax", "softmax_empty", [] { return softmax(seq({0, 3}), 1); }),
      torch("softmax", "softmax_empty_dim", [] { return softmax(seq({3, 0}), 1); }),
      torch("softmax", "softmax_transposed", [] { return softmax(seq({2, 3}).t(), 1); }),
      torch("softmax", "softmax_zero_dim", [] { return softmax(vals({2.0}).reshape({}), 0); }),
      torch("log_softmax", "log_softmax_neg_inf", [] { return log_softmax(vals({-kInf, 0}), 0); }),
      torch("log_softmax", "log_softmax_huge", [] { return log_softmax(vals({1e30, 0}), 0); }),
      torch("log_softmax", "log_softmax_expanded",
            [] { return log_softmax(seq({1, 3}).expand({2, 3}), 1); }),
      throws("softmax", "dim 2 of a 2-D tensor", [] { return softmax(seq({2, 3}), 2); },
             dim_out_of_range(2, 2, "[2, 3]")),
      throws("softmax", "dim -3 of a 2-D tensor", [] { return softmax(seq({2, 3}), -3); },
             dim_out_of_range(-3, 2, "[2, 3]")),
      throws("log_softmax", "dim 1 of a 1-D tensor", [] { return log_softmax(seq({4}), 1); },
             dim_out_of_range(1, 1, "[4]")),
      throws("softmax", "int64 input (PyTorch refuses)", [] { return softmax(seq({3}, kInt64), 0); },
             {"int64"}),
      throws("log_softmax", "bool input", [] { return log_softmax(vals({1, 0}, {2}, kBool), 0); },
             {"bool"}),
      throws("relu", "bool input", [] { return relu(vals({1, 0}, {2}, kBool)); }, {"bool"}),
      throws("gelu", "int64 input (PyTorch refuses)", [] { return gelu(seq({2}, kInt64)); },
             {"int64"}),
      torch("sigmoid", "sigmoid_int_promotes", [] { return sigmoid(seq({2}, kInt64)); }),
      torch("relu", "relu_int", [] { return relu(vals({-2, 3}, {2}, kInt64)); }),
      torch("elu", "elu_empty", [] { return elu(seq({0})); }),
      throws("relu", "undefined input", [] { return relu(Tensor()); }, {"undefined"}),
  };
}

TEST(BadInput, Elementwise) { run_table("elementwise", elementwise_rows()); }
TEST(BadInput, Unary) { run_table("unary", unary_rows()); }
TEST(BadInput, Activation) { run_table("activation", activation_rows()); }

}  // namespace
}  // namespace tg::badinput
