"""A trained LeNet from PyTorch, for the serialization interop test (tests/nn/serialize_test.cpp).

Builds LeNet as torch.nn.Sequential (so its state_dict names are "0.weight", "3.weight",
"7.weight", ...), trains it with Adam for 200 steps on a fixed random data set whose labels
follow a random linear rule (no download), then writes, with plain Python (struct + json, no
safetensors package):

    tests/reference/fixtures_lenet/lenet.safetensors   the state_dict, PyTorch's names and order
                                                       (also listed in the metadata "keys")
    tests/reference/fixtures_lenet/io.safetensors      "inputs" [8, 1, 28, 28] and the "logits"
                                                       [8, 10] PyTorch computes for them (eval)

Deterministic (fixed seed, one thread). Run with Debian's /usr/bin/python3 (python3-torch 1.13):

    /usr/bin/python3 tests/reference/make_lenet_fixture.py

The other direction, by hand: make the C++ test save its tapegrad checkpoint somewhere
(TG_LENET_EXPORT=/tmp/lenet_tg.safetensors tapegrad_tests --gtest_filter='NnSerialize.*'), then

    /usr/bin/python3 tests/reference/make_lenet_fixture.py --verify /tmp/lenet_tg.safetensors

loads that file into the PyTorch LeNet with load_state_dict(strict=True), checks names, shapes
and dtypes against PyTorch's state_dict(), and compares the logits with the fixture's.
"""

import argparse
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "fixtures_lenet")

DTYPES = {torch.float32: ("F32", "<f"), torch.float64: ("F64", "<d"), torch.int64: ("I64", "<q")}
FROM_CODE = {"F32": (torch.float32, "<f", 4), "F64": (torch.float64, "<d", 8),
             "I64": (torch.int64, "<q", 8)}


def lenet():
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def write_safetensors(path, named, metadata=None):
    """named: list of (name, tensor). Data in the given order, little-endian."""
    header, chunks, offset = {}, [], 0
    for name, t in named:
        t = t.detach().contiguous()
        code, fmt = DTYPES[t.dtype]
        values = t.reshape(-1).tolist()
        data = struct.pack("<%d%s" % (len(values), fmt[1]), *values)
        header[name] = {"dtype": code, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def read_safetensors(path):
    """Returns ([(name, tensor)] in header order, metadata)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    out = []
    for name, e in header.items():
        dtype, fmt, size = FROM_CODE[e["dtype"]]
        begin, end = e["data_offsets"]
        count = (end - begin) // size
        values = struct.unpack("<%d%s" % (count, fmt[1]), data[begin:end])
        out.append((name, torch.tensor(values, dtype=dtype).reshape(e["shape"])))
    return out, metadata


def train():
    torch.manual_seed(20240601)
    model = lenet()
    data = torch.randn(256, 1, 28, 28)
    # Learnable labels (a fixed random linear rule), so the weights move well away from init.
    labels = (data.flatten(1) @ torch.randn(784, 10)).argmax(1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    for step in range(200):
        idx = torch.arange(step * 32, step * 32 + 32) % 256
        opt.zero_grad()
        loss = loss_fn(model(data[idx]), labels[idx])
        loss.backward()
        opt.step()
    model.eval()
    return model, float(loss)


def generate():
    model, last_loss = train()
    torch.manual_seed(7)
    inputs = torch.randn(8, 1, 28, 28)
    with torch.no_grad():
        logits = model(inputs)
    state = model.state_dict()
    os.makedirs(OUT_DIR, exist_ok=True)
    write_safetensors(os.path.join(OUT_DIR, "lenet.safetensors"), list(state.items()),
                      {"format": "pt", "keys": ",".join(state.keys())})
    write_safetensors(os.path.join(OUT_DIR, "io.safetensors"),
                      [("inputs", inputs), ("logits", logits)])
    # Read back: the files hold exactly what PyTorch has.
    back, _ = read_safetensors(os.path.join(OUT_DIR, "lenet.safetensors"))
    assert [k for k, _ in back] == list(state.keys())
    for (k, t) in back:
        assert torch.equal(t, state[k]), k
    total = sum(os.path.getsize(os.path.join(OUT_DIR, f)) for f in os.listdir(OUT_DIR))
    print("final training loss %.4f, logits scale %.3f, fixture size %d bytes"
          % (last_loss, float(logits.abs().max()), total))


def verify(path):
    tensors, metadata = read_safetensors(path)
    state = lenet().state_dict()
    names = [k for k, _ in tensors]
    ok = True
    if sorted(names) != sorted(state.keys()):
        print("names differ: file %s, PyTorch %s" % (names, list(state.keys())))
        ok = False
    for name, t in tensors:
        if name in state and (t.shape != state[name].shape or t.dtype != state[name].dtype):
            print("%s: file %s %s, PyTorch %s %s"
                  % (name, tuple(t.shape), t.dtype, tuple(state[name].shape), state[name].dtype))
            ok = False
    model = lenet()
    model.load_state_dict(dict(tensors), strict=True)
    model.eval()
    io, _ = read_safetensors(os.path.join(OUT_DIR, "io.safetensors"))
    io = dict(io)
    with torch.no_grad():
        logits = model(io["inputs"])
    err = float((logits - io["logits"]).abs().max() / io["logits"].abs().max())
    print("file order: %s" % ",".join(names))
    print("metadata: %s" % metadata)
    print("logits vs fixture: max relative error %.3g" % err)
    ok = ok and err < 1e-5
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verify", metavar="FILE",
                        help="load a tapegrad-saved LeNet checkpoint into PyTorch and check it")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.verify:
        return verify(args.verify)
    generate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
