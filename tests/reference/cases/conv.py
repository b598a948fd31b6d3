"""Convolutions: conv1d/2d/3d, conv_transpose1d/2d/3d, and conv2d with a padding_mode.

Hand-written cases cover each feature on purpose; a seeded sweep of valid random configurations
adds combinations. Weights are scaled by 1/sqrt(fan_in) so outputs stay of order one.
"""

import math
import random

import torch

from .common import T, randn
from .custom_ops import conv2d_padding_mode

LARGE = "large case for the blocked kernels: float32 comparison only (gradcheck cost)"


def _tuple(v, n):
    return list(v) if isinstance(v, (list, tuple)) else [v] * n


def _channels_last(rank):
    return [0] + list(range(2, rank)) + [1]


def conv_out(size, k, stride, padding, dilation):
    if padding == "same":
        return size
    p = 0 if padding == "valid" else padding
    return (size + 2 * p - dilation * (k - 1) - 1) // stride + 1


def convt_out(size, k, stride, padding, output_padding, dilation):
    return (size - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1


def _conv(fam, d, n, cin, cout, size, kernel, stride=1, padding=0, dilation=1, groups=1,
          bias=True, px=None, pw=None, note="", op=None, extra=None, gradcheck=None):
    """Adds a conv{d}d case; n=None means an unbatched input."""
    size, kernel = _tuple(size, d), _tuple(kernel, d)
    xshape = ([] if n is None else [n]) + [cin] + size
    wshape = [cout, cin // groups] + kernel
    fan_in = cin // groups * math.prod(kernel)
    px = _channels_last(len(xshape)) if px == "cl" else px
    pw = _channels_last(len(wshape)) if pw == "cl" else pw

    def make():
        ins = [T(randn(xshape), permute=px), T(randn(wshape, scale=fan_in ** -0.5), permute=pw)]
        return ins + ([T(randn([cout], scale=0.5))] if bias else [])

    args = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    args.update(extra or {})
    if not bias:
        args["bias"] = None
    return fam.add(op or f"conv{d}d", make, args, note=note, gradcheck=gradcheck)


def _convt(fam, d, n, cin, cout, size, kernel, stride=1, padding=0, output_padding=0,
           dilation=1, groups=1, bias=True, px=None, pw=None, note="", gradcheck=None):
    size, kernel = _tuple(size, d), _tuple(kernel, d)
    xshape = ([] if n is None else [n]) + [cin] + size
    wshape = [cin, cout // groups] + kernel
    fan_in = cin // groups * math.prod(kernel)
    px = _channels_last(len(xshape)) if px == "cl" else px
    pw = _channels_last(len(wshape)) if pw == "cl" else pw

    def make():
        ins = [T(randn(xshape), permute=px), T(randn(wshape, scale=fan_in ** -0.5), permute=pw)]
        return ins + ([T(randn([cout], scale=0.5))] if bias else [])

    args = {"stride": stride, "padding": padding, "output_padding": output_padding,
            "groups": groups, "dilation": dilation}
    if not bias:
        args["bias"] = None
    return fam.add(f"conv_transpose{d}d", make, args, note=note, gradcheck=gradcheck)


def _conv_cases(fam):
    c = _conv
    # ---- conv1d
    c(fam, 1, 2, 3, 4, 7, 3, note="basic")
    c(fam, 1, 1, 2, 3, 9, 3, stride=2, padding=1, note="stride 2, padding 1, batch 1")
    c(fam, 1, 2, 2, 2, 10, 2, stride=3, note="stride > kernel")
    c(fam, 1, 2, 3, 2, 8, 3, dilation=2, padding=2, note="dilation 2")
    c(fam, 1, 2, 4, 4, 6, 3, groups=4, note="depthwise")
    c(fam, 1, 2, 2, 6, 6, 3, groups=2, padding="same", note="channel multiplier 3, same")
    c(fam, 1, 2, 3, 2, 7, 4, padding="same", note="same, even kernel (extra pad on the right)")
    c(fam, 1, 2, 3, 2, 9, 4, padding="same", dilation=2,
      note="same, even kernel, dilation 2")
    c(fam, 1, 2, 3, 2, 6, 1, bias=False, note="1x1 kernel, no bias")
    c(fam, 1, 2, 3, 2, 5, 5, note="output size 1")
    c(fam, 1, None, 3, 2, 6, 3, padding=1, note="unbatched 2-d input")
    c(fam, 1, 2, 3, 4, 7, 3, padding="valid", px="cl", note="valid, non-contiguous input")
    c(fam, 1, 2, 3, 4, 6, 2, stride=2, pw=[2, 1, 0], bias=False,
      note="non-contiguous weight, no bias")
    # ---- conv2d
    c(fam, 2, 2, 3, 4, 5, 3, note="basic")
    c(fam, 2, 1, 2, 3, [6, 5], [3, 2], stride=[2, 1], padding=[1, 0],
      note="tuple stride and padding, rectangular kernel, batch 1")
    c(fam, 2, 2, 2, 2, 7, 2, stride=3, note="stride > kernel")
    c(fam, 2, 2, 2, 3, 7, 3, dilation=[2, 1], padding=[2, 1], note="tuple dilation")
    c(fam, 2, 2, 3, 3, 5, 3, groups=3, padding=1, px="cl", note="depthwise, channels-last input")
    c(fam, 2, 1, 3, 3, 6, 2, groups=3, padding="same", note="depthwise, even kernel, same")
    c(fam, 2, 2, 2, 4, 5, 3, groups=2, bias=False, note="channel multiplier 2, no bias")
    c(fam, 2, 2, 4, 4, 5, 3, groups=2, padding="same", dilation=2,
      note="groups 2, same with dilation 2")
    c(fam, 2, 1, 2, 3, [5, 6], [2, 4], padding="same", dilation=[1, 2],
      note="same, even kernels, mixed dilation")
    c(fam, 2, 2, 3, 4, 4, 1, note="1x1 kernel")
    c(fam, 2, 2, 4, 2, [3, 3], [1, 1], stride=2, bias=False, note="1x1 kernel, stride 2")
    c(fam, 2, 2, 2, 3, [3, 4], [3, 4], note="output size 1x1")
    c(fam, 2, 1, 2, 2, 4, 3, padding="valid", note="valid, batch 1")
    c(fam, 2, None, 2, 3, 5, 3, padding=1, note="unbatched 3-d input")
    c(fam, 2, None, 4, 4, 4, 3, groups=4, padding="same", note="unbatched depthwise, same")
    c(fam, 2, 2, 3, 2, 5, 3, padding=2, px=[0, 3, 2, 1], pw="cl",
      note="non-contiguous input and weight, padding > kernel/2")
    c(fam, 2, 1, 2, 2, 5, 2, stride=[1, 3], padding=[0, 1], dilation=[2, 1],
      note="stride, padding and dilation all per-dim")
    # ---- conv3d
    c(fam, 3, 2, 2, 3, 4, 3, note="basic")
    c(fam, 3, 1, 2, 2, [5, 4, 4], [3, 2, 2], stride=[2, 1, 2], padding=[1, 0, 1],
      note="tuple stride and padding, batch 1")
    c(fam, 3, 1, 2, 2, 5, 2, stride=3, note="stride > kernel")
    c(fam, 3, 1, 2, 2, 5, 2, dilation=2, padding=1, note="dilation 2")
    c(fam, 3, 1, 3, 3, 4, 3, groups=3, padding="same", note="depthwise, same")
    c(fam, 3, 1, 2, 2, 4, 2, padding="same", bias=False, note="same, even kernel, no bias")
    c(fam, 3, 2, 3, 2, 3, 1, px="cl", note="1x1x1 kernel, channels-last input")
    c(fam, 3, 1, 2, 2, [2, 3, 3], [2, 3, 3], note="output size 1")
    c(fam, 3, None, 2, 3, 4, 2, padding=1, note="unbatched 4-d input")
    c(fam, 3, 1, 2, 4, 3, 2, groups=2, pw=[4, 3, 2, 1, 0], note="groups 2, non-contiguous weight")
    # ---- larger ones for the vectorised paths, float32 comparison only
    c(fam, 2, 2, 16, 16, 8, 3, padding=1, note=LARGE, gradcheck=False)
    c(fam, 2, 1, 32, 32, 6, 3, padding=1, groups=32, px="cl", note="depthwise; " + LARGE,
      gradcheck=False)
    c(fam, 1, 2, 16, 24, 20, 5, stride=2, padding=2, note=LARGE, gradcheck=False)
    c(fam, 3, 1, 8, 8, 5, 3, padding=1, note=LARGE, gradcheck=False)


def _convt_cases(fam):
    t = _convt
    # ---- conv_transpose1d
    t(fam, 1, 2, 3, 2, 5, 3, note="basic")
    t(fam, 1, 1, 2, 3, 4, 3, stride=2, padding=1, output_padding=1,
      note="stride 2, output_padding 1, batch 1")
    t(fam, 1, 2, 2, 2, 3, 2, stride=3, note="stride > kernel: gaps in the output")
    t(fam, 1, 2, 2, 2, 4, 3, stride=3, output_padding=2, note="output_padding 2 < stride 3")
    t(fam, 1, 2, 2, 3, 4, 3, dilation=2, padding=1, note="dilation 2")
    t(fam, 1, 2, 3, 3, 5, 3, groups=3, padding=1, note="depthwise")
    t(fam, 1, 2, 2, 4, 4, 2, groups=2, stride=2, bias=False, note="groups 2, no bias")
    t(fam, 1, 2, 3, 2, 5, 1, note="1x1 kernel")
    t(fam, 1, None, 2, 3, 4, 3, stride=2, note="unbatched 2-d input")
    t(fam, 1, 2, 3, 2, 4, 3, px="cl", pw=[2, 0, 1], note="non-contiguous input and weight")
    t(fam, 1, 1, 2, 2, 1, 3, note="input size 1")
    t(fam, 1, 2, 2, 2, 5, 3, padding=2, note="padding crops the full output")
    # ---- conv_transpose2d
    t(fam, 2, 2, 3, 2, 4, 3, note="basic")
    t(fam, 2, 1, 2, 3, [3, 4], [3, 2], stride=[2, 1], padding=[1, 0], output_padding=[1, 0],
      note="per-dim stride, padding, output_padding")
    t(fam, 2, 2, 2, 2, 3, 2, stride=3, note="stride > kernel")
    t(fam, 2, 2, 2, 2, 3, 3, stride=2, dilation=2, output_padding=1,
      note="dilation 2 and output_padding 1")
    t(fam, 2, 2, 3, 3, 4, 3, groups=3, padding=1, px="cl", note="depthwise, channels-last input")
    t(fam, 2, 2, 2, 4, 3, 3, groups=2, stride=2, padding=1, output_padding=1,
      note="channel multiplier 2, stride 2")
    t(fam, 2, 2, 3, 4, 3, 1, stride=2, bias=False, note="1x1 kernel, stride 2, no bias")
    t(fam, 2, None, 2, 3, 3, 3, stride=2, padding=1, note="unbatched 3-d input")
    t(fam, 2, 2, 2, 3, [2, 3], [2, 3], stride=[1, 2], dilation=[2, 1], pw=[1, 0, 3, 2],
      note="per-dim dilation, non-contiguous weight")
    t(fam, 2, 1, 2, 2, 1, 2, note="input 1x1")
    t(fam, 2, 2, 4, 4, 3, 2, groups=4, stride=2, bias=False, note="depthwise, stride 2, no bias")
    t(fam, 2, 1, 3, 2, 3, 4, stride=2, padding=1, note="even kernel 4, stride 2 (upsampling x2)")
    # ---- conv_transpose3d
    t(fam, 3, 1, 2, 2, 3, 2, note="basic")
    t(fam, 3, 1, 2, 2, [2, 3, 2], [2, 2, 3], stride=[2, 1, 2], padding=[0, 1, 1],
      output_padding=[1, 0, 1], note="per-dim stride, padding, output_padding")
    t(fam, 3, 2, 2, 2, 2, 2, stride=3, note="stride > kernel")
    t(fam, 3, 1, 2, 2, 3, 2, dilation=2, note="dilation 2")
    t(fam, 3, 1, 2, 4, 2, 3, groups=2, padding=1, bias=False, note="groups 2, no bias")
    t(fam, 3, None, 2, 2, 3, 2, stride=2, note="unbatched 4-d input")
    t(fam, 3, 1, 3, 2, 2, 1, stride=2, px="cl", note="1x1x1 kernel, channels-last input")
    # ---- larger ones for the vectorised paths
    t(fam, 2, 2, 16, 16, 5, 3, stride=2, padding=1, output_padding=1, note=LARGE,
      gradcheck=False)
    t(fam, 1, 2, 16, 16, 10, 4, stride=2, padding=1, note=LARGE, gradcheck=False)
    t(fam, 3, 1, 8, 8, 3, 3, stride=2, note=LARGE, gradcheck=False)


def _pick_sizes(rng, d, kernel, stride, dilation, padding, transpose, output_padding):
    sizes = []
    for i in range(d):
        lo = 1 if transpose else max(1, dilation[i] * (kernel[i] - 1) + 1 - 2 * (
            0 if padding in ("same", "valid") else padding[i]))
        sizes.append(rng.randint(lo, lo + (3 if d == 3 else 5)))
    return sizes


def _sweep(fam, count, transpose, seed):
    """Random valid configurations: a fixed Python RNG, so the list is the same on every run."""
    rng = random.Random(seed)
    added = 0
    while added < count:
        d = rng.choice([1, 2, 2, 3])
        groups = rng.choice([1, 1, 2, 3])
        cin, cout = groups * rng.choice([1, 2]), groups * rng.choice([1, 2])
        n = rng.choice([None, 1, 2, 2])
        kernel = [rng.choice([1, 2, 3]) for _ in range(d)]
        stride = [rng.choice([1, 1, 2, 3]) for _ in range(d)]
        dilation = [rng.choice([1, 1, 2]) for _ in range(d)]
        if transpose:
            padding = [rng.randint(0, dilation[i] * (kernel[i] - 1)) for i in range(d)]
            output_padding = [rng.randint(0, max(stride[i], dilation[i]) - 1) for i in range(d)]
        else:
            output_padding = None
            padding = rng.choice(["p", "p", "same", "valid"])
            if padding == "same":
                stride = [1] * d
            elif padding == "p":
                padding = [rng.randint(0, 2) for _ in range(d)]
        size = _pick_sizes(rng, d, kernel, stride, dilation, padding, transpose, output_padding)
        if transpose:
            out = [convt_out(size[i], kernel[i], stride[i], padding[i], output_padding[i],
                             dilation[i]) for i in range(d)]
        else:
            out = [conv_out(size[i], kernel[i], stride[i],
                            padding if isinstance(padding, str) else padding[i], dilation[i])
                   for i in range(d)]
        xnum = (n or 1) * cin * math.prod(size)
        onum = (n or 1) * cout * math.prod(out)
        if min(out) < 1 or xnum > 240 or onum > 300:
            continue
        bias = rng.random() < 0.7
        px = "cl" if rng.random() < 0.3 else None
        simplify = (lambda v: v[0] if len(set(v)) == 1 else v)
        note = "random sweep" + (", channels-last input" if px else "") + \
            ("" if n is not None else ", unbatched")
        if transpose:
            _convt(fam, d, n, cin, cout, size, kernel, stride=simplify(stride),
                   padding=simplify(padding), output_padding=simplify(output_padding),
                   dilation=simplify(dilation), groups=groups, bias=bias, px=px, note=note)
        else:
            _conv(fam, d, n, cin, cout, size, kernel, stride=simplify(stride),
                  padding=padding if isinstance(padding, str) else simplify(padding),
                  dilation=simplify(dilation), groups=groups, bias=bias, px=px, note=note)
        added += 1


def _padding_mode_cases(fam):
    for n, cin, cout, size, kernel, args, note in [
            (2, 2, 3, 5, 3, {"padding": 1, "padding_mode": "reflect"}, "reflect"),
            (1, 2, 2, [5, 6], [3, 2], {"padding": [2, 1], "padding_mode": "reflect"},
             "reflect, per-dim padding"),
            (2, 2, 2, 5, 3, {"padding": 1, "padding_mode": "replicate"}, "replicate"),
            (1, 3, 3, 4, 3, {"padding": 2, "padding_mode": "replicate", "groups": 3,
                             "stride": 2}, "replicate, depthwise, stride 2"),
            (2, 2, 2, 5, 3, {"padding": 1, "padding_mode": "circular"}, "circular"),
            (1, 2, 3, [4, 5], 3, {"padding": [1, 2], "padding_mode": "circular",
                                  "dilation": [1, 2]}, "circular, per-dim padding, dilation"),
            (2, 2, 2, 5, 3, {"padding": 1, "padding_mode": "zeros"}, "zeros"),
            (1, 2, 2, 6, 4, {"padding": "same", "padding_mode": "reflect"},
             "reflect, same with an even kernel (extra pad right/bottom)"),
            (1, 2, 2, 6, 3, {"padding": "same", "padding_mode": "circular", "dilation": 2},
             "circular, same with dilation 2"),
            (2, 2, 2, 4, 3, {"padding": "valid", "padding_mode": "replicate"},
             "replicate with valid: no padding")]:
        args = {"stride": 1, "dilation": 1, "groups": 1, **args}
        cid = _conv(fam, 2, n, cin, cout, size, kernel, stride=args["stride"],
                    padding=args["padding"], dilation=args["dilation"], groups=args["groups"],
                    op="conv2d_padding_mode", extra={"padding_mode": args["padding_mode"]},
                    note=note, px="cl" if "per-dim" in note else None)
        _check_against_module(fam, cid)


def _check_against_module(fam, cid):
    """The reference formula must agree with torch.nn.Conv2d for the same parameters."""
    entry = fam.entries[-1]
    assert entry["id"] == cid
    ins = [fam.tensors[i["key"]] for i in entry["inputs"]]
    x = ins[0].permute(entry["inputs"][0]["permute"]) if "permute" in entry["inputs"][0] \
        else ins[0]
    a = entry["args"]
    w = ins[1]
    module = torch.nn.Conv2d(w.shape[1] * a["groups"], w.shape[0], w.shape[2:],
                             stride=a["stride"], padding=a["padding"], dilation=a["dilation"],
                             groups=a["groups"], bias=len(ins) > 2,
                             padding_mode=a["padding_mode"])
    with torch.no_grad():
        module.weight.copy_(w)
        if len(ins) > 2:
            module.bias.copy_(ins[2])
        expected = module(x)
    got = fam.tensors[entry["outputs"][0]]
    if not torch.allclose(expected, got, rtol=1e-6, atol=1e-6):
        raise AssertionError(f"{cid}: conv2d_padding_mode disagrees with nn.Conv2d")
    redo = conv2d_padding_mode(x, w, ins[2] if len(ins) > 2 else None, a["stride"],
                               a["padding"], a["dilation"], a["groups"], a["padding_mode"])
    assert torch.equal(redo, got)


def build(fam):
    _conv_cases(fam)
    _sweep(fam, 30, transpose=False, seed=1001)
    _convt_cases(fam)
    _sweep(fam, 30, transpose=True, seed=2002)
    _padding_mode_cases(fam)
