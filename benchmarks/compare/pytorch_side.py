"""The PyTorch half of benchmarks/compare_pytorch: the same workloads as tapegrad_side.cpp
(same names, shapes and repetition rule), printed as one JSON object per line. Convolutions are
timed with oneDNN on and off and the faster setting is reported (PyTorch's best)."""

import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONV_SHAPES = [  # name, n, cin, hw, cout, k, stride, pad, groups, dilation
    ("A first layer", 64, 1, 28, 32, 5, 1, 0, 1, 1),
    ("B", 64, 32, 14, 64, 5, 1, 2, 1, 1),
    ("C", 32, 64, 56, 64, 3, 1, 1, 1, 1),
    ("D strided", 32, 128, 28, 128, 3, 2, 1, 1, 1),
    ("E depthwise", 32, 64, 56, 64, 3, 1, 1, 64, 1),
    ("F 1x1", 32, 64, 56, 256, 1, 1, 0, 1, 1),
    ("G stem", 8, 3, 224, 64, 7, 2, 3, 1, 1),
    ("H dilated", 32, 64, 56, 64, 3, 1, 2, 1, 2),
]


def median_seconds(fn, reps, warmup=2):
    for _ in range(warmup):
        t0 = time.perf_counter()
        fn()
        last = time.perf_counter() - t0
    # Short workloads get more repetitions (about a quarter second's worth, at most 200):
    # the median of a handful of sub-millisecond runs is mostly noise. Same rule on both sides.
    reps = max(reps, min(200, int(0.25 / max(last, 1e-9))))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def emit(workload, threads, seconds, **extra):
    print(json.dumps({"side": "pytorch", "workload": workload, "threads": threads,
                      "seconds": seconds, **extra}), flush=True)


def conv_workloads(threads, reps):
    for name, n, cin, hw, cout, k, s, p, g, d in CONV_SHAPES:
        torch.manual_seed(0)
        x = torch.randn(n, cin, hw, hw)
        w = torch.randn(cout, cin // g, k, k)

        def fwd():
            with torch.no_grad():
                F.conv2d(x, w, stride=s, padding=p, dilation=d, groups=g)

        xg = x.clone().requires_grad_()
        wg = w.clone().requires_grad_()

        def fb():
            y = F.conv2d(xg, wg, stride=s, padding=p, dilation=d, groups=g)
            y.backward(torch.ones_like(y))
            xg.grad = None
            wg.grad = None

        for label, fn in (("forward", fwd), ("forward+backward", fb)):
            best = None
            for mkldnn in (True, False):
                with torch.backends.mkldnn.flags(enabled=mkldnn):
                    t = median_seconds(fn, reps)
                if best is None or t < best[0]:
                    best = (t, mkldnn)
            emit(f"conv {name} {label}", threads, best[0], onednn=best[1])


def pool_workloads(threads, reps):
    torch.manual_seed(0)
    x = torch.randn(32, 64, 56, 56, requires_grad=True)
    pools = [("max_pool2d k2s2", lambda t: F.max_pool2d(t, 2)),
             ("max_pool2d k3s2p1", lambda t: F.max_pool2d(t, 3, 2, 1)),
             ("avg_pool2d k2s2", lambda t: F.avg_pool2d(t, 2))]
    for name, fn in pools:
        def fb():
            y = fn(x)
            y.backward(torch.ones_like(y))
            x.grad = None
        emit(f"{name} forward+backward", threads, median_seconds(fb, reps))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def two_conv():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10))


def train_step_workloads(threads, reps):
    for name, make in (("lenet", lenet), ("cnn", two_conv)):
        torch.manual_seed(0)
        model = make()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = torch.randn(64, 1, 28, 28)
        y = torch.randint(0, 10, (64,))

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

        best = None
        for mkldnn in (True, False):
            with torch.backends.mkldnn.flags(enabled=mkldnn):
                t = median_seconds(step, reps)
            if best is None or t < best[0]:
                best = (t, mkldnn)
        emit(f"train step {name} (batch 64)", threads, best[0], images_per_second=64 / best[0],
             onednn=best[1])


def autograd_workload(threads, reps):
    x = torch.tensor([1.0], requires_grad=True)
    c = torch.tensor([1.0001])
    ops = 10000

    def chain():
        y = x
        for _ in range(0, ops, 2):
            y = y * c
            y = y + c
        y.backward()
        x.grad = None

    emit("autograd chain of 10000 scalar ops (per op)", threads, median_seconds(chain, reps) / ops)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.only in ("", "conv"):
        conv_workloads(a.threads, a.reps)
    if a.only in ("", "pool"):
        pool_workloads(a.threads, a.reps)
    if a.only in ("", "train"):
        train_step_workloads(a.threads, a.reps)
    if a.only in ("", "autograd"):
        autograd_workload(a.threads, a.reps)


if __name__ == "__main__":
    main()
