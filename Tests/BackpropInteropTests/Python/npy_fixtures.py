#!/usr/bin/env python3
"""NumPy's side of the .npy/.npz/pickle round trips (NumPy's np.save, np.load, pickle; nothing of Backprop).

    npy_fixtures.py make DIR    writes NumPy's files into DIR, with the expected values of each array as
                                C-order little-endian bytes (NAME.raw) and cases.json {name: [dtype, shape]}
    npy_fixtures.py check DIR   loads what Backprop wrote (swift_*.npy, swift_*.npz) with np.load and
                                compares every array, bit for bit, with NumPy's original; exit 1 on a mismatch
"""
import json
import os
import pickle
import sys
import zipfile

import numpy as np


def cases():
    rng = np.random.default_rng(16)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1.5, -2.25], dtype=np.float64)
    return {
        "f32_le": rng.standard_normal((3, 4)).astype("<f4"),
        "f32_be": rng.standard_normal((3, 4)).astype(">f4"),
        "f64_le": rng.standard_normal((2, 5)).astype("<f8"),
        "f64_be": rng.standard_normal((2, 5)).astype(">f8"),
        "f64_fortran": np.asfortranarray(rng.standard_normal((2, 3, 4))),
        "f32_fortran_be": np.asfortranarray(rng.standard_normal((5, 3)).astype(">f4")),
        "f32_vector": rng.standard_normal(7).astype("<f4"),
        "f64_scalar": np.array(3.25),
        "f32_empty": np.zeros((0, 3), dtype="<f4"),
        "f64_special": special,
        "f32_conv": rng.standard_normal((4, 1, 3, 3)).astype("<f4"),
    }


def le_bytes(a):
    return np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()


def make(directory):
    table = {}
    all_cases = cases()
    for name, a in all_cases.items():
        np.save(os.path.join(directory, name + ".npy"), a)
        with open(os.path.join(directory, name + ".raw"), "wb") as f:
            f.write(le_bytes(a))
        table[name] = ["float32" if a.dtype.itemsize == 4 else "float64", list(a.shape)]
    for version in ((2, 0), (3, 0)):
        with open(os.path.join(directory, "f64_le_v%d.npy" % version[0]), "wb") as f:
            np.lib.format.write_array(f, all_cases["f64_le"], version=version)
    members = {k: all_cases[k] for k in ("f32_le", "f64_be", "f64_fortran", "f32_vector")}
    np.savez(os.path.join(directory, "stored.npz"), **members)
    np.savez_compressed(os.path.join(directory, "compressed.npz"), **members)
    params = {"W1": all_cases["f32_le"], "b1": all_cases["f32_vector"], "W2": all_cases["f64_fortran"]}
    np.save(os.path.join(directory, "dict.npy"), params)
    for protocol in (2, 3, 4):
        with open(os.path.join(directory, "dict_p%d.pkl" % protocol), "wb") as f:
            pickle.dump({"W1": all_cases["f32_be"], "b1": all_cases["f32_fortran_be"], "W2": all_cases["f64_special"]},
                        f, protocol=protocol)
    np.save(os.path.join(directory, "int64.npy"), np.arange(6, dtype=np.int64).reshape(2, 3))
    with open(os.path.join(directory, "int64.pkl"), "wb") as f:
        pickle.dump({"W1": np.arange(6, dtype=np.int64)}, f, protocol=3)
    with zipfile.ZipFile(os.path.join(directory, "text_member.npz"), "w") as z:
        z.writestr("readme.txt", "not an array")
    lying = bytearray(open(os.path.join(directory, "f32_le.npy"), "rb").read())
    at = lying.index(b"(3, 4)")
    lying[at:at + 6] = b"(9, 9)"
    with zipfile.ZipFile(os.path.join(directory, "lying_member.npz"), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("W1.npy", bytes(lying))
    with open(os.path.join(directory, "cases.json"), "w") as f:
        json.dump(table, f)
    print("made %d cases in %s" % (len(table), directory))


def same(a, b):
    return a.shape == b.shape and a.dtype.itemsize == b.dtype.itemsize and a.dtype.kind == b.dtype.kind \
        and le_bytes(a) == le_bytes(b)


def check(directory):
    problems = []
    checked = 0
    all_cases = cases()
    for name, a in all_cases.items():
        for order, char in (("le", "<"), ("be", ">")):
            path = os.path.join(directory, "swift_%s_%s.npy" % (name, order))
            b = np.load(path)
            if not same(a, b) or b.dtype.byteorder not in (char, "=" if char == "<" else ">", "|"):
                problems.append("%s: %s %s, expected %s %s" % (path, b.dtype.str, b.shape, a.dtype.str, a.shape))
            checked += 1
    for kind, method in (("stored", zipfile.ZIP_STORED), ("compressed", zipfile.ZIP_DEFLATED)):
        path = os.path.join(directory, "swift_%s.npz" % kind)
        with zipfile.ZipFile(path) as z:
            if any(info.compress_type != method for info in z.infolist()):
                problems.append("%s: members are not %s" % (path, kind))
        with np.load(path) as archive:
            if sorted(archive.files) != sorted(all_cases):
                problems.append("%s: keys %s" % (path, sorted(archive.files)))
            for key in archive.files:
                if key in all_cases and not same(all_cases[key], archive[key]):
                    problems.append("%s: %s differs" % (path, key))
                checked += 1
    for problem in problems:
        print(problem)
    print("checked %d arrays, %d problems" % (checked, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    command, directory = sys.argv[1], sys.argv[2]
    sys.exit(make(directory) if command == "make" else check(directory))
