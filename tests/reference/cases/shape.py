"""Shape and indexing ops: cat/stack/split/chunk, pad, index ops, one_hot, repeat, flip, views."""

import torch

from .common import T, bool_mask, labels, randn

NO_GRAD = "integer input and output: nothing to differentiate"


def build(fam):
    # ---- cat / stack: inputs are the list of tensors
    for shapes, dim, perms, note in [
            ([[2, 3], [4, 3]], 0, None, "dim 0, different sizes"),
            ([[2, 3], [2, 1], [2, 4]], 1, None, "three tensors along dim 1"),
            ([[2, 3, 2], [2, 3, 3]], -1, [[2, 0, 1], None], "negative dim, non-contiguous"),
            ([[3], [1], [2]], 0, None, "1-d, a size-1 piece"),
            ([[2, 3]], 0, None, "single tensor")]:
        fam.add("cat", lambda shapes=shapes, perms=perms:
                [T(randn(s), permute=(perms[i] if perms else None)) for i, s in
                 enumerate(shapes)], {"dim": dim}, note=note)
    for shape, n, dim, perm, note in [
            ([2, 3], 2, 0, None, "new leading dim"),
            ([2, 3], 3, 1, None, "new middle dim"),
            ([2, 3], 2, -1, None, "new trailing dim (negative)"),
            ([3, 2, 2], 2, 2, [1, 2, 0], "non-contiguous"),
            ([], 3, 0, None, "0-d tensors"),
            ([4], 1, 0, None, "single tensor")]:
        fam.add("stack", lambda shape=shape, n=n, perm=perm:
                [T(randn(shape), permute=perm) for _ in range(n)], {"dim": dim}, note=note)

    # ---- split / chunk: outputs are the pieces
    for shape, args, perm, note in [
            ([5, 3], {"split_size_or_sections": 2, "dim": 0}, None, "uneven last piece"),
            ([2, 6], {"split_size_or_sections": [1, 3, 2], "dim": 1}, None, "sections"),
            ([2, 3, 4], {"split_size_or_sections": 3, "dim": -1}, [2, 0, 1],
             "negative dim, non-contiguous"),
            ([4], {"split_size_or_sections": 4, "dim": 0}, None, "one piece"),
            ([3, 2], {"split_size_or_sections": [3, 0], "dim": 0}, None, "empty section")]:
        fam.add("split", lambda shape=shape, perm=perm: [T(randn(shape), permute=perm)], args,
                note=note)
    for shape, args, perm, note in [
            ([6, 2], {"chunks": 3, "dim": 0}, None, "even chunks"),
            ([5, 2], {"chunks": 3, "dim": 0}, None, "uneven: 2, 2, 1"),
            ([2, 5], {"chunks": 4, "dim": 1}, None, "fewer pieces than chunks: 2, 2, 1"),
            ([2, 3, 4], {"chunks": 2, "dim": -1}, [1, 2, 0], "negative dim, non-contiguous"),
            ([3], {"chunks": 1, "dim": 0}, None, "one chunk")]:
        fam.add("chunk", lambda shape=shape, perm=perm: [T(randn(shape), permute=perm)], args,
                note=note)

    # ---- pad
    for shape, args, perm, note in [
            ([2, 3, 4], {"pad": [1, 2], "mode": "constant", "value": 0.0}, None, "1 dim"),
            ([1, 2, 3, 3], {"pad": [1, 0, 2, 1], "mode": "constant", "value": 1.5}, None,
             "2 dims, value"),
            ([1, 1, 2, 3, 2], {"pad": [1, 1, 0, 2, 1, 0], "mode": "constant", "value": -0.5},
             None, "3 dims, value"),
            ([2, 5], {"pad": [-1, 2], "mode": "constant", "value": 0.0}, None,
             "negative pad crops"),
            ([2, 3, 4], {"pad": [0, 0, 1, 1, 2, 0], "mode": "constant", "value": 0.0},
             [2, 0, 1], "pads non-spatial leading dims too, non-contiguous"),
            ([2, 2, 5], {"pad": [2, 3], "mode": "reflect"}, None, "reflect 1-d"),
            ([2, 5], {"pad": [1, 4], "mode": "reflect"}, None, "reflect 1-d unbatched"),
            ([1, 2, 4, 3], {"pad": [2, 1, 3, 0], "mode": "reflect"}, [0, 2, 3, 1],
             "reflect 2-d, non-contiguous"),
            ([1, 1, 3, 3, 4], {"pad": [1, 2, 2, 0, 1, 1], "mode": "reflect"}, None,
             "reflect 3-d"),
            ([2, 2, 3], {"pad": [3, 1], "mode": "replicate"}, None, "replicate 1-d"),
            ([1, 2, 3, 2], {"pad": [2, 1, 0, 3], "mode": "replicate"}, None, "replicate 2-d"),
            ([2, 3, 3], {"pad": [1, 1, 2, 2], "mode": "replicate"}, None,
             "replicate 2-d unbatched"),
            ([1, 1, 2, 3, 2], {"pad": [1, 1, 2, 1, 0, 1], "mode": "replicate"}, [0, 1, 4, 3, 2],
             "replicate 3-d, non-contiguous"),
            ([2, 2, 4], {"pad": [2, 3], "mode": "circular"}, None, "circular 1-d"),
            ([1, 2, 3, 4], {"pad": [1, 2, 3, 0], "mode": "circular"}, None,
             "circular 2-d, pad up to the size"),
            ([1, 1, 2, 3, 3], {"pad": [1, 0, 2, 1, 1, 1], "mode": "circular"}, None,
             "circular 3-d")]:
        fam.add("pad", lambda shape=shape, perm=perm: [T(randn(shape), permute=perm)], args,
                note=note)

    # ---- index_select / gather / scatter_add: int64 index inputs never take gradients
    for shape, dim, index, perm, note in [
            ([4, 3], 0, [2, 0, 2], None, "repeated indices"),
            ([3, 5], 1, [4, 1], None, "dim 1"),
            ([2, 3, 4], -1, [3, 3, 0, 1, 2], [1, 2, 0], "negative dim, non-contiguous"),
            ([5], 0, [1], None, "1-d, one index")]:
        fam.add("index_select", lambda shape=shape, index=index, perm=perm:
                [T(randn(shape), permute=perm), T(torch.tensor(index, dtype=torch.int64))],
                {"dim": dim}, note=note)
    for shape, dim, ishape, perm, note in [
            ([3, 4], 1, [3, 4], None, "same shape"),
            ([3, 4], 0, [2, 3], None, "smaller index"),
            ([2, 3, 4], -1, [2, 3, 6], [2, 0, 1], "negative dim, more picks than size, "
             "non-contiguous"),
            ([5], 0, [3], None, "1-d")]:
        fam.add("gather", lambda shape=shape, dim=dim, ishape=ishape, perm=perm:
                [T(randn(shape), permute=perm), T(labels(ishape, shape[dim]))], {"dim": dim},
                note=note)
    for shape, dim, ishape, sshape, perm, note in [
            ([3, 4], 1, [3, 4], [3, 4], None, "same shapes, collisions"),
            ([4, 3], 0, [2, 3], [2, 3], None, "index and src smaller than input"),
            ([2, 3, 4], -1, [2, 2, 5], [2, 2, 5], [1, 2, 0],
             "negative dim, index longer than the dim, non-contiguous"),
            ([5], 0, [7], [7], None, "1-d, many collisions")]:
        fam.add("scatter_add", lambda shape=shape, dim=dim, ishape=ishape, sshape=sshape,
                perm=perm: [T(randn(shape), permute=perm), T(labels(ishape, shape[dim])),
                            T(randn(sshape))], {"dim": dim}, note=note)

    # (PyTorch 1.13's backward needs src and index to have the same shape, so all cases do.)

    # ---- masked_fill: bool mask input (broadcastable), value arg
    for shape, mshape, value, perm, note in [
            ([3, 4], [3, 4], 0.0, None, "same shape"),
            ([2, 3, 4], [4], -1.5, None, "broadcast mask"),
            ([3, 4], [3, 1], 2.0, [1, 0], "non-contiguous input"),
            ([5], [], 1.0, None, "0-d mask")]:
        fam.add("masked_fill", lambda shape=shape, mshape=mshape, perm=perm:
                [T(randn(shape), permute=perm), T(bool_mask(mshape))], {"value": value},
                note=note)

    # ---- one_hot: int64 in, int64 out
    for shape, classes, args, perm, note in [
            ([5], 4, {"num_classes": 4}, None, "1-d"),
            ([2, 3], 3, {"num_classes": 5}, None, "2-d, more classes than used"),
            ([4], 3, {}, None, "num_classes inferred (-1)"),
            ([3, 2], 4, {"num_classes": 4}, [1, 0], "non-contiguous")]:
        fam.add("one_hot", lambda shape=shape, classes=classes, perm=perm:
                [T(labels(shape, classes), permute=perm)], args, note=f"{note}; {NO_GRAD}",
                gradcheck=False)

    # ---- repeat / flip
    for shape, reps, perm, note in [
            ([2, 3], [2, 1], None, ""),
            ([2, 3], [1, 2, 2], None, "more repeats than dims"),
            ([3, 2], [2, 2], [1, 0], "non-contiguous"),
            ([], [3], None, "0-d input")]:
        fam.add("repeat", lambda shape=shape, perm=perm: [T(randn(shape), permute=perm)],
                {"repeats": reps}, note=note)
    for shape, dims, perm, note in [
            ([3, 4], [0], None, ""), ([2, 3, 4], [0, 2], None, "two dims"),
            ([2, 3, 4], [-1], [2, 1, 0], "negative dim, non-contiguous"),
            ([5], [0], None, "1-d")]:
        fam.add("flip", lambda shape=shape, perm=perm: [T(randn(shape), permute=perm)],
                {"dims": dims}, note=note)

    # ---- view-type ops (outputs stored contiguous)
    views = [
        ("reshape", [2, 3, 4], {"shape": [6, 4]}, None, ""),
        ("reshape", [2, 3, 4], {"shape": [4, -1]}, None, "inferred size"),
        ("reshape", [2, 3, 4], {"shape": [3, 8]}, [1, 2, 0], "non-contiguous: copies"),
        ("reshape", [1], {"shape": []}, None, "to 0-d"),
        ("permute", [2, 3, 4], {"dims": [2, 0, 1]}, None, ""),
        ("permute", [2, 3, 4], {"dims": [-1, 1, 0]}, [1, 0, 2], "negative dims, non-contiguous"),
        ("transpose", [2, 3, 4], {"dim0": 0, "dim1": 2}, None, ""),
        ("transpose", [3, 4], {"dim0": -1, "dim1": 0}, [1, 0], "negative dim, non-contiguous"),
        ("narrow", [5, 3], {"dim": 0, "start": 1, "length": 3}, None, ""),
        ("narrow", [2, 3, 4], {"dim": -1, "start": 2, "length": 2}, [2, 0, 1],
         "negative dim, non-contiguous"),
        ("narrow", [4], {"dim": 0, "start": 0, "length": 4}, None, "whole dim"),
        ("select", [3, 4], {"dim": 0, "index": 1}, None, ""),
        ("select", [2, 3, 4], {"dim": -1, "index": -1}, [1, 2, 0],
         "negative dim and index, non-contiguous"),
        ("select", [5], {"dim": 0, "index": 2}, None, "1-d to 0-d"),
        ("expand", [3, 1], {"size": [3, 4]}, None, ""),
        ("expand", [1, 3], {"size": [2, -1, 3]}, None, "new leading dim, -1 keeps size"),
        ("expand", [], {"size": [2, 3]}, None, "0-d"),
        ("expand", [2, 1, 3], {"size": [2, 4, 3]}, [2, 0, 1], "non-contiguous"),
        ("squeeze", [1, 3, 1, 2], {}, None, "all size-1 dims"),
        ("squeeze", [1, 3, 1, 2], {"dim": 2}, None, "one dim"),
        ("squeeze", [3, 1, 2], {"dim": -2}, [2, 1, 0], "negative dim, non-contiguous"),
        ("squeeze", [3, 2], {"dim": 0}, None, "dim of size > 1: no-op"),
        ("unsqueeze", [3, 2], {"dim": 0}, None, ""),
        ("unsqueeze", [3, 2], {"dim": -1}, None, "negative dim"),
        ("unsqueeze", [3, 2], {"dim": 1}, [1, 0], "non-contiguous"),
        ("unsqueeze", [], {"dim": 0}, None, "0-d"),
        ("flatten", [2, 3, 4], {}, None, "all dims"),
        ("flatten", [2, 3, 2, 2], {"start_dim": 1, "end_dim": 2}, None, "middle dims"),
        ("flatten", [2, 3, 4], {"start_dim": -2}, [2, 0, 1], "negative start, non-contiguous"),
        ("flatten", [], {}, None, "0-d to 1-d"),
        ("contiguous", [3, 4], {}, [1, 0], "transposed input"),
        ("contiguous", [2, 3, 4], {}, [2, 0, 1], "permuted input"),
        ("contiguous", [3, 4], {}, None, "already contiguous"),
    ]
    for op, shape, args, perm, note in views:
        fam.add(op, lambda shape=shape, perm=perm: [T(randn(shape), permute=perm)], args,
                note=note)
