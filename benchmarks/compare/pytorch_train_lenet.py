"""The PyTorch twin of `tapegrad-train --model lenet` (same data, model, optimizer, batch size,
normalisation, test pass), for comparing the whole run's peak memory and time.

Usage: pytorch_train_lenet.py [--epochs N] [--limit-train N] [--threads N]
"""
import argparse
import gzip
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(f"{ROOT}/{name}", "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split):
    images = idx(f"{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    labels = idx(f"{split}-labels-idx1-ubyte.gz").astype(np.int64)
    x = (torch.from_numpy(images).unsqueeze(1) - 0.2860) / 0.3530
    return x, torch.from_numpy(labels)


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit-train", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x_train, y_train = load("train")
    x_test, y_test = load("t10k")
    if a.limit_train:
        x_train, y_train = x_train[:a.limit_train], y_train[:a.limit_train]
    model = lenet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.time()
    for _ in range(a.epochs):
        model.train()
        order = torch.randperm(len(x_train))
        for i in range(0, len(order), 64):
            b = order[i:i + 64]
            opt.zero_grad()
            F.cross_entropy(model(x_train[b]), y_train[b]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            correct = sum((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
                          for i in range(0, len(x_test), 1000))
        print(f"test accuracy {correct / len(x_test):.4f}")
    print(f"seconds {time.time() - start:.2f}")


if __name__ == "__main__":
    main()
