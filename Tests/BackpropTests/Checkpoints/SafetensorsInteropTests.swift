import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Interoperability with other safetensors implementations: a hand-written writer and reader in plain
/// Python (standard library only, following the format description), and Hugging Face's own
/// `safetensors` package (`safetensors.numpy`) when it is installed.
struct SafetensorsInteropTests {
    func runPython(_ script: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let (status, output) = DataFixtures.runPython(script, arguments) else {
            Issue.record("python3 could not be started", sourceLocation: sourceLocation)
            return
        }
        #expect(status == 0, "python3 failed (\(status)):\n\(output)", sourceLocation: sourceLocation)
    }

    /// A file written by a minimal Python writer (the header JSON is built by hand) is read back exactly.
    @Test(.enabled(if: DataFixtures.pythonAvailable, "python3 not available"))
    func readsHandWrittenPythonFile() throws {
        try DataFixtures.withScratchDirectory("st-py-hand") { dir in
            let path = DataFixtures.join(dir, "hand.safetensors")
            let writer = #"""
import json, struct, sys
path = sys.argv[1]
# Data laid out in a different order than the names; header padded with spaces to 8 bytes.
blobs = [
    ("weight", "F32", [2, 3], struct.pack("<6f", 0.5, -1.0, 2.25, 3.0, -0.125, 1e-3)),
    ("bias", "F64", [3], struct.pack("<3d", 0.1, -0.2, 1e300)),
    ("step", "I64", [], struct.pack("<q", -7)),
    ("pixels", "U8", [4], bytes([0, 1, 128, 255])),
]
header, offset, data = {}, 0, b""
for name, dtype, shape, blob in blobs:
    header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
    offset += len(blob)
    data += blob
header["__metadata__"] = {"format": "pt", "note": "caf\u00e9 \"quoted\""}
h = json.dumps(header).encode("utf-8")
h += b" " * ((8 - len(h) % 8) % 8)
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + data)
"""#
            runPython(writer, [path])
            let file = try SafetensorsFile.read(path: path)
            #expect(file.metadata == ["format": "pt", "note": "café \"quoted\""])
            let w: Tensor<Float> = try #require(file.tensors["weight"]).tensor(name: "weight", path: path)
            #expect(w.shape == [2, 3] && w.scalars == [0.5, -1.0, 2.25, 3.0, -0.125, Float(1e-3)])
            let b: Tensor<Double> = try #require(file.tensors["bias"]).tensor(name: "bias", path: path)
            #expect(b.shape == [3] && b.scalars == [0.1, -0.2, 1e300])
            #expect(file.tensors["step"] == StoredTensor(dtype: .i64, shape: [], bytes: SafetensorsTests.le(Int64(-7))))
            #expect(file.tensors["pixels"] == StoredTensor(dtype: .u8, shape: [4], bytes: [0, 1, 128, 255]))
        }
    }

    /// A file we write is read by a minimal Python reader that checks the layout rules strictly.
    @Test(.enabled(if: DataFixtures.pythonAvailable, "python3 not available"))
    func handWrittenPythonReaderReadsOurFile() throws {
        try DataFixtures.withScratchDirectory("st-py-read") { dir in
            let path = DataFixtures.join(dir, "ours.safetensors")
            var file = SafetensorsFile()
            file.tensors["W1"] = StoredTensor(Tensor<Float>(shape: [2, 2], scalars: [1, -2, 0.25, 1e-8]))
            file.tensors["b1"] = StoredTensor(Tensor<Double>([0.1, 2]))
            file.metadata = ["spec": #"{"kind":"mlp","sizes":[2,2]}"#, "multi": "a\nb\t\"c\"\\"]
            try file.write(to: path)
            let reader = #"""
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
assert n % 8 == 0, n
assert raw[8:9] == b"{", raw[8:9]
header = json.loads(raw[8:8 + n].decode("utf-8"))
data = raw[8 + n:]
meta = header.pop("__metadata__")
assert meta == {"spec": '{"kind":"mlp","sizes":[2,2]}', "multi": 'a\nb\t"c"\\'}, meta
assert json.loads(meta["spec"]) == {"kind": "mlp", "sizes": [2, 2]}
end = 0
for name in sorted(header, key=lambda k: header[k]["data_offsets"][0]):
    begin, stop = header[name]["data_offsets"]
    assert begin == end, (name, begin, end)
    end = stop
assert end == len(data), (end, len(data))
w = header["W1"]; b = header["b1"]
assert w["dtype"] == "F32" and w["shape"] == [2, 2]
assert b["dtype"] == "F64" and b["shape"] == [2]
wv = struct.unpack("<4f", data[w["data_offsets"][0]:w["data_offsets"][1]])
assert wv == struct.unpack("<4f", struct.pack("<4f", 1, -2, 0.25, 1e-8)), wv
bv = struct.unpack("<2d", data[b["data_offsets"][0]:b["data_offsets"][1]])
assert bv == (0.1, 2.0), bv
"""#
            runPython(reader, [path])
        }
    }

    /// Hugging Face's `safetensors.numpy` loads what we save, bit for bit, with the metadata.
    @Test(.enabled(if: DataFixtures.pythonHasSafetensors, "python3 with numpy and safetensors not available"))
    func huggingFaceLoadsOurFile() throws {
        try DataFixtures.withScratchDirectory("st-hf-load") { dir in
            let path = DataFixtures.join(dir, "ours.safetensors")
            var file = SafetensorsFile()
            file.tensors["W1"] = StoredTensor(Tensor<Float>(shape: [2, 3], scalars: [1, -2, 0.25, 1e-8, 3e38, -0.0]))
            file.tensors["b1"] = StoredTensor(Tensor<Double>([0.1, 2, -1e-300]))
            file.tensors["count"] = StoredTensor(dtype: .i64, shape: [1], bytes: SafetensorsTests.le(Int64(123456789012)))
            file.tensors["mask"] = StoredTensor(dtype: .bool, shape: [3], bytes: [1, 0, 1])
            file.tensors["px"] = StoredTensor(dtype: .u8, shape: [3], bytes: [0, 7, 255])
            file.metadata = ["format": "backprop-checkpoint-1", "quote": "say \"hi\"\n"]
            try file.write(to: path)
            let script = #"""
import sys, numpy as np
from safetensors.numpy import load_file
from safetensors import safe_open
t = load_file(sys.argv[1])
assert sorted(t) == ["W1", "b1", "count", "mask", "px"], sorted(t)
w = np.array([1, -2, 0.25, 1e-8, 3e38, -0.0], dtype=np.float32).reshape(2, 3)
assert t["W1"].dtype == np.float32 and t["W1"].shape == (2, 3)
assert t["W1"].tobytes() == w.tobytes(), t["W1"]
assert t["b1"].dtype == np.float64 and t["b1"].tobytes() == np.array([0.1, 2, -1e-300]).tobytes()
assert t["count"].dtype == np.int64 and int(t["count"][0]) == 123456789012
assert t["mask"].dtype == np.bool_ and t["mask"].tolist() == [True, False, True]
assert t["px"].dtype == np.uint8 and t["px"].tolist() == [0, 7, 255]
with safe_open(sys.argv[1], framework="numpy") as f:
    assert f.metadata() == {"format": "backprop-checkpoint-1", "quote": 'say "hi"\n'}, f.metadata()
"""#
            runPython(script, [path])
        }
    }

    /// We load what Hugging Face's `safetensors.numpy.save_file` writes, bit for bit.
    @Test(.enabled(if: DataFixtures.pythonHasSafetensors, "python3 with numpy and safetensors not available"))
    func weLoadHuggingFaceFile() throws {
        try DataFixtures.withScratchDirectory("st-hf-save") { dir in
            let path = DataFixtures.join(dir, "theirs.safetensors")
            let script = #"""
import sys, numpy as np
from safetensors.numpy import save_file
save_file({
    "W1": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
    "b1": np.array([0.1, -0.2, 1e300], dtype=np.float64),
    "tiny": np.array(2.5, dtype=np.float32),
    "ids": np.array([1, -2], dtype=np.int64),
    "px": np.array([[0, 255]], dtype=np.uint8),
}, sys.argv[1], metadata={"format": "np", "note": "x"})
"""#
            runPython(script, [path])
            let file = try SafetensorsFile.read(path: path)
            #expect(file.metadata == ["format": "np", "note": "x"])
            let w: Tensor<Float> = try #require(file.tensors["W1"]).tensor(name: "W1", path: path)
            #expect(w.shape == [3, 4])
            #expect(w.scalars.map(\.bitPattern) == (0..<12).map { (Float($0) / 7).bitPattern })
            let b: Tensor<Double> = try #require(file.tensors["b1"]).tensor(name: "b1", path: path)
            #expect(b.scalars == [0.1, -0.2, 1e300])
            let tiny: Tensor<Float> = try #require(file.tensors["tiny"]).tensor(name: "tiny", path: path)
            #expect(tiny.shape == [] && tiny.scalars == [2.5])
            #expect(file.tensors["ids"] == StoredTensor(dtype: .i64, shape: [2],
                                                         bytes: SafetensorsTests.le(Int64(1)) + SafetensorsTests.le(Int64(-2))))
            #expect(file.tensors["px"] == StoredTensor(dtype: .u8, shape: [1, 2], bytes: [0, 255]))
            // Written back by us, Hugging Face's reader gives the same arrays again.
            let again = DataFixtures.join(dir, "again.safetensors")
            try file.write(to: again)
            runPython(#"""
import sys, numpy as np
from safetensors.numpy import load_file
a, b = load_file(sys.argv[1]), load_file(sys.argv[2])
assert sorted(a) == sorted(b)
for k in a:
    assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and a[k].tobytes() == b[k].tobytes(), k
"""#, [path, again])
        }
    }

    /// A whole checkpoint opens in Hugging Face's reader, and its `spec` metadata is valid JSON there.
    @Test(.enabled(if: DataFixtures.pythonHasSafetensors, "python3 with numpy and safetensors not available"))
    func huggingFaceLoadsACheckpoint() throws {
        try DataFixtures.withScratchDirectory("st-hf-ckpt") { dir in
            let path = DataFixtures.join(dir, "net.safetensors")
            let net = MultiLayerNetExtend<Float>(inputSize: 6, hiddenSizes: [5, 4], outputSize: 3, useBatchNorm: true, seed: 2)
            try Checkpoint.save(net, to: path)
            let w1 = net.parameter(named: "W1")!.value.scalars
            let script = #"""
import sys, json, numpy as np
from safetensors.numpy import load_file
from safetensors import safe_open
t = load_file(sys.argv[1])
assert set(t) == {"W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3",
                  "running_mean1", "running_var1", "running_mean2", "running_var2"}, sorted(t)
assert t["W1"].shape == (6, 5) and t["W3"].shape == (4, 3) and t["gamma2"].shape == (4,)
expected = np.array([float(x) for x in sys.argv[2].split(",")], dtype=np.float32).reshape(6, 5)
assert t["W1"].tobytes() == expected.tobytes()
with safe_open(sys.argv[1], framework="numpy") as f:
    m = f.metadata()
assert m["format"] == "backprop-checkpoint-1" and m["dtype"] == "float32", m
spec = json.loads(m["spec"])
assert spec["hiddenSizes"] == [5, 4] and spec["batchNorm"] is True, spec
"""#
            runPython(script, [path, w1.map { "\($0)" }.joined(separator: ",")])
        }
    }
}
