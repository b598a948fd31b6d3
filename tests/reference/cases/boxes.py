"""Bounding boxes: torchvision.ops' box_convert, box_area, box_iou, generalized_box_iou, nms."""

import torch

from .common import T, uniform

FORMATS = ["xyxy", "xywh", "cxcywh"]


def _xyxy(n, lo=0.0, hi=4.0):
    xy = uniform([n, 2], lo, hi)
    return torch.cat([xy, xy + uniform([n, 2], 0.5, 2.5)], dim=1)


def _pairwise(n, m, hi=4.0):
    """Boxes [n, 4] and [m, 4] (xyxy) away from every kink of the pairwise formulas: the
    compared coordinates of any two boxes differ by >= 0.1 on each axis, and so do the
    intersection sides from 0. Some pairs overlap, some are disjoint."""
    for _ in range(10000):
        a, b = _xyxy(n, 0.0, hi), _xyxy(m, 0.0, hi)
        ok = True
        for axis in (0, 1):
            lo_a, hi_a = a[:, axis], a[:, axis + 2]
            lo_b, hi_b = b[:, axis], b[:, axis + 2]
            for p, q in ((lo_a, lo_b), (hi_a, hi_b), (hi_a, lo_b), (lo_a, hi_b)):
                if (p[:, None] - q[None, :]).abs().min() < 0.1:
                    ok = False
        if not ok:
            continue
        w = torch.minimum(a[:, None, 2], b[:, 2]) - torch.maximum(a[:, None, 0], b[:, 0])
        h = torch.minimum(a[:, None, 3], b[:, 3]) - torch.maximum(a[:, None, 1], b[:, 1])
        overlap = (w > 0) & (h > 0)
        if overlap.any() and not overlap.all():
            return a, b
    raise RuntimeError("could not place boxes")


def _scores(n):
    """Distinct scores (torchvision does not order ties)."""
    return (torch.randperm(n).float() + uniform([n], 0.0, 0.5)) / max(n, 1)


def build(fam):
    for src in FORMATS:
        for dst in FORMATS:
            fam.add("box_convert", lambda: [T(_xyxy(5))], {"in_fmt": src, "out_fmt": dst},
                    note=f"{src} -> {dst}")
    fam.add("box_convert", lambda: [T(_xyxy(6).view(2, 3, 4))],
            {"in_fmt": "xywh", "out_fmt": "cxcywh"}, note="batched [2, 3, 4] boxes")
    fam.add("box_convert", lambda: [T(_xyxy(4).t().contiguous(), permute=[1, 0])],
            {"in_fmt": "cxcywh", "out_fmt": "xyxy"}, note="non-contiguous boxes")

    fam.add("box_area", lambda: [T(_xyxy(5))], note="xyxy boxes")

    for op in ["box_iou", "generalized_box_iou"]:
        def make():
            a, b = _pairwise(3, 4)
            return [T(a), T(b)]
        fam.add(op, make, note="3 x 4 pairs, some disjoint")

        def make_one_side():
            a, b = _pairwise(2, 3)
            return [T(a), T(b, grad=False)]
        fam.add(op, make_one_side, note="2 x 3 pairs, constant boxes2")

    def clustered(n=12):
        centres = uniform([3, 2], 2.0, 10.0).repeat(n // 3, 1)
        c = centres + uniform([n, 2], -1.0, 1.0)
        wh = uniform([n, 2], 1.5, 3.0)
        return torch.cat([c - wh / 2, c + wh / 2], dim=1)
    for threshold in [0.3, 0.5, 0.7]:
        fam.add("nms", lambda: [T(clustered(), grad=False), T(_scores(12), grad=False)],
                {"iou_threshold": threshold},
                note=f"3 clusters of 4 overlapping boxes, threshold {threshold} (indices)")
    fam.add("nms", lambda: [T(_xyxy(0), grad=False), T(_scores(0), grad=False)],
            {"iou_threshold": 0.5}, note="no boxes (indices)")
    fam.add("batched_nms", lambda: [T(clustered(), grad=False), T(_scores(12), grad=False),
                                    T(torch.randint(0, 3, [12]))],
            {"iou_threshold": 0.4}, note="3 categories: only boxes of one category compete")
