"""Losses: PyTorch's and tapegrad's own (reference formulas in custom_ops)."""

import torch
import torch.nn.functional as F

from .common import T, avoid, labels, randn, uniform

REDUCTIONS = ["mean", "sum", "none"]


def W(value, name=None):
    """A weight tensor: an input without gradient (PyTorch has no derivative for it)."""
    return T(value, grad=False, name=name)


def _boxes(n, lo=0.0, hi=4.0):
    """Random boxes x1 < x2, y1 < y2 with sides >= 0.5."""
    xy = uniform([n, 2], lo, hi)
    wh = uniform([n, 2], 0.5, 2.5)
    return torch.cat([xy, xy + wh], dim=1)


def _box_pairs(n, overlap):
    """Box pairs whose coordinates differ by >= 0.1 where min/max compare them (no kinks);
    overlap=True keeps the intersection positive, False leaves some pairs disjoint."""
    for _ in range(1000):
        a = _boxes(n)
        b = a + uniform([n, 4], -1.0, 1.0) if overlap else _boxes(n, 0.0, 6.0)
        b[:, 2:] = torch.maximum(b[:, 2:], b[:, :2] + 0.5)
        w = torch.minimum(a[:, 2], b[:, 2]) - torch.maximum(a[:, 0], b[:, 0])
        h = torch.minimum(a[:, 3], b[:, 3]) - torch.maximum(a[:, 1], b[:, 1])
        gaps = (a - b).abs().min() > 0.1 and w.abs().min() > 0.1 and h.abs().min() > 0.1
        if gaps and (not overlap or (w.min() > 0.1 and h.min() > 0.1)):
            if overlap or ((w < 0) | (h < 0)).any():
                return a, b
    raise RuntimeError("could not place boxes")


def _cross_entropy(fam):
    ce = "cross_entropy"
    for red in REDUCTIONS:
        fam.add(ce, lambda: [T(randn(4, 5)), T(labels([4], 5))], {"reduction": red},
                note=f"class indices, {red}")
    fam.add(ce, lambda: [T(randn(4, 3)), T(labels([4], 3)), W(uniform([3], 0.5, 2.0))],
            {"reduction": "mean"}, note="class weights (weighted mean)")
    fam.add(ce, lambda: [T(randn(4, 3)), T(labels([4], 3)), W(uniform([3], 0.5, 2.0))],
            {"reduction": "none"}, note="class weights, none")

    def ignored(n=5, c=4, ignore=-100, shape=None):
        t = labels(shape or [n], c)
        t.view(-1)[::2] = ignore
        return t
    fam.add(ce, lambda: [T(randn(5, 4)), T(ignored())], {"reduction": "mean"},
            note="default ignore_index -100 on some targets")
    fam.add(ce, lambda: [T(randn(5, 4)), T(ignored(ignore=1)), W(uniform([4], 0.5, 2.0))],
            {"ignore_index": 1, "reduction": "mean"},
            note="ignore_index 1 (a valid class) with weights")
    fam.add(ce, lambda: [T(randn(5, 4)), T(ignored(ignore=2))],
            {"ignore_index": 2, "reduction": "none"}, note="ignore_index, none")
    fam.add(ce, lambda: [T(randn(4, 5)), T(labels([4], 5))],
            {"label_smoothing": 0.1, "reduction": "mean"}, note="label smoothing")
    fam.add(ce, lambda: [T(randn(4, 3)), T(labels([4], 3)), W(uniform([3], 0.5, 2.0))],
            {"label_smoothing": 0.2, "reduction": "sum"}, note="label smoothing with weights")
    fam.add(ce, lambda: [T(randn(5, 3)), T(ignored(c=3))],
            {"label_smoothing": 0.3, "reduction": "mean"},
            note="label smoothing with ignored targets")
    # probability targets (soft labels) take gradients too
    probs = lambda s: F.softmax(randn(s), dim=1)  # noqa: E731
    for red in REDUCTIONS:
        fam.add(ce, lambda: [T(randn(4, 5)), T(probs([4, 5]))], {"reduction": red},
                note=f"probability targets, {red}")
    fam.add(ce, lambda: [T(randn(4, 3)), T(probs([4, 3])), W(uniform([3], 0.5, 2.0))],
            {"reduction": "mean"}, note="probability targets with weights")
    fam.add(ce, lambda: [T(randn(4, 3)), T(probs([4, 3]))],
            {"label_smoothing": 0.15, "reduction": "mean"},
            note="probability targets with label smoothing")
    # N-d (per pixel)
    fam.add(ce, lambda: [T(randn(2, 3, 2, 3)), T(labels([2, 2, 3], 3))], {"reduction": "mean"},
            note="per-pixel [N,C,H,W] with [N,H,W] targets")
    fam.add(ce, lambda: [T(randn(2, 3, 2, 3), permute=[0, 2, 3, 1]),
                         T(ignored(c=3, shape=[2, 2, 3])), W(uniform([3], 0.5, 2.0))],
            {"reduction": "none"}, note="per-pixel, channels-last, weights, ignored pixels")
    fam.add(ce, lambda: [T(randn(2, 4, 5)), T(labels([2, 5], 4))],
            {"label_smoothing": 0.1, "reduction": "sum"}, note="[N,C,L], label smoothing")
    fam.add(ce, lambda: [T(randn(2, 3, 2, 2)), T(F.softmax(randn(2, 3, 2, 2), dim=1))],
            {"reduction": "mean"}, note="per-pixel probability targets")
    fam.add(ce, lambda: [T(randn(5)), T(torch.tensor(3))], {"reduction": "mean"},
            note="unbatched [C] input, 0-d target")
    fam.add(ce, lambda: [T(randn(4, 5), permute=[1, 0]), T(labels([4], 5))],
            {"reduction": "mean"}, note="non-contiguous input")


def _nll(fam):
    logp = lambda *s: F.log_softmax(randn(*s), dim=1)  # noqa: E731
    for red in REDUCTIONS:
        fam.add("nll_loss", lambda: [T(logp(4, 5)), T(labels([4], 5))], {"reduction": red},
                note=red)
    fam.add("nll_loss", lambda: [T(logp(4, 3)), T(labels([4], 3)), W(uniform([3], 0.5, 2.0))],
            {"reduction": "mean"}, note="weights")

    def ignored():
        t = labels([5], 4)
        t[1::2] = 0
        return t
    fam.add("nll_loss", lambda: [T(logp(5, 4)), T(ignored()), W(uniform([4], 0.5, 2.0))],
            {"ignore_index": 0, "reduction": "mean"}, note="ignore_index 0 with weights")
    fam.add("nll_loss", lambda: [T(logp(2, 3, 2, 2)), T(labels([2, 2, 2], 3))],
            {"reduction": "mean"}, note="per-pixel [N,C,H,W]")
    fam.add("nll_loss", lambda: [T(logp(3, 4), permute=[1, 0]), T(labels([3], 4))],
            {"reduction": "sum"}, note="non-contiguous input")


def _bce(fam):
    prob = lambda s: uniform(s, 0.05, 0.95)  # noqa: E731
    for red in REDUCTIONS:
        fam.add("binary_cross_entropy", lambda: [T(prob([3, 4])), T(prob([3, 4]))],
                {"reduction": red}, note=f"soft targets, {red}")
    fam.add("binary_cross_entropy", lambda: [T(prob([6])), T(labels([6], 2).float())],
            {"reduction": "mean"}, note="0/1 targets")
    fam.add("binary_cross_entropy", lambda: [T(prob([3, 4])), T(prob([3, 4])),
                                             W(uniform([3, 4], 0.5, 2.0))],
            {"reduction": "mean"}, note="element weights (no gradient)")
    fam.add("binary_cross_entropy", lambda: [T(prob([4, 3]), permute=[1, 0]),
                                             T(prob([4, 3]), grad=False)],
            {"reduction": "sum"}, note="non-contiguous input, constant target")

    bcel = "binary_cross_entropy_with_logits"
    for red in REDUCTIONS:
        fam.add(bcel, lambda: [T(randn(3, 4, scale=2.0)), T(uniform([3, 4], 0, 1))],
                {"reduction": red}, note=f"soft targets, {red}")
    fam.add(bcel, lambda: [T(randn(3, 4, scale=2.0)), T(labels([3, 4], 2).float()),
                           W(uniform([4], 0.5, 3.0), name="pos_weight")],
            {"reduction": "mean", "weight": None},
            note="pos_weight per class (broadcast), no weight")
    fam.add(bcel, lambda: [T(randn(3, 4, scale=2.0)), T(uniform([3, 4], 0, 1)),
                           W(uniform([3, 1], 0.5, 2.0)), W(uniform([4], 0.5, 3.0))],
            {"reduction": "sum"}, note="weight and pos_weight (no gradients)")
    fam.add(bcel, lambda: [T(randn(2, 3, 2, scale=2.0), permute=[2, 0, 1]),
                           T(uniform([2, 3, 2], 0, 1))], {"reduction": "mean"},
            note="non-contiguous input")


def _regression(fam):
    for op in ["mse_loss", "l1_loss"]:
        for red in REDUCTIONS:
            fam.add(op, lambda: _pair([3, 4], margin_points=[0.0]), {"reduction": red}, note=red)
        fam.add(op, lambda: _pair([2, 3, 2], margin_points=[0.0], perm=[1, 2, 0]),
                {"reduction": "mean"}, note="non-contiguous input")
        fam.add(op, lambda: _pair([5], margin_points=[0.0], target_grad=False),
                {"reduction": "sum"}, note="constant target")
    for beta in [1.0, 0.5, 2.0]:
        for red in (REDUCTIONS if beta == 1.0 else ["mean"]):
            fam.add("smooth_l1_loss",
                    lambda beta=beta: _pair([3, 4], margin_points=[-beta, beta]),
                    {"reduction": red, "beta": beta}, note=f"beta {beta}, {red}")
    fam.add("smooth_l1_loss", lambda: _pair([3, 4], margin_points=[-1.0, 1.0], perm=[1, 0]),
            {"reduction": "mean", "beta": 1.0}, note="non-contiguous input")
    for delta in [1.0, 0.5, 2.0]:
        for red in (REDUCTIONS if delta == 1.0 else ["mean"]):
            fam.add("huber_loss", lambda delta=delta: _pair([3, 4], margin_points=[-delta, delta]),
                    {"reduction": red, "delta": delta}, note=f"delta {delta}, {red}")
    fam.add("huber_loss", lambda: _pair([2, 3, 2], margin_points=[-1.0, 1.0], perm=[2, 1, 0]),
            {"reduction": "sum", "delta": 1.0}, note="non-contiguous input")


def _pair(shape, margin_points, perm=None, target_grad=True):
    """input, target with input - target kept 0.1 away from the loss's kinks."""
    target = randn(shape)
    diff = avoid(randn(shape, scale=1.5), margin_points, 0.1, scale=1.5)
    return [T(target + diff, permute=perm), T(target, grad=target_grad)]


def _kl(fam):
    logp = lambda *s: F.log_softmax(randn(*s), dim=-1)  # noqa: E731
    probs = lambda *s: F.softmax(randn(*s), dim=-1)  # noqa: E731
    for red in ["mean", "sum", "none", "batchmean"]:
        fam.add("kl_div", lambda: [T(logp(3, 4)), T(probs(3, 4))],
                {"reduction": red, "log_target": False}, note=f"probability target, {red}")
        fam.add("kl_div", lambda: [T(logp(3, 4)), T(logp(3, 4))],
                {"reduction": red, "log_target": True}, note=f"log target, {red}")
    fam.add("kl_div", lambda: [T(logp(2, 3, 4), permute=[2, 0, 1]), T(probs(2, 3, 4))],
            {"reduction": "batchmean", "log_target": False}, note="non-contiguous input")


def _custom(fam):
    for gamma, alpha, red in [(2.0, None, "mean"), (0.0, None, "mean"), (1.5, None, "sum"),
                              (2.0, [0.25, 0.5, 1.0, 0.75], "mean"),
                              (2.0, [1.0, 2.0, 0.5, 1.0], "none")]:
        fam.add("focal_loss", lambda: [T(randn(5, 4, scale=1.5)), T(labels([5], 4))],
                {"gamma": gamma, "alpha": alpha, "reduction": red},
                note="gamma 0 equals cross entropy" if gamma == 0 else "")
    fam.add("focal_loss", lambda: [T(randn(6, 3), permute=[1, 0]), T(labels([6], 3))],
            {"gamma": 2.0, "alpha": None, "reduction": "mean"}, note="non-contiguous input")

    for alpha, gamma, red in [(0.25, 2.0, "none"), (0.25, 2.0, "mean"), (0.5, 1.0, "sum"),
                              (-1.0, 2.0, "mean"), (0.75, 0.0, "mean")]:
        fam.add("sigmoid_focal_loss", lambda: [T(randn(3, 4, scale=2.0)),
                                               T(labels([3, 4], 2).float(), grad=False)],
                {"alpha": alpha, "gamma": gamma, "reduction": red},
                note="alpha < 0: no class balancing" if alpha < 0 else "0/1 targets")
    fam.add("sigmoid_focal_loss", lambda: [T(randn(2, 3, 2, scale=2.0), permute=[1, 2, 0]),
                                           T(uniform([2, 3, 2], 0, 1), grad=False)],
            {"alpha": 0.25, "gamma": 2.0, "reduction": "mean"},
            note="soft targets, non-contiguous input")

    for smooth, shape, perm, note in [(1.0, [2, 3, 4, 4], None, "[N,C,H,W]"),
                                      (1e-5, [2, 3, 3, 4], None, "small smooth"),
                                      (1.0, [2, 4, 5], None, "[N,C,L]"),
                                      (0.5, [1, 2, 3, 3], [0, 2, 3, 1], "channels-last")]:
        def make(shape=shape, perm=perm):
            return [T(randn(shape, scale=1.5), permute=perm),
                    T(labels([shape[0]] + shape[2:], shape[1]))]
        fam.add("dice_loss", make, {"smooth": smooth}, note=note)

    for op in ["iou_loss", "giou_loss"]:
        for red, overlap, tgrad, note in [("mean", True, False, "overlapping boxes"),
                                          ("sum", True, True, "gradients for both boxes"),
                                          ("none", True, False, "overlapping, none")] + (
                [("mean", False, True, "some disjoint boxes: GIoU's hull term")]
                if op == "giou_loss" else [("mean", False, False, "some disjoint boxes")]):
            def make(overlap=overlap, tgrad=tgrad):
                a, b = _box_pairs(4, overlap)
                return [T(a), T(b, grad=tgrad)]
            fam.add(op, make, {"reduction": red}, note=note + ", boxes x1,y1,x2,y2")

    fam.add("rmse_loss", lambda: [T(randn(3, 4)), T(randn(3, 4))], note="")
    fam.add("rmse_loss", lambda: [T(randn(2, 3, 2), permute=[2, 0, 1]), T(randn(2, 3, 2),
                                                                           grad=False)],
            note="non-contiguous input, constant target")
    fam.add("rmse_loss", lambda: [T(randn(5)), T(randn(5))], note="1-d")


def build(fam):
    _cross_entropy(fam)
    _nll(fam)
    _bce(fam)
    _regression(fam)
    _kl(fam)
    _custom(fam)
