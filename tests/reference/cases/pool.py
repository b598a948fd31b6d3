"""Pooling: max/avg pooling 1-3d, adaptive pooling, max_unpool, interpolate.

Max pooling inputs are shuffled distinct values (no ties); windows may overlap, start in the
padding, or (ceil_mode) run past the input.
"""

import math
import random

import torch.nn.functional as F

from .common import T, distinct, randn


def _tuple(v, n):
    return list(v) if isinstance(v, (list, tuple)) else [v] * n


def pool_out(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling output size, including the rule that drops a last window that would
    start in the right padding."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _shape(n, c, size, d):
    return ([] if n is None else [n]) + [c] + _tuple(size, d)


def _channels_last(rank):
    return [0] + list(range(2, rank)) + [1]


def _max(fam, d, n, c, size, kernel, stride=None, padding=0, dilation=1, ceil_mode=False,
         return_indices=False, perm=None, note=""):
    shape = _shape(n, c, size, d)
    perm = _channels_last(len(shape)) if perm == "cl" else perm
    args = {"kernel_size": kernel, "stride": stride, "padding": padding, "dilation": dilation,
            "ceil_mode": ceil_mode, "return_indices": return_indices}
    fam.add(f"max_pool{d}d", lambda: [T(distinct(shape), permute=perm)], args,
            note=(note + ", " if note else "") + "distinct values")


def _avg(fam, d, n, c, size, kernel, stride=None, padding=0, ceil_mode=False,
         count_include_pad=True, divisor_override=None, perm=None, note=""):
    shape = _shape(n, c, size, d)
    perm = _channels_last(len(shape)) if perm == "cl" else perm
    args = {"kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil_mode,
            "count_include_pad": count_include_pad}
    if d > 1:
        args["divisor_override"] = divisor_override
    fam.add(f"avg_pool{d}d", lambda: [T(randn(shape), permute=perm)], args, note=note)


def _max_pool_cases(fam):
    m = _max
    # 1-d
    m(fam, 1, 2, 3, 8, 2, note="defaults (stride = kernel)")
    m(fam, 1, 2, 2, 9, 3, stride=2, padding=1, note="overlapping windows, padding")
    m(fam, 1, 1, 2, 10, 2, stride=3, note="stride > kernel")
    m(fam, 1, 2, 2, 9, 3, stride=1, dilation=2, note="dilation 2")
    m(fam, 1, 2, 2, 8, 3, stride=2, ceil_mode=True, note="ceil_mode: partial last window")
    m(fam, 1, 2, 2, 5, 2, stride=2, padding=1, ceil_mode=True,
      note="ceil_mode: last window would start in the right padding and is dropped")
    m(fam, 1, 2, 2, 6, 3, stride=2, padding=1, ceil_mode=True,
      note="ceil_mode, first window starts in the padding, last one runs past the padding")
    m(fam, 1, 2, 3, 8, 2, return_indices=True, note="return_indices")
    m(fam, 1, None, 3, 7, 3, stride=2, padding=1, return_indices=True,
      note="unbatched, return_indices")
    m(fam, 1, 2, 3, 7, 3, stride=2, perm="cl", note="non-contiguous input")
    m(fam, 1, 1, 1, 5, 5, note="output size 1")
    # 2-d
    m(fam, 2, 2, 2, 6, 2, note="defaults")
    m(fam, 2, 1, 2, [7, 6], [3, 2], stride=[2, 1], padding=[1, 1],
      note="rectangular kernel, per-dim stride and padding")
    m(fam, 2, 2, 2, 7, 2, stride=3, note="stride > kernel")
    m(fam, 2, 1, 2, 7, 3, stride=1, dilation=[2, 1], padding=[1, 1], note="dilation")
    m(fam, 2, 2, 2, 7, 3, stride=2, ceil_mode=True, note="ceil_mode")
    m(fam, 2, 1, 2, [6, 5], 2, stride=2, padding=1, ceil_mode=True,
      note="ceil_mode, dropped window in the padding")
    m(fam, 2, 1, 2, 6, 3, stride=2, padding=1, ceil_mode=True, return_indices=True,
      note="ceil_mode, padding, return_indices")
    m(fam, 2, 2, 3, 5, 3, stride=2, padding=1, return_indices=True, perm="cl",
      note="channels-last input, return_indices")
    m(fam, 2, None, 2, 5, 2, stride=1, note="unbatched, stride 1")
    m(fam, 2, None, 2, 6, 3, stride=2, padding=1, return_indices=True,
      note="unbatched, return_indices")
    m(fam, 2, 1, 1, [3, 4], [3, 4], note="output 1x1")
    m(fam, 2, 2, 2, 5, 1, stride=2, note="kernel 1: subsampling")
    # 3-d
    m(fam, 3, 1, 2, 4, 2, note="defaults")
    m(fam, 3, 1, 2, [5, 4, 4], [3, 2, 2], stride=[2, 1, 2], padding=[1, 0, 1],
      note="per-dim kernel, stride, padding")
    m(fam, 3, 1, 2, 5, 2, stride=3, note="stride > kernel")
    m(fam, 3, 1, 1, 5, 2, stride=1, dilation=2, note="dilation 2")
    m(fam, 3, 1, 2, 5, 2, stride=2, ceil_mode=True, return_indices=True,
      note="ceil_mode, return_indices")
    m(fam, 3, 2, 2, 4, 3, stride=2, padding=1, perm="cl", note="channels-last input")
    m(fam, 3, None, 2, 4, 2, return_indices=True, note="unbatched, return_indices")


def _avg_pool_cases(fam):
    a = _avg
    # 1-d (no divisor_override in PyTorch)
    a(fam, 1, 2, 3, 8, 2, note="defaults")
    a(fam, 1, 2, 2, 9, 3, stride=2, padding=1, note="padding counted")
    a(fam, 1, 2, 2, 9, 3, stride=2, padding=1, count_include_pad=False,
      note="padding not counted")
    a(fam, 1, 1, 2, 10, 2, stride=3, note="stride > kernel")
    a(fam, 1, 2, 2, 8, 3, stride=2, ceil_mode=True, note="ceil_mode: partial last window")
    a(fam, 1, 2, 2, 6, 3, stride=2, padding=1, ceil_mode=True,
      note="ceil_mode, last window runs past the padding (divisor clipped there)")
    a(fam, 1, 2, 2, 6, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False,
      note="ceil_mode, last window past the padding, padding not counted")
    a(fam, 1, 1, 2, 5, 2, stride=2, padding=1, ceil_mode=True,
      note="ceil_mode: last window would start in the right padding and is dropped")
    a(fam, 1, None, 3, 7, 3, stride=2, padding=1, note="unbatched")
    a(fam, 1, 2, 3, 7, 3, stride=2, perm="cl", note="non-contiguous input")
    a(fam, 1, 1, 1, 5, 5, note="output size 1")
    # 2-d
    a(fam, 2, 2, 2, 6, 2, note="defaults")
    a(fam, 2, 1, 2, [7, 6], [3, 2], stride=[2, 1], padding=[1, 1],
      note="rectangular kernel, per-dim stride and padding")
    a(fam, 2, 1, 2, 7, 3, stride=2, padding=1, count_include_pad=False,
      note="padding not counted")
    a(fam, 2, 2, 2, 7, 2, stride=3, note="stride > kernel")
    a(fam, 2, 2, 2, 7, 3, stride=2, ceil_mode=True, note="ceil_mode")
    a(fam, 2, 1, 2, [6, 5], 3, stride=2, padding=1, ceil_mode=True,
      note="ceil_mode, padding counted")
    a(fam, 2, 1, 2, [6, 5], 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False,
      note="ceil_mode, padding not counted")
    a(fam, 2, 2, 2, 6, 3, stride=2, padding=1, divisor_override=2, note="divisor_override")
    a(fam, 2, 1, 2, 5, 2, stride=2, ceil_mode=True, divisor_override=3,
      note="divisor_override with ceil_mode")
    a(fam, 2, 2, 3, 5, 3, stride=2, padding=1, perm="cl", note="channels-last input")
    a(fam, 2, None, 2, 5, 2, stride=1, note="unbatched")
    a(fam, 2, 1, 1, [3, 4], [3, 4], note="output 1x1")
    # 3-d
    a(fam, 3, 1, 2, 4, 2, note="defaults")
    a(fam, 3, 1, 2, [5, 4, 4], [3, 2, 2], stride=[2, 1, 2], padding=[1, 0, 1],
      note="per-dim kernel, stride, padding")
    a(fam, 3, 1, 2, 5, 3, stride=2, padding=1, count_include_pad=False,
      note="padding not counted")
    a(fam, 3, 1, 2, 5, 2, stride=2, ceil_mode=True, note="ceil_mode")
    a(fam, 3, 1, 2, 4, 2, divisor_override=5, note="divisor_override")
    a(fam, 3, 2, 2, 4, 3, stride=2, padding=1, perm="cl", note="channels-last input")
    a(fam, 3, None, 2, 4, 2, note="unbatched")


def _pool_sweep(fam, count, kind, seed):
    """Seeded random valid configurations for max (kind "max") or avg (kind "avg") pooling."""
    rng = random.Random(seed)
    added = 0
    while added < count:
        d = rng.choice([1, 2, 2, 3])
        n = rng.choice([None, 1, 2])
        c = rng.choice([1, 2, 3])
        kernel = [rng.choice([1, 2, 3, 4]) for _ in range(d)]
        stride = [rng.choice([1, 2, 3]) for _ in range(d)]
        padding = [rng.randint(0, k // 2) for k in kernel]
        dilation = [rng.choice([1, 1, 2]) for _ in range(d)] if kind == "max" else [1] * d
        ceil_mode = rng.random() < 0.5
        size = [rng.randint(2, 7 if d < 3 else 4) for _ in range(d)]
        # (3-d pooling in PyTorch also needs the unpadded input to hold one window)
        slack = [0 if d == 3 else 2 * padding[i] for i in range(d)]
        if any(dilation[i] * (kernel[i] - 1) + 1 > size[i] + slack[i] for i in range(d)):
            continue
        out = [pool_out(size[i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode)
               for i in range(d)]
        if min(out) < 1 or (n or 1) * c * math.prod(size) > 250:
            continue
        simplify = (lambda v: v[0] if len(set(v)) == 1 else v)
        perm = "cl" if rng.random() < 0.3 else None
        note = "random sweep" + (", unbatched" if n is None else "")
        explicit = rng.random() < 0.7
        st = simplify(stride) if explicit else None
        if kind == "max":
            _max(fam, d, n, c, size, simplify(kernel), stride=st, padding=simplify(padding),
                 dilation=simplify(dilation), ceil_mode=ceil_mode,
                 return_indices=rng.random() < 0.4, perm=perm, note=note)
        else:
            div = rng.choice([None, None, 2, 5]) if d > 1 else None
            _avg(fam, d, n, c, size, simplify(kernel), stride=st, padding=simplify(padding),
                 ceil_mode=ceil_mode, count_include_pad=rng.random() < 0.5,
                 divisor_override=div, perm=perm, note=note)
        added += 1


def _adaptive_cases(fam):
    for d, n, c, size, out, perm, note in [
            (1, 2, 3, 7, 3, None, "uneven windows"),
            (1, 2, 2, 6, 6, None, "identity size"),
            (1, 1, 2, 5, 8, None, "output larger than input (overlapping windows)"),
            (1, None, 2, 7, 1, None, "unbatched, global"),
            (2, 2, 2, [5, 7], [2, 3], None, "uneven windows"),
            (2, 1, 3, 6, 1, "cl", "global, channels-last"),
            (2, 1, 2, 4, [6, 5], None, "output larger than input"),
            (2, None, 2, 5, [3, None], None, "unbatched, None keeps the input size"),
            (3, 1, 2, [4, 5, 3], [2, 3, 2], None, "uneven windows"),
            (3, 1, 2, 3, 1, "cl", "global, channels-last"),
            (3, None, 2, 4, [3, 2, 4], None, "unbatched")]:
        shape = _shape(n, c, size, d)
        p = _channels_last(len(shape)) if perm == "cl" else perm
        fam.add(f"adaptive_avg_pool{d}d", lambda shape=shape, p=p: [T(randn(shape), permute=p)],
                {"output_size": out}, note=note)
    for n, c, size, out, ri, perm, note in [
            (2, 2, [5, 7], [2, 3], False, None, "uneven windows"),
            (1, 2, 6, [3, 3], True, None, "return_indices"),
            (1, 2, [5, 6], 4, True, "cl", "overlapping windows, channels-last"),
            (2, 1, 4, [6, 5], False, None, "output larger than input"),
            (None, 2, 5, [2, None], True, None, "unbatched, None keeps the input size"),
            (1, 3, 4, 1, True, None, "global")]:
        shape = _shape(n, c, size, 2)
        p = _channels_last(len(shape)) if perm == "cl" else perm
        fam.add("adaptive_max_pool2d", lambda shape=shape, p=p: [T(distinct(shape), permute=p)],
                {"output_size": out, "return_indices": ri}, note=note + ", distinct values")


def _unpool_cases(fam):
    """Values and indices come from a max_pool of distinct values, so no index repeats."""
    for d, n, c, size, k, s, p, osize, perm, note in [
            (1, 2, 2, 8, 2, None, 0, None, None, "kernel 2"),
            (1, 1, 2, 9, 3, 3, 1, [9], None, "kernel 3, padding 1, output_size"),
            (1, 2, 2, 9, 2, 2, 0, [9], None, "odd size restored with output_size"),
            (1, None, 3, 6, 2, None, 0, None, None, "unbatched"),
            (2, 2, 2, 4, 2, None, 0, None, None, "kernel 2"),
            (2, 1, 2, [5, 7], [2, 3], [2, 3], 0, [5, 7], None, "output_size restores odd sizes"),
            (2, 2, 3, 6, 3, 3, 1, [6, 6], "nc", "padding, output_size, non-contiguous inputs"),
            (2, None, 2, 4, 2, None, 0, None, None, "unbatched"),
            (2, 1, 2, 6, 2, 2, 0, [1, 2, 7, 7], None, "output_size given with batch dims"),
            (3, 1, 2, 4, 2, None, 0, None, None, "kernel 2"),
            (3, 1, 1, [4, 5, 4], 2, 2, 0, [4, 5, 4], None, "output_size restores odd size"),
            (3, 2, 2, 4, 2, 2, 0, None, "nc", "non-contiguous inputs")]:
        shape = _shape(n, c, size, d)
        args = {"kernel_size": k, "stride": s, "padding": p, "output_size": osize}

        def make(d=d, shape=shape, k=k, s=s, p=p, perm=perm):
            pool = getattr(F, f"max_pool{d}d")
            values, indices = pool(distinct(shape), k, s, p, return_indices=True)
            for row in indices.reshape(-1, math.prod(indices.shape[-d:])):
                assert row.unique().numel() == row.numel(), "repeated unpool index"
            rank = values.dim()
            # batch and channel swapped: PyTorch 1.13's max_unpool backward needs the spatial
            # dims contiguous (it fails on channels-last)
            p_ = [1, 0] + list(range(2, rank)) if perm == "nc" else None
            return [T(values, permute=p_), T(indices, grad=False, permute=p_)]
        fam.add(f"max_unpool{d}d", make, args, note=note)


def _interpolate_cases(fam):
    cases = [
        # (shape, args, permutation, note)
        ([2, 2, 5], {"size": 8, "mode": "nearest"}, None, "nearest 1-d up by size"),
        ([1, 2, 7], {"size": 3, "mode": "nearest"}, None, "nearest 1-d down by size"),
        ([2, 2, 4], {"scale_factor": 2.0, "mode": "nearest"}, None, "nearest 1-d scale 2"),
        ([1, 2, 5], {"scale_factor": 1.5, "mode": "nearest"}, None, "nearest 1-d scale 1.5"),
        ([1, 2, 4, 5], {"size": [6, 3], "mode": "nearest"}, None, "nearest 2-d, up and down"),
        ([1, 2, 3, 3], {"scale_factor": [2.0, 3.0], "mode": "nearest"}, [0, 2, 3, 1],
         "nearest 2-d per-dim scale, channels-last"),
        ([1, 1, 2, 3, 2], {"size": [4, 3, 5], "mode": "nearest"}, None, "nearest 3-d"),
        ([1, 2, 3, 3, 2], {"scale_factor": 0.7, "mode": "nearest"}, None,
         "nearest 3-d, scale < 1 (used as given)"),
        ([2, 2, 5], {"size": 8, "mode": "linear", "align_corners": False}, None,
         "linear up"),
        ([2, 2, 5], {"size": 8, "mode": "linear", "align_corners": True}, None,
         "linear up, align_corners"),
        ([1, 3, 8], {"size": 3, "mode": "linear", "align_corners": False}, None,
         "linear down"),
        ([1, 2, 4], {"scale_factor": 2.5, "mode": "linear", "align_corners": False}, None,
         "linear scale 2.5 (scale used as given)"),
        ([1, 2, 4], {"scale_factor": 2.5, "mode": "linear", "align_corners": False,
                     "recompute_scale_factor": True}, None, "linear, recompute_scale_factor"),
        ([1, 2, 3, 4], {"size": [5, 7], "mode": "bilinear", "align_corners": False}, None,
         "bilinear up"),
        ([1, 2, 3, 4], {"size": [5, 7], "mode": "bilinear", "align_corners": True}, None,
         "bilinear up, align_corners"),
        ([2, 1, 6, 5], {"size": [3, 2], "mode": "bilinear", "align_corners": False}, None,
         "bilinear down"),
        ([1, 2, 4, 3], {"scale_factor": [1.5, 2.0], "mode": "bilinear", "align_corners": False},
         [0, 2, 3, 1], "bilinear per-dim scale, channels-last"),
        ([1, 2, 3, 3], {"scale_factor": 2.0, "mode": "bilinear", "align_corners": True}, None,
         "bilinear scale 2, align_corners"),
        ([1, 2, 1, 4], {"size": [3, 4], "mode": "bilinear", "align_corners": True}, None,
         "bilinear from height 1 with align_corners"),
        ([1, 1, 2, 3, 2], {"size": [3, 4, 3], "mode": "trilinear", "align_corners": False},
         None, "trilinear up"),
        ([1, 1, 2, 3, 2], {"size": [3, 4, 3], "mode": "trilinear", "align_corners": True},
         None, "trilinear up, align_corners"),
        ([1, 2, 4, 3, 3], {"scale_factor": 0.5, "mode": "trilinear", "align_corners": False},
         None, "trilinear down by scale"),
        ([1, 1, 2, 2, 3], {"scale_factor": [2.0, 1.5, 1.0], "mode": "trilinear",
                           "align_corners": True}, [0, 2, 3, 4, 1],
         "trilinear per-dim scale, channels-last"),
    ]
    for shape, args, perm, note in cases:
        full = {"size": None, "scale_factor": None, "mode": "nearest", "align_corners": None}
        full.update(args)
        fam.add("interpolate", lambda shape=shape, perm=perm: [T(randn(shape), permute=perm)],
                full, note=note)


def build(fam):
    _max_pool_cases(fam)
    _pool_sweep(fam, 26, "max", seed=3003)
    _adaptive_cases(fam)
    _unpool_cases(fam)
    _avg_pool_cases(fam)
    _pool_sweep(fam, 26, "avg", seed=4004)
    _interpolate_cases(fam)
