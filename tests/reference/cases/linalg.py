"""Matrix products: matmul (all rank combinations), mm, bmm, linear, outer."""

from .common import T, randn


def build(fam):
    # matmul: (input shape, other shape, input permutation, other permutation, note)
    for a, b, pa, pb, note in [
            ([4], [4], None, None, "1-d @ 1-d: dot product, 0-d output"),
            ([3, 4], [4], None, None, "2-d @ 1-d: matrix-vector"),
            ([4], [4, 5], None, None, "1-d @ 2-d: vector-matrix"),
            ([3, 4], [4, 5], None, None, "2-d @ 2-d"),
            ([2, 3, 4], [2, 4, 5], None, None, "batched @ batched"),
            ([2, 3, 4], [4, 5], None, None, "batched @ 2-d (broadcast)"),
            ([3, 4], [2, 4, 5], None, None, "2-d @ batched (broadcast)"),
            ([4], [2, 4, 3], None, None, "1-d @ batched"),
            ([2, 3, 4], [4], None, None, "batched @ 1-d"),
            ([2, 1, 3, 4], [3, 4, 2], None, None, "4-d @ 3-d, batch dims broadcast"),
            ([1, 2, 3], [2, 1, 3, 2], None, None, "3-d @ 4-d, size-1 batch dims broadcast"),
            ([3, 4], [4, 5], [1, 0], [1, 0], "non-contiguous (transposed) operands"),
            ([2, 3, 4], [2, 4, 5], [0, 2, 1], [1, 0, 2], "non-contiguous batched operands"),
            ([1, 4], [4, 1], None, None, "size-1 rows and columns"),
            ([1], [1, 3], None, None, "inner size 1")]:
        fam.add("matmul", lambda a=a, b=b, pa=pa, pb=pb:
                [T(randn(a), permute=pa), T(randn(b), permute=pb)], note=note)

    for a, b, pa, pb, note in [
            ([3, 4], [4, 5], None, None, ""),
            ([3, 4], [4, 5], [1, 0], None, "non-contiguous input"),
            ([2, 3], [3, 4], None, [1, 0], "non-contiguous mat2"),
            ([1, 5], [5, 1], None, None, "1x1 result"),
            ([4, 1], [1, 3], None, None, "inner size 1")]:
        fam.add("mm", lambda a=a, b=b, pa=pa, pb=pb:
                [T(randn(a), permute=pa), T(randn(b), permute=pb)], note=note)

    for a, b, pa, pb, note in [
            ([2, 3, 4], [2, 4, 5], None, None, ""),
            ([3, 2, 4], [3, 4, 2], [0, 2, 1], None, "non-contiguous input"),
            ([2, 3, 4], [2, 4, 3], None, [2, 1, 0], "non-contiguous mat2"),
            ([1, 3, 4], [1, 4, 2], None, None, "batch 1"),
            ([4, 1, 3], [4, 3, 1], None, None, "1x1 results")]:
        fam.add("bmm", lambda a=a, b=b, pa=pa, pb=pb:
                [T(randn(a), permute=pa), T(randn(b), permute=pb)], note=note)

    # linear(input [*, in], weight [out, in], bias [out] or absent)
    for x, out, bias, px, pw, note in [
            ([3, 4], 5, True, None, None, "2-d input"),
            ([3, 4], 5, False, None, None, "2-d input, no bias"),
            ([4], 3, True, None, None, "1-d input"),
            ([4], 3, False, None, None, "1-d input, no bias"),
            ([2, 3, 4], 5, True, None, None, "3-d input"),
            ([2, 3, 4], 2, False, [1, 2, 0], None, "3-d non-contiguous input, no bias"),
            ([3, 4], 5, True, None, [1, 0], "non-contiguous (transposed) weight"),
            ([2, 1], 1, True, None, None, "in and out features 1")]:
        def make(x=x, out=out, bias=bias, px=px, pw=pw):
            ins = [T(randn(x), permute=px), T(randn([out, x[-1]]), permute=pw)]
            return ins + ([T(randn([out]))] if bias else [])
        fam.add("linear", make, {} if bias else {"bias": None}, note=note)

    for a, b, note in [([3], [4], ""), ([1], [5], "size-1 input"), ([4], [1], "size-1 vec2"),
                       ([5], [5], "")]:
        fam.add("outer", lambda a=a, b=b: [T(randn(a)), T(randn(b))], note=note)
