#!/usr/bin/python3
"""Writes fixtures/torch_results.json: PyTorch 1.13's results for the bad-input rows that
PyTorch answers with a value (empty tensors, NaN/Inf, promotion, views). Each entry mirrors
the C++ row of the same key in tests/badinput/*_test.cpp. Run: /usr/bin/python3 make_torch_results.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

nan, inf = float("nan"), float("inf")
f32, f64, i64, b8 = torch.float32, torch.float64, torch.int64, torch.bool


def seq(shape, dtype=f32):
    return torch.arange(math.prod(shape)).to(dtype).reshape(shape)


def vals(v, shape=None, dtype=f32):
    t = torch.tensor(v, dtype=f64).to(dtype)
    return t.reshape(shape) if shape is not None else t


def strided(base, size, stride, offset=0):
    return base.as_strided(size, stride, offset)


C = {}  # key -> zero-argument function returning the result tensor

# ---- elementwise
C["add_int_float"] = lambda: seq([3], i64) + vals([0.5, 1.5, 2.5])
C["add_bool_bool"] = lambda: vals([1, 0, 0], [3], b8) + vals([1, 1, 0], [3], b8)
C["div_int_int_by_zero"] = lambda: torch.div(vals([1, -1, 0], [3], i64), vals([0, 0, 0], [3], i64))
C["pow_int_negative_tensor_exponent"] = lambda: torch.pow(
    vals([0, 2, 1, -1, -1, 3], [6], i64), vals([-1, -1, -2, -3, -2, 2], [6], i64))
C["pow_int_scalar_base_float"] = lambda: torch.pow(2.0, vals([0, 1, -1], [3], i64))
C["sub_int"] = lambda: vals([1, 0], [2], i64) - vals([1, 1], [2], i64)
C["pow_bool_base_float_exponent"] = lambda: torch.pow(vals([1, 0], [2], b8), 2.0)
C["logical_and_float"] = lambda: torch.logical_and(vals([0, 1, nan]), vals([1, 1, 1]))
C["add_inf_minus_inf"] = lambda: vals([inf, 1]) + vals([-inf, nan])
C["mul_zero_inf"] = lambda: vals([0, inf]) * vals([inf, -inf])
C["div_float_zero"] = lambda: vals([1, -1, 0]) / vals([0, 0, 0])
C["rdiv_zero"] = lambda: 1.0 / vals([0, inf])
C["pow_special"] = lambda: torch.pow(vals([0, -8, nan, 1, inf, -1]), vals([-1, 1.0 / 3, 0, nan, -1, inf]))
C["maximum_nan"] = lambda: torch.maximum(vals([nan, 1, 2]), vals([0, nan, 1]))
C["minimum_nan"] = lambda: torch.minimum(vals([nan, 1, 2]), vals([0, nan, 1]))
C["eq_nan"] = lambda: torch.eq(vals([nan, inf]), vals([nan, inf]))
C["ne_nan"] = lambda: torch.ne(vals([nan, 1]), nan)
C["lt_inf"] = lambda: torch.lt(vals([-inf, inf, nan]), 0.0)
C["where_nan"] = lambda: torch.where(vals([1, 0], [2], b8), vals([nan, 1]), torch.tensor(inf))
C["mul_scalar_huge"] = lambda: vals([1, -1, 0]) * 1e300
C["add_scalar_nan"] = lambda: vals([1, 2]) + nan
C["ge_nan"] = lambda: torch.ge(vals([nan, 1]), vals([0, 1]))
C["le_nan_scalar"] = lambda: torch.le(vals([nan, -inf]), 0.0)
C["logical_not_nan"] = lambda: torch.logical_not(vals([nan, 0]))
C["logical_or_nan"] = lambda: torch.logical_or(vals([nan, 0]), vals([0, 0]))
C["rsub_inf"] = lambda: 1.0 - vals([inf, 1])
C["equal_nan_is_false"] = lambda: torch.tensor(torch.equal(vals([nan]), vals([nan])))
C["allclose_nan_is_false"] = lambda: torch.tensor(torch.allclose(vals([nan]), vals([nan])))
C["allclose_inf"] = lambda: torch.tensor(torch.allclose(vals([inf]), vals([inf])))
C["add_empty_broadcast"] = lambda: seq([0, 3]) + seq([1, 3])
C["mul_empty_scalar"] = lambda: seq([2, 0]) * 3.0
C["maximum_empty"] = lambda: torch.maximum(seq([0]), seq([1]))
C["add_transposed"] = lambda: seq([2, 3]).t() + seq([3, 1])
C["mul_expanded"] = lambda: seq([1, 3]).expand(2, 3) * seq([2, 1])
C["div_strided_slice"] = lambda: seq([6])[0:6:2] / (seq([6])[1:6:2] + 1)
C["where_permuted"] = lambda: (lambda x: torch.where(x > 4, x, torch.tensor(-1.0)))(seq([2, 3, 2]).permute(2, 0, 1))
C["add_overlapping_view"] = lambda: (lambda w: w + w)(strided(seq([4]), (3, 2), (1, 1)))

# ---- unary
C["exp_special"] = lambda: torch.exp(vals([inf, -inf, nan, 1000]))
C["log_special"] = lambda: torch.log(vals([0, -1, inf, nan]))
C["sqrt_special"] = lambda: torch.sqrt(vals([-1, 0, inf, -0.0]))
C["rsqrt_special"] = lambda: torch.rsqrt(vals([0, -1, inf]))
C["abs_special"] = lambda: torch.abs(vals([-inf, nan, -0.0]))
C["sin_special"] = lambda: torch.sin(vals([inf, nan]))
C["cos_special"] = lambda: torch.cos(vals([-inf, nan]))
C["square_huge"] = lambda: torch.square(vals([1e20, nan]))
C["reciprocal_zero"] = lambda: torch.reciprocal(vals([0, -0.0, inf]))
C["log1p_special"] = lambda: torch.log1p(vals([-1, -2, inf]))
C["clamp_nan"] = lambda: torch.clamp(vals([nan, -inf, inf, 0.5]), 0.0, 1.0)
C["clamp_min_above_max"] = lambda: torch.clamp(vals([0, 1, 2]), 2.0, 1.0)
C["clamp_min_nan_bound"] = lambda: torch.clamp_min(vals([0, 1]), nan)
C["clamp_max_int"] = lambda: torch.clamp_max(seq([4], i64), 2)
C["clamp_int_float_bounds"] = lambda: torch.clamp(seq([4], i64), 0.5, 2.5)
C["to_int64_nonfinite"] = lambda: vals([nan, inf, -inf, 1e300, -1e300, 9.3e18, 2.5, -2.5]).to(i64)
C["sign_special"] = lambda: torch.sign(vals([nan, -0.0, -inf, 3]))
C["floor_special"] = lambda: torch.floor(vals([-inf, nan, -0.5]))
C["ceil_special"] = lambda: torch.ceil(vals([inf, nan, -0.5]))
C["round_half_even"] = lambda: torch.round(vals([0.5, 1.5, 2.5, -0.5, nan]))
C["isnan_values"] = lambda: torch.isnan(vals([nan, inf, 0]))
C["isfinite_values"] = lambda: torch.isfinite(vals([nan, inf, -inf, 0]))
C["isfinite_int"] = lambda: torch.isfinite(seq([2], i64))
C["exp_int_promotes"] = lambda: torch.exp(seq([3], i64))
C["sqrt_bool_promotes"] = lambda: torch.sqrt(vals([1, 0], [2], b8))
C["abs_int_min"] = lambda: torch.abs(vals([-5, 3], [2], i64))
C["exp_empty"] = lambda: torch.exp(seq([0, 2]))
C["log_transposed"] = lambda: torch.log(seq([2, 3]).t() + 1)
C["abs_expanded"] = lambda: torch.abs(vals([-1, 2]).expand(2, 2))

# ---- activation
C["relu_special"] = lambda: torch.relu(vals([nan, -inf, inf, -0.0]))
C["leaky_relu_special"] = lambda: F.leaky_relu(vals([nan, -inf, 1]), 0.1)
C["hardtanh_nan"] = lambda: F.hardtanh(vals([nan, -inf, inf]))
C["relu6_special"] = lambda: F.relu6(vals([nan, inf, -inf]))
C["elu_special"] = lambda: F.elu(vals([nan, -inf, inf]))
C["gelu_special"] = lambda: F.gelu(vals([nan, -inf, inf]))
C["gelu_tanh_special"] = lambda: F.gelu(vals([nan, -inf, inf]), approximate="tanh")
C["sigmoid_special"] = lambda: torch.sigmoid(vals([nan, -inf, inf, -1000]))
C["tanh_special"] = lambda: torch.tanh(vals([nan, -inf, inf]))
C["softplus_special"] = lambda: F.softplus(vals([nan, -inf, inf, 1000]))
C["silu_special"] = lambda: F.silu(vals([nan, -inf, inf]))
C["normal_cdf_special"] = lambda: torch.special.ndtr(vals([nan, -inf, inf]))
C["softmax_inf"] = lambda: torch.softmax(vals([inf, 0, 1]), 0)
C["softmax_all_neg_inf"] = lambda: torch.softmax(vals([-inf, -inf]), 0)
C["softmax_nan"] = lambda: torch.softmax(vals([nan, 0]), 0)
C["softmax_huge"] = lambda: torch.softmax(vals([1e30, 0, -1e30]), 0)
C["softmax_empty"] = lambda: torch.softmax(seq([0, 3]), 1)
C["softmax_empty_dim"] = lambda: torch.softmax(seq([3, 0]), 1)
C["softmax_transposed"] = lambda: torch.softmax(seq([2, 3]).t(), 1)
C["softmax_zero_dim"] = lambda: torch.softmax(vals([2.0]).reshape([]), 0)
C["log_softmax_neg_inf"] = lambda: torch.log_softmax(vals([-inf, 0]), 0)
C["log_softmax_huge"] = lambda: torch.log_softmax(vals([1e30, 0]), 0)
C["log_softmax_expanded"] = lambda: torch.log_softmax(seq([1, 3]).expand(2, 3), 1)
C["sigmoid_int_promotes"] = lambda: torch.sigmoid(seq([2], i64))
C["relu_int"] = lambda: torch.relu(vals([-2, 3], [2], i64))
C["elu_empty"] = lambda: F.elu(seq([0]))

# ---- reduce
e03 = lambda: seq([0, 3])
C["sum_empty"] = lambda: torch.sum(e03())
C["sum_empty_dim0"] = lambda: torch.sum(e03(), 0)
C["sum_empty_dim1_keepdim"] = lambda: torch.sum(e03(), 1, keepdim=True)
C["mean_empty"] = lambda: torch.mean(seq([0]))
C["mean_empty_dim0"] = lambda: torch.mean(e03(), 0)
C["prod_empty"] = lambda: torch.prod(seq([0]))
C["prod_empty_dim0"] = lambda: torch.prod(e03(), 0)
C["var_one_element"] = lambda: torch.var(vals([1.0]))
C["var_empty"] = lambda: torch.var(seq([0]))
C["std_empty_dim0"] = lambda: torch.std(e03(), 0)
C["std_one_element_unbiased"] = lambda: torch.std(vals([2.0, 3.0]).reshape(2, 1), 1)
C["logsumexp_empty_dim0"] = lambda: torch.logsumexp(e03(), 0)
C["norm_empty"] = lambda: torch.norm(seq([0]))
C["amax_empty_kept_dim"] = lambda: torch.amax(e03(), 1)
C["amin_empty_kept_dim"] = lambda: torch.amin(e03(), 1)
C["argmax_empty_other_dim"] = lambda: torch.argmax(e03(), 1)
C["max_dim_empty_other_dim"] = lambda: torch.max(e03(), 1)[0]
C["sum_inf_minus_inf"] = lambda: torch.sum(vals([inf, -inf, 1]))
C["sum_float_overflow"] = lambda: torch.sum(vals([3e38, 3e38]))
C["mean_nan"] = lambda: torch.mean(vals([nan, 1]))
C["prod_zero_inf"] = lambda: torch.prod(vals([0, inf]))
C["max_nan"] = lambda: torch.max(vals([1, nan, 2]))
C["min_nan"] = lambda: torch.min(vals([1, nan, -inf]))
C["max_dim_nan_values"] = lambda: torch.max(vals([1, nan, 2]), 0)[0]
C["max_dim_nan_indices"] = lambda: torch.max(vals([1, nan, 2]), 0)[1]
C["amax_nan"] = lambda: torch.amax(vals([1, nan, 2, 3], [2, 2]), 1)
C["argmax_nan"] = lambda: torch.argmax(vals([1, nan, 2]))
C["argmin_nan"] = lambda: torch.argmin(vals([1, 0, nan, -1]))
C["argmax_ties"] = lambda: torch.argmax(vals([2, 2, 1]))
C["var_inf"] = lambda: torch.var(vals([inf, 1]))
C["std_nan"] = lambda: torch.std(vals([nan, 1, 2]))
C["logsumexp_all_neg_inf"] = lambda: torch.logsumexp(vals([-inf, -inf]), 0)
C["logsumexp_inf"] = lambda: torch.logsumexp(vals([inf, inf]), 0)
C["logsumexp_huge"] = lambda: torch.logsumexp(vals([1e30, 1e30]), 0)
C["norm_inf_p"] = lambda: torch.norm(vals([1, -2]), inf)
C["norm_negative_p"] = lambda: torch.norm(vals([1, -2]), -1)
C["norm_huge_values"] = lambda: torch.norm(vals([1e30, 1e30], [2], f64))
C["norm_inf_value"] = lambda: torch.norm(vals([inf, 1]))
C["sum_bool"] = lambda: torch.sum(vals([1, 1, 0], [3], b8))
C["prod_int"] = lambda: torch.prod(vals([1, 2, 3], [3], i64))
C["max_bool"] = lambda: torch.max(vals([1, 0], [2], b8))
C["sum_zero_dim_dim0"] = lambda: torch.sum(vals([3.0]).reshape([]), 0)
C["min_zero_dim_dim0"] = lambda: torch.min(vals([3.0]).reshape([]), 0)[0]
C["sum_transposed_dim"] = lambda: torch.sum(seq([2, 3]).t(), 1)
C["mean_expanded"] = lambda: torch.mean(seq([1, 3]).expand(4, 3), 0)
C["var_strided"] = lambda: torch.var(seq([8])[1:8:3])
C["max_dim_permuted_indices"] = lambda: torch.max(vals([3, 1, 2, 5, 4, 0], [2, 3]).t(), 1)[1]
C["logsumexp_overlapping"] = lambda: torch.logsumexp(strided(seq([4]), (3, 2), (1, 1)), 1)
C["prod_overlapping"] = lambda: torch.prod(strided(seq([4]) + 1, (3, 2), (1, 1)), 1)

# ---- shape, join, index, indexing
x23 = lambda: seq([2, 3])
i64s = lambda v, shape=None: vals(v, shape, i64)
C["reshape_transposed"] = lambda: x23().t().reshape(6)
C["reshape_empty_infer"] = lambda: seq([0, 3]).reshape(3, -1)
C["slice_start_past_end"] = lambda: x23()[:, 5:10]
C["slice_start_after_end"] = lambda: x23()[:, 2:1]
C["slice_huge_bounds"] = lambda: x23()[:, -(1 << 62):(1 << 62)]
C["narrow_negative_start"] = lambda: x23().narrow(1, -1, 1)
C["cat_legacy_empty"] = lambda: torch.cat([seq([0]), x23()])
C["cat_promotes"] = lambda: torch.cat([x23(), torch.zeros(1, 3, dtype=i64)])
C["cat_empty_rows"] = lambda: torch.cat([seq([0, 3]), x23(), seq([0, 3])])
C["cat_views"] = lambda: torch.cat([x23().t(), seq([1, 2]).expand(2, 2)])
C["stack_empty_tensors"] = lambda: torch.stack([seq([0, 2]), seq([0, 2])], 1)
C["split_zero_of_empty"] = lambda: torch.split(seq([0, 3]), 0)[-1]
C["split_larger_than_dim"] = lambda: torch.split(x23(), 5, 1)[-1]
C["chunk_more_than_size"] = lambda: torch.chunk(x23(), 5)[-1]
C["repeat_zero"] = lambda: x23().repeat(0, 2)
C["repeat_transposed"] = lambda: x23().t().repeat(1, 2)
C["flip_empty"] = lambda: seq([0, 3]).flip(0)
C["flip_expanded"] = lambda: seq([1, 3]).expand(2, 3).flip(1)
C["index_select_0d_index"] = lambda: x23().index_select(1, i64s([1]).reshape([]))
C["index_select_empty_index"] = lambda: x23().index_select(1, i64s([], [0]))
C["index_select_transposed"] = lambda: x23().t().index_select(0, i64s([2, 0]))
C["gather_empty_index"] = lambda: x23().gather(1, torch.zeros(2, 0, dtype=i64))
C["scatter_add_duplicates"] = lambda: x23().scatter_add(1, i64s([0, 0], [1, 2]), torch.ones(1, 2))
C["nonzero_empty"] = lambda: torch.nonzero(seq([0, 3]))
C["nonzero_zero_dim"] = lambda: torch.nonzero(vals([2.0]).reshape([]))
C["nonzero_nan"] = lambda: torch.nonzero(vals([0, nan]))
C["nonzero_transposed"] = lambda: torch.nonzero(vals([0, 1, 1, 0, 0, 1], [2, 3]).t())
C["masked_select_broadcast_mask"] = lambda: x23().masked_select(vals([1, 0, 1], [3], b8))
C["masked_fill_neg_inf_broadcast"] = lambda: x23().masked_fill(vals([1, 0], [2, 1], b8), -inf)
C["one_hot_empty_with_classes"] = lambda: F.one_hot(i64s([], [0]), 3)
C["index_negative_tensor"] = lambda: x23()[i64s([-1])]
C["index_slice_past_end"] = lambda: x23()[5:10]
C["index_transposed_tensor"] = lambda: x23().t()[i64s([2, 0]), :]
C["index_put_row_of_expanded"] = lambda: (lambda y: (y.__setitem__(0, 1.0), y)[1])(seq([1, 3]).expand(2, 3))
C["index_put_accumulate_duplicates"] = lambda: x23().index_put((i64s([0, 0]),), vals([1, 2]).reshape(2, 1), True)

# ---- conv, pool, resample, pad
x1244 = lambda: seq([1, 2, 4, 4])
w3233 = lambda: torch.ones(3, 2, 3, 3)
C["conv2d_unbatched"] = lambda: F.conv2d(x1244()[0], w3233())
C["conv2d_batch0"] = lambda: F.conv2d(seq([0, 2, 4, 4]), w3233())
C["conv2d_nan"] = lambda: F.conv2d(vals([1, nan, 2, 3, 4, 5, 6, 7, 8], [1, 1, 3, 3]), torch.ones(1, 1, 2, 2))
C["conv2d_inf_weight"] = lambda: F.conv2d(seq([1, 1, 3, 3]), vals([inf, 0, 0, 0], [1, 1, 2, 2]))
C["conv2d_permuted_input"] = lambda: F.conv2d(seq([1, 4, 4, 2]).permute(0, 3, 1, 2), w3233())
C["conv2d_expanded_input"] = lambda: F.conv2d(seq([1, 1, 4, 4]).expand(2, 2, 4, 4), w3233())
C["conv2d_transposed_weight"] = lambda: F.conv2d(x1244(), seq([3, 2, 3, 3]).transpose(2, 3))
C["conv1d_padding_same_even"] = lambda: F.conv1d(seq([1, 1, 5]), vals([1, 2], [1, 1, 2]), padding="same")
C["conv_transpose1d_batch0"] = lambda: F.conv_transpose1d(seq([0, 2, 3]), torch.ones(2, 1, 2))
C["conv_backward_input_output_padding"] = lambda: torch.nn.grad.conv2d_input(
    [1, 1, 6, 6], torch.ones(1, 1, 3, 3), seq([1, 1, 2, 2]), stride=2)
C["conv_backward_weight_strided_remainder"] = lambda: torch.nn.grad.conv2d_weight(
    seq([1, 1, 6, 6]), [1, 1, 3, 3], seq([1, 1, 2, 2]), stride=2)
C["max_pool2d_batch0"] = lambda: F.max_pool2d(seq([0, 2, 4, 4]), 2)
C["max_pool1d_nan"] = lambda: F.max_pool1d(vals([1, nan, 2, 3], [1, 1, 4]), 2)
C["max_pool1d_neg_inf"] = lambda: F.max_pool1d(vals([-inf, -inf, 2, 3], [1, 1, 4]), 2)
C["max_pool2d_permuted"] = lambda: F.max_pool2d(seq([1, 4, 4, 2]).permute(0, 3, 1, 2), 2)
C["max_pool2d_ceil"] = lambda: F.max_pool2d(seq([1, 1, 5, 5]), 2, 2, 0, 1, ceil_mode=True)
C["max_pool2d_indices_nan"] = lambda: F.max_pool2d(vals([1, nan, 3, 2], [1, 1, 2, 2]), 2, return_indices=True)[1]
C["avg_pool1d_inf"] = lambda: F.avg_pool1d(vals([inf, -inf, 1, 2], [1, 1, 4]), 2)
C["avg_pool2d_expanded"] = lambda: F.avg_pool2d(seq([1, 1, 4, 4]).expand(1, 2, 4, 4), 2)
C["avg_pool2d_batch0"] = lambda: F.avg_pool2d(seq([0, 1, 4, 4]), 2)
C["adaptive_avg_pool2d_zero_output"] = lambda: F.adaptive_avg_pool2d(x1244(), (0, 0))
C["adaptive_avg_pool2d_larger_output"] = lambda: F.adaptive_avg_pool2d(x1244(), (7, 7))
C["adaptive_avg_pool3d_zero_output"] = lambda: F.adaptive_avg_pool3d(seq([1, 1, 2, 2, 2]), (0, 1, 1))
C["adaptive_avg_pool1d_nan"] = lambda: F.adaptive_avg_pool1d(vals([1, nan, 2, 3], [1, 1, 4]), 2)
C["adaptive_max_pool1d_nan"] = lambda: F.adaptive_max_pool1d(vals([1, nan, 2, 3], [1, 1, 4]), 2)
C["interpolate_linear_nan"] = lambda: F.interpolate(vals([1, nan], [1, 1, 2]), size=4, mode="linear", align_corners=False)
C["interpolate_batch0"] = lambda: F.interpolate(seq([0, 2, 4]), size=3)
C["interpolate_permuted"] = lambda: F.interpolate(seq([1, 4, 4, 2]).permute(0, 3, 1, 2), size=(3, 5), mode="bilinear", align_corners=False)
v124 = lambda: seq([1, 2, 4])
C["pad_negative_crops"] = lambda: F.pad(v124(), (-1, -1))
C["pad_nan_value"] = lambda: F.pad(v124(), (1, 0), value=nan)
C["pad_reflect_max"] = lambda: F.pad(v124(), (3, 0), mode="reflect")
C["pad_transposed_replicate"] = lambda: F.pad(seq([1, 4, 2]).transpose(1, 2), (1, 2), mode="replicate")
C["pad_empty_batch_constant"] = lambda: F.pad(seq([0, 2, 4]), (1, 1))

# ---- loss, norm, linalg, boxes
from torchvision.ops import box_area, box_iou, generalized_box_iou, nms  # noqa: E402
t02 = lambda: i64s([0, 2])
C["cross_entropy_all_ignored"] = lambda: F.cross_entropy(x23(), i64s([-100, -100]))
C["cross_entropy_empty"] = lambda: F.cross_entropy(seq([0, 3]), i64s([], [0]))
C["cross_entropy_empty_sum"] = lambda: F.cross_entropy(seq([0, 3]), i64s([], [0]), reduction="sum")
C["cross_entropy_inf_logit"] = lambda: F.cross_entropy(vals([inf, 0, 0], [1, 3]), i64s([0]))
C["cross_entropy_neg_inf_logit"] = lambda: F.cross_entropy(vals([-inf, 0, 0], [1, 3]), i64s([0]))
C["cross_entropy_nan_logit"] = lambda: F.cross_entropy(vals([nan, 0, 0], [1, 3]), i64s([1]))
C["cross_entropy_unbatched"] = lambda: F.cross_entropy(vals([1, 2, 3]), i64s([1]).reshape([]))
C["cross_entropy_zero_weights"] = lambda: F.cross_entropy(x23(), t02(), weight=torch.zeros(3))
C["cross_entropy_transposed_input"] = lambda: F.cross_entropy(seq([3, 2]).t(), t02())
C["nll_loss_all_ignored"] = lambda: F.nll_loss(x23(), i64s([-100, -100]))
C["binary_cross_entropy_log_clamped"] = lambda: F.binary_cross_entropy(vals([0, 1]), vals([1, 0]))
C["binary_cross_entropy_empty"] = lambda: F.binary_cross_entropy(seq([0]), seq([0]))
C["bce_with_logits_inf"] = lambda: F.binary_cross_entropy_with_logits(vals([inf, -inf]), vals([1, 0]))
C["bce_with_logits_huge"] = lambda: F.binary_cross_entropy_with_logits(vals([1e30, -1e30]), vals([0, 1]))
C["mse_loss_broadcast"] = lambda: F.mse_loss(torch.zeros(2, 1), torch.ones(2))
C["mse_loss_empty"] = lambda: F.mse_loss(seq([0]), seq([0]))
C["mse_loss_empty_sum"] = lambda: F.mse_loss(seq([0]), seq([0]), reduction="sum")
C["mse_loss_inf"] = lambda: F.mse_loss(vals([inf]), vals([inf]))
C["l1_loss_empty"] = lambda: F.l1_loss(seq([0]), seq([0]))
C["smooth_l1_loss_beta0"] = lambda: F.smooth_l1_loss(vals([1, -2]), torch.zeros(2), beta=0.0)
C["kl_div_zero_target"] = lambda: F.kl_div(vals([-1, -2]), vals([0, 1]), reduction="sum")
C["kl_div_negative_target"] = lambda: F.kl_div(vals([-1, -2]), vals([-0.5, 1]), reduction="sum")
C["kl_div_log_target_neg_inf"] = lambda: F.kl_div(vals([-1, -2]), vals([-inf, 0]), reduction="sum", log_target=True)
C["kl_div_batchmean_empty"] = lambda: F.kl_div(seq([0, 2]), seq([0, 2]), reduction="batchmean")
C["batch_norm_constant_train"] = lambda: F.batch_norm(torch.ones(2, 3), None, None, training=True)
C["batch_norm_nan_train"] = lambda: F.batch_norm(vals([nan, 1], [2, 1]), None, None, training=True)
C["batch_norm_negative_running_var"] = lambda: F.batch_norm(torch.ones(2, 1), torch.zeros(1), -torch.ones(1))
C["batch_norm_permuted_train"] = lambda: F.batch_norm(seq([2, 3, 3, 2]).permute(0, 3, 1, 2), None, None, training=True)
C["layer_norm_constant"] = lambda: F.layer_norm(torch.ones(2, 3), (3,))
C["layer_norm_inf"] = lambda: F.layer_norm(vals([inf, 1, 2]), (3,))
C["layer_norm_empty_batch"] = lambda: F.layer_norm(seq([0, 3]), (3,))
C["layer_norm_transposed"] = lambda: F.layer_norm(seq([3, 2]).t(), (3,))
C["group_norm_constant"] = lambda: F.group_norm(torch.ones(1, 2, 2), 2)
C["group_norm_batch0"] = lambda: F.group_norm(torch.ones(0, 4, 2), 2)
C["mm_inner_zero"] = lambda: torch.mm(torch.zeros(2, 0), torch.zeros(0, 3))
C["mm_nan"] = lambda: torch.mm(vals([nan, 1], [1, 2]), vals([0, 1], [2, 1]))
C["mm_inf_times_zero"] = lambda: torch.mm(vals([inf, 1], [1, 2]), vals([0, 1], [2, 1]))
C["mm_transposed"] = lambda: torch.mm(seq([3, 2]).t(), seq([2, 3]).t())
C["mm_expanded"] = lambda: torch.mm(seq([1, 3]).expand(2, 3), seq([3, 2]))
C["bmm_batch_zero"] = lambda: torch.bmm(torch.zeros(0, 2, 3), torch.zeros(0, 3, 4))
C["matmul_vector_vector"] = lambda: torch.matmul(seq([3]), seq([3]))
C["matmul_empty_batch"] = lambda: torch.matmul(torch.zeros(0, 2, 3), torch.zeros(3, 4))
C["matmul_broadcast_views"] = lambda: torch.matmul(seq([2, 1, 3, 2]).transpose(2, 3), seq([3, 3, 2]))
C["linear_zero_in_features"] = lambda: F.linear(torch.zeros(2, 0), torch.zeros(3, 0), seq([3]))
C["outer_empty"] = lambda: torch.outer(seq([0]), seq([2]))
C["box_area_degenerate"] = lambda: box_area(vals([2, 2, 1, 1], [1, 4]))
C["box_iou_zero_area"] = lambda: box_iou(torch.zeros(1, 4), torch.zeros(1, 4))
C["giou_zero_area"] = lambda: generalized_box_iou(torch.zeros(1, 4), torch.zeros(1, 4))
C["giou_empty"] = lambda: generalized_box_iou(torch.zeros(0, 4), torch.zeros(2, 4))
C["nms_empty"] = lambda: nms(torch.zeros(0, 4), torch.zeros(0), 0.5)
C["nms_nan_score"] = lambda: nms(vals([0, 0, 1, 1, 0, 0, 1, 1], [2, 4]), vals([nan, 1]), 0.5)
C["nms_nan_threshold"] = lambda: nms(vals([0, 0, 1, 1, 0, 0, 1, 1], [2, 4]), vals([0.5, 1]), nan)

# ---- modules (results shared with the functional rows where the call is the same)
C["dropout_eval_nan"] = lambda: torch.nn.Dropout(0.5).eval()(vals([nan, inf]))
C["dropout_p1_train"] = lambda: torch.nn.Dropout(1.0)(vals([inf, 2]))


def encode(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def main():
    names = {f32: "float32", f64: "float64", i64: "int64", b8: "bool"}
    out = {}
    for key, fn in C.items():
        t = fn()
        assert isinstance(t, torch.Tensor), key
        values = t.detach().reshape(-1).tolist()
        if t.dtype == b8:
            values = [int(v) for v in values]
        out[key] = {"shape": list(t.shape), "dtype": names[t.dtype],
                    "values": [encode(float(v)) if t.dtype != i64 else v for v in values]}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "torch_results.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)
        f.write("\n")
    print(f"{len(out)} results -> {path}")


if __name__ == "__main__":
    main()
