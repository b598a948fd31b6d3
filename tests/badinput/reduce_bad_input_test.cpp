// Bad input to the reductions (ops/reduce.h): empty tensors, NaN/Inf, bad dims and dtypes.
#include "badinput/bad_input.h"

namespace tg::badinput {
namespace {

std::vector<Row> reduce_rows() {
  const Tensor e03 = seq({0, 3});
  return {
      // ---- empty tensors: PyTorch's identities (sum 0, prod 1, mean/var NaN, logsumexp -inf)
      torch("sum", "sum_empty", [=] { return sum(e03); }),
      torch("sum", "sum_empty_dim0", [=] { return sum(e03, {0}); }),
      torch("sum", "sum_empty_dim1_keepdim", [=] { return sum(e03, {1}, true); }),
      torch("mean", "mean_empty", [] { return mean(seq({0})); }),
      torch("mean", "mean_empty_dim0", [=] { return mean(e03, {0}); }),
      torch("prod", "prod_empty", [] { return prod(seq({0})); }),
      torch("prod", "prod_empty_dim0", [=] { return prod(e03, 0); }),
      torch("var", "var_one_element", [] { return var(vals({1.0})); }),
      torch("var", "var_empty", [] { return var(seq({0})); }),
      torch("std", "std_empty_dim0", [=] { return std(e03, {0}); }),
      torch("std", "std_one_element_unbiased", [] { return std(vals({2.0, 3.0}).reshape({2, 1}), {1}); }),
      torch("logsumexp", "logsumexp_empty_dim0", [=] { return logsumexp(e03, {0}); }),
      torch("norm", "norm_empty", [] { return norm(seq({0})); }),
      torch("amax", "amax_empty_kept_dim", [=] { return amax(e03, {1}); }),
      torch("amin", "amin_empty_kept_dim", [=] { return amin(e03, {1}); }),
      torch("argmax", "argmax_empty_other_dim", [=] { return argmax(e03, 1); }),
      torch("max", "max_dim_empty_other_dim", [=] { return first(max(e03, 1)); }),
      throws("max", "all of an empty tensor", [] { return max(seq({0})); }, {"[0]"}),
      throws("min", "all of an empty tensor", [=] { return min(e03); }, {"[0, 3]"}),
      throws("max", "dim 0 of size 0", [=] { return first(max(e03, 0)); }, {"[0, 3]"}),
      throws("min", "dim 0 of size 0", [=] { return first(min(e03, 0)); }, {"[0, 3]"}),
      throws("amax", "dim 0 of size 0", [=] { return amax(e03, {0}); }, {"[0, 3]"}),
      throws("amin", "all of an empty tensor", [] { return amin(seq({0})); }, {"[0]"}),
      throws("argmax", "all of an empty tensor", [] { return argmax(seq({0})); }, {"[0]"}),
      throws("argmin", "dim 0 of size 0", [=] { return argmin(e03, 0); }, {"[0, 3]"}),
      // ---- NaN and Inf
      torch("sum", "sum_inf_minus_inf", [] { return sum(vals({kInf, -kInf, 1})); }),
      torch("sum", "sum_float_overflow", [] { return sum(vals({3e38, 3e38})); }),
      torch("mean", "mean_nan", [] { return mean(vals({kNaN, 1})); }),
      torch("prod", "prod_zero_inf", [] { return prod(vals({0, kInf})); }),
      torch("max", "max_nan", [] { return max(vals({1, kNaN, 2})); }),
      torch("min", "min_nan", [] { return min(vals({1, kNaN, -kInf})); }),
      torch("max", "max_dim_nan_values", [] { return first(max(vals({1, kNaN, 2}), 0)); }),
      torch("max", "max_dim_nan_indices", [] { return second(max(vals({1, kNaN, 2}), 0)); }),
      torch("amax", "amax_nan", [] { return amax(vals({1, kNaN, 2, 3}, {2, 2}), {1}); }),
      torch("argmax", "argmax_nan", [] { return argmax(vals({1, kNaN, 2})); }),
      torch("argmin", "argmin_nan", [] { return argmin(vals({1, 0, kNaN, -1})); }),
      torch("argmax", "argmax_ties", [] { return argmax(vals({2, 2, 1})); }),
      torch("var", "var_inf", [] { return var(vals({kInf, 1})); }),
      torch("std", "std_nan", [] { return std(vals({kNaN, 1, 2})); }),
      torch("logsumexp", "logsumexp_all_neg_inf", [] { return logsumexp(vals({-kInf, -kInf}), {0}); }),
      torch("logsumexp", "logsumexp_inf", [] { return logsumexp(vals({kInf, kInf}), {0}); }).fix(),
      torch("logsumexp", "logsumexp_huge", [] { return logsumexp(vals({1e30, 1e30}), {0}); }),
      torch("norm", "norm_inf_p", [] { return norm(vals({1, -2}), Scalar(kInf)); }),
      torch("norm", "norm_negative_p", [] { return norm(vals({1, -2}), Scalar(-1.0)); }),
      torch("norm", "norm_huge_values", [] { return norm(vals({1e30, 1e30}, {2}, kFloat64)); }),
      torch("norm", "norm_inf_value", [] { return norm(vals({kInf, 1})); }),
      // ---- dtypes
      torch("sum", "sum_bool", [] { return sum(vals({1, 1, 0}, {3}, kBool)); }),
      torch("prod", "prod_int", [] { return prod(vals({1, 2, 3}, {3}, kInt64)); }),
      torch("max", "max_bool", [] { return max(vals({1, 0}, {2}, kBool)); }),
      throws("mean", "int64 input (PyTorch refuses)", [] { return mean(seq({3}, kInt64)); },
             {"int64"}),
      throws("var", "int64 input (PyTorch refuses)", [] { return var(seq({3}, kInt64)); },
             {"int64"}),
      throws("norm", "int64 input (PyTorch refuses)", [] { return norm(seq({3}, kInt64)); },
             {"int64"}),
      // ---- dims out of range or repeated
      throws("sum", "dim 2 of [0, 3]", [=] { return sum(e03, {2}); }, dim_out_of_range(2, 2, "[0, 3]")),
      throws("sum", "dim 0 twice", [] { return sum(seq({2, 3}), {0, 0}); }, {"[0, 0]"}),
      throws("sum", "dims 1 and -1 name the same dim", [] { return sum(seq({2, 3}), {1, -1}); },
             {"[1, -1]"}),
      throws("mean", "dim -3 of [2, 3]", [] { return mean(seq({2, 3}), {-3}); }, dim_out_of_range(-3, 2, "[2, 3]")),
      throws("prod", "dim 1 of [4]", [] { return prod(seq({4}), 1); }, dim_out_of_range(1, 1, "[4]")),
      throws("max", "dim 5 of [2, 3]", [] { return first(max(seq({2, 3}), 5)); }, dim_out_of_range(5, 2, "[2, 3]")),
      throws("min", "dim -3 of [2, 3]", [] { return first(min(seq({2, 3}), -3)); }, dim_out_of_range(-3, 2, "[2, 3]")),
      throws("amax", "dim 2 of [2, 3]", [] { return amax(seq({2, 3}), {2}); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("amin", "dim 0 twice", [] { return amin(seq({2, 3}), {0, 0}); }, {"[0, 0]"}),
      throws("argmax", "dim 2 of [2, 3]", [] { return argmax(seq({2, 3}), 2); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("argmin", "dim -2 of [3]", [] { return argmin(seq({3}), -2); }, dim_out_of_range(-2, 1, "[3]")),
      throws("var", "dim 3 of [2, 3]", [] { return var(seq({2, 3}), {3}); }, dim_out_of_range(3, 2, "[2, 3]")),
      throws("std", "dim 0 twice", [] { return std(seq({2, 3}), {0, 0}); }, {"[0, 0]"}),
      throws("logsumexp", "dim 2 of [2, 3]", [] { return logsumexp(seq({2, 3}), {2}); },
             dim_out_of_range(2, 2, "[2, 3]")),
      throws("norm", "dim 2 of [2, 3]", [] { return norm(seq({2, 3}), Scalar(2.0), {2}); },
             dim_out_of_range(2, 2, "[2, 3]")),
      torch("sum", "sum_zero_dim_dim0", [] { return sum(vals({3.0}).reshape({}), {0}); }),
      torch("min", "min_zero_dim_dim0", [] { return first(min(vals({3.0}).reshape({}), 0)); }),
      throws("sum", "dim 1 of a 0-d tensor", [] { return sum(vals({3.0}).reshape({}), {1}); },
             dim_out_of_range(1, 0, "[]")),
      throws("sum", "undefined input", [] { return sum(Tensor()); }, {"undefined"}),
      // ---- views
      torch("sum", "sum_transposed_dim", [] { return sum(seq({2, 3}).t(), {1}); }),
      torch("mean", "mean_expanded", [] { return mean(seq({1, 3}).expand({4, 3}), {0}); }),
      torch("var", "var_strided", [] { return var(seq({8}).slice(0, 1, 8, 3)); }),
      torch("max", "max_dim_permuted_indices",
            [] { return second(max(vals({3, 1, 2, 5, 4, 0}, {2, 3}).t(), 1)); }),
      torch("logsumexp", "logsumexp_overlapping",
            [] { return logsumexp(as_strided_view(seq({4}), {3, 2}, {1, 1}, 0), {1}); }),
      torch("prod", "prod_overlapping",
            [] { return prod(as_strided_view(seq({4}) + 1, {3, 2}, {1, 1}, 0), 1); }),
  };
}

TEST(BadInput, Reduce) { run_table("reduce", reduce_rows()); }

}  // namespace
}  // namespace tg::badinput
