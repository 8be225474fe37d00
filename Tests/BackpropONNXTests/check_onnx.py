#!/usr/bin/env python3
"""The independent side of BackpropONNXTests: checks an ONNX file that Backprop exported.

    check_onnx.py MODEL.onnx --expected PROBS.npy --data DIR [--count 1000] [--atol 1e-5]
                  [--batch-sizes 1,7,1000] [--checkpoint NET.safetensors] [--checker-only]

1. onnx.checker.check_model (full_check: with shape inference) accepts the model; opset 13; the input
   `images` and the outputs `logits` and `probabilities` have a symbolic batch dimension.
2. onnxruntime (CPU) runs it on the first COUNT Fashion-MNIST test images of DIR (t10k-images-idx3-ubyte,
   plain or .gz, read here with gzip and numpy; pixels / 255 in the model's element type), once in
   batches of each size given, and each run's probabilities match Backprop's (PROBS.npy, written by the
   Swift test from Network.predict) within ATOL, with the same class for every image.
3. With --checkpoint: every tensor of the safetensors file (optimizer state aside) is an initializer of
   the same name, shape and dtype holding the same bytes (a float64 checkpoint exported as float32: the
   float64 values rounded to float32).

Prints one line per check; exits 0 when all hold, 1 when one fails, 3 when onnx, onnxruntime or numpy
is missing.
"""
import argparse
import gzip
import json
import os
import struct
import sys

try:
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper
except ImportError as error:
    print(f"check_onnx: missing Python package ({error}); run scripts/setup.sh "
          "(pip install numpy onnx onnxruntime)", file=sys.stderr)
    sys.exit(3)


def fail(message):
    print(f"check_onnx: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def read_idx_images(directory, count):
    """The first `count` images of t10k-images-idx3-ubyte[.gz] as uint8 (count, rows, columns)."""
    plain = os.path.join(directory, "t10k-images-idx3-ubyte")
    path = plain if os.path.exists(plain) else plain + ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, n, rows, columns = struct.unpack(">IIII", data[:16])
    if magic != 0x803:
        fail(f"{path}: not an IDX image file (magic {magic:#x})")
    if count > n:
        fail(f"{path}: {n} images, {count} asked")
    pixels = np.frombuffer(data, dtype=np.uint8, count=count * rows * columns, offset=16)
    return pixels.reshape(count, rows, columns)


def read_safetensors(path):
    """{name: numpy array} of a safetensors file, read here from its layout (u64 header length, JSON, data)."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    header.pop("__metadata__", None)
    base = 8 + length
    dtypes = {"F32": "<f4", "F64": "<f8"}
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[base + start:base + end], dtype=dtypes[entry["dtype"]]).reshape(entry["shape"])
    return tensors


def check_model(model):
    onnx.checker.check_model(model, full_check=True)
    opsets = {o.domain: o.version for o in model.opset_import}
    if opsets.get("", opsets.get("ai.onnx")) != 13:
        fail(f"opset {opsets}, expected 13")
    graph = model.graph
    names = ([i.name for i in graph.input], [o.name for o in graph.output])
    if names != (["images"], ["logits", "probabilities"]):
        fail(f"inputs and outputs are {names}")
    for value in list(graph.input) + list(graph.output):
        first = value.type.tensor_type.shape.dim[0]
        if first.WhichOneof("value") != "dim_param":
            fail(f"{value.name}: the batch dimension is not symbolic ({first})")
    print(f"check_onnx: checker OK, opset 13, {len(graph.node)} nodes, {len(graph.initializer)} initializers, "
          f"input {[d.dim_param or d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]}")


def check_initializers(model, checkpoint_path):
    initializers = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    tensors = {k: v for k, v in read_safetensors(checkpoint_path).items() if not k.startswith("optimizer/")}
    for name, stored in sorted(tensors.items()):
        if name not in initializers:
            fail(f"tensor {name} of the checkpoint is not an initializer")
        exported = initializers[name]
        expected = stored.astype(exported.dtype) if exported.dtype != stored.dtype else stored
        if exported.dtype != expected.dtype or exported.shape != expected.shape:
            fail(f"{name}: exported {exported.dtype} {exported.shape}, checkpoint {stored.dtype} {stored.shape}")
        if exported.tobytes() != np.ascontiguousarray(expected).tobytes():
            fail(f"{name}: the bytes differ from the checkpoint's")
    rounded = sum(1 for name, stored in tensors.items() if initializers[name].dtype != stored.dtype)
    how = f" ({rounded} of them float64 rounded to float32)" if rounded else ""
    print(f"check_onnx: {len(tensors)} checkpoint tensors bit-identical as initializers{how}")


def check_runtime(model_path, model, args):
    elem = model.graph.input[0].type.tensor_type.elem_type
    dtype = np.float32 if elem == onnx.TensorProto.FLOAT else np.float64
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
    images = read_idx_images(args.data, args.count)
    x = (images.astype(dtype) / dtype(255)).reshape([args.count] + dims)
    expected = np.load(args.expected)
    if expected.shape[0] != args.count:
        fail(f"{args.expected} has {expected.shape[0]} rows for {args.count} images")
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    for batch in args.batch_sizes:
        logits, probabilities = [], []
        for start in range(0, args.count, batch):
            out = session.run(["logits", "probabilities"], {"images": x[start:start + batch]})
            if out[1].shape != (min(batch, args.count - start), expected.shape[1]):
                fail(f"batch {batch}: probabilities of shape {out[1].shape}")
            logits.append(out[0])
            probabilities.append(out[1])
        p = np.concatenate(probabilities)
        difference = float(np.max(np.abs(p.astype(np.float64) - expected.astype(np.float64))))
        same_class = int(np.sum(np.argmax(p, axis=1) == np.argmax(expected, axis=1)))
        print(f"check_onnx: onnxruntime {ort.__version__}, batches of {batch}: max |Δp| = {difference:.3g} "
              f"over {args.count} images, same class for {same_class}")
        if not difference <= args.atol:
            fail(f"batches of {batch}: probabilities differ by {difference:.3g} > {args.atol}")
        if same_class != args.count:
            top = np.sort(expected, axis=1)[:, -2:]
            ties = int(np.sum(top[:, 1] - top[:, 0] <= 2 * args.atol))
            if args.count - same_class > ties:
                fail(f"batches of {batch}: another class for {args.count - same_class} images ({ties} near-ties)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--expected", help="Backprop's probabilities, (count, classes) .npy")
    parser.add_argument("--data", help="a directory with t10k-images-idx3-ubyte[.gz]")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--atol", type=float, default=1e-5)
    parser.add_argument("--batch-sizes", type=lambda s: [int(b) for b in s.split(",")], default=[1, 1000])
    parser.add_argument("--checkpoint", help="check the initializers against this safetensors file")
    parser.add_argument("--checker-only", action="store_true", help="skip onnxruntime (e.g. float64 Conv)")
    args = parser.parse_args()

    model = onnx.load(args.model)
    check_model(model)
    if args.checkpoint:
        check_initializers(model, args.checkpoint)
    if not args.checker_only:
        if not args.expected or not args.data:
            fail("--expected and --data are needed to run the model")
        check_runtime(args.model, model, args)
    print("check_onnx: OK")


if __name__ == "__main__":
    main()
