#!/usr/bin/python3
"""Seed corpus of the `pytorch` fuzz target (fuzz/fuzz_pytorch.cpp): small files written by
Python's torch.save (PyTorch 1.13), each a few hundred bytes, covering what the safe reader
understands (data/pytorch_file.h): tensors of every dtype it converts, views sharing one
storage, a Parameter, an OrderedDict state_dict, nested containers, the legacy format.

Usage: /usr/bin/python3 fuzz/make_pytorch_seeds.py   (writes fuzz/corpus/pytorch/)
"""

import collections
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "pytorch")


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)

    def save(name, obj, **kw):
        torch.save(obj, os.path.join(OUT, name), **kw)

    save("tensor.pt", torch.arange(6, dtype=torch.float32).reshape(2, 3))
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    views = {"t": base.t(), "row": base[1], "block": base[1:, 2:]}
    save("views.pt", views)
    save("legacy_views.pt", views, _use_new_zipfile_serialization=False)
    save("parameter.pt", torch.nn.Parameter(torch.full((2,), 0.5)))
    save("dtypes.pt", {
        "b": torch.tensor([True, False]), "i64": torch.tensor([-3, 2 ** 40]),
        "f64": torch.tensor([0.25], dtype=torch.float64), "f16": torch.tensor([1.5], dtype=torch.float16),
        "bf16": torch.tensor([-3.0], dtype=torch.bfloat16), "i32": torch.tensor([7], dtype=torch.int32),
        "i16": torch.tensor([-300], dtype=torch.int16), "i8": torch.tensor([-128], dtype=torch.int8),
        "u8": torch.tensor([255], dtype=torch.uint8), "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 2)})
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    save("state_dict.pt", model.state_dict())
    save("nested.pt", {"epoch": 3, "lr": 1e-3, "name": "x", "flags": [True, None],
                       "shape": (2, 3), "big": -(2 ** 40), "bytes": b"xy",
                       "d": collections.OrderedDict(a=[1, (2,)]), "t": [torch.ones(1)]})
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"{len(os.listdir(OUT))} files, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
