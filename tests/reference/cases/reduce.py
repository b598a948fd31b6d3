"""Reductions: sum, mean, prod, amax/amin, max/min, var/std, logsumexp, norm, argmax."""

from .common import T, away, distinct, randn, signed_uniform

# (logical shape, args, permutation or None, note)
SUM_LIKE = [
    ([3, 4], {}, None, "full reduction"),
    ([2, 3, 4], {"dim": 1}, None, "one dim"),
    ([2, 3, 4], {"dim": -1, "keepdim": True}, None, "negative dim, keepdim"),
    ([2, 3, 4], {"dim": [0, 2]}, None, "dims list"),
    ([2, 3, 4], {"dim": [-1, 0], "keepdim": True}, None, "negative dims list, keepdim"),
    ([3, 4, 2], {"dim": 1}, [2, 0, 1], "non-contiguous input"),
    ([3, 1, 4], {"dim": 1}, None, "reduce a size-1 dim"),
    ([5], {"dim": 0}, None, "1-d"),
    ([], {}, None, "0-d input"),
    ([2, 3, 2, 2], {"dim": [1, 3], "keepdim": True}, [0, 2, 3, 1], "non-contiguous 4-d"),
]


def build(fam):
    for op in ["sum", "mean"]:
        for shape, args, perm, note in SUM_LIKE:
            fam.add(op, lambda shape=shape, perm=perm: [T(randn(shape), permute=perm)], args,
                    note=note)

    # prod: |x| in [0.5, 1.5] keeps the products tame and away from zero; single dim only
    for shape, args, perm, note in [
            ([3, 4], {}, None, "full reduction"), ([2, 3, 4], {"dim": 1}, None, "one dim"),
            ([2, 3, 4], {"dim": -1, "keepdim": True}, None, "negative dim, keepdim"),
            ([3, 4], {"dim": 0}, [1, 0], "non-contiguous"),
            ([4, 1], {"dim": 1}, None, "size-1 dim")]:
        fam.add("prod", lambda shape=shape, perm=perm:
                [T(signed_uniform(shape, 0.5, 1.5), permute=perm)], args, note=note)

    # amax / amin: distinct values, dims as int or list
    for op in ["amax", "amin"]:
        for shape, args, perm, note in [
                ([3, 4], {"dim": 1}, None, "one dim"),
                ([2, 3, 4], {"dim": [0, 2]}, None, "dims list"),
                ([2, 3, 4], {"dim": [-1], "keepdim": True}, None, "negative dim, keepdim"),
                ([3, 4, 2], {"dim": [0, 1, 2]}, [1, 2, 0], "all dims, non-contiguous"),
                ([4, 1], {"dim": 1, "keepdim": True}, None, "size-1 dim")]:
            fam.add(op, lambda shape=shape, perm=perm: [T(distinct(shape), permute=perm)], args,
                    note=note + ", no ties")

    # max / min: full (one output) or with dim (values and int64 indices)
    for op in ["max", "min"]:
        for shape, args, perm, note in [
                ([3, 4], {}, None, "full reduction"),
                ([2, 3, 4], {"dim": 1}, None, "dim: values and indices"),
                ([2, 3, 4], {"dim": -1, "keepdim": True}, None, "negative dim, keepdim"),
                ([4, 3], {"dim": 0}, [1, 0], "non-contiguous"),
                ([5], {"dim": 0}, None, "1-d"),
                ([3, 1], {"dim": 1}, None, "size-1 dim")]:
            fam.add(op, lambda shape=shape, perm=perm: [T(distinct(shape), permute=perm)], args,
                    note=note + ", no ties")

    # var / std
    for op in ["var", "std"]:
        for shape, args, perm, note in [
                ([3, 4], {}, None, "full, unbiased default"),
                ([3, 4], {"unbiased": False}, None, "full, biased"),
                ([2, 3, 4], {"dim": 1, "unbiased": True}, None, "one dim"),
                ([2, 3, 4], {"dim": [0, 2], "unbiased": False, "keepdim": True}, None,
                 "dims list, biased, keepdim"),
                ([2, 3, 4], {"dim": [-1, -3], "unbiased": True}, None, "negative dims"),
                ([4, 3], {"dim": 0, "keepdim": True}, [1, 0], "non-contiguous, keepdim"),
                ([2, 5], {"dim": -1, "unbiased": False}, None, "last dim, biased")]:
            fam.add(op, lambda shape=shape, perm=perm: [T(randn(shape), permute=perm)], args,
                    note=note)
    fam.add("var", lambda: [T(randn(3, 1))], {"dim": 1, "unbiased": False},
            note="biased over a size-1 dim: zero variance, zero gradient")

    # logsumexp (dim is required)
    for shape, args, perm, note in [
            ([3, 4], {"dim": 1}, None, "one dim"),
            ([2, 3, 4], {"dim": [0, 2]}, None, "dims list"),
            ([2, 3, 4], {"dim": -1, "keepdim": True}, None, "negative dim, keepdim"),
            ([4, 3], {"dim": 0}, [1, 0], "non-contiguous"),
            ([3, 1], {"dim": 1}, None, "size-1 dim")]:
        fam.add("logsumexp", lambda shape=shape, perm=perm:
                [T(randn(shape, scale=2.0), permute=perm)], args, note=note)

    # norm: p=2 and p=1 (|x| >= 0.1 for p=1), full or over dims
    for shape, args, perm, note in [
            ([3, 4], {"p": 2}, None, "full, p=2"),
            ([3, 4], {"p": 1}, None, "full, p=1"),
            ([2, 3, 4], {"p": 2, "dim": 1}, None, "p=2 over one dim"),
            ([2, 3, 4], {"p": 1, "dim": [0, 2], "keepdim": True}, None,
             "p=1 over dims list, keepdim"),
            ([2, 3, 4], {"p": 2, "dim": [-1, -2]}, None, "p=2 over negative dims"),
            ([4, 3], {"p": 2, "dim": 0, "keepdim": True}, [1, 0], "non-contiguous"),
            ([5], {"p": 1, "dim": 0}, None, "1-d, p=1")]:
        fam.add("norm", lambda shape=shape, perm=perm: [T(away(shape, 0.1), permute=perm)],
                args, note=note)

    # argmax: integer output, no gradient
    why = "integer output: nothing to differentiate"
    for shape, args, perm, note in [
            ([3, 4], {}, None, "full (flattened index)"),
            ([2, 3, 4], {"dim": 1}, None, "one dim"),
            ([2, 3, 4], {"dim": -1, "keepdim": True}, None, "negative dim, keepdim"),
            ([4, 3], {"dim": 0}, [1, 0], "non-contiguous")]:
        fam.add("argmax", lambda shape=shape, perm=perm:
                [T(distinct(shape), grad=False, permute=perm)], args,
                note=f"{note}; {why}", gradcheck=False)
