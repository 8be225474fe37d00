#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (Fuzz/corpus/<target>/): small real files of each format.

    python3 Fuzz/make_seeds.py [BACKPROP]

BACKPROP (default .build/debug/backprop) writes the checkpoint seeds; NumPy writes the .npy, .npz
and pickle seeds; Tests/BackpropTests/Data/Python/png_fixtures.py the PNG seeds. Run it again only to
change the seeds; they are committed.
"""
import gzip, io, os, pickle, struct, subprocess, sys, tempfile, zlib
import numpy as np

root = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(root, "corpus")
sys.path.insert(0, os.path.join(root, "..", "Tests", "BackpropTests", "Data", "Python"))
import png_fixtures  # noqa: E402

def put(target, name, data):
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(data)

def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)

images = idx([3, 4, 4], [(17 * i) % 256 for i in range(48)])
labels = idx([3], [0, 7, 9])
put("idx", "images-3x4x4", images)
put("idx", "labels-3", labels)
put("idx", "images-3x4x4.gz", gzip.compress(images, mtime=0))
put("idx", "images-2x28x28.gz", gzip.compress(idx([2, 28, 28], [(i * 7) % 256 for i in range(2 * 784)]), mtime=0))

put("gzip", "text.gz", gzip.compress(b"backprop " * 40, mtime=0))
put("gzip", "two-members.gz", gzip.compress(b"first", mtime=0) + gzip.compress(b"second", mtime=0))
put("gzip", "zlib", zlib.compress(bytes(range(256)) * 4))
put("gzip", "idx.gz", gzip.compress(labels, mtime=0))

put("pgm", "p5.pgm", b"P5\n4 3\n255\n" + bytes(range(0, 240, 20)))
put("pgm", "p2.pgm", b"P2\n# a comment\n3 2\n15\n0 5 10\n15 7 1\n")
put("pgm", "p5-16bit.pgm", b"P5 2 2 65535\n" + struct.pack(">4H", 0, 1000, 40000, 65535))

with tempfile.TemporaryDirectory() as scratch:
    for name, w, h, depth, color, pixels, extra in png_fixtures.cases():
        if name in ("gray1", "gray16", "rgb8", "palette4_trns", "gray_alpha8", "rgba16", "rgba8_interlaced"):
            put("png", name + ".png", png_fixtures.encode(w, h, depth, color, pixels, **extra))

arrays = {"W1": np.arange(6, dtype=np.float32).reshape(2, 3) / 7, "b1": np.array([0.5, -1.25, 2.0], dtype=np.float32)}
for protocol in (2, 4):
    put("pickle", f"params-protocol{protocol}.pkl", pickle.dumps(arrays, protocol=protocol))
put("pickle", "float64.pkl", pickle.dumps({"W1": np.eye(2)}, protocol=3))

def npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()

put("npy", "f32.npy", npy(arrays["W1"]))
put("npy", "f64-big-endian.npy", npy(np.array([[1.5, -2.0]], dtype=">f8")))
put("npy", "fortran.npy", npy(np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3))))
put("npy", "dict.npy", npy(np.array(arrays, dtype=object)))

for compressed in (False, True):
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    put("npz", "params-compressed.npz" if compressed else "params.npz", buffer.getvalue())

backprop = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", ".build", "debug", "backprop")
with tempfile.TemporaryDirectory() as scratch:
    for name, flags in [("two-layer", ["--hidden", "3"]), ("mlp-batchnorm", ["--model", "mlp", "--hidden", "2,2", "--batch-norm"])]:
        out = os.path.join(scratch, name + ".safetensors")
        subprocess.run([backprop, "train", "--data", "synthetic", "--iterations", "1", "--train-limit", "10",
                        "--batch-size", "5", "--quiet", "--checkpoint", out] + flags, check=True, stdout=subprocess.DEVNULL)
        with open(out, "rb") as f:
            put("safetensors", name + ".safetensors", f.read())
