"""Reference values for the normalization modules (tests/nn/norm_modules_test.cpp).

Runs torch.nn.BatchNorm1d/2d/3d, GroupNorm and LayerNorm through a few train/eval steps and
records, per step, the output, the gradients of a random grad_output with respect to the
input and the parameters, and the buffers afterwards (running_mean, running_var,
num_batches_tracked). Run with Debian's /usr/bin/python3 (python3-torch 1.13):

    /usr/bin/python3 tests/reference/make_norm_module_fixtures.py

It writes tests/nn/fixtures/norm_modules.json (deterministic: fixed seeds, one thread).
"""

import json
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "nn", "fixtures", "norm_modules.json")


def tensor_json(t):
    t = t.detach()
    if t.dtype == torch.int64:
        return {"shape": list(t.shape), "dtype": "int64", "data": t.reshape(-1).tolist()}
    return {"shape": list(t.shape), "dtype": "float32",
            "data": [float(v) for v in t.float().reshape(-1).tolist()]}


def make_module(kind, opts):
    if kind.startswith("BatchNorm"):
        cls = getattr(torch.nn, kind)
        return cls(opts["num_features"], eps=opts.get("eps", 1e-5),
                   momentum=opts.get("momentum", 0.1), affine=opts.get("affine", True),
                   track_running_stats=opts.get("track_running_stats", True))
    if kind == "GroupNorm":
        return torch.nn.GroupNorm(opts["num_groups"], opts["num_channels"],
                                  eps=opts.get("eps", 1e-5), affine=opts.get("affine", True))
    if kind == "LayerNorm":
        return torch.nn.LayerNorm(opts["normalized_shape"], eps=opts.get("eps", 1e-5),
                                  elementwise_affine=opts.get("elementwise_affine", True))
    raise ValueError(kind)


def scenario(name, kind, opts, steps, set_params=False, seed=0):
    """steps: list of (mode, input shape, input scale, input offset)."""
    torch.manual_seed(seed)
    m = make_module(kind, opts)
    params = {}
    if set_params:
        with torch.no_grad():
            for pname, p in m.named_parameters():
                p.copy_(torch.rand(p.shape) + 0.5 if pname == "weight" else torch.randn(p.shape))
                params[pname] = tensor_json(p)
    out_steps = []
    for mode, shape, scale, offset in steps:
        m.train(mode == "train")
        x = (torch.randn(shape) * scale + offset).requires_grad_()
        y = m(x)
        gy = torch.randn(y.shape)
        named = dict(m.named_parameters())
        wrt = [x] + list(named.values())
        grads = torch.autograd.grad(y, wrt, gy)
        step = {"mode": mode, "input": tensor_json(x), "output": tensor_json(y),
                "grad_output": tensor_json(gy),
                "grads": {"input": tensor_json(grads[0])},
                "buffers": {k: tensor_json(b) for k, b in m.named_buffers()}}
        for k, g in zip(named.keys(), grads[1:]):
            step["grads"][k] = tensor_json(g)
        out_steps.append(step)
    return {"name": name, "module": kind, "options": opts, "params": params, "steps": out_steps}


def build():
    train3 = lambda shape: [("train", shape, 2.0, 0.5), ("train", shape, 1.5, -0.3),  # noqa
                            ("train", shape, 1.0, 1.0), ("eval", shape, 2.0, 0.0)]
    return [
        scenario("bn2d_defaults", "BatchNorm2d", {"num_features": 3}, train3([4, 3, 2, 3])),
        scenario("bn2d_affine_values_eps_momentum", "BatchNorm2d",
                 {"num_features": 2, "eps": 1e-3, "momentum": 0.3}, train3([2, 2, 3, 3]),
                 set_params=True, seed=1),
        scenario("bn1d_cumulative_average", "BatchNorm1d",
                 {"num_features": 4, "momentum": None}, train3([5, 4]), seed=2),
        scenario("bn1d_3d_input", "BatchNorm1d", {"num_features": 3},
                 [("train", [2, 3, 4], 1.0, 0.0), ("eval", [2, 3, 4], 1.0, 0.0),
                  ("train", [3, 3, 2], 2.0, 1.0)], set_params=True, seed=3),
        scenario("bn3d_no_affine", "BatchNorm3d", {"num_features": 2, "affine": False},
                 [("train", [2, 2, 2, 2, 3], 1.0, 0.5), ("eval", [1, 2, 2, 2, 2], 1.0, 0.0)],
                 seed=4),
        scenario("bn2d_no_running_stats", "BatchNorm2d",
                 {"num_features": 3, "track_running_stats": False},
                 [("train", [2, 3, 2, 2], 1.0, 0.0), ("eval", [2, 3, 2, 2], 2.0, 1.0)],
                 set_params=True, seed=5),
        scenario("groupnorm", "GroupNorm", {"num_groups": 2, "num_channels": 4},
                 [("train", [2, 4, 3], 2.0, 0.5), ("eval", [3, 4, 2, 2], 1.0, 0.0)],
                 set_params=True, seed=6),
        scenario("groupnorm_no_affine", "GroupNorm",
                 {"num_groups": 3, "num_channels": 6, "eps": 1e-3, "affine": False},
                 [("train", [2, 6, 2], 1.0, 0.0)], seed=7),
        scenario("layernorm", "LayerNorm", {"normalized_shape": [3, 4]},
                 [("train", [2, 3, 4], 2.0, 0.5), ("eval", [5, 3, 4], 1.0, 0.0)],
                 set_params=True, seed=8),
        scenario("layernorm_no_affine", "LayerNorm",
                 {"normalized_shape": [5], "eps": 1e-3, "elementwise_affine": False},
                 [("train", [4, 5], 1.0, 0.0)], seed=9),
    ]


def main():
    torch.set_num_threads(1)
    data = {"torch": torch.__version__, "scenarios": build()}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
