#!/usr/bin/python3
"""Writes the optimizer, scheduler and gradient-clipping fixtures for tapegrad's optim tests.

Usage:
  /usr/bin/python3 tests/reference/make_optim_fixtures.py

Writes fixtures_optim/optim.json (the cases and their options, in PyTorch's names) and
fixtures_optim/optim.safetensors (the tensors), read by tests/optim/*_test.cpp:
  optimizers: <case>.p<i>.init, .grads [steps, *shape], .has_grad [steps] (int64 0/1),
              .traj [steps, *shape] (the parameter after each step)
  schedulers: <case>.lr [steps + 1, groups], <case>.momentum (OneCycleLR),
              <case>.metrics [steps] (ReduceLROnPlateau)
  clipping:   <case>.g<i>.before, <case>.g<i>.after, <case>.total_norm (0-d)
  lbfgs:      <case>.x, .y, .w0, .b0 (the problem), .loss [steps], .w [steps, 3, 2],
              .b [steps, 2] (after each step(closure)), .func_evals (0-d)
"""

import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from cases import safetensors_io  # noqa: E402

OUT = os.path.join(HERE, "fixtures_optim")
STEPS = 10
SCHED_STEPS = 30
SHAPES = [(4, 3), (3,), (2,)]

OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
    "nadam": torch.optim.NAdam,
    "radam": torch.optim.RAdam,
    "adamax": torch.optim.Adamax,
    "adadelta": torch.optim.Adadelta,
}

# (name, optimizer, options, dtype, groups or None)
OPTIMIZER_CASES = [
    ("sgd_plain", "sgd", {"lr": 0.1}, "float64", None),
    ("sgd_weight_decay", "sgd", {"lr": 0.1, "weight_decay": 1e-2}, "float64", None),
    ("sgd_momentum", "sgd", {"lr": 0.05, "momentum": 0.9}, "float64", None),
    ("sgd_momentum_dampening", "sgd",
     {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 1e-3}, "float64", None),
    ("sgd_nesterov", "sgd",
     {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-4}, "float64", None),
    ("adam_default", "adam", {"lr": 1e-2}, "float64", None),
    ("adam_weight_decay", "adam",
     {"lr": 1e-2, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1}, "float64", None),
    ("adam_amsgrad", "adam", {"lr": 1e-2, "amsgrad": True, "weight_decay": 1e-2}, "float64", None),
    ("adamw_default", "adamw", {"lr": 1e-2}, "float64", None),
    ("adamw_amsgrad", "adamw",
     {"lr": 1e-2, "weight_decay": 0.1, "amsgrad": True, "betas": [0.85, 0.995]}, "float64", None),
    ("rmsprop_default", "rmsprop", {"lr": 1e-2}, "float64", None),
    ("rmsprop_centered", "rmsprop", {"lr": 1e-2, "centered": True, "alpha": 0.9}, "float64", None),
    ("rmsprop_momentum", "rmsprop", {"lr": 1e-2, "momentum": 0.8, "weight_decay": 1e-2},
     "float64", None),
    ("rmsprop_centered_momentum", "rmsprop",
     {"lr": 1e-3, "centered": True, "momentum": 0.9, "eps": 1e-6}, "float64", None),
    ("adagrad_default", "adagrad", {"lr": 0.1}, "float64", None),
    ("adagrad_full", "adagrad",
     {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 1e-2, "initial_accumulator_value": 0.1,
      "eps": 1e-8}, "float64", None),
    ("adam_float32", "adam", {"lr": 1e-2, "amsgrad": True, "weight_decay": 1e-2}, "float32", None),
    ("sgd_float32", "sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, "float32", None),
    ("sgd_groups", "sgd", {"lr": 0.1, "momentum": 0.9}, "float64",
     [{"params": [0]}, {"params": [1, 2], "options": {"lr": 0.01, "weight_decay": 0.1}}]),
    ("adam_groups", "adam", {"lr": 1e-2}, "float64",
     [{"params": [0, 2]}, {"params": [1], "options": {"lr": 0.05, "amsgrad": True}}]),
    ("nadam_default", "nadam", {"lr": 1e-2}, "float64", None),
    ("nadam_full", "nadam",
     {"lr": 2e-2, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.05,
      "momentum_decay": 0.01}, "float64", None),
    ("nadam_float32", "nadam", {"lr": 1e-2, "weight_decay": 1e-2}, "float32", None),
    ("radam_default", "radam", {"lr": 1e-2}, "float64", None),
    ("radam_rectified", "radam", {"lr": 1e-2, "betas": [0.9, 0.8], "weight_decay": 0.1},
     "float64", None),
    ("radam_float32", "radam", {"lr": 1e-2, "betas": [0.5, 0.7]}, "float32", None),
    ("adamax_default", "adamax", {"lr": 1e-2}, "float64", None),
    ("adamax_full", "adamax",
     {"lr": 5e-2, "betas": [0.8, 0.95], "eps": 1e-3, "weight_decay": 0.1}, "float64", None),
    ("adadelta_default", "adadelta", {"lr": 1.0}, "float64", None),
    ("adadelta_full", "adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1},
     "float64", None),
    ("adadelta_groups", "adadelta", {"lr": 1.0}, "float64",
     [{"params": [0]}, {"params": [1, 2], "options": {"lr": 0.1, "rho": 0.5}}]),
]

# LBFGS on a smooth least-squares problem with a quartic term: (name, options).
LBFGS_STEPS = 3
LBFGS_CASES = [
    ("lbfgs_default", {"lr": 1.0, "max_iter": 5, "history_size": 3}),
    ("lbfgs_small_lr", {"lr": 0.3, "max_iter": 7, "history_size": 2, "max_eval": 6}),
    ("lbfgs_strong_wolfe", {"lr": 1.0, "max_iter": 6, "history_size": 4,
                            "line_search_fn": "strong_wolfe"}),
]


def lbfgs_problem(gen):
    x = torch.randn(6, 3, generator=gen, dtype=torch.float64)
    y = torch.randn(6, 2, generator=gen, dtype=torch.float64)
    w = torch.randn(3, 2, generator=gen, dtype=torch.float64)
    b = torch.randn(2, generator=gen, dtype=torch.float64)
    return x, y, w, b


def lbfgs_loss(x, y, w, b):
    """What tests/optim/optimizer_fixture_test.cpp computes with tapegrad's ops."""
    return (x.matmul(w) + b - y).pow(2).mean() + 0.1 * w.pow(4).sum()


def lbfgs_case(name, options, tensors):
    gen = torch.Generator().manual_seed(4321)
    x, y, w0, b0 = lbfgs_problem(gen)
    w = w0.clone().requires_grad_()
    b = b0.clone().requires_grad_()
    for key, value in (("x", x), ("y", y), ("w0", w0), ("b0", b0)):
        tensors[f"{name}.{key}"] = value
    opt = torch.optim.LBFGS([w, b], **options)

    def closure():
        opt.zero_grad()
        loss = lbfgs_loss(x, y, w, b)
        loss.backward()
        return loss

    losses, ws, bs = [], [], []
    for _ in range(LBFGS_STEPS):
        losses.append(float(opt.step(closure)))
        ws.append(w.detach().clone())
        bs.append(b.detach().clone())
    tensors[f"{name}.loss"] = torch.tensor(losses, dtype=torch.float64)
    tensors[f"{name}.w"] = torch.stack(ws)
    tensors[f"{name}.b"] = torch.stack(bs)
    tensors[f"{name}.func_evals"] = torch.tensor(opt.state[w]["func_evals"])
    return {"name": name, "options": options, "steps": LBFGS_STEPS}


def torch_options(options):
    out = dict(options)
    if "betas" in out:
        out["betas"] = tuple(out["betas"])
    return out


def optimizer_case(name, kind, options, dtype_name, groups, tensors):
    dtype = getattr(torch, dtype_name)
    gen = torch.Generator().manual_seed(1234)
    params = [torch.randn(s, generator=gen, dtype=torch.float64).to(dtype).requires_grad_()
              for s in SHAPES]
    grads = [torch.randn((STEPS,) + s, generator=gen, dtype=torch.float64).to(dtype)
             for s in SHAPES]
    # The last parameter gets a gradient on even steps only (the others are skipped).
    has_grad = [torch.ones(STEPS, dtype=torch.int64) for _ in SHAPES]
    has_grad[-1] = torch.tensor([1 if k % 2 == 0 else 0 for k in range(STEPS)])
    for i, p in enumerate(params):
        tensors[f"{name}.p{i}.init"] = p.detach().clone()
        tensors[f"{name}.p{i}.grads"] = grads[i]
        tensors[f"{name}.p{i}.has_grad"] = has_grad[i]
    if groups is None:
        opt = OPTIMIZERS[kind](params, **torch_options(options))
    else:
        opt = OPTIMIZERS[kind](
            [dict(params=[params[j] for j in g["params"]], **torch_options(g.get("options", {})))
             for g in groups], **torch_options(options))
    traj = [[] for _ in params]
    for k in range(STEPS):
        opt.zero_grad(set_to_none=True)
        for i, p in enumerate(params):
            if has_grad[i][k]:
                p.grad = grads[i][k].clone()
        opt.step()
        for i, p in enumerate(params):
            traj[i].append(p.detach().clone())
    for i in range(len(params)):
        tensors[f"{name}.p{i}.traj"] = torch.stack(traj[i])
    return {"name": name, "optimizer": kind, "options": options, "dtype": dtype_name,
            "groups": groups, "steps": STEPS, "params": len(params)}


def make_optimizer(kind, lrs, momentum_opts=None):
    params = [torch.zeros(2, requires_grad=True) for _ in lrs]
    extra = momentum_opts or {}
    groups = [dict(params=[p], lr=lr) for p, lr in zip(params, lrs)]
    return OPTIMIZERS[kind](groups, lr=lrs[0], **extra)


SCHEDULER_CASES = [
    ("steplr", "StepLR", {"step_size": 7, "gamma": 0.5}, "sgd", [0.1], {}),
    ("steplr_two_groups", "StepLR", {"step_size": 4, "gamma": 0.7}, "sgd", [0.1, 0.02], {}),
    ("multisteplr", "MultiStepLR", {"milestones": [5, 12, 12, 20], "gamma": 0.3}, "sgd", [0.1],
     {}),
    ("exponentiallr", "ExponentialLR", {"gamma": 0.9}, "sgd", [0.1], {}),
    ("cosine_short", "CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}, "sgd", [0.1], {}),
    ("cosine_long", "CosineAnnealingLR", {"T_max": 30}, "adam", [0.1], {}),
    ("linearlr_warmup", "LinearLR", {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 8},
     "sgd", [0.1], {}),
    ("linearlr_decay", "LinearLR", {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 20},
     "sgd", [0.1, 0.3], {}),
    ("onecycle_cos", "OneCycleLR", {"max_lr": 0.5, "total_steps": 30}, "sgd", [0.1],
     {"momentum": 0.9}),
    ("onecycle_linear_three_phase", "OneCycleLR",
     {"max_lr": 0.4, "total_steps": 30, "anneal_strategy": "linear", "three_phase": True,
      "pct_start": 0.25, "div_factor": 10.0, "final_div_factor": 100.0}, "adam", [0.1], {}),
    ("onecycle_no_momentum", "OneCycleLR",
     {"max_lr": 0.2, "total_steps": 40, "cycle_momentum": False}, "adagrad", [0.1], {}),
    ("plateau_min_rel", "ReduceLROnPlateau",
     {"mode": "min", "factor": 0.5, "patience": 2, "threshold": 0.01, "cooldown": 1,
      "min_lr": 0.01}, "sgd", [0.1], {}),
    ("plateau_max_abs", "ReduceLROnPlateau",
     {"mode": "max", "factor": 0.3, "patience": 1, "threshold": 0.05, "threshold_mode": "abs",
      "min_lr": [0.001, 0.02]}, "sgd", [0.1, 0.05], {}),
]


def plateau_metrics(mode):
    """A metric that improves, stalls, improves a little, stalls again."""
    gen = torch.Generator().manual_seed(77)
    noise = torch.rand(SCHED_STEPS, generator=gen, dtype=torch.float64) * 0.02
    base = [1.0 / (1 + min(k, 6)) + (0.05 if k % 9 == 0 else 0) for k in range(SCHED_STEPS)]
    values = torch.tensor(base, dtype=torch.float64) + noise
    return values if mode == "min" else -values


def scheduler_case(name, kind, options, opt_kind, lrs, opt_extra, tensors):
    opt = make_optimizer(opt_kind, lrs, opt_extra)
    sched_cls = getattr(torch.optim.lr_scheduler, kind)
    lr_rows, momentum_rows = [], []

    def record():
        lr_rows.append([g["lr"] for g in opt.param_groups])
        if kind == "OneCycleLR":
            momentum_rows.append([g["betas"][0] if "betas" in g else g.get("momentum", 0.0)
                                  for g in opt.param_groups])

    if kind == "ReduceLROnPlateau":
        sched = sched_cls(opt, **options)
        metrics = plateau_metrics(options["mode"])
        tensors[f"{name}.metrics"] = metrics
        record()
        for k in range(SCHED_STEPS):
            opt.step()
            sched.step(float(metrics[k]))
            record()
    else:
        sched = sched_cls(opt, **options)
        record()
        for _ in range(SCHED_STEPS):
            opt.step()
            sched.step()
            record()
    tensors[f"{name}.lr"] = torch.tensor(lr_rows, dtype=torch.float64)
    if momentum_rows:
        tensors[f"{name}.momentum"] = torch.tensor(momentum_rows, dtype=torch.float64)
    return {"name": name, "scheduler": kind, "options": options, "optimizer": opt_kind,
            "lrs": lrs, "optimizer_options": opt_extra, "steps": SCHED_STEPS}


CLIP_CASES = [
    ("norm2", "norm", {"max_norm": 1.0, "norm_type": 2.0}),
    ("norm1", "norm", {"max_norm": 2.0, "norm_type": 1.0}),
    ("norm_inf", "norm", {"max_norm": 0.5, "norm_type": "inf"}),
    ("norm3", "norm", {"max_norm": 1.0, "norm_type": 3.0}),
    ("norm2_no_clip", "norm", {"max_norm": 100.0, "norm_type": 2.0}),
    ("value", "value", {"clip_value": 0.3}),
]


def clip_case(name, kind, options, tensors):
    gen = torch.Generator().manual_seed(99)
    shapes = [(5, 4), (4,), (3, 2)]
    params = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shapes]
    for i, p in enumerate(params):
        if i == 2:
            continue  # no gradient: skipped
        p.grad = torch.randn(shapes[i], generator=gen, dtype=torch.float64)
        tensors[f"{name}.g{i}.before"] = p.grad.clone()
    if kind == "norm":
        norm_type = float("inf") if options["norm_type"] == "inf" else options["norm_type"]
        total = torch.nn.utils.clip_grad_norm_(params, options["max_norm"], norm_type)
        tensors[f"{name}.total_norm"] = total.detach().clone().to(torch.float64)
    else:
        torch.nn.utils.clip_grad_value_(params, options["clip_value"])
    for i, p in enumerate(params):
        if p.grad is not None:
            tensors[f"{name}.g{i}.after"] = p.grad.clone()
    return {"name": name, "kind": kind, "options": options, "params": len(params)}


def main():
    torch.set_num_threads(1)
    tensors = {}
    manifest = {"torch": torch.__version__.split("+")[0], "optimizers": [], "schedulers": [],
                "clip": [], "lbfgs": []}
    for case in OPTIMIZER_CASES:
        manifest["optimizers"].append(optimizer_case(*case, tensors))
    for case in SCHEDULER_CASES:
        manifest["schedulers"].append(scheduler_case(*case, tensors))
    for case in CLIP_CASES:
        manifest["clip"].append(clip_case(*case, tensors))
    for case in LBFGS_CASES:
        manifest["lbfgs"].append(lbfgs_case(*case, tensors))
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "optim.json"), "w") as f:
        f.write("{\n")
        sections = []
        for key in ("torch", "optimizers", "schedulers", "clip", "lbfgs"):
            value = manifest[key]
            if isinstance(value, list):
                body = ",\n".join("  " + json.dumps(v) for v in value)
                sections.append(f'"{key}": [\n{body}\n]')
            else:
                sections.append(f'"{key}": {json.dumps(value)}')
        f.write(",\n".join(sections) + "\n}\n")
    blob = safetensors_io.encode(tensors)
    with open(os.path.join(OUT, "optim.safetensors"), "wb") as f:
        f.write(blob)
    print(f"{len(manifest['optimizers'])} optimizer, {len(manifest['schedulers'])} scheduler, "
          f"{len(manifest['clip'])} clipping cases; {len(tensors)} tensors, {len(blob)} bytes")


if __name__ == "__main__":
    main()
