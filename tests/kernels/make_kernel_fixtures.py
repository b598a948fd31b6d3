#!/usr/bin/python3
"""Writes the PyTorch reference fixtures for the conv, pooling and resampling kernel tests.

Run with Debian's interpreter (it has torch 1.13):
    /usr/bin/python3 tests/kernels/make_kernel_fixtures.py

Output: tests/kernels/fixtures/{conv,pool,resample}.bin. Format (little-endian):
    b"TGKF", uint32 version (1), uint32 record count, then per record:
    uint16 name length, name (ASCII), uint8 dtype (0 float64, 1 int64, 2 float32),
    uint8 rank, int64 shape[rank], data.
Records are named "<case>/<tensor>"; "<case>/params" (int64) holds the geometry, laid
out as documented next to each writer below and read by the C++ tests.

Inputs are float32 values (stored as float32) and references are computed in float64,
so the same inputs serve the float and double tests.
"""
import os
import struct
import warnings

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "fixtures")


class FixtureFile:
    def __init__(self):
        self.records = []

    def add(self, name, tensor):
        t = tensor.detach().contiguous()
        if t.dtype == torch.float64:
            code = 0
        elif t.dtype == torch.int64:
            code = 1
        elif t.dtype == torch.float32:
            code = 2
        else:
            raise ValueError(f"unsupported dtype {t.dtype} for {name}")
        self.records.append((name, code, list(t.shape), t.numpy().tobytes()))

    def add_input(self, name, tensor):
        """Inputs are float32-exact; store them as float32."""
        self.add(name, tensor.to(torch.float32))

    def write(self, filename):
        path = os.path.join(OUT_DIR, filename)
        with open(path, "wb") as f:
            f.write(b"TGKF")
            f.write(struct.pack("<II", 1, len(self.records)))
            for name, code, shape, data in self.records:
                encoded = name.encode("ascii")
                f.write(struct.pack("<H", len(encoded)))
                f.write(encoded)
                f.write(struct.pack("<BB", code, len(shape)))
                f.write(struct.pack(f"<{len(shape)}q", *shape))
                f.write(data)
        print(f"{path}: {len(self.records)} records, {os.path.getsize(path)} bytes")


def rand(*shape):
    """Random float32-representable values as float64."""
    return torch.randn(*shape, dtype=torch.float32).to(torch.float64)


def ints(lo, hi, *shape):
    """Small integers (many ties), as float64."""
    return torch.randint(lo, hi, shape).to(torch.float64)


def spatial3(values, rank, fill):
    """Pads a per-dim tuple of `rank` entries to 3 dims with leading `fill`."""
    values = list(values) if isinstance(values, (list, tuple)) else [values] * rank
    return [fill] * (3 - rank) + values


# ------------------------------------------------------------------ convolution
# params: N, C_in, C_out, groups, in[3], out[3], kernel[3], stride[3], dilation[3],
#         pad[3], has_bias
CONV_FN = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONVT_FN = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def conv_params(n, cin, cout, groups, size_in, size_out, k, s, d, p, bias, rank):
    return torch.tensor(
        [n, cin, cout, groups]
        + spatial3(size_in, rank, 1) + spatial3(size_out, rank, 1)
        + spatial3(k, rank, 1) + spatial3(s, rank, 1) + spatial3(d, rank, 1)
        + spatial3(p, rank, 0) + [1 if bias else 0],
        dtype=torch.int64)


def conv_case(fx, name, n, cin, cout, size, k, s=1, p=0, d=1, groups=1, bias=True,
              same=False):
    rank = len(size)
    kk = k if isinstance(k, (list, tuple)) else [k] * rank
    dd = d if isinstance(d, (list, tuple)) else [d] * rank
    x = rand(n, cin, *size).requires_grad_()
    w = rand(cout, cin // groups, *kk).requires_grad_()
    b = rand(cout).requires_grad_() if bias else None
    if same:
        y = CONV_FN[rank](x, w, b, 1, "same", dd, groups)
        p = [dd[i] * (kk[i] - 1) // 2 for i in range(rank)]  # PyTorch's pad before
    else:
        y = CONV_FN[rank](x, w, b, s, p, d, groups)
    gy = rand(*y.shape)
    y.backward(gy)
    fx.add(f"{name}/params", conv_params(n, cin, cout, groups, size, list(y.shape[2:]), k, s,
                                         d, p, bias, rank))
    fx.add_input(f"{name}/x", x)
    fx.add_input(f"{name}/w", w)
    if bias:
        fx.add_input(f"{name}/b", b)
    fx.add_input(f"{name}/gy", gy)
    fx.add(f"{name}/y", y)
    fx.add(f"{name}/gx", x.grad)
    fx.add(f"{name}/gw", w.grad)


def conv_transpose_case(fx, name, n, cin, cout, out_size, k, s, p, d, groups, out_pad):
    """conv_backward_input as conv_transpose's forward: the transposed op maps gy (the
    convolution's output, `out_size`) to the convolution's input."""
    rank = len(out_size)
    kk = k if isinstance(k, (list, tuple)) else [k] * rank
    gy = rand(n, cout, *out_size)
    w = rand(cout, cin // groups, *kk)
    gx = CONVT_FN[rank](gy, w, None, s, p, out_pad, groups, d)
    fx.add(f"{name}/params", conv_params(n, cin, cout, groups, list(gx.shape[2:]), out_size, k, s,
                                         d, p, False, rank))
    fx.add_input(f"{name}/gy", gy)
    fx.add_input(f"{name}/w", w)
    fx.add(f"{name}/gx", gx)


def make_conv():
    fx = FixtureFile()
    conv_case(fx, "conv1d_k3s2p1", 2, 3, 4, [11], 3, s=2, p=1)
    conv_case(fx, "conv1d_stride_gt_kernel", 1, 2, 2, [10], 2, s=3, bias=False)
    conv_case(fx, "conv2d_groups2_dilated", 2, 4, 6, [7, 8], [3, 2], s=[2, 1], p=[1, 0],
              d=[1, 2], groups=2)
    conv_case(fx, "conv2d_depthwise_dilated_pad", 2, 3, 3, [6, 7], 3, p=2, d=2, groups=3)
    conv_case(fx, "conv2d_channel_multiplier", 1, 3, 6, [5, 6], 3, s=2, p=1, groups=3)
    conv_case(fx, "conv2d_even_kernel", 2, 2, 3, [8, 8], 4, s=2, p=1, bias=False)
    conv_case(fx, "conv2d_same_even_kernel", 1, 2, 2, [6, 7], [4, 3], d=[1, 2], same=True)
    conv_case(fx, "conv2d_output_1", 2, 2, 3, [3, 3], 3)
    conv_case(fx, "conv3d_mixed", 1, 2, 3, [5, 6, 4], [2, 3, 2], s=[1, 2, 1], p=[1, 1, 0],
              d=[2, 1, 1])
    conv_transpose_case(fx, "transpose2d_s2_outpad", 2, 3, 4, [4, 5], 3, 2, 1, 1, 1, 1)
    conv_transpose_case(fx, "transpose2d_groups_dilated", 1, 4, 2, [3, 4], [2, 3], [2, 1], [1, 0],
                        [2, 1], 2, [1, 0])
    conv_transpose_case(fx, "transpose1d_s3", 2, 2, 3, [5], 2, 3, 0, 1, 1, 2)
    fx.write("conv.bin")


# ------------------------------------------------------------------ pooling
# params: N, C, in[3], out[3], kernel[3], stride[3], pad[3], dilation[3], ceil_mode,
#         count_include_pad, divisor_override
MAXPOOL_FN = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVGPOOL_FN = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
AAVG_FN = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
AMAX_FN = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
UNPOOL_FN = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}


def pool_params(n, c, size_in, size_out, k, s, p, d, ceil, cip, divisor, rank):
    return torch.tensor(
        [n, c] + spatial3(size_in, rank, 1) + spatial3(size_out, rank, 1)
        + spatial3(k, rank, 1) + spatial3(s, rank, 1) + spatial3(p, rank, 0)
        + spatial3(d, rank, 1) + [int(ceil), int(cip), divisor],
        dtype=torch.int64)


def add_pool_tensors(fx, name, x, y, gy, idx=None):
    fx.add_input(f"{name}/x", x)
    fx.add(f"{name}/y", y)
    if idx is not None:
        fx.add(f"{name}/idx", idx)
    fx.add_input(f"{name}/gy", gy)
    fx.add(f"{name}/gx", x.grad)


def max_case(fx, name, x, k, s=None, p=0, d=1, ceil=False):
    rank = x.dim() - 2
    s = k if s is None else s
    x = x.clone().requires_grad_()
    y, idx = MAXPOOL_FN[rank](x, k, s, p, d, ceil, True)
    gy = rand(*y.shape)
    # A window without an in-bounds tap reports an index past its plane, and PyTorch's
    # backward would add its gradient into the next plane; keep those gradients zero.
    gy[idx >= x[0, 0].numel()] = 0.0
    y.backward(gy)
    fx.add(f"{name}/params", pool_params(x.shape[0], x.shape[1], list(x.shape[2:]),
                                         list(y.shape[2:]), k, s, p, d, ceil, False, 0, rank))
    add_pool_tensors(fx, name, x, y, gy, idx)


def avg_case(fx, name, x, k, s=None, p=0, ceil=False, cip=True, divisor=0):
    rank = x.dim() - 2
    s = k if s is None else s
    x = x.clone().requires_grad_()
    if rank == 1:
        assert divisor == 0
        y = F.avg_pool1d(x, k, s, p, ceil, cip)
    else:
        y = AVGPOOL_FN[rank](x, k, s, p, ceil, cip, divisor if divisor else None)
    gy = rand(*y.shape)
    y.backward(gy)
    fx.add(f"{name}/params", pool_params(x.shape[0], x.shape[1], list(x.shape[2:]),
                                         list(y.shape[2:]), k, s, p, 1, ceil, cip, divisor,
                                         rank))
    add_pool_tensors(fx, name, x, y, gy)


def adaptive_case(fx, name, x, out, kind):
    rank = x.dim() - 2
    x = x.clone().requires_grad_()
    if kind == "amax":
        y, idx = AMAX_FN[rank](x, out, True)
    else:
        y, idx = AAVG_FN[rank](x, out), None
    gy = rand(*y.shape)
    y.backward(gy)
    fx.add(f"{name}/params", pool_params(x.shape[0], x.shape[1], list(x.shape[2:]),
                                         list(y.shape[2:]), 1, 1, 0, 1, False, False, 0, rank))
    add_pool_tensors(fx, name, x, y, gy, idx)


def unpool_case(fx, name, x, k, s, p, extra):
    """Unpools max_pool(x)'s values into a plane `extra` elements larger per dim than x."""
    rank = x.dim() - 2
    pooled, idx = MAXPOOL_FN[rank](x, k, s, p, 1, False, True)
    pooled = pooled.detach().clone().requires_grad_()
    size = [x.shape[2 + i] + extra for i in range(rank)]
    y = UNPOOL_FN[rank](pooled, idx, k, s, p, size)
    gy = rand(*y.shape)
    y.backward(gy)
    planes = x.shape[0] * x.shape[1]
    pooled_size = pooled[0, 0].numel()
    fx.add(f"{name}/params", torch.tensor([planes, pooled_size, y[0, 0].numel()],
                                          dtype=torch.int64))
    fx.add_input(f"{name}/x", pooled)
    fx.add(f"{name}/idx", idx)
    fx.add(f"{name}/y", y)
    fx.add_input(f"{name}/gy", gy)
    fx.add(f"{name}/gx", pooled.grad)


def special_values(n, c, h, w):
    """Ties, -inf (one all -inf row) and NaNs."""
    x = ints(-2, 3, n, c, h, w)
    x[0, 0, 1, :] = float("-inf")
    x[0, 1, 2, 3] = float("nan")
    x[1, 0, 4, 1] = float("nan")
    x[1, 0, 4, 2] = float("nan")
    x[1, 1, 0, :3] = float("-inf")
    return x


def make_pool():
    fx = FixtureFile()
    # max pooling
    max_case(fx, "max1d_k3s2p1_ceil", rand(2, 3, 11), 3, 2, 1, ceil=True)
    max_case(fx, "max1d_stride_gt_kernel", rand(2, 2, 10), 2, 3)
    max_case(fx, "max2d_k3s2p1", rand(2, 3, 9, 10), 3, 2, 1)
    max_case(fx, "max2d_k2s2", rand(2, 2, 8, 9), 2, 2)
    max_case(fx, "max2d_ceil_clipped", rand(1, 3, 7, 6), 3, 2, 1, ceil=True)
    max_case(fx, "max2d_dilated_pad", rand(1, 2, 10, 12), 3, 1, 1, d=2)
    max_case(fx, "max2d_dilated_stride2_ceil", rand(1, 2, 9, 11), 3, 2, 1, d=[1, 2], ceil=True)
    max_case(fx, "max2d_even_kernel", rand(2, 2, 6, 7), 4, 1, 2)
    max_case(fx, "max2d_output_1", rand(2, 3, 5, 5), 5)
    max_case(fx, "max2d_ties_inf_nan", special_values(2, 2, 6, 7), 3, 1, 1)
    max_case(fx, "max2d_ties_inf_nan_s2", special_values(2, 2, 6, 7), 2, 2, ceil=True)
    max_case(fx, "max2d_wide", rand(1, 2, 5, 70), 3, 2, 1)
    max_case(fx, "max2d_wide_s1", rand(1, 2, 4, 37), 2, 1)
    max_case(fx, "max2d_wide_k2s2", rand(1, 2, 4, 70), 2, 2)
    max_case(fx, "max2d_stride3", rand(1, 2, 8, 11), [2, 3], [1, 3], [1, 1])
    # Dilated windows with no in-bounds tap: -inf and PyTorch's out-of-plane index.
    max_case(fx, "max1d_empty_window", rand(1, 2, 1), 2, 1, 1, d=2)
    max_case(fx, "max2d_empty_windows", rand(1, 2, 2, 3), 2, 1, 1, d=[2, 3])
    max_case(fx, "max3d_mixed_ceil", rand(1, 2, 5, 6, 7), [2, 3, 2], [1, 2, 2], [1, 1, 0],
             d=[1, 1, 2], ceil=True)
    # average pooling
    avg_case(fx, "avg1d_ceil_pad", rand(2, 2, 11), 3, 2, 1, ceil=True, cip=True)
    avg_case(fx, "avg1d_ceil_nopad", rand(2, 2, 11), 3, 2, 1, ceil=True, cip=False)
    avg_case(fx, "avg2d_ceil_pad", rand(1, 3, 7, 6), 3, 2, 1, ceil=True, cip=True)
    avg_case(fx, "avg2d_ceil_nopad", rand(1, 3, 7, 6), 3, 2, 1, ceil=True, cip=False)
    avg_case(fx, "avg2d_k2s2_divisor3", rand(2, 2, 8, 9), 2, 2, divisor=3)
    avg_case(fx, "avg2d_k4s3p2_ceil", rand(1, 2, 9, 10), 4, 3, 2, ceil=True, cip=False)
    avg_case(fx, "avg2d_k4s3p2_ceil_pad", rand(1, 2, 9, 10), 4, 3, 2, ceil=True, cip=True)
    avg_case(fx, "avg2d_output_1", rand(2, 2, 4, 5), [4, 5])
    avg_case(fx, "avg2d_wide", rand(1, 2, 4, 70), 3, 2, 1, cip=False)
    avg_case(fx, "avg2d_wide_k2s2", rand(1, 2, 4, 69), 2, 2)
    avg_case(fx, "avg2d_stride1", rand(1, 2, 5, 19), 3, 1, 1, cip=False)
    avg_case(fx, "avg3d_ceil_pad", rand(1, 2, 5, 6, 7), [3, 2, 3], [2, 1, 2], [1, 1, 1],
             ceil=True, cip=True)
    avg_case(fx, "avg3d_ceil_nopad", rand(1, 2, 5, 6, 7), [3, 2, 3], [2, 1, 2], [1, 1, 1],
             ceil=True, cip=False)
    avg_case(fx, "avg3d_divisor5", rand(1, 2, 4, 5, 6), 2, 2, 1, divisor=5)
    # adaptive pooling
    adaptive_case(fx, "aavg1d_down", rand(2, 2, 10), 3, "aavg")
    adaptive_case(fx, "aavg1d_up", rand(2, 2, 3), 7, "aavg")
    adaptive_case(fx, "aavg2d", rand(1, 3, 7, 9), [3, 4], "aavg")
    adaptive_case(fx, "aavg2d_global", rand(2, 2, 5, 5), 1, "aavg")
    adaptive_case(fx, "aavg3d", rand(1, 2, 5, 6, 7), [2, 4, 3], "aavg")
    adaptive_case(fx, "amax1d_up", rand(2, 2, 3), 7, "amax")
    adaptive_case(fx, "amax2d", rand(1, 3, 7, 9), [3, 4], "amax")
    adaptive_case(fx, "amax2d_ties", ints(-2, 3, 2, 2, 6, 7), [4, 3], "amax")
    adaptive_case(fx, "amax3d", rand(1, 2, 5, 6, 7), [2, 4, 3], "amax")
    # unpooling
    unpool_case(fx, "unpool2d_k2s2", rand(2, 2, 6, 8), 2, 2, 0, 1)
    unpool_case(fx, "unpool2d_overlap", ints(-2, 3, 1, 2, 7, 7), 3, 2, 1, 0)
    unpool_case(fx, "unpool3d", rand(1, 2, 4, 4, 6), 2, 2, 0, 0)
    fx.write("pool.bin")


# ------------------------------------------------------------------ resampling
# params: N, C, in[3], out[3], mode (0 nearest, 1 linear), align_corners;
# "<case>/scale" (float64, 3): the scale factor passed per dim, 0 = none.
LINEAR_MODE = {1: "linear", 2: "bilinear", 3: "trilinear"}


def resample_case(fx, name, x, mode, size=None, scale=None, align=False):
    rank = x.dim() - 2
    x = x.clone().requires_grad_()
    if mode == "nearest":
        y = F.interpolate(x, size=size, scale_factor=scale, mode="nearest")
        align = False
    else:
        y = F.interpolate(x, size=size, scale_factor=scale, mode=LINEAR_MODE[rank],
                          align_corners=align)
    gy = rand(*y.shape)
    y.backward(gy)
    scales = [0.0] * 3
    if scale is not None:
        per_dim = scale if isinstance(scale, (list, tuple)) else [scale] * rank
        scales = [0.0] * (3 - rank) + [float(v) for v in per_dim]
    fx.add(f"{name}/params", torch.tensor(
        [x.shape[0], x.shape[1]] + spatial3(list(x.shape[2:]), rank, 1)
        + spatial3(list(y.shape[2:]), rank, 1) + [0 if mode == "nearest" else 1, int(align)],
        dtype=torch.int64))
    fx.add(f"{name}/scale", torch.tensor(scales, dtype=torch.float64))
    fx.add_input(f"{name}/x", x)
    fx.add(f"{name}/y", y)
    fx.add_input(f"{name}/gy", gy)
    fx.add(f"{name}/gx", x.grad)


def make_resample():
    fx = FixtureFile()
    resample_case(fx, "nearest1d_up", rand(2, 2, 5), "nearest", size=8)
    resample_case(fx, "nearest1d_down", rand(2, 2, 7), "nearest", size=3)
    resample_case(fx, "nearest1d_scale", rand(2, 2, 5), "nearest", scale=1.7)
    resample_case(fx, "nearest1d_double", rand(2, 2, 4), "nearest", scale=2.0)
    resample_case(fx, "nearest2d_sizes", rand(1, 3, 5, 7), "nearest", size=[9, 4])
    resample_case(fx, "nearest2d_scales", rand(1, 2, 6, 5), "nearest", scale=[1.5, 0.6])
    resample_case(fx, "nearest3d", rand(1, 2, 3, 4, 5), "nearest", size=[5, 2, 7])
    for align in (False, True):
        tag = "ac" if align else "noac"
        resample_case(fx, f"linear1d_up_{tag}", rand(2, 2, 5), "linear", size=9, align=align)
        resample_case(fx, f"linear1d_down_{tag}", rand(2, 2, 9), "linear", size=4, align=align)
        resample_case(fx, f"bilinear_{tag}", rand(1, 2, 4, 5), "linear", size=[7, 3],
                      align=align)
        resample_case(fx, f"bilinear_scales_{tag}", rand(1, 2, 4, 6), "linear",
                      scale=[2.3, 0.7], align=align)
        resample_case(fx, f"bilinear_out1_{tag}", rand(1, 2, 3, 4), "linear", size=[1, 1],
                      align=align)
        resample_case(fx, f"bilinear_in1_{tag}", rand(1, 2, 1, 3), "linear", size=[4, 5],
                      align=align)
        resample_case(fx, f"trilinear_{tag}", rand(1, 2, 3, 4, 2), "linear", size=[5, 3, 4],
                      align=align)
    resample_case(fx, "bilinear_same_h", rand(1, 2, 4, 5), "linear", size=[4, 8])
    fx.write("resample.bin")


def main():
    warnings.filterwarnings("ignore", message="Using padding='same'")
    torch.manual_seed(1234)
    os.makedirs(OUT_DIR, exist_ok=True)
    make_conv()
    make_pool()
    make_resample()


if __name__ == "__main__":
    main()
