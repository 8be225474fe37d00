#!/usr/bin/env python3
"""PyTorch (CPU) reference for the book's DeepConvNet (§8.1), for timing side by side with Backprop.

../shared/bench/ref_torch.py covers TwoLayerNet and SimpleConvNet only; this script adds the third
network the same way (same flags, same `RESULT {json}` line with `ms_per_iter_median`):

  conv(16,3x3,p1)-ReLU-conv(16,3x3,p1)-ReLU-maxpool2 - conv(32,p1)-ReLU-conv(32,p2)-ReLU-maxpool2 -
  conv(64,p1)-ReLU-conv(64,p1)-ReLU-maxpool2 - Affine(1024->50)-ReLU-Dropout(0.5) - Affine(50->10)-
  Dropout(0.5) - cross-entropy; He init (std sqrt(2/fan_in)), biases 0; torch.optim.Adam(lr 0.001,
  betas (0.9, 0.999), eps 1e-7) as the book; batch 100 sampled with replacement; float32.

Timed iteration = sample batch + zero_grad + forward + backward + optimizer step.

  pip install torch numpy
  python3 scripts/ref_torch_deepconvnet.py --iters 60 --threads 1 --json
  python3 scripts/ref_torch_deepconvnet.py --iters 12000 --test --json   # 20 epochs, test accuracy
"""
import argparse
import gzip
import json
import os
import platform
import statistics
import time

p = argparse.ArgumentParser(description="PyTorch DeepConvNet reference (book §8.1)")
p.add_argument("--iters", type=int, default=60)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--batch", type=int, default=100)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--warmup", type=int, default=10)
p.add_argument("--data-dir", default=os.environ.get("BACKPROP_DATA", "/usr/share/datasets/fashion-mnist"))
p.add_argument("--json", action="store_true", help="print only the RESULT line")
p.add_argument("--book-dropout", action="store_true",
               help="the book's dropout (training: x*mask; inference: x*0.5) instead of PyTorch's inverted one")
p.add_argument("--test", action="store_true",
               help="after training, report test_acc on the whole test set (dropout off), for accuracy runs")
args = p.parse_args()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(args.data_dir, name)
        if os.path.exists(path):
            return path
    raise SystemExit(f"{stem}[.gz] not found in {args.data_dir} (apt-get install dataset-fashion-mnist)")


def main():
    x_tr = torch.from_numpy(read_idx(find("train-images-idx3-ubyte")).reshape(-1, 1, 28, 28).copy()).float() / 255.0
    t_tr = torch.from_numpy(read_idx(find("train-labels-idx1-ubyte")).astype(np.int64))

    rng = np.random.default_rng(args.seed)
    convs = [(16, 1, 1), (16, 16, 1), (32, 16, 1), (32, 32, 2), (64, 32, 1), (64, 64, 1)]
    params = []
    for fn, c, _ in convs:
        w = torch.from_numpy(np.sqrt(2.0 / (c * 9)) * rng.standard_normal((fn, c, 3, 3))).float().requires_grad_()
        params += [w, torch.zeros(fn, requires_grad=True)]
    for fan_in, out in [(1024, 50), (50, 10)]:
        w = torch.from_numpy(np.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, out))).float().requires_grad_()
        params += [w, torch.zeros(out, requires_grad=True)]

    def forward(x, training=True):
        h = x
        for i, (_, _, pad) in enumerate(convs):
            h = torch.relu(F.conv2d(h, params[2 * i], params[2 * i + 1], padding=pad))
            if i % 2 == 1:
                h = F.max_pool2d(h, 2, 2)
        h = dropout(torch.relu(torch.addmm(params[13], h.flatten(1), params[12])), training)
        return dropout(torch.addmm(params[15], h, params[14]), training)

    def dropout(h, training):
        if not args.book_dropout:
            return F.dropout(h, 0.5, training=training)          # inverted: x*mask*2 / x
        return F.dropout(h, 0.5, training=True) * 0.5 if training else h * 0.5   # book: x*mask / x*0.5

    opt = torch.optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-7)
    gen = torch.Generator().manual_seed(args.seed)
    times = []
    for _ in range(args.iters):
        t0 = time.perf_counter()
        idx = torch.randint(0, len(x_tr), (args.batch,), generator=gen)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(forward(x_tr[idx]), t_tr[idx])
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    ms = [t * 1e3 for t in (times[args.warmup:] if len(times) > args.warmup else times)]
    result = {"impl": "torch", "model": "deep-cnn", "dtype": "float32", "threads": args.threads,
              "iters": args.iters, "batch": args.batch, "seed": args.seed, "python": platform.python_version(),
              "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
              "ms_per_iter_median": statistics.median(ms), "ms_per_iter_mean": sum(ms) / len(ms),
              "ms_per_iter_min": min(ms), "timed_iters": len(ms), "final_loss": float(loss.detach())}
    if args.test:
        x_te = torch.from_numpy(read_idx(find("t10k-images-idx3-ubyte")).reshape(-1, 1, 28, 28).copy()).float() / 255.0
        t_te = torch.from_numpy(read_idx(find("t10k-labels-idx1-ubyte")).astype(np.int64))
        with torch.no_grad():
            correct = sum(int((forward(x_te[i:i + 1000], training=False).argmax(1) == t_te[i:i + 1000]).sum())
                          for i in range(0, len(x_te), 1000))
        result["test_acc"] = correct / len(x_te)
    if not args.json:
        print(f"torch deep-cnn float32 threads={args.threads}: {result['ms_per_iter_median']:.3f} ms/iter median "
              f"over {len(ms)} iters")
    print("RESULT " + json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
