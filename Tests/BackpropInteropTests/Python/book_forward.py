#!/usr/bin/env python3
"""The independent side of the book-weights check: a NumPy forward pass of one of the book's pickles
(ch03 sample_weight.pkl, ch07 params.pkl, ch08 deep_convnet_params.pkl), written from the book's own
layer code (common/layers.py, common/util.py, ch08/deep_convnet.py), not from Backprop.

    book_forward.py PICKLE --data DIR --images N --out PROBS.f64 [--activation sigmoid]

Writes the softmax probabilities of the first N test images, (N, 10) float64 little-endian, row by row.
Everything runs in float64 (float32 weights are widened first). The pickle is trusted here: it is the
book's file and this script is the reference, so it uses Python's own pickle module.
"""
import argparse
import gzip
import os
import pickle
import sys

import numpy as np


def load_test_images(directory, n):
    """The first n images of t10k-images-idx3-ubyte(.gz), as (n, 784) float64 in [0, 1]."""
    path = os.path.join(directory, "t10k-images-idx3-ubyte")
    opener = open
    if not os.path.exists(path):
        path += ".gz"
        opener = gzip.open
    with opener(path, "rb") as f:
        data = f.read()
    count, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    assert int.from_bytes(data[0:4], "big") == 0x803, "not an IDX image file"
    pixels = np.frombuffer(data, dtype=np.uint8, count=count * rows * cols, offset=16)
    return pixels.reshape(count, rows * cols)[:n].astype(np.float64) / 255.0


def im2col(x, fh, fw, stride=1, pad=0):
    """common/util.py im2col: (N, C, H, W) -> (N*out_h*out_w, C*fh*fw)."""
    n, c, h, w = x.shape
    out_h = (h + 2 * pad - fh) // stride + 1
    out_w = (w + 2 * pad - fw) // stride + 1
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((n, c, fh, fw, out_h, out_w))
    for y in range(fh):
        y_max = y + stride * out_h
        for xx in range(fw):
            x_max = xx + stride * out_w
            col[:, :, y, xx, :, :] = img[:, :, y:y_max:stride, xx:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * out_h * out_w, -1)


def convolution(x, w, b, pad):
    fn, _, fh, fw = w.shape
    n, _, h, wd = x.shape
    out_h = h + 2 * pad - fh + 1
    out_w = wd + 2 * pad - fw + 1
    col = im2col(x, fh, fw, 1, pad)
    out = col @ w.reshape(fn, -1).T + b
    return out.reshape(n, out_h, out_w, -1).transpose(0, 3, 1, 2)


def max_pool(x, size=2, stride=2):
    n, c, h, w = x.shape
    out_h = (h - size) // stride + 1
    out_w = (w - size) // stride + 1
    col = im2col(x, size, size, stride, 0).reshape(-1, size * size)
    return np.max(col, axis=1).reshape(n, out_h, out_w, c).transpose(0, 3, 1, 2)


def relu(x):
    return np.maximum(0, x)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def affine(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b


def softmax(a):
    a = a - a.max(axis=1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=1, keepdims=True)


def forward(p, x, activation):
    weights = sorted((k for k in p if k.startswith("W")), key=lambda k: int(k[1:]))
    if p["W1"].ndim == 2:  # ch03 / any MLP: (Affine -> activation) x k -> Affine
        act = sigmoid if activation == "sigmoid" else relu
        a = x
        for i in range(1, len(weights)):
            a = act(affine(a, p["W%d" % i], p["b%d" % i]))
        return affine(a, p["W%d" % len(weights)], p["b%d" % len(weights)])
    images = x.reshape(-1, 1, 28, 28)
    if len(weights) == 3:  # ch07 SimpleConvNet
        a = max_pool(relu(convolution(images, p["W1"], p["b1"], 0)))
        a = relu(affine(a, p["W2"], p["b2"]))
        return affine(a, p["W3"], p["b3"])
    assert len(weights) == 8, "unknown network"
    # ch08 DeepConvNet; its Dropout(0.5) layers at test time multiply by 1 - 0.5 (the book's train_flg=False).
    a = images
    for i, pad in zip(range(1, 7), (1, 1, 1, 2, 1, 1)):
        a = relu(convolution(a, p["W%d" % i], p["b%d" % i], pad))
        if i % 2 == 0:
            a = max_pool(a)
    a = relu(affine(a, p["W7"], p["b7"])) * (1.0 - 0.5)
    return affine(a, p["W8"], p["b8"]) * (1.0 - 0.5)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pickle")
    parser.add_argument("--data", required=True)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--out", required=True)
    parser.add_argument("--activation", default="relu")
    args = parser.parse_args()
    with open(args.pickle, "rb") as f:
        params = {k: np.asarray(v, dtype=np.float64) for k, v in pickle.load(f).items()}
    probabilities = softmax(forward(params, load_test_images(args.data, args.images), args.activation))
    probabilities.astype("<f8").tofile(args.out)
    print("wrote %s: %s" % (args.out, probabilities.shape))


if __name__ == "__main__":
    sys.exit(main())
