#!/usr/bin/python3
"""Files written by Python's torch.save, for tapegrad's PyTorch-file reader
(data/pytorch_file.h, tests/data/pytorch_file_test.cpp, tests/nn/pytorch_state_dict_test.cpp).

Usage:
  /usr/bin/python3 tests/reference/make_pytorch_files.py

Writes tests/reference/fixtures_pytorch/ (deterministic: fixed seeds, one thread):
  small_cnn.pt         torch.save(model.state_dict()) of SmallCNN below, after 20 Adam steps
                       (BatchNorm running statistics and an int64 num_batches_tracked included)
  small_cnn_io.pt      {"inputs": [4, 1, 12, 12], "logits": [4, 10]} in eval mode
  nested.pt            a dict of nested lists, tuples, dicts, ints, floats, strings, bytes,
                       bools, None and a tensor
  views.pt             views of one storage: a transpose, a row, a column, an offset block
  dtypes.pt            bool, int64, float64, float32 0-d, and the converted float16, bfloat16,
                       int32, int16, int8, uint8 tensors
  legacy_views.pt      views.pt's content in the legacy (non-zip) format
  tensor.pt, list.pt, parameter.pt   torch.save of a tensor, a list of tensors, a Parameter
  wrapped.pt           {"model": state_dict, "epoch": 7}
  hostile_*.pt         hand-made archives that must be refused (see HOSTILE below)
"""

import io
import os
import pickle
import struct
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures_pytorch")


class SmallCNN(torch.nn.Module):
    """The model tests/nn/pytorch_state_dict_test.cpp builds as a tg::nn::Sequential."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3), nn.ReLU())
        self.classifier = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def small_cnn():
    torch.manual_seed(3)
    model = SmallCNN()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    gen = torch.Generator().manual_seed(5)
    for _ in range(20):
        x = torch.randn(16, 1, 12, 12, generator=gen)
        y = torch.randint(0, 10, (16,), generator=gen)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    inputs = torch.randn(4, 1, 12, 12, generator=gen)
    with torch.no_grad():
        logits = model(inputs)
    torch.save(model.state_dict(), os.path.join(OUT, "small_cnn.pt"))
    torch.save({"inputs": inputs, "logits": logits}, os.path.join(OUT, "small_cnn_io.pt"))
    torch.save({"model": model.state_dict(), "epoch": 7}, os.path.join(OUT, "wrapped.pt"))


def views():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    return {"base": base, "transposed": base.t(), "row": base[1], "column": base[:, 2],
            "block": base[2:, 3:], "double": torch.linspace(0, 1, 5, dtype=torch.float64)[1:]}


def other_files():
    torch.save({
        "name": "tapegrad", "epoch": 3, "lr": 0.001, "flags": [True, False, None],
        "shape": (2, 3), "negative": -5, "big": 2 ** 40, "negative_big": -(2 ** 40),
        "bytes": b"xy", "nested": {"a": [1, [2, 3], {"b": "c"}], "empty": [], "t": ()},
        "tensor": torch.arange(3)}, os.path.join(OUT, "nested.pt"))
    torch.save(views(), os.path.join(OUT, "views.pt"))
    torch.save(views(), os.path.join(OUT, "legacy_views.pt"), _use_new_zipfile_serialization=False)
    torch.save({
        "bool": torch.tensor([True, False, True]),
        "int64": torch.tensor([-3, 0, 2 ** 40]),
        "float64": torch.tensor([[0.1, -2.5]], dtype=torch.float64),
        "scalar": torch.tensor(3.5),
        "float16": torch.tensor([1.5, -2.25, 65504.0], dtype=torch.float16),
        "bfloat16": torch.tensor([1.5, -3.0], dtype=torch.bfloat16),
        "int32": torch.tensor([-7, 2 ** 31 - 1], dtype=torch.int32),
        "int16": torch.tensor([-300, 300], dtype=torch.int16),
        "int8": torch.tensor([-128, 127], dtype=torch.int8),
        "uint8": torch.tensor([0, 255], dtype=torch.uint8),
        "empty": torch.zeros(0, 3),
    }, os.path.join(OUT, "dtypes.pt"))
    torch.save(torch.arange(6, dtype=torch.float32).reshape(2, 3), os.path.join(OUT, "tensor.pt"))
    torch.save([torch.ones(2), torch.arange(3)], os.path.join(OUT, "list.pt"))
    torch.save(torch.nn.Parameter(torch.full((2, 2), 0.5)), os.path.join(OUT, "parameter.pt"))


# ---------------------------------------------------------------- hostile files
def pt_archive(pickle_bytes, storages=None):
    """A torch.save-like zip: archive/data.pkl plus raw storages, stored."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        for key, data in (storages or {}).items():
            z.writestr("archive/data/" + key, data)
        z.writestr("archive/version", b"3\n")
    return buf.getvalue()


def tensor_pickle(numel, size, stride, offset=0, storage="FloatStorage"):
    """{'w': _rebuild_tensor_v2(('storage', torch.<storage>, '0', 'cpu', numel), ...)}."""
    p = b"\x80\x02}q\x00X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n(("
    p += b"X\x07\x00\x00\x00storagectorch\n" + storage.encode() + b"\n"
    p += b"X\x01\x00\x00\x000X\x03\x00\x00\x00cpu\x8a\x08" + struct.pack("<q", numel) + b"tQ"
    p += b"\x8a\x08" + struct.pack("<q", offset)
    p += b"(" + b"".join(b"\x8a\x08" + struct.pack("<q", s) for s in size) + b"t"
    p += b"(" + b"".join(b"\x8a\x08" + struct.pack("<q", s) for s in stride) + b"t"
    p += b"\x89ccollections\nOrderedDict\n)RtRs."
    return p


class RunsCommand:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


HOSTILE = {
    # A global that would run a shell command.
    "hostile_global.pt": lambda: pt_archive(pickle.dumps({"x": RunsCommand()}, protocol=2)),
    # A storage claiming 2^60 elements: refused before allocating.
    "hostile_huge_storage.pt": lambda: pt_archive(
        tensor_pickle(1 << 60, [1 << 60], [1]), {"0": b"\0" * 16}),
    # A view reaching past its (real, 4-element) storage.
    "hostile_bad_view.pt": lambda: pt_archive(tensor_pickle(4, [3, 3], [3, 1]), {"0": b"\0" * 16}),
    # Sizes whose product overflows 64 bits.
    "hostile_overflow.pt": lambda: pt_archive(
        tensor_pickle(4, [1 << 40, 1 << 40, 0], [0, 0, 1]), {"0": b"\0" * 16}),
    # The storage member is missing.
    "hostile_missing_storage.pt": lambda: pt_archive(tensor_pickle(4, [4], [1])),
    # A correct file cut in half.
    "hostile_truncated.pt": lambda: open(os.path.join(OUT, "views.pt"), "rb").read()[:700],
}


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    small_cnn()
    other_files()
    # A well-formed hand-made file, to show the hostile ones fail for their stated reason.
    with open(os.path.join(OUT, "handmade_ok.pt"), "wb") as f:
        f.write(pt_archive(tensor_pickle(4, [2, 2], [2, 1]), {"0": struct.pack("<4f", 1, 2, 3, 4)}))
    assert torch.equal(torch.load(os.path.join(OUT, "handmade_ok.pt"))["w"],
                       torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    for name, make in HOSTILE.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(make())
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"{len(os.listdir(OUT))} files, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
