"""Activations: relu family, smooth activations, softplus, softmax/log_softmax."""

from .common import T, avoid, away, randn

SHAPES = [([6], None, "1-d"), ([3, 4], None, "2-d"), ([2, 3, 4], [1, 2, 0], "non-contiguous"),
          ([], None, "0-d")]


def build(fam):
    # kinked at 0: inputs kept at |x| >= 0.1
    kinked = [("relu", [{}]),
              ("leaky_relu", [{}, {"negative_slope": 0.2}, {"negative_slope": -0.5}]),
              ("elu", [{}, {"alpha": 0.5}, {"alpha": 2.0}])]
    for op, arg_sets in kinked:
        for args in arg_sets:
            for shape, perm, note in SHAPES:
                fam.add(op, lambda shape=shape, perm=perm:
                        [T(away(shape, 0.1, scale=1.5), permute=perm)], args,
                        note=note + ", |x| >= 0.1")

    # kinked at both bounds: inputs kept 0.1 away from each, with values beyond both
    for op, args, bounds, scale in [("hardtanh", {}, [-1.0, 1.0], 1.5),
                                    ("hardtanh", {"min_val": -0.5, "max_val": 2.0},
                                     [-0.5, 2.0], 2.0),
                                    ("relu6", {}, [0.0, 6.0], 5.0)]:
        for shape, perm, note in SHAPES:
            fam.add(op, lambda shape=shape, perm=perm, bounds=bounds, scale=scale:
                    [T(avoid(randn(shape, scale=scale), bounds, 0.1, scale=scale),
                       permute=perm)], args, note=note + ", 0.1 away from both bounds")

    smooth = [("gelu", [{"approximate": "none"}, {"approximate": "tanh"}]),
              ("sigmoid", [{}]), ("tanh", [{}]), ("silu", [{}])]
    for op, arg_sets in smooth:
        for args in arg_sets:
            for shape, perm, note in SHAPES:
                fam.add(op, lambda shape=shape, perm=perm:
                        [T(randn(shape, scale=2.0), permute=perm)], args, note=note)

    # softplus switches to the identity where beta * x > threshold: keep x away from the switch
    for args, note in [({}, "defaults beta=1, threshold=20"),
                       ({"beta": 2.0, "threshold": 2.0}, "beta=2, threshold=2: both branches"),
                       ({"beta": 0.5, "threshold": 1.0}, "beta=0.5, threshold=1: both branches")]:
        switch = args.get("threshold", 20.0) / args.get("beta", 1.0)
        for shape, perm, snote in SHAPES[:3]:
            fam.add("softplus", lambda shape=shape, perm=perm, switch=switch:
                    [T(avoid(randn(shape, scale=2.0), [switch], 0.1, scale=2.0), permute=perm)],
                    args, note=f"{snote}, {note}")

    for op in ["softmax", "log_softmax"]:
        for shape, args, perm, note in [
                ([3, 4], {"dim": 1}, None, "last dim"),
                ([3, 4], {"dim": 0}, None, "first dim"),
                ([2, 3, 4], {"dim": -2}, None, "negative middle dim"),
                ([2, 3, 4], {"dim": -1}, [2, 0, 1], "non-contiguous"),
                ([4, 1], {"dim": 1}, None, "size-1 dim"),
                ([5], {"dim": 0}, None, "1-d")]:
            fam.add(op, lambda shape=shape, perm=perm:
                    [T(randn(shape, scale=2.0), permute=perm)], args, note=note)
