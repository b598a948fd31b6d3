#!/usr/bin/python3
"""Writes the learning-rate scheduler fixtures for tests/optim/scheduler_fixture_test.cpp.

Usage:
  /usr/bin/python3 tests/reference/make_scheduler_fixtures.py

Every scheduler of PyTorch 1.13 that tapegrad has (the earlier ones' plain sequences live in
fixtures_optim/optim.json; here each one's state_dict, and the newer ones' sequences), on one
parameter per group. Writes fixtures_optim/schedulers.json (the cases, in PyTorch's argument
names; `epochs` says what each step passes: null for step(), a number for step(epoch);
`state` is the scheduler's state_dict() after `state_after` steps, in the layout of
tapegrad's SchedulerStateDict) and fixtures_optim/schedulers.safetensors:
  <case>.lr [steps + 1, groups]        the groups' lr after construction and each step
  <case>.momentum [steps + 1, groups]  momentum (or beta1) where the scheduler cycles it
  <case>.metrics [steps]               ReduceLROnPlateau's metric
Functions (LambdaLR's lr_lambda, CyclicLR's scale_fn) are named; the test defines the same.
"""

import json
import math
import os
import sys
import warnings
from collections import Counter

import torch
from torch.optim import lr_scheduler as L

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from cases import safetensors_io  # noqa: E402

OUT = os.path.join(HERE, "fixtures_optim")
STEPS = 30
STATE_AFTER = 12

# The test's C++ twins of these (tests/optim/scheduler_fixture_test.cpp).
LAMBDAS = {
    "pow095": lambda e: 0.95 ** e,
    "warmup5": lambda e: min(1.0, (e + 1) / 5),
    "step_half": lambda e: 0.5 ** (e // 10),
    "const09": lambda e: 0.9,
    "alt": lambda e: 0.98 if e % 2 else 1.01,
}
SCALE_FNS = {
    "inv_sqrt": lambda x: 1 / math.sqrt(x),
    "decay_iter": lambda x: 1 / (1 + 0.05 * x),
}

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}

# What PyTorch's state_dict() holds that tapegrad's does not: flags, callables, OneCycleLR's
# phase table (rebuilt from the construction options).
DROPPED = {"verbose", "_get_lr_called_within_step", "lr_lambdas", "_scale_fn_ref",
           "_scale_fn_custom", "anneal_func", "_schedule_phases", "optimizer"}

FRACTIONAL = [0.5, 1.25, 2.75, 3.0, 4.2, 5.9, 7.0, 6.5, None, None, 9.99, 10.0, 11.5, 13.0,
              None, 2.0, 20.3, 21.0, None, 0.0, 33.7, 45.0, None, None, 46.25, 47.5, 1.0, None,
              8.0, 12.0]
WHOLE = [3, 7, 2, 10, None, None, 0, 15, None, 4, 4, 25, None, None, 1, 9, 30, None, 18, 5,
         None, 12, 13, 40, None, 6, 0, None, 22, 11]
# A per-step schedule interleaving plain steps with a jump back to the start.
assert len(FRACTIONAL) == STEPS and len(WHOLE) == STEPS


def build(opt, spec):
    kind, o = spec["scheduler"], dict(spec.get("options", {}))
    if kind in ("SequentialLR",):
        subs = [build(opt, s) for s in spec["schedulers"]]
        return L.SequentialLR(opt, subs, milestones=o["milestones"])
    if kind == "ChainedScheduler":
        return L.ChainedScheduler([build(opt, s) for s in spec["schedulers"]])
    if kind in ("LambdaLR", "MultiplicativeLR"):
        fns = o.pop("lr_lambda")
        o["lr_lambda"] = ([LAMBDAS[f] for f in fns] if isinstance(fns, list) else LAMBDAS[fns])
    if kind == "CyclicLR" and "scale_fn" in o:
        o["scale_fn"] = SCALE_FNS[o["scale_fn"]]
    return getattr(L, kind)(opt, **o)


def state_layout(name, sd):
    """A state_dict() in SchedulerStateDict's layout (numbers, lists, strings, schedulers)."""
    out = {"scheduler": name, "numbers": {}, "lists": {}, "strings": {}}
    for key, value in sd.items():
        if key in DROPPED:
            continue
        if key == "_schedulers":
            continue
        if isinstance(value, Counter):
            out["lists"][key] = sorted(value.elements())
        elif isinstance(value, (list, tuple)):
            out["lists"][key] = [number(v) for v in value]
        elif isinstance(value, str):
            out["strings"][key] = value
        elif isinstance(value, (bool, int, float)):
            out["numbers"][key] = number(value)
        else:
            raise TypeError(f"{name}.{key}: {type(value).__name__}")
    return out


def number(v):
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def full_state(sched):
    sd = sched.state_dict()
    out = state_layout(type(sched).__name__, sd)
    if hasattr(sched, "_schedulers"):
        out["schedulers"] = [full_state(s) for s in sched._schedulers]
    return out


def plateau_metrics():
    gen = torch.Generator().manual_seed(77)
    noise = torch.rand(STEPS, generator=gen, dtype=torch.float64) * 0.02
    base = [1.0 / (1 + min(k, 6)) + (0.05 if k % 9 == 0 else 0) for k in range(STEPS)]
    return torch.tensor(base, dtype=torch.float64) + noise


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group.get("momentum", 0.0)


def run_case(case, tensors):
    name = case["name"]
    params = [torch.zeros(2, requires_grad=True) for _ in case["lrs"]]
    groups = [dict(params=[p], lr=lr) for p, lr in zip(params, case["lrs"])]
    opt = OPTIMIZERS[case["optimizer"]](groups, lr=case["lrs"][0],
                                        **case.get("optimizer_options", {}))
    sched = build(opt, case)
    epochs = case.get("epochs") or [None] * STEPS
    metrics = plateau_metrics() if case["scheduler"] == "ReduceLROnPlateau" else None
    lr_rows, momentum_rows = [], []

    def record():
        lr_rows.append([g["lr"] for g in opt.param_groups])
        momentum_rows.append([momentum_of(g) for g in opt.param_groups])

    record()
    for k in range(STEPS):
        opt.step()
        if metrics is not None:
            sched.step(float(metrics[k]))
        elif epochs[k] is None:
            sched.step()
        else:
            sched.step(epochs[k])
        record()
        if k + 1 == STATE_AFTER:
            case["state"] = full_state(sched)
    tensors[f"{name}.lr"] = torch.tensor(lr_rows, dtype=torch.float64)
    if case.get("record_momentum"):
        tensors[f"{name}.momentum"] = torch.tensor(momentum_rows, dtype=torch.float64)
    if metrics is not None:
        tensors[f"{name}.metrics"] = metrics
    case["steps"] = STEPS
    case["state_after"] = STATE_AFTER
    case["epochs"] = epochs
    return case


def sched(kind, **options):
    return {"scheduler": kind, "options": options}


CASES = [
    # The newer schedulers.
    dict(name="lambda_pow", **sched("LambdaLR", lr_lambda="pow095"), optimizer="sgd",
         lrs=[0.1]),
    dict(name="lambda_per_group", **sched("LambdaLR", lr_lambda=["warmup5", "step_half"]),
         optimizer="sgd", lrs=[0.1, 0.05]),
    dict(name="multiplicative_const", **sched("MultiplicativeLR", lr_lambda="const09"),
         optimizer="sgd", lrs=[0.1]),
    dict(name="multiplicative_per_group",
         **sched("MultiplicativeLR", lr_lambda=["alt", "const09"]), optimizer="adam",
         lrs=[0.1, 0.02]),
    dict(name="cyclic_triangular",
         **sched("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=6),
         optimizer="sgd", lrs=[0.1], optimizer_options={"momentum": 0.9}, record_momentum=True),
    dict(name="cyclic_triangular2",
         **sched("CyclicLR", base_lr=[0.01, 0.02], max_lr=[0.1, 0.05], step_size_up=5,
                 mode="triangular2", base_momentum=[0.85, 0.8], max_momentum=[0.95, 0.9]),
         optimizer="sgd", lrs=[0.1, 0.1], optimizer_options={"momentum": 0.9},
         record_momentum=True),
    dict(name="cyclic_exp_range_rmsprop",
         **sched("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=3, mode="exp_range",
                 gamma=0.97),
         optimizer="rmsprop", lrs=[0.01], optimizer_options={"momentum": 0.5},
         record_momentum=True),
    dict(name="cyclic_scale_fn_cycle",
         **sched("CyclicLR", base_lr=0.02, max_lr=0.2, step_size_up=2, step_size_down=3,
                 scale_fn="inv_sqrt", cycle_momentum=False),
         optimizer="adam", lrs=[0.1]),
    dict(name="cyclic_scale_fn_iterations",
         **sched("CyclicLR", base_lr=0.02, max_lr=0.2, step_size_up=4, scale_fn="decay_iter",
                 scale_mode="iterations", max_momentum=0.99),
         optimizer="sgd", lrs=[0.1], optimizer_options={"momentum": 0.9}, record_momentum=True),
    dict(name="warm_restarts", **sched("CosineAnnealingWarmRestarts", T_0=5), optimizer="sgd",
         lrs=[0.1]),
    dict(name="warm_restarts_mult",
         **sched("CosineAnnealingWarmRestarts", T_0=3, T_mult=2, eta_min=0.001),
         optimizer="sgd", lrs=[0.1, 0.03]),
    dict(name="warm_restarts_fractional",
         **sched("CosineAnnealingWarmRestarts", T_0=4, T_mult=2, eta_min=0.002),
         optimizer="sgd", lrs=[0.1], epochs=FRACTIONAL),
    dict(name="warm_restarts_fractional_mult1",
         **sched("CosineAnnealingWarmRestarts", T_0=3, eta_min=0.0), optimizer="adam",
         lrs=[0.05], epochs=FRACTIONAL),
    dict(name="polynomial_linear", **sched("PolynomialLR", total_iters=10), optimizer="sgd",
         lrs=[0.1]),
    dict(name="polynomial_square", **sched("PolynomialLR", total_iters=20, power=2.0),
         optimizer="sgd", lrs=[0.1, 0.3]),
    dict(name="polynomial_sqrt", **sched("PolynomialLR", total_iters=7, power=0.5),
         optimizer="adam", lrs=[0.01]),
    dict(name="sequential_warmup_cosine", scheduler="SequentialLR",
         options={"milestones": [5]},
         schedulers=[sched("LinearLR", start_factor=0.1, end_factor=1.0, total_iters=5),
                     sched("CosineAnnealingLR", T_max=20, eta_min=0.001)],
         optimizer="sgd", lrs=[0.1]),
    dict(name="sequential_three", scheduler="SequentialLR", options={"milestones": [3, 12]},
         schedulers=[sched("LinearLR", start_factor=0.5, total_iters=3),
                     sched("ExponentialLR", gamma=0.9),
                     sched("StepLR", step_size=4, gamma=0.5)],
         optimizer="sgd", lrs=[0.1, 0.2]),
    dict(name="sequential_lambda_poly", scheduler="SequentialLR", options={"milestones": [6]},
         schedulers=[sched("LambdaLR", lr_lambda="warmup5"),
                     sched("PolynomialLR", total_iters=10, power=2.0)],
         optimizer="adam", lrs=[0.01]),
    dict(name="sequential_mult_restarts", scheduler="SequentialLR",
         options={"milestones": [7]},
         schedulers=[sched("MultiplicativeLR", lr_lambda="const09"),
                     sched("CosineAnnealingWarmRestarts", T_0=4)],
         optimizer="sgd", lrs=[0.1]),
    dict(name="chained_linear_exponential", scheduler="ChainedScheduler",
         schedulers=[sched("LinearLR", start_factor=0.5, total_iters=4),
                     sched("ExponentialLR", gamma=0.95)],
         optimizer="sgd", lrs=[0.1]),
    dict(name="chained_mult_cosine", scheduler="ChainedScheduler",
         schedulers=[sched("MultiplicativeLR", lr_lambda="alt"),
                     sched("CosineAnnealingLR", T_max=8, eta_min=0.01),
                     sched("PolynomialLR", total_iters=25)],
         optimizer="sgd", lrs=[0.1, 0.05]),
    dict(name="constant_default", **sched("ConstantLR"), optimizer="sgd", lrs=[0.1]),
    dict(name="constant_half", **sched("ConstantLR", factor=0.5, total_iters=8),
         optimizer="adam", lrs=[0.1, 0.02]),
    dict(name="sequential_constant_exponential", scheduler="SequentialLR",
         options={"milestones": [4]},
         schedulers=[sched("ConstantLR", factor=0.1, total_iters=4),
                     sched("ExponentialLR", gamma=0.9)],
         optimizer="sgd", lrs=[0.1]),
    dict(name="chained_constant_exponential", scheduler="ChainedScheduler",
         schedulers=[sched("ConstantLR", factor=0.1, total_iters=2),
                     sched("ExponentialLR", gamma=0.9)],
         optimizer="sgd", lrs=[1.0]),
    # step(epoch): the closed forms.
    dict(name="steplr_epochs", **sched("StepLR", step_size=4, gamma=0.5), optimizer="sgd",
         lrs=[0.1], epochs=WHOLE),
    dict(name="multisteplr_epochs", **sched("MultiStepLR", milestones=[12, 5, 12, 20],
                                            gamma=0.3), optimizer="sgd", lrs=[0.1],
         epochs=WHOLE),
    dict(name="exponentiallr_epochs", **sched("ExponentialLR", gamma=0.9), optimizer="sgd",
         lrs=[0.1], epochs=WHOLE),
    dict(name="cosine_epochs", **sched("CosineAnnealingLR", T_max=10, eta_min=0.001),
         optimizer="sgd", lrs=[0.1], epochs=WHOLE),
    dict(name="linearlr_epochs", **sched("LinearLR", start_factor=0.25, total_iters=8),
         optimizer="sgd", lrs=[0.1, 0.4], epochs=WHOLE),
    dict(name="polynomial_epochs", **sched("PolynomialLR", total_iters=20, power=2.0),
         optimizer="sgd", lrs=[0.1], epochs=WHOLE),
    dict(name="constantlr_epochs", **sched("ConstantLR", factor=0.25, total_iters=6),
         optimizer="sgd", lrs=[0.1], epochs=WHOLE),
    dict(name="lambda_epochs", **sched("LambdaLR", lr_lambda="pow095"), optimizer="sgd",
         lrs=[0.1], epochs=WHOLE),
    # The earlier schedulers' state_dict (their sequences are in optim.json too).
    dict(name="steplr", **sched("StepLR", step_size=7, gamma=0.5), optimizer="sgd", lrs=[0.1]),
    dict(name="multisteplr", **sched("MultiStepLR", milestones=[5, 12, 12, 20], gamma=0.3),
         optimizer="sgd", lrs=[0.1, 0.01]),
    dict(name="exponentiallr", **sched("ExponentialLR", gamma=0.9), optimizer="sgd",
         lrs=[0.1]),
    dict(name="cosine", **sched("CosineAnnealingLR", T_max=10, eta_min=0.001), optimizer="adam",
         lrs=[0.1]),
    dict(name="linearlr", **sched("LinearLR", start_factor=1.0, end_factor=0.1,
                                  total_iters=20), optimizer="sgd", lrs=[0.1, 0.3]),
    dict(name="onecycle_sgd", **sched("OneCycleLR", max_lr=0.5, total_steps=30),
         optimizer="sgd", lrs=[0.1], optimizer_options={"momentum": 0.9},
         record_momentum=True),
    dict(name="onecycle_adam_three_phase",
         **sched("OneCycleLR", max_lr=0.4, total_steps=30, anneal_strategy="linear",
                 three_phase=True, pct_start=0.25, div_factor=10.0, final_div_factor=100.0),
         optimizer="adam", lrs=[0.1], record_momentum=True),
    dict(name="plateau", **sched("ReduceLROnPlateau", mode="min", factor=0.5, patience=2,
                                 threshold=0.01, cooldown=1, min_lr=0.01),
         optimizer="sgd", lrs=[0.1, 0.05]),
]


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")  # step(epoch)'s deprecation warning
    tensors = {}
    cases = [run_case(dict(c), tensors) for c in CASES]
    # PyTorch 1.13's CyclicLR refuses to cycle Adam's betas: the test checks tapegrad does too.
    try:
        L.CyclicLR(torch.optim.Adam([torch.zeros(2, requires_grad=True)]), 0.01, 0.1)
        cyclic_adam = "accepted"
    except ValueError as e:
        cyclic_adam = str(e)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "schedulers.json"), "w") as f:
        f.write('{\n"torch": %s,\n"cyclic_adam_error": %s,\n"cases": [\n' %
                (json.dumps(torch.__version__.split("+")[0]), json.dumps(cyclic_adam)))
        f.write(",\n".join("  " + json.dumps(c) for c in cases))
        f.write("\n]\n}\n")
    blob = safetensors_io.encode(tensors)
    with open(os.path.join(OUT, "schedulers.safetensors"), "wb") as f:
        f.write(blob)
    print(f"{len(cases)} scheduler cases; {len(tensors)} tensors, {len(blob)} bytes")


if __name__ == "__main__":
    main()
