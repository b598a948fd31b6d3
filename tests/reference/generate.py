#!/usr/bin/python3
"""Writes tapegrad's op test fixtures: fixtures/<family>.json and fixtures/<family>.safetensors.

Usage:
  /usr/bin/python3 tests/reference/generate.py            # regenerate every family
  /usr/bin/python3 tests/reference/generate.py conv pool  # regenerate some families
  /usr/bin/python3 tests/reference/generate.py --check    # read the files back and verify
      --check re-runs every case from the stored tensors (results must match bit for bit)
      and runs torch.autograd.gradcheck / gradgradcheck in float64 where the flags say so;
      add --no-gradcheck to skip the latter.

The format is described in tests/reference/README.md.
"""

import argparse
import importlib
import json
import os
import sys
import time
import warnings

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, HERE)

from cases import FAMILIES  # noqa: E402
from cases import common, ops, safetensors_io  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures")


def manifest_text(family, entries):
    """One case per line, so diffs of regenerated fixtures stay readable."""
    lines = [json.dumps(e, separators=(", ", ": ")) for e in entries]
    head = json.dumps({"family": family, "torch": torch.__version__.split("+")[0]})[:-1]
    return head + ', "cases": [\n' + ",\n".join(lines) + "\n]}\n"


def generate(names):
    total = 0
    print(f"{'family':12} {'cases':>6} {'gradcheck':>9} {'tensors':>8} {'json':>9} "
          f"{'safetensors':>12}")
    for name in names:
        fam = common.Family(name)
        importlib.import_module(f"cases.{name}").build(fam)
        text = manifest_text(name, fam.entries).encode("utf-8")
        blob = safetensors_io.encode(fam.tensors)
        with open(os.path.join(FIXTURES, f"{name}.json"), "wb") as f:
            f.write(text)
        with open(os.path.join(FIXTURES, f"{name}.safetensors"), "wb") as f:
            f.write(blob)
        checked = sum(e["gradcheck"] for e in fam.entries)
        print(f"{name:12} {len(fam.entries):6} {checked:9} {len(fam.tensors):8} "
              f"{len(text):9} {len(blob):12}")
        total += len(text) + len(blob)
    print(f"total bytes: {total}")


# ---------------------------------------------------------------- check

def load(name):
    with open(os.path.join(FIXTURES, f"{name}.json"), "rb") as f:
        manifest = json.load(f)
    with open(os.path.join(FIXTURES, f"{name}.safetensors"), "rb") as f:
        tensors = safetensors_io.decode(f.read())
    return manifest, tensors


def same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)


def check_case(case, tensors, run_gradcheck):
    """Returns a list of problems found in one case (empty when it is fine)."""
    problems = []
    inputs = []
    for item in case["inputs"]:
        inputs.append({"name": item["name"], "stored": tensors[item["key"]],
                       "permute": item.get("permute"), "requires_grad": item["requires_grad"]})
    gouts = [None if k is None else tensors[k] for k in case["grad_outputs"]]
    outputs, _, grads, mutated = common.evaluate(case["op"], inputs, case["args"], gouts)
    if len(outputs) != len(case["outputs"]):
        problems.append("output count")
    for o, k in zip(outputs, case["outputs"]):
        if not same(o, tensors[k]):
            problems.append(f"output {k} differs on re-run")
    for o, k in zip(outputs, case["grad_outputs"]):
        if k is not None and tensors[k].shape != o.shape:
            problems.append(f"grad_output {k} shape")
        if (k is None) == o.is_floating_point():
            problems.append(f"grad_output presence for a {o.dtype} output")
    for i, (g, k) in enumerate(zip(grads, case["grads"])):
        if (g is None) != (k is None):
            problems.append(f"grad {i} presence")
        elif g is not None and not same(g, tensors[k]):
            problems.append(f"grad {k} differs on re-run")
    for item, m in zip(case["inputs"], mutated):
        if ("after" in item) != (m is not None) or (m is not None and
                                                    not same(m, tensors[item["after"]])):
            problems.append(f"mutated input {item['key']}")
    if run_gradcheck and case["gradcheck"]:
        problems += float64_checks(case, inputs)
    return problems


def float64_checks(case, inputs):
    logical = []
    for spec in inputs:
        v = spec["stored"]
        if spec["permute"] is not None:
            v = v.permute(spec["permute"])
        v = v.double() if v.is_floating_point() else v
        logical.append(v.contiguous())
    diff_at = [i for i, s in enumerate(inputs) if s["requires_grad"]]

    args = dict(case["args"])
    names = [s["name"] for s in inputs]
    if case["op"] in ("batch_norm", "layer_norm") and "bias" in names and \
            "weight" not in names:
        # PyTorch 1.13's double backward of these is wrong when only the bias is given;
        # weight = 1 is the same function.
        args["weight"] = torch.ones_like(logical[names.index("bias")])

    def fn(*diff):
        values = [v.clone() for v in logical]  # fresh copies: some ops update inputs in place
        for i, d in zip(diff_at, diff):
            values[i] = d
        outs = ops.call(case["op"], list(zip(names, values)), args)
        return tuple(o for o in outs if o.is_floating_point())

    diff = [logical[i].clone().requires_grad_(True) for i in diff_at]
    problems = []
    try:
        if not torch.autograd.gradcheck(fn, diff, eps=1e-6, atol=1e-5, rtol=1e-3,
                                        raise_exception=False):
            problems.append("float64 gradcheck failed")
        elif case["gradgradcheck"] and not torch.autograd.gradgradcheck(
                fn, diff, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=False):
            problems.append("float64 gradgradcheck failed")
    except Exception as e:  # an op without a derivative formula, for instance
        problems.append(f"float64 check raised: {str(e).splitlines()[0][:120]}")
    return problems


def check(names, run_gradcheck):
    bad = 0
    for name in names:
        start = time.time()
        manifest, tensors = load(name)
        assert manifest["family"] == name
        referenced = set()
        per_op = {}
        for case in manifest["cases"]:
            per_op[case["op"]] = per_op.get(case["op"], 0) + 1
            keys = [i["key"] for i in case["inputs"]] + \
                [i["after"] for i in case["inputs"] if "after" in i] + case["outputs"] + \
                [k for k in case["grad_outputs"] + case["grads"] if k is not None]
            referenced.update(keys)
            missing = [k for k in keys if k not in tensors]
            if missing:
                print(f"  {case['id']}: missing tensors {missing}")
                bad += 1
                continue
            problems = check_case(case, tensors, run_gradcheck)
            if problems:
                bad += 1
                print(f"  {case['id']}: {'; '.join(problems)}")
        unused = set(tensors) - referenced
        if unused:
            bad += 1
            print(f"  {name}: {len(unused)} tensors not referenced by the manifest")
        counts = ", ".join(f"{op} {n}" for op, n in per_op.items())
        print(f"{name}: {len(manifest['cases'])} cases checked in {time.time() - start:.1f}s "
              f"({counts})")
    print("all fixtures OK" if bad == 0 else f"{bad} problems")
    return bad == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("families", nargs="*", help=f"subset of {FAMILIES}")
    parser.add_argument("--check", action="store_true", help="verify the written fixtures")
    parser.add_argument("--no-gradcheck", action="store_true",
                        help="with --check: skip the float64 gradcheck/gradgradcheck")
    opts = parser.parse_args()
    names = opts.families or FAMILIES
    for n in names:
        if n not in FAMILIES:
            parser.error(f"unknown family {n}")
    # One thread: PyTorch's parallel reductions would otherwise depend on the core count.
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=UserWarning)  # PyTorch's advisory notes
    if opts.check:
        sys.exit(0 if check(names, not opts.no_gradcheck) else 1)
    os.makedirs(FIXTURES, exist_ok=True)
    generate(names)


if __name__ == "__main__":
    main()
