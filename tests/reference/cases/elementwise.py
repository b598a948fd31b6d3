"""Elementwise ops: arithmetic with broadcasting and scalars, unary math, clamp, where, max/min."""

from .common import T, avoid, away, bool_mask, distinct_many, randn, signed_uniform, uniform

# (shape of input, shape of other, permutation of input or None, note)
BROADCAST = [
    ([3, 4], [3, 4], None, "same shape"),
    ([2, 3, 4], [4], None, "broadcast trailing dim"),
    ([2, 1, 4], [3, 1], None, "broadcast both ways"),
    ([4, 1], [1, 5], None, "outer-product broadcast"),
    ([5], [], None, "0-d other"),
    ([], [2, 3], None, "0-d input"),
    ([1], [3, 2], None, "size-1 input"),
    ([3, 4], [4], [1, 0], "non-contiguous input (transposed)"),
    ([2, 3, 4, 2], [3, 1, 2], [0, 2, 3, 1], "non-contiguous 4-d input, broadcast other"),
]


def _binary(fam, op, other_gen=None):
    for a, b, perm, note in BROADCAST:
        def make(a=a, b=b, perm=perm):
            other = other_gen(b) if other_gen else randn(b)
            return [T(randn(a), permute=perm), T(other)]
        fam.add(op, make, note=note)


def build(fam):
    # ---- add / sub: tensor-tensor, alpha, tensor-scalar
    for op in ["add", "sub"]:
        _binary(fam, op)
        fam.add(op, lambda: [T(randn(2, 3)), T(randn(3))], {"alpha": 2.5}, note="alpha")
        fam.add(op, lambda: [T(randn(3, 4), permute=[1, 0]), T(randn(3, 1))], {"alpha": -0.5},
                note="alpha, non-contiguous input")
        fam.add(op, lambda: [T(randn(2, 3))], {"other": 2.5}, note="tensor-scalar")
        fam.add(op, lambda: [T(randn(4))], {"other": -3}, note="tensor-integer scalar")
        fam.add(op, lambda: [T(randn(2, 3))], {"other": 1.5, "alpha": 2},
                note="tensor-scalar with alpha")
    # ---- mul
    _binary(fam, "mul")
    fam.add("mul", lambda: [T(randn(3, 4))], {"other": -1.75}, note="tensor-scalar")
    fam.add("mul", lambda: [T(randn(2, 3, 2), permute=[2, 0, 1])], {"other": 3},
            note="tensor-integer scalar, non-contiguous")
    # ---- div: denominators kept away from zero
    _binary(fam, "div", other_gen=lambda s: signed_uniform(s, 0.5, 2.0))
    fam.add("div", lambda: [T(randn(3, 4))], {"other": 2.5}, note="tensor-scalar")
    fam.add("div", lambda: [T(randn(5))], {"other": -4}, note="tensor-integer scalar")

    # ---- unary ops on a few shapes, each with its domain
    shapes = [([5], None, "1-d"), ([3, 4], None, "2-d"), ([2, 3, 4], [2, 0, 1], "non-contiguous"),
              ([], None, "0-d"), ([1, 1], None, "size 1")]
    domains = {
        "neg": lambda s: randn(s),
        "exp": lambda s: randn(s),
        "log": lambda s: uniform(s, 0.2, 3.0),
        "sqrt": lambda s: uniform(s, 0.2, 3.0),
        "rsqrt": lambda s: uniform(s, 0.2, 3.0),
        "abs": lambda s: away(s, 0.1),
        "sin": lambda s: randn(s, scale=2.0),
        "cos": lambda s: randn(s, scale=2.0),
    }
    notes = {"log": "positive input", "sqrt": "positive input", "rsqrt": "positive input",
             "abs": "|x| >= 0.1"}
    for op, gen in domains.items():
        for shape, perm, note in shapes:
            extra = f", {notes[op]}" if op in notes else ""
            fam.add(op, lambda gen=gen, shape=shape, perm=perm: [T(gen(shape), permute=perm)],
                    note=note + extra)

    # ---- pow: tensor exponent (positive base) and scalar exponents
    pos = lambda s: uniform(s, 0.5, 2.0)  # noqa: E731
    fam.add("pow", lambda: [T(pos([3, 4])), T(randn(3, 4))], note="tensor exponent")
    fam.add("pow", lambda: [T(pos([2, 3, 4])), T(randn(4))],
            note="tensor exponent, broadcast exponent")
    fam.add("pow", lambda: [T(pos([3, 1])), T(randn(2, 1, 4))],
            note="tensor exponent, broadcast both")
    fam.add("pow", lambda: [T(pos([3, 4]), permute=[1, 0]), T(randn(3, 4), permute=[1, 0])],
            note="tensor exponent, non-contiguous")
    for exponent, gen, note in [
            (2, randn, "square, any sign"), (3, randn, "cube, any sign"),
            (-2, lambda s: signed_uniform(s, 0.5, 2.0), "negative integer exponent"),
            (0.5, pos, "fractional exponent, positive base"),
            (2.5, pos, "fractional exponent, positive base"),
            (-1.5, pos, "negative fractional exponent, positive base"),
            (1, randn, "exponent 1"), (0, randn, "exponent 0: zero gradient")]:
        fam.add("pow", lambda gen=gen: [T(gen([3, 4]))], {"exponent": exponent}, note=note)
    fam.add("pow", lambda: [T(pos([2, 3, 2]), permute=[2, 1, 0])], {"exponent": 3.5},
            note="scalar exponent, non-contiguous")

    # ---- clamp / clamp_min: values kept 0.1 away from the bounds
    for lo, hi, shape, perm in [(-0.5, 0.5, [3, 4], None), (-0.3, None, [2, 5], None),
                                (None, 0.2, [4, 3], [1, 0]), (0.1, 1.2, [2, 3, 4], [2, 0, 1]),
                                (-1, 1, [6], None)]:
        def make(lo=lo, hi=hi, shape=shape, perm=perm):
            points = [p for p in (lo, hi) if p is not None]
            return [T(avoid(randn(shape), points, 0.1), permute=perm)]
        note = "min only" if hi is None else "max only" if lo is None else "min and max"
        fam.add("clamp", make, {"min": lo, "max": hi},
                note=note + ("" if perm is None else ", non-contiguous"))
    for lo, shape, perm in [(0.1, [3, 4], None), (-0.5, [2, 3, 2], [1, 2, 0]), (0, [5], None)]:
        fam.add("clamp_min", lambda lo=lo, shape=shape, perm=perm:
                [T(avoid(randn(shape), [lo], 0.1), permute=perm)], {"min": lo},
                note="non-contiguous" if perm else "")

    # ---- where: bool condition, broadcasting between all three
    for cs, xs, ys, perm, note in [
            ([3, 4], [3, 4], [3, 4], None, "same shapes"),
            ([3, 1], [1, 4], [3, 4], None, "broadcast condition and input"),
            ([4], [2, 3, 4], [], None, "0-d other"),
            ([2, 3], [2, 3], [2, 3], [1, 0], "non-contiguous input"),
            ([1], [5], [5], None, "size-1 condition")]:
        fam.add("where", lambda cs=cs, xs=xs, ys=ys, perm=perm:
                [T(bool_mask(cs)), T(randn(xs), permute=perm), T(randn(ys))], note=note)

    # ---- maximum / minimum: all elements distinct (no ties, gaps >= 0.05)
    for op in ["maximum", "minimum"]:
        for a, b, perm, note in [([3, 4], [3, 4], None, "same shape"),
                                 ([2, 3, 4], [4], None, "broadcast"),
                                 ([3, 1], [1, 4], None, "broadcast both"),
                                 ([4, 3], [3], [1, 0], "non-contiguous"),
                                 ([5], [], None, "0-d other")]:
            def make(a=a, b=b, perm=perm):
                x, y = distinct_many([a, b], step=0.1)
                return [T(x, permute=perm), T(y)]
            fam.add(op, make, note=note + ", no ties")
