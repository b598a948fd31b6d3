// Bad input to the view, join and index ops (ops/shape.h, ops/join.h, ops/index.h,
// ops/indexing.h): bad dims and sizes, huge sizes, indices out of range, index dtypes.
#include "badinput/bad_input.h"

namespace tg::badinput {
namespace {

Tensor i64s(const std::vector<double>& v, IntArrayRef shape = {}) { return vals(v, shape, kInt64); }
Tensor list_result(const TensorList& l) { return l.empty() ? Tensor() : l.back(); }

std::vector<Row> shape_rows() {
  const Tensor x = seq({2, 3});
  return {
      throws("view", "[4, 2] of 6 elements", [=] { return view(x, {4, 2}); }, {"[4, 2]", "6"}),
      throws("view", "size -2", [=] { return view(x, {-2, 3}); }, {"-2"}),
      throws("view", "two -1", [=] { return view(x, {-1, -1}); }, {"[-1, -1]"}),
      throws("view", "transposed input spans two subspaces", [=] { return view(x.t(), {6}); },
             {"[3, 2]"}),
      throws("view", "[2^62, 2^62, 0] of an empty tensor", [] { return view(seq({0}), {kHuge, kHuge, 0}); },
             {"4611686018427387904"}).fix(),
      throws("reshape", "[5] of 6 elements", [=] { return reshape(x, {5}); }, {"[5]", "6"}),
      throws("reshape", "[-1, 0] of 0 elements is ambiguous", [] { return reshape(seq({0, 3}), {-1, 0}); },
             {"[-1, 0]"}),
      throws("reshape", "huge sizes whose product wraps to 6",
             [=] { return reshape(x, {int64_t{1} << 62, 4, 6}); }, {"4611686018427387904"}).fix(),
      torch("reshape", "reshape_transposed", [=] { return reshape(x.t(), {6}); }),
      torch("reshape", "reshape_empty_infer", [] { return reshape(seq({0, 3}), {3, -1}); }),
      throws("permute", "repeated dim", [=] { return permute(x, {0, 0}); }, {"[0, 0]"}),
      throws("permute", "too few dims", [=] { return permute(x, {0}); }, {"[0]", "2 dimensions"}),
      throws("permute", "dim out of range", [=] { return permute(x, {0, 2}); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("transpose", "dim 2 of [2, 3]", [=] { return transpose(x, 0, 2); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("transpose", "dim -3 of [2, 3]", [=] { return transpose(x, -3, 0); }, dim_out_of_range(-3, 2, "[2, 3]")),
      throws("slice", "step 0", [=] { return slice(x, 1, 0, 3, 0); }, {"step"}),
      throws("slice", "negative step", [=] { return slice(x, 1, 0, 3, -1); }, {"step", "-1"}),
      throws("slice", "dim 2 of [2, 3]", [=] { return slice(x, 2, 0, 1); }, dim_out_of_range(2, 2, "[2, 3]")),
      torch("slice", "slice_start_past_end", [=] { return slice(x, 1, 5, 10); }),
      torch("slice", "slice_start_after_end", [=] { return slice(x, 1, 2, 1); }),
      torch("slice", "slice_huge_bounds", [=] { return slice(x, 1, -kHuge, kHuge); }),
      throws("narrow", "negative length", [=] { return narrow(x, 1, 0, -1); }, {"-1", "[2, 3]"}),
      throws("narrow", "start + length past the end", [=] { return narrow(x, 1, 2, 2); },
             {"2", "[2, 3]"}),
      throws("narrow", "huge start + length (overflow)", [=] { return narrow(x, 1, 1, INT64_MAX); },
             {"[2, 3]"}).fix(),
      torch("narrow", "narrow_negative_start", [=] { return narrow(x, 1, -1, 1); }),
      throws("select", "index 2 of size 2", [=] { return select(x, 0, 2); }, {"index 2", "size 2"}),
      throws("select", "index -3 of size 2", [=] { return select(x, 0, -3); }, {"index -3", "size 2"}),
      throws("select", "0-d tensor", [] { return select(vals({1.0}).reshape({}), 0, 0); }, {"0-d"}),
      throws("select", "index INT64_MIN", [=] { return select(x, 0, INT64_MIN); }, {"-9223372036854775808", "size 2"}),
      throws("expand", "fewer sizes than dims", [=] { return expand(x, {3}); }, {"[3]", "[2, 3]"}),
      throws("expand", "3 to 4", [=] { return expand(x, {2, 4}); }, {"[2, 4]", "[2, 3]"}),
      throws("expand", "-1 for a new leading dim", [=] { return expand(x, {-1, 2, 3}); }, {"-1"}),
      throws("expand", "size -2", [] { return expand(seq({1}), {-2}); }, {"-2"}).fix(),
      throws("expand", "[2^62, 2^62] (element count overflows)",
             [] { return expand(seq({1}), {kHuge, kHuge}); }, {"4611686018427387904"}).fix(),
      throws("squeeze", "dim 2 of [2, 3]", [=] { return squeeze(x, 2); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("unsqueeze", "dim 4 of [2, 3]", [=] { return unsqueeze(x, 4); }, dim_out_of_range(4, 3, "[2, 3]")),
      throws("unsqueeze", "dim -4 of [2, 3]", [=] { return unsqueeze(x, -4); }, dim_out_of_range(-4, 3, "[2, 3]")),
      throws("flatten", "start_dim after end_dim", [=] { return flatten(x, 1, 0); },
             {"start_dim", "end_dim"}),
      throws("flatten", "end_dim 2 of [2, 3]", [=] { return flatten(x, 0, 2); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("unflatten", "sizes [2, 2] for size 3", [=] { return unflatten(x, 1, {2, 2}); },
             {"[2, 2]", "3"}),
      throws("unflatten", "two -1", [=] { return unflatten(x, 1, {-1, -1}); }, {"[-1, -1]"}),
      throws("unflatten", "empty sizes", [=] { return unflatten(x, 1, {}); }, {"[]"}),
      throws("unflatten", "dim 2 of [2, 3]", [=] { return unflatten(x, 2, {3}); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("movedim", "destination 2 of [2, 3]", [=] { return x.movedim(0, 2); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("diagonal", "the same dim twice", [=] { return x.diagonal(0, 0, 0); }, {"0"}),
      throws("unbind", "dim 2 of [2, 3]", [=] { return list_result(x.unbind(2)); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("slice", "slice_backward: dim 2 of [2, 3]",
             [=] { return slice_backward(x, Shape{2, 3}, 2, 0, 1, 1); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("infer_shape", "two -1", [] { (void)infer_shape({-1, -1}, 6, "infer_shape"); return none(); },
             {"[-1, -1]"}),
      throws("view", "undefined input", [] { return view(Tensor(), {1}); }, {"undefined"}),
      throws("as_strided", "as_strided_view: an element past the end of storage",
             [] { return as_strided_view(seq({4}), {3}, {2}, 0); }, {"[3]"}),
      throws("as_strided", "as_strided_view: negative offset",
             [] { return as_strided_view(seq({4}), {2}, {1}, -1); }, {"-1"}),
      throws("as_strided", "as_strided_view: negative stride reaching before the storage",
             [] { return as_strided_view(seq({4}), {3}, {-1}, 1); }, {"-1"}),
  };
}

std::vector<Row> join_rows() {
  const Tensor x = seq({2, 3});
  return {
      throws("cat", "empty list", [] { return cat({}); }, {"empty"}),
      throws("cat", "[2, 3] with [2, 4] along dim 0", [=] { return cat({x, seq({2, 4})}); },
             {"[2, 4]", "size 3"}),
      throws("cat", "rank 2 with rank 1", [=] { return cat({x, seq({3})}, 0); }, {"[2, 3]", "[3]"}),
      throws("cat", "dim 2 of [2, 3]", [=] { return cat({x, x}, 2); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("cat", "undefined tensor in the list", [=] { return cat({x, Tensor()}); }, {"undefined"}),
      torch("cat", "cat_legacy_empty", [=] { return cat({seq({0}), x}); }),
      torch("cat", "cat_promotes", [=] { return cat({x, zeros({1, 3}, kInt64)}); }),
      torch("cat", "cat_empty_rows", [=] { return cat({seq({0, 3}), x, seq({0, 3})}); }),
      torch("cat", "cat_views", [=] { return cat({x.t(), seq({1, 2}).expand({2, 2})}); }),
      throws("stack", "empty list", [] { return stack({}); }, {"empty"}),
      throws("stack", "[2, 3] with [3, 2]", [=] { return stack({x, seq({3, 2})}); },
             {"[2, 3]", "[3, 2]"}),
      throws("stack", "dim 3 of [2, 3]", [=] { return stack({x, x}, 3); }, {"3"}),
      torch("stack", "stack_empty_tensors", [] { return stack({seq({0, 2}), seq({0, 2})}, 1); }),
      throws("split", "split_size 0 of a non-empty dim", [=] { return list_result(split(x, 0)); },
             {"split_size", "size 2"}),
      throws("split", "negative split_size", [=] { return list_result(split(x, -1)); }, {"-1"}),
      torch("split", "split_zero_of_empty", [] { return list_result(split(seq({0, 3}), 0)); }),
      torch("split", "split_larger_than_dim", [=] { return list_result(split(x, 5, 1)); }),
      throws("split", "dim 2 of [2, 3]", [=] { return list_result(split(x, 1, 2)); }, dim_out_of_range(2, 2, "[2, 3]")),
      throws("split_with_sizes", "sizes summing to 3 for size 2",
             [=] { return list_result(split_with_sizes(x, {1, 2})); }, {"[1, 2]", "[2, 3]"}),
      throws("split_with_sizes", "negative size",
             [=] { return list_result(split_with_sizes(x, {3, -1})); }, {"[3, -1]"}),
      throws("split_with_sizes", "huge sizes that wrap to 2",
             [=] { return list_result(split_with_sizes(x, {INT64_MAX, INT64_MAX, 4})); },
             {"[2, 3]"}).fix(),
      throws("chunk", "0 chunks", [=] { return list_result(chunk(x, 0)); }, {"0"}),
      throws("chunk", "-1 chunks", [=] { return list_result(chunk(x, -1)); }, {"-1"}),
      torch("chunk", "chunk_more_than_size", [=] { return list_result(chunk(x, 5)); }),
      throws("repeat", "negative repeat", [=] { return repeat(x, {-1, 1}); }, {"-1"}),
      throws("repeat", "fewer repeats than dims", [=] { return repeat(x, {2}); }, {"[2]", "[2, 3]"}),
      throws("repeat", "[2^62, 2^62] (element count overflows)", [=] { return repeat(x, {kHuge, kHuge}); },
             {"4611686018427387904"}).fix(),
      torch("repeat", "repeat_zero", [=] { return repeat(x, {0, 2}); }),
      torch("repeat", "repeat_transposed", [=] { return repeat(x.t(), {1, 2}); }),
      throws("flip", "dim 0 twice", [=] { return flip(x, {0, 0}); }, {"0"}),
      throws("flip", "dim 2 of [2, 3]", [=] { return flip(x, {2}); }, dim_out_of_range(2, 2, "[2, 3]")),
      torch("flip", "flip_empty", [] { return flip(seq({0, 3}), {0}); }),
      torch("flip", "flip_expanded", [] { return flip(seq({1, 3}).expand({2, 3}), {1}); }),
  };
}

std::vector<Row> index_rows() {
  const Tensor x = seq({2, 3});
  return {
      throws("index_select", "index 3 of size 3", [=] { return index_select(x, 1, i64s({3})); },
             {"index 3", "size 3"}),
      throws("index_select", "index -1", [=] { return index_select(x, 1, i64s({-1})); }, {"-1"}),
      throws("index_select", "float index", [=] { return index_select(x, 1, vals({0})); },
             {"float32"}),
      throws("index_select", "2-D index", [=] { return index_select(x, 1, i64s({0, 1}, {1, 2})); },
             {"[1, 2]"}),
      throws("index_select", "dim 2 of [2, 3]", [=] { return index_select(x, 2, i64s({0})); },
             dim_out_of_range(2, 2, "[2, 3]")),
      torch("index_select", "index_select_0d_index", [=] { return index_select(x, 1, i64s({1}).reshape({})); }),
      torch("index_select", "index_select_empty_index", [=] { return index_select(x, 1, i64s({}, {0})); }),
      torch("index_select", "index_select_transposed", [=] { return index_select(x.t(), 0, i64s({2, 0})); }),
      throws("index_add", "index 3 of size 3", [=] { return index_add(x, 1, i64s({3}), ones({2, 1})); },
             {"3"}),
      throws("index_add", "source [2, 2] for 1 index", [=] { return index_add(x, 1, i64s({0}), ones({2, 2})); },
             {"[2, 2]"}),
      throws("gather", "index 3 of size 3", [=] { return gather(x, 1, i64s({3}, {1, 1})); }, {"3"}),
      throws("gather", "index -1", [=] { return gather(x, 1, i64s({-1}, {1, 1})); }, {"-1"}),
      throws("gather", "index of rank 1 for input of rank 2", [=] { return gather(x, 1, i64s({0})); },
             {"[1]", "[2, 3]"}),
      throws("gather", "index [3, 1] larger than input [2, 3] off dim", [=] {
               return gather(x, 1, zeros({3, 1}, kInt64)); }, {"[3, 1]", "[2, 3]"}),
      throws("gather", "float index", [=] { return gather(x, 1, zeros({1, 1})); }, {"float32"}),
      torch("gather", "gather_empty_index", [=] { return gather(x, 1, zeros({2, 0}, kInt64)); }),
      throws("scatter", "index 5 of size 3", [=] { return scatter(x, 1, i64s({5}, {1, 1}), ones({1, 1})); },
             {"5"}),
      throws("scatter", "value form, index 4", [=] { return scatter(x, 1, i64s({4}, {1, 1}), Scalar(2.0)); },
             {"4"}),
      throws("scatter", "float index", [=] { return scatter(x, 1, zeros({1, 1}), Scalar(1.0)); },
             {"float32"}),
      throws("scatter_add", "index -1", [=] { return scatter_add(x, 1, i64s({-1}, {1, 1}), ones({1, 1})); },
             {"-1"}),
      throws("scatter_add", "src smaller than index", [=] {
               return scatter_add(x, 1, zeros({2, 2}, kInt64), ones({1, 1})); }, {"[1, 1]", "[2, 2]"}),
      torch("scatter_add", "scatter_add_duplicates", [=] { return scatter_add(x, 1, i64s({0, 0}, {1, 2}), ones({1, 2})); }),
      torch("nonzero", "nonzero_empty", [] { return nonzero(seq({0, 3})); }),
      torch("nonzero", "nonzero_zero_dim", [] { return nonzero(vals({2.0}).reshape({})); }),
      torch("nonzero", "nonzero_nan", [] { return nonzero(vals({0, kNaN})); }),
      torch("nonzero", "nonzero_transposed", [] { return nonzero(vals({0, 1, 1, 0, 0, 1}, {2, 3}).t()); }),
      throws("masked_select", "float mask", [=] { return masked_select(x, ones({2, 3})); }, {"float32"}),
      throws("masked_select", "mask [4] against [2, 3]", [=] { return masked_select(x, ones({4}, kBool)); },
             {"[2, 3]", "[4]"}),
      torch("masked_select", "masked_select_broadcast_mask", [=] { return masked_select(x, vals({1, 0, 1}, {3}, kBool)); }),
      throws("masked_fill", "float mask", [=] { return masked_fill(x, ones({2, 3}), Scalar(1.0)); },
             {"float32"}),
      throws("masked_fill", "mask [4] against [2, 3]", [=] { return masked_fill(x, ones({4}, kBool), Scalar(1.0)); },
             {"[2, 3]", "[4]"}),
      throws("masked_fill", "Inf into an int64 tensor",
             [] { return masked_fill(seq({3}, kInt64), ones({3}, kBool), Scalar(kInf)); }, {"inf"}).fix(),
      throws("masked_fill", "NaN into an int64 tensor",
             [] { return masked_fill(seq({3}, kInt64), ones({3}, kBool), Scalar(kNaN)); }, {"nan"}).fix(),
      torch("masked_fill", "masked_fill_neg_inf_broadcast",
            [=] { return masked_fill(x, vals({1, 0}, {2, 1}, kBool), Scalar(-kInf)); }),
      throws("one_hot", "negative class", [] { return one_hot(i64s({-1, 0})); }, {"-1"}),
      throws("one_hot", "class 3 with num_classes 3", [] { return one_hot(i64s({3}), 3); }, {"3"}),
      throws("one_hot", "num_classes inferred from an empty tensor", [] { return one_hot(i64s({}, {0})); },
             {"empty"}),
      throws("one_hot", "float input", [] { return one_hot(zeros({2})); }, {"float32"}),
      throws("one_hot", "num_classes 0", [] { return one_hot(i64s({0}), 0); }, {"0"}),
      throws("one_hot", "num_classes 2^62 (too large to allocate)", [] { return one_hot(i64s({0}), kHuge); },
             {"4611686018427387904"}).fix(),
      torch("one_hot", "one_hot_empty_with_classes", [] { return one_hot(i64s({}, {0}), 3); }),
  };
}

std::vector<Row> indexing_rows() {
  using namespace tg::indexing;
  const Tensor x = seq({2, 3});
  return {
      throws("index", "integer 2 of size 2", [=] { return x.index({2}); }, {"2"}),
      throws("index", "tensor index 2 of size 2", [=] { return x.index({i64s({0, 2})}); }, {"2"}),
      throws("index", "too many indices", [=] { return x.index({0, 0, 0}); }, {"[2, 3]"}),
      throws("index", "bool mask [3] against dim of size 2", [=] {
               return x.index({vals({1, 0, 1}, {3}, kBool)}); }, {"[3]", "[2, 3]"}),
      throws("index", "float index tensor", [=] { return x.index({vals({0})}); }, {"float32"}),
      throws("index", "slice step 0", [=] { return x.index({Slice(None, None, 0)}); }, {"step"}),
      throws("index", "negative slice step", [=] { return x.index({Slice(None, None, -1)}); }, {"step"}),
      torch("index", "index_negative_tensor", [=] { return x.index({i64s({-1})}); }),
      torch("index", "index_slice_past_end", [=] { return x.index({Slice(5, 10)}); }),
      torch("index", "index_transposed_tensor", [=] { return x.t().index({i64s({2, 0}), Slice()}); }),
      throws("index_put_", "index 2 of size 2", [=] {
               Tensor y = x.clone(); y.index_put_({i64s({2})}, Scalar(1.0)); return y; }, {"2"}).fix(),
      throws("index_put_", "values [4] against [1, 3]", [=] {
               Tensor y = x.clone(); y.index_put_({i64s({0})}, ones({4})); return y; }, {"[4]"}).fix(),
      throws("index", "index_positions: index 2 of size 2", [=] { return index_positions(x, {i64s({2})}); }, {"2"}),
      throws("index_put_", "put_positions: float positions",
             [=] { return put_positions(x, zeros({1}), ones({1})); }, {"int64"}),
      torch("index_put_", "index_put_row_of_expanded", [] {
        Tensor y = seq({1, 3}).expand({2, 3});
        y.index_put_({0}, Scalar(1.0));
        return y;
      }),
      torch("index_put_", "index_put_accumulate_duplicates", [=] {
        return x.index_put(TensorList{i64s({0, 0})}, vals({1, 2}).reshape({2, 1}), true); }),
  };
}

TEST(BadInput, Shape) { run_table("shape", shape_rows()); }
TEST(BadInput, Join) { run_table("join", join_rows()); }
TEST(BadInput, Index) { run_table("index", index_rows()); }
TEST(BadInput, Indexing) { run_table("indexing", indexing_rows()); }

}  // namespace
}  // namespace tg::badinput
