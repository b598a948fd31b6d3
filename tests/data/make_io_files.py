#!/usr/bin/python3
"""Writes the small reference files under tests/data/files/ that io_*_test.cpp read.

The files come from numpy (npy, npz), Python's gzip module (IDX), Pillow (PNG, JPEG) and a direct
encoding of the safetensors layout, so the C++ readers are checked against independent writers.
Run with /usr/bin/python3 (Debian's numpy 1.24 and Pillow 9.4).
"""
import gzip
import io
import json
import os
import struct
import zipfile

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files")


def path(name):
    return os.path.join(OUT, name)


def write_npy_files():
    np.save(path("f32_2x3.npy"), np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5 - 1)
    np.save(path("f64_scalar.npy"), np.array(3.25, dtype=np.float64))
    np.save(path("i64_5.npy"), np.array([-2, -1, 0, 1, 1 << 40], dtype=np.int64))
    np.save(path("i32_2x2.npy"), np.array([[1, -2], [3, -4]], dtype=np.int32))
    np.save(path("u8_4.npy"), np.array([0, 1, 128, 255], dtype=np.uint8))
    np.save(path("i8_3.npy"), np.array([-128, 0, 127], dtype=np.int8))
    np.save(path("bool_3.npy"), np.array([True, False, True]))
    np.save(path("f16_3.npy"), np.array([1.0, -2.0, 0.5], dtype=np.float16))
    np.save(path("f32_0x3.npy"), np.zeros((0, 3), dtype=np.float32))
    # Fortran order: the C-order values are 0..23 over shape (2, 3, 4).
    np.save(path("f32_fortran_2x3x4.npy"),
            np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4)))
    np.save(path("f32_big_endian_2x3.npy"), np.arange(6, dtype=">f4").reshape(2, 3))
    np.save(path("i64_big_endian_3.npy"), np.array([1, -2, 1 << 33], dtype=">i8"))
    for version in [(2, 0), (3, 0)]:
        with open(path("f32_v%d.npy" % version[0]), "wb") as f:
            np.lib.format.write_array(f, np.arange(4, dtype=np.float32), version=version)


def write_npz_files():
    a = np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5 - 1
    b = np.array([7, 8, 9], dtype=np.int64)
    c = np.array(True)
    np.savez(path("stored.npz"), a=a, b=b, c=c)
    np.savez_compressed(path("deflated.npz"), a=a, b=b, c=c)


def write_safetensors_file():
    tensors = {
        "weight": np.arange(6, dtype=np.float32).reshape(2, 3) * 0.25,
        "bias": np.array([1.5, -1.5], dtype=np.float64),
        "steps": np.array(42, dtype=np.int64),
        "mask": np.array([True, False, False, True]),
        "half": np.array([1.0, 0.5], dtype=np.float16),
    }
    codes = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64",
             np.dtype(np.int64): "I64", np.dtype(np.bool_): "BOOL",
             np.dtype(np.float16): "F16"}
    header = {"__metadata__": {"format": "pt", "epoch": "3"}}
    data = b""
    for name, arr in tensors.items():
        raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": codes[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path("model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def idx_bytes(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + struct.pack(">%dI" % len(dims), *dims) + payload


def write_idx_files():
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10
    raw = idx_bytes(0x08, images.shape, images.tobytes())
    with open(path("images-idx3-ubyte"), "wb") as f:
        f.write(raw)
    with open(path("images-idx3-ubyte.gz"), "wb") as f:
        f.write(gzip.compress(raw, mtime=0))
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    with open(path("labels-idx1-ubyte.gz"), "wb") as f:
        f.write(gzip.compress(idx_bytes(0x08, labels.shape, labels.tobytes()), mtime=0))
    shorts = np.array([[-300, 2], [32767, -32768]], dtype=">i2")
    with open(path("short-idx2"), "wb") as f:
        f.write(idx_bytes(0x0B, shorts.shape, shorts.tobytes()))
    floats = np.array([1.5, -0.25, 1e10], dtype=">f4")
    with open(path("float-idx1"), "wb") as f:
        f.write(idx_bytes(0x0D, floats.shape, floats.tobytes()))
    doubles = np.array([[0.1, -2.5e-300]], dtype=">f8")
    with open(path("double-idx2"), "wb") as f:
        f.write(idx_bytes(0x0E, doubles.shape, doubles.tobytes()))


def write_png_files():
    from PIL import Image
    # 4x3 images whose pixel (x, y) has grey level 20 * (x + 4 * y).
    grey = np.array([[20 * (x + 4 * y) for x in range(4)] for y in range(3)], dtype=np.uint8)
    Image.fromarray(grey, "L").save(path("grey_4x3.png"))
    Image.fromarray((grey.astype(np.uint16) * 257), "I;16").save(path("grey16_4x3.png"))
    rgba = np.stack([grey, 255 - grey, np.full_like(grey, 7), np.full_like(grey, 128)], axis=-1)
    Image.fromarray(rgba, "RGBA").save(path("rgba_4x3.png"))
    Image.fromarray(rgba[..., :3], "RGB").quantize(colors=256, method=Image.Quantize.MAXCOVERAGE) \
        .save(path("palette_4x3.png"))


def write_jpeg_files():
    """JPEGs written by Pillow (libjpeg-turbo), and Pillow's decoding of each as the expected
    RGB pixels (uint8 [h, w, 3] .npy). The CMYK file holds flat 8x8 blocks of known colours."""
    from PIL import Image
    y, x = np.mgrid[0:8, 0:16]
    rgb = np.stack([x * 15, y * 30, (x ^ y) * 8], axis=-1).astype(np.uint8)
    grey = ((x[:7, :9] * 25 + y[:7, :9] * 5) % 256).astype(np.uint8)
    files = {
        "rgb_16x8.jpg": (Image.fromarray(rgb, "RGB"), dict(quality=90)),
        "rgb444_progressive_16x8.jpg": (Image.fromarray(rgb, "RGB"),
                                        dict(quality=90, progressive=True, subsampling=0)),
        "grey_9x7.jpg": (Image.fromarray(grey, "L"), dict(quality=95)),
    }
    for name, (image, options) in files.items():
        image.save(path(name), **options)
        decoded = np.asarray(Image.open(path(name)).convert("RGB"), dtype=np.uint8)
        np.save(path(name.replace(".jpg", ".npy")), decoded)
    cmyk = np.zeros((8, 16, 4), dtype=np.uint8)
    cmyk[:, :8] = [0, 255, 255, 0]     # red
    cmyk[:, 8:] = [0, 0, 0, 128]       # mid grey
    Image.fromarray(cmyk, "CMYK").save(path("cmyk_16x8.jpg"), quality=95)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write_npy_files()
    write_npz_files()
    write_safetensors_file()
    write_idx_files()
    write_png_files()
    write_jpeg_files()
    print("wrote", len(os.listdir(OUT)), "files to", OUT)
