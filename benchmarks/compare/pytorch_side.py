"""The PyTorch half of benchmarks/compare_pytorch: the same workloads as tapegrad_side.cpp
(same names, shapes and repetition rule), printed as one JSON object per line. Convolutions are
timed with oneDNN on and off and the faster setting is reported (PyTorch's best)."""

import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

LAYERS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv_layers.txt")

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


def min_seconds(fn, reps, warmup=2):
    for _ in range(warmup):
        t0 = time.perf_counter()
        fn()
        last = time.perf_counter() - t0
    # Short workloads get more repetitions (about a quarter second's worth, at most 200):
    # a handful of sub-millisecond runs is mostly noise. Same rule on both sides.
    reps = max(reps, min(200, int(0.25 / max(last, 1e-9))))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)  # on a shared machine every disturbance only adds time


def best_of_backends(fn, reps, warmup=2):
    """(seconds, onednn): min_seconds of fn with oneDNN on and off, the faster of the two."""
    best = None
    for mkldnn in (True, False):
        with torch.backends.mkldnn.flags(enabled=mkldnn):
            t = min_seconds(fn, reps, warmup)
        if best is None or t < best[0]:
            best = (t, mkldnn)
    return best


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
            best = best_of_backends(fn, reps)
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
        emit(f"{name} forward+backward", threads, min_seconds(fb, reps))


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

        best = best_of_backends(step, reps)
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

    emit("autograd chain of 10000 scalar ops (per op)", threads, min_seconds(chain, reps) / ops)


# ---------------------------------------------------------------- whole networks
# name, builder, batch, input size, classes, repetitions cap (the 224x224 steps take seconds)
class UNet(nn.Module):
    """Four levels of (conv3x3-BN-ReLU) x 2, max-pool down, 2x2 transposed conv up, channels
    32..512, concatenated skips, a 1x1 head (the same network as networks.cpp)."""

    def __init__(self, out_channels):
        super().__init__()

        def double_conv(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o),
                                 nn.ReLU(), nn.Conv2d(o, o, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(o), nn.ReLU())

        c = [32, 64, 128, 256, 512]
        self.down = nn.ModuleList()
        i = 3
        for o in c:
            self.down.append(double_conv(i, o))
            i = o
        self.up = nn.ModuleList([nn.ConvTranspose2d(c[k + 1], c[k], 2, stride=2)
                                 for k in (3, 2, 1, 0)])
        self.dec = nn.ModuleList([double_conv(2 * c[k], c[k]) for k in (3, 2, 1, 0)])
        self.head = nn.Conv2d(c[0], out_channels, 1)

    def forward(self, x):
        skips = []
        h = x
        for i, d in enumerate(self.down):
            if i > 0:
                h = F.max_pool2d(h, 2)
            h = d(h)
            skips.append(h)
        for i, (u, d) in enumerate(zip(self.up, self.dec)):
            h = u(h)
            h = d(torch.cat([skips[-2 - i], h], 1))
        return self.head(h)


def resnet18_cifar(num_classes):
    m = torchvision.models.resnet18(num_classes=num_classes)
    m.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    m.maxpool = nn.Identity()
    return m


NETWORKS = [  # workload name, builder, batch, input size, classes (0 = U-Net regression)
    ("resnet18 32x32", resnet18_cifar, 32, 32, 10),
    ("resnet18 224x224", lambda k: torchvision.models.resnet18(num_classes=k), 32, 224, 1000),
    ("vgg11_bn 32x32", lambda k: torchvision.models.vgg11_bn(num_classes=k), 32, 32, 10),
    ("mobilenet_v2 224x224", lambda k: torchvision.models.mobilenet_v2(num_classes=k), 8, 224,
     1000),
    ("unet 64x64", lambda k: UNet(1), 32, 64, 0),
]


def network_step(make, batch, size, classes):
    torch.manual_seed(0)
    model = make(classes)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, 3, size, size)
    y = torch.randint(0, classes, (batch,)) if classes else torch.randn(batch, 1, size, size)
    loss_fn = F.cross_entropy if classes else F.mse_loss

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return model, step


def network_workloads(threads, reps, only_model=""):
    for name, make, batch, size, classes in NETWORKS:
        if only_model and only_model not in name:
            continue
        _, step = network_step(make, batch, size, classes)
        best = best_of_backends(step, min(reps, 2 if size >= 224 else 3), warmup=1)
        emit(f"network {name} train step (batch {batch})", threads, best[0],
             images_per_second=batch / best[0], onednn=best[1])


def profile_network(name_part, threads):
    """PyTorch's own profiler on one training step (after one warm-up step)."""
    for name, make, batch, size, classes in NETWORKS:
        if name_part not in name:
            continue
        _, step = network_step(make, batch, size, classes)
        step()
        with torch.autograd.profiler.profile() as prof:
            step()
        print(f"PyTorch profile: {name}, batch {batch}, {threads} thread(s)")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30))


def list_conv_layers():
    """Writes every distinct convolution of the networks (one line each) to conv_layers.txt."""
    seen = []
    for name, make, batch, size, classes in NETWORKS:
        model = make(classes)
        rows = []

        def hook(mod, inp, out, rows=rows):
            x = inp[0]
            transposed = isinstance(mod, nn.ConvTranspose2d)
            rows.append((x.shape[0], mod.in_channels, x.shape[2], mod.out_channels,
                         mod.kernel_size[0], mod.stride[0], mod.padding[0], mod.groups,
                         int(transposed)))

        handles = [m.register_forward_hook(hook) for m in model.modules()
                   if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
        with torch.no_grad():
            model.eval()
            model(torch.zeros(batch, 3, size, size))
        for h in handles:
            h.remove()
        for r in rows:
            if r not in [s[1] for s in seen]:
                seen.append((name.split()[0], r))
    with open(LAYERS_FILE, "w") as f:
        f.write("# Every distinct convolution of the networks in pytorch_side.py's NETWORKS,\n"
                "# written by `pytorch_side.py --list-layers`: network n c_in hw c_out k stride"
                " pad groups transposed\n")
        for net, r in seen:
            f.write(net + " " + " ".join(str(v) for v in r) + "\n")


def read_conv_layers(path):
    layers = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            net, *v = line.split()
            layers.append((net, *map(int, v)))
    return layers


def layer_name(net, n, cin, hw, cout, k, s, p, g, t):
    kind = "convT" if t else ("dw" if g == cin and g > 1 else "conv")
    return f"layer {net} {kind} {cin}->{cout} k{k}s{s} @{hw}x{hw} n{n}"


def layer_workloads(threads, reps, path):
    for net, n, cin, hw, cout, k, s, p, g, t in read_conv_layers(path):
        torch.manual_seed(0)
        x = torch.randn(n, cin, hw, hw, requires_grad=True)
        if t:
            w = torch.randn(cin, cout // g, k, k, requires_grad=True)
        else:
            w = torch.randn(cout, cin // g, k, k, requires_grad=True)

        def fb():
            if t:
                y = F.conv_transpose2d(x, w, stride=s, padding=p, groups=g)
            else:
                y = F.conv2d(x, w, stride=s, padding=p, groups=g)
            y.backward(torch.ones_like(y))
            x.grad = None
            w.grad = None

        best = best_of_backends(fb, reps)
        emit(layer_name(net, n, cin, hw, cout, k, s, p, g, t) + " forward+backward", threads,
             best[0], onednn=best[1])


def layer_pass_workloads(threads, reps, path):
    """The forward, input gradient and weight gradient of each (non-transposed) layer on
    their own, through aten's convolution_backward (what autograd calls)."""
    for net, n, cin, hw, cout, k, s, p, g, t in read_conv_layers(path):
        if t:
            continue
        torch.manual_seed(0)
        x = torch.randn(n, cin, hw, hw)
        w = torch.randn(cout, cin // g, k, k)
        gy = torch.ones_like(F.conv2d(x, w, stride=s, padding=p, groups=g))

        def backward(mask):
            return lambda: torch.ops.aten.convolution_backward(
                gy, x, w, None, [s, s], [p, p], [1, 1], False, [0, 0], g, mask)

        passes = [("forward", lambda: F.conv2d(x, w, stride=s, padding=p, groups=g)),
                  ("input grad", backward([True, False, False])),
                  ("weight grad", backward([False, True, False]))]
        name = layer_name(net, n, cin, hw, cout, k, s, p, g, t)
        with torch.no_grad():
            for pass_name, fn in passes:
                best = best_of_backends(fn, reps)
                emit(f"{name} pass: {pass_name}", threads, best[0], onednn=best[1])


def norm_pool_workloads(threads, reps):
    torch.manual_seed(0)
    x = torch.randn(32, 64, 56, 56, requires_grad=True)
    bn = nn.BatchNorm2d(64)
    bn.train()
    cases = [("global avg pool (adaptive_avg_pool2d 1) 32x64x56x56",
              lambda t: F.adaptive_avg_pool2d(t, 1)),
             ("adaptive_avg_pool2d 7 32x64x56x56", lambda t: F.adaptive_avg_pool2d(t, 7)),
             ("batch_norm2d train 32x64x56x56", bn)]
    for name, fn in cases:
        def fb():
            y = fn(x)
            y.backward(torch.ones_like(y))
            x.grad = None
        emit(f"{name} forward+backward", threads, min_seconds(fb, reps))


def pointwise_workloads(threads, reps):
    """The pointwise ops of the networks, on a ResNet-sized activation."""
    torch.manual_seed(0)
    x = torch.randn(32, 64, 56, 56, requires_grad=True)
    r = torch.randn(32, 64, 56, 56, requires_grad=True)
    cases = [("relu 32x64x56x56", lambda: F.relu(x)),
             ("relu6 32x64x56x56", lambda: F.relu6(x)),
             ("sigmoid 32x64x56x56", lambda: torch.sigmoid(x)),
             ("tanh 32x64x56x56", lambda: torch.tanh(x)),
             ("silu 32x64x56x56", lambda: F.silu(x)),
             ("gelu 32x64x56x56", lambda: F.gelu(x)),
             ("gelu tanh 32x64x56x56", lambda: F.gelu(x, approximate="tanh")),
             ("elu 32x64x56x56", lambda: F.elu(x, 1.0)),
             ("softplus 32x64x56x56", lambda: F.softplus(x, 1.0, 20.0)),
             ("add (residual) 32x64x56x56", lambda: x + r)]
    for name, fn in cases:
        def fb():
            y = fn()
            y.backward(torch.ones_like(y))
            x.grad = None
            r.grad = None
        emit(f"{name} forward+backward", threads, min_seconds(fb, reps))


CONV_DIMS_SHAPES = [  # name, dims, n, cin, size, cout, k, pad (as workloads.h)
    ("conv1d k3 32x64x1024 -> 64", 1, 32, 64, 1024, 64, 3, 1),
    ("conv1d wide k15 32x64x1024 -> 64", 1, 32, 64, 1024, 64, 15, 7),
    ("conv1d k3 32x256x256 -> 256", 1, 32, 256, 256, 256, 3, 1),
    ("conv3d k3 8x32x16^3 -> 32", 3, 8, 32, 16, 32, 3, 1),
    ("conv3d k3 8x64x8^3 -> 64", 3, 8, 64, 8, 64, 3, 1),
]


def conv_dims_workloads(threads, reps):
    for name, dims, n, cin, size, cout, k, pad in CONV_DIMS_SHAPES:
        torch.manual_seed(0)
        x = torch.randn(n, cin, *([size] * dims), requires_grad=True)
        w = torch.randn(cout, cin, *([k] * dims), requires_grad=True)
        conv = F.conv1d if dims == 1 else F.conv3d

        def fb():
            y = conv(x, w, padding=pad)
            y.backward(torch.ones_like(y))
            x.grad = None
            w.grad = None

        best = best_of_backends(fb, reps)
        emit(f"{name} forward+backward", threads, best[0], onednn=best[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--only", default="")
    ap.add_argument("--model", default="")
    ap.add_argument("--list-layers", action="store_true")
    ap.add_argument("--layers-file", default=LAYERS_FILE)
    ap.add_argument("--profile", default="", help="print PyTorch's profile of one step of "
                    "the network whose name contains this")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.list_layers:
        list_conv_layers()
        return
    if a.profile:
        profile_network(a.profile, a.threads)
        return
    def wanted(group):
        return not a.only or group in a.only.split(",")

    for group, run in [("conv", lambda: conv_workloads(a.threads, a.reps)),
                       ("pool", lambda: pool_workloads(a.threads, a.reps)),
                       ("train", lambda: train_step_workloads(a.threads, a.reps)),
                       ("autograd", lambda: autograd_workload(a.threads, a.reps)),
                       ("norm", lambda: norm_pool_workloads(a.threads, a.reps)),
                       ("pointwise", lambda: pointwise_workloads(a.threads, a.reps)),
                       ("dims", lambda: conv_dims_workloads(a.threads, a.reps)),
                       ("layers", lambda: layer_workloads(a.threads, a.reps, a.layers_file)),
                       ("networks", lambda: network_workloads(a.threads, a.reps, a.model))]:
        if wanted(group):
            run()
    # Not in the default run: --only passes (with --layers-file to pick layers).
    if a.only and "passes" in a.only.split(","):
        layer_pass_workloads(a.threads, a.reps, a.layers_file)

if __name__ == "__main__":
    main()
