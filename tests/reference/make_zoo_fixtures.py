"""Reference values for the model zoo (tests/nn/models_test.cpp).

For every zoo model this builds the same network in PyTorch (torchvision 0.14's models where
torchvision has them; LeNet-5 and MobileNetV1, which it lacks, are written out below with the
same module layout as tapegrad's), fills every parameter and buffer from a formula that the C++
test evaluates identically (no weights are stored), runs one eval-mode forward on a
formula-filled input and records:

  tests/nn/fixtures/zoo.json         per model: its configuration, the input shape, the ordered
                                     names and shapes of its parameters and of its buffers, and
                                     the parameter count
  tests/nn/fixtures/zoo.safetensors  per model: the logits ("<model>/logits")
  tests/nn/fixtures/zoo_lenet5_state.safetensors
                                     the formula-filled state_dict of LeNet-5 (10 classes, one
                                     input channel) as PyTorch saves it, for the strict-load test

Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-torchvision 0.14):

    /usr/bin/python3 tests/reference/make_zoo_fixtures.py

The fill formula (all arithmetic in float64, the result rounded to float32):
  r(i, k) = (i * 40503 + k * 9973 + 12345) mod 65521,   u = 2 r / 65521 - 1   (in [-1, 1))
where i is the element's flat index and k the tensor's ordinal: its position in
named_parameters(), or 1000 + its position in named_buffers(); the input uses k = 7.
  conv/linear weight (dim >= 2): u * sqrt(6 / fan_in), fan_in = numel / size(0)
  batch-norm weight (dim 1):     1 + 0.25 u
  any bias, running_mean:        0.1 u
  running_var:                   1 + 0.25 (u + 1)
  num_batches_tracked:           0
  input:                         u
"""

import json
import math
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
from cases import safetensors_io  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(__file__), "..", "nn", "fixtures")
BATCH = 2


# ---------------------------------------------------------------- the formula
def formula(n, k):
    i = np.arange(n, dtype=np.int64)
    r = (i * 40503 + k * 9973 + 12345) % 65521
    return 2.0 * r.astype(np.float64) / 65521.0 - 1.0


def fill_value(name, shape, k):
    n = int(np.prod(shape)) if len(shape) else 1
    u = formula(n, k)
    leaf = name.rsplit(".", 1)[-1]
    if leaf == "weight" and len(shape) >= 2:
        v = u * math.sqrt(6.0 / (n // shape[0]))
    elif leaf == "weight":
        v = 1.0 + 0.25 * u
    elif leaf in ("bias", "running_mean"):
        v = 0.1 * u
    elif leaf == "running_var":
        v = 1.0 + 0.25 * (u + 1.0)
    else:
        raise ValueError(f"no fill rule for {name}")
    return torch.from_numpy(v.astype(np.float32)).reshape(shape)


def fill(model):
    with torch.no_grad():
        for k, (name, p) in enumerate(model.named_parameters()):
            p.copy_(fill_value(name, list(p.shape), k))
        for k, (name, b) in enumerate(model.named_buffers()):
            if name.endswith("num_batches_tracked"):
                b.zero_()
            else:
                b.copy_(fill_value(name, list(b.shape), 1000 + k))


def make_input(shape):
    return torch.from_numpy(formula(int(np.prod(shape)), 7).astype(np.float32)).reshape(shape)


# ---------------------------------------------------------------- models torchvision lacks
class LeNet5(torch.nn.Module):
    """conv5x5(pad 2) 6, max-pool, conv5x5 16, max-pool, 120, 84, classes; ReLU; 28x28 input."""

    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        nn = torch.nn
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class MobileNetV1(torch.nn.Module):
    """Stem conv3x3 s2 32, then 13 depthwise-separable blocks (dw3x3-BN-ReLU, pw1x1-BN-ReLU),
    global average pool, linear. Channels times width_mult, rounded to multiples of 8."""

    CFG = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]

    def __init__(self, num_classes=1000, in_channels=3, width_mult=1.0, small_input=False):
        super().__init__()
        nn = torch.nn
        c = make_divisible(32 * width_mult)
        layers = [nn.Sequential(nn.Conv2d(in_channels, c, 3, 1 if small_input else 2, 1,
                                          bias=False), nn.BatchNorm2d(c), nn.ReLU())]
        for out, stride in self.CFG:
            o = make_divisible(out * width_mult)
            layers.append(nn.Sequential(
                nn.Conv2d(c, c, 3, stride, 1, groups=c, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                nn.Conv2d(c, o, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU()))
            c = o
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


# ---------------------------------------------------------------- building each model
def set_in_channels_conv(conv, in_channels, **overrides):
    """A copy of conv's geometry with another input channel count (and overrides)."""
    kw = dict(kernel_size=conv.kernel_size, stride=conv.stride, padding=conv.padding,
              groups=conv.groups, bias=conv.bias is not None)
    kw.update(overrides)
    return torch.nn.Conv2d(in_channels, conv.out_channels, **kw)


def build(cfg):
    name, nc, inc = cfg["model"], cfg["num_classes"], cfg["in_channels"]
    small, wm = cfg["small_input"], cfg["width_mult"]
    tvm = torchvision.models
    nn = torch.nn
    if name == "lenet5":
        return LeNet5(nc, inc)
    if name == "mobilenet_v1":
        return MobileNetV1(nc, inc, wm, small)
    if name == "alexnet":
        m = tvm.alexnet(num_classes=nc)
        m.features[0] = set_in_channels_conv(m.features[0], inc)
        return m
    if name.startswith("resnet"):
        m = getattr(tvm, name)(num_classes=nc)
        if small:  # 3x3 stride-1 stem, no max-pool
            m.conv1 = nn.Conv2d(inc, 64, 3, 1, 1, bias=False)
            m.maxpool = nn.Identity()
        else:
            m.conv1 = set_in_channels_conv(m.conv1, inc)
        return m
    if name.startswith("vgg"):
        m = getattr(tvm, name)(num_classes=nc)
        m.features[0] = set_in_channels_conv(m.features[0], inc)
        if small:  # no last max-pool, global average pool, 512-wide classifier
            m.features = nn.Sequential(*list(m.features)[:-1])
            m.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            m.classifier = nn.Sequential(
                nn.Linear(512, 512), nn.ReLU(True), nn.Dropout(),
                nn.Linear(512, 512), nn.ReLU(True), nn.Dropout(),
                nn.Linear(512, nc))
        return m
    if name == "mobilenet_v2":
        m = tvm.mobilenet_v2(num_classes=nc, width_mult=wm)
        m.features[0][0] = set_in_channels_conv(m.features[0][0], inc,
                                                stride=1 if small else 2)
        return m
    raise ValueError(name)


def config(model, num_classes=1000, in_channels=3, small_input=False, width_mult=1.0, size=32):
    key = model
    if small_input:
        key += "_small"
    if width_mult != 1.0:
        key += f"_w{width_mult:g}"
    if in_channels != 3:
        key += f"_in{in_channels}"
    if num_classes != 1000:
        key += f"_c{num_classes}"
    return {"key": key, "model": model, "num_classes": num_classes, "in_channels": in_channels,
            "small_input": small_input, "width_mult": width_mult,
            "input_shape": [BATCH, in_channels, size, size]}


CONFIGS = (
    [config("lenet5", 10, 1, size=28), config("alexnet", size=63)]
    + [config(f"vgg{d}{bn}") for d in (11, 13, 16, 19) for bn in ("", "_bn")]
    + [config(f"resnet{d}") for d in (18, 34, 50)]
    + [config("mobilenet_v1"), config("mobilenet_v1", width_mult=0.25),
       config("mobilenet_v2"), config("mobilenet_v2", width_mult=0.5)]
    # the small-input variants, as tapegrad-train uses them on Fashion-MNIST
    + [config(m, 10, 1, small_input=True, size=28)
       for m in ("resnet18", "resnet50", "vgg11_bn", "mobilenet_v1", "mobilenet_v2")]
)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    entries, tensors = [], {}
    for cfg in CONFIGS:
        model = build(cfg).eval()
        fill(model)
        with torch.no_grad():
            logits = model(make_input(cfg["input_shape"]))
        entry = dict(cfg)
        entry["parameters"] = [[n, list(p.shape)] for n, p in model.named_parameters()]
        entry["buffers"] = [[n, list(b.shape)] for n, b in model.named_buffers()]
        entry["num_params"] = sum(p.numel() for p in model.parameters())
        entries.append(entry)
        tensors[cfg["key"] + "/logits"] = logits.contiguous()
        print(f"{cfg['key']:28s} {entry['num_params']:>11,d} params  logits std "
              f"{logits.std().item():.3g}  max |.| {logits.abs().max().item():.3g}")
        if cfg["key"] == "lenet5_in1_c10":
            with open(os.path.join(OUT_DIR, "zoo_lenet5_state.safetensors"), "wb") as f:
                f.write(safetensors_io.encode(model.state_dict()))
    with open(os.path.join(OUT_DIR, "zoo.json"), "w") as f:
        f.write('{"torch": "%s", "torchvision": "%s", "models": [\n' %
                (torch.__version__, torchvision.__version__))
        f.write(",\n".join(json.dumps(e, separators=(",", ":")) for e in entries))
        f.write("\n]}\n")
    with open(os.path.join(OUT_DIR, "zoo.safetensors"), "wb") as f:
        f.write(safetensors_io.encode(tensors))


if __name__ == "__main__":
    main()
