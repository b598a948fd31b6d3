"""Minimal safetensors writer and reader (numpy only, no third-party package)."""

import json
import struct

import numpy as np
import torch

_DTYPES = {
    torch.float32: ("F32", "<f4"),
    torch.float64: ("F64", "<f8"),
    torch.int64: ("I64", "<i8"),
    torch.bool: ("BOOL", "u1"),
}
_NUMPY_OF = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "BOOL": "u1"}


def encode(tensors):
    """Returns the bytes of a safetensors file holding `tensors` (dict name -> tensor).

    Tensors are laid out widest element type first (8-byte types stay 8-byte aligned), then in
    insertion order; the buffer has no holes, as the format requires.
    """
    items = []
    for order, (key, t) in enumerate(tensors.items()):
        if t.dtype not in _DTYPES:
            raise ValueError(f"safetensors: unsupported dtype {t.dtype} for {key}")
        tag, np_type = _DTYPES[t.dtype]
        data = t.detach().contiguous().numpy().astype(np_type, copy=False).tobytes()
        items.append((-np.dtype(np_type).itemsize, order, key, tag, list(t.shape), data))
    items.sort(key=lambda it: (it[0], it[1]))
    header, chunks, offset = {}, [], 0
    for _, _, key, tag, shape, data in items:
        header[key] = {"dtype": tag, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((-len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def decode(blob):
    """Parses safetensors bytes into a dict name -> torch tensor (copies the data)."""
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    end_max = 0
    for key, info in header.items():
        if key == "__metadata__":
            continue
        b, e = info["data_offsets"]
        end_max = max(end_max, e)
        arr = np.frombuffer(blob[base + b:base + e], dtype=_NUMPY_OF[info["dtype"]])
        arr = arr.reshape(info["shape"]).copy()
        t = torch.from_numpy(arr)
        out[key] = t.bool() if info["dtype"] == "BOOL" else t
    if base + end_max != len(blob):
        raise ValueError("safetensors: data buffer size does not match the header")
    return out
