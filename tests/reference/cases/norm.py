"""Normalisation: batch_norm (training and eval, running statistics), layer_norm, group_norm."""

from .common import T, randn, uniform


def _stats(c):
    """Running mean and variance: inputs without gradient (updated in place when training)."""
    return [T(randn([c], scale=0.3), grad=False, name="running_mean"),
            T(uniform([c], 0.5, 1.5), grad=False, name="running_var")]


def _affine(c, weight=True, bias=True):
    out = []
    if weight:
        out.append(T(uniform([c], 0.5, 1.5), name="weight"))
    if bias:
        out.append(T(randn([c], scale=0.5), name="bias"))
    return out


def build(fam):
    # (input shape, training, running stats, weight, bias, permutation, extra args, note)
    for shape, training, stats, w, b, perm, extra, note in [
            ([4, 3], True, True, True, True, None, {}, "[N,C] training, updates running stats"),
            ([3, 2, 4], True, True, True, True, None, {"momentum": 0.3}, "[N,C,L], momentum"),
            ([2, 3, 2, 3], True, True, True, True, [0, 2, 3, 1], {},
             "[N,C,H,W] channels-last, training"),
            ([2, 2, 2, 2, 2], True, True, True, True, None, {"eps": 1e-3}, "[N,C,D,H,W], eps"),
            ([4, 3], True, False, True, True, None, {}, "training without running stats"),
            ([3, 2, 3], True, False, False, False, None, {}, "no stats, no affine"),
            ([2, 3, 2, 2], True, True, False, True, None, {}, "bias without weight"),
            ([4, 3], False, True, True, True, None, {}, "eval: uses running stats"),
            ([2, 3, 2, 3], False, True, True, True, [0, 2, 3, 1], {}, "eval, channels-last"),
            ([3, 2, 4], False, True, False, False, None, {"eps": 1e-2}, "eval, no affine, eps"),
            ([1, 2, 5], True, True, True, True, None, {"momentum": 1.0},
             "batch 1, momentum 1: running stats replaced"),
            ([5, 2], True, True, True, False, [1, 0], {}, "weight only, non-contiguous")]:
        def make(shape=shape, stats=stats, w=w, b=b, perm=perm):
            c = shape[1]
            ins = [T(randn(shape, scale=2.0) + 0.5, permute=perm, name="input")]
            return ins + (_stats(c) if stats else []) + _affine(c, w, b)
        args = {"training": training, **extra}
        for name, present in [("running_mean", stats), ("running_var", stats), ("weight", w),
                              ("bias", b)]:
            if not present:
                args[name] = None
        fam.add("batch_norm", make, args, note=note)

    for shape, nshape, w, b, perm, extra, note in [
            ([3, 4], [4], True, True, None, {}, "last dim"),
            ([2, 3, 4], [3, 4], True, True, None, {}, "last two dims"),
            ([2, 3, 4], [4], False, False, None, {"eps": 1e-3}, "no affine, eps"),
            ([2, 3, 4], [4], True, False, [1, 2, 0], {}, "weight only, non-contiguous"),
            ([4, 2, 3], [2, 3], False, True, None, {}, "bias only"),
            ([5], [5], True, True, None, {}, "1-d, whole tensor"),
            ([3, 1], [1], True, True, None, {}, "normalized size 1: output is the bias")]:
        def make(shape=shape, nshape=nshape, w=w, b=b, perm=perm):
            ins = [T(randn(shape, scale=2.0), permute=perm, name="input")]
            if w:
                ins.append(T(uniform(nshape, 0.5, 1.5), name="weight"))
            if b:
                ins.append(T(randn(nshape, scale=0.5), name="bias"))
            return ins
        args = {"normalized_shape": nshape, **extra}
        if not w:
            args["weight"] = None
        if not b:
            args["bias"] = None
        fam.add("layer_norm", make, args, note=note)

    # (no bias-without-weight case: PyTorch 1.13's group_norm backward fails on it)
    for shape, groups, w, b, perm, extra, note in [
            ([2, 4, 3], 2, True, True, None, {}, "[N,C,L], 2 groups"),
            ([2, 6, 2, 2], 3, True, True, None, {}, "[N,C,H,W], 3 groups"),
            ([2, 4, 3], 1, True, True, None, {}, "1 group (layer-norm like)"),
            ([2, 4, 3], 4, False, False, None, {"eps": 1e-3}, "groups = channels, no affine"),
            ([1, 4, 2, 3], 2, True, False, [0, 2, 3, 1], {}, "weight only, channels-last"),
            ([3, 2], 2, True, True, None, {}, "[N,C] with groups = C: zero output"),
            ([2, 6], 2, True, True, [1, 0], {}, "[N,C], non-contiguous"),
            ([1, 4, 2, 2, 2], 2, True, True, None, {}, "[N,C,D,H,W]")]:
        def make(shape=shape, w=w, b=b, perm=perm):
            return [T(randn(shape, scale=2.0), permute=perm, name="input")] + \
                _affine(shape[1], w, b)
        args = {"num_groups": groups, **extra}
        if not w:
            args["weight"] = None
        if not b:
            args["bias"] = None
        fam.add("group_norm", make, args, note=note)
