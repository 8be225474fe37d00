import Backprop
import Foundation
import Testing

/// Shared helpers of the ONNX export tests: Fashion-MNIST, tiny training runs saved as checkpoints,
/// Backprop's probabilities as .npy, and `check_onnx.py` (the independent side, in Python).
enum ONNXHarness {
    /// Where the tests read Fashion-MNIST (`scripts/setup.sh` installs it here); the Python side reads
    /// the same files.
    static let dataPath = DatasetDirectory.defaultPath
    /// Fashion-MNIST, loaded once for all tests; nil when it is not installed.
    static let dataset: DatasetDirectory? = try? DatasetDirectory(path: dataPath)
    /// How many test images the probabilities are compared on.
    static let imageCount = 1000

    /// `check_onnx.py`, beside this file.
    static let checkScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("check_onnx.py").path

    /// Whether `python3` can import numpy, onnx and onnxruntime (checked once).
    static let pythonReady: Bool = run(["-c", "import numpy, onnx, onnxruntime"]).status == 0

    /// Fails the current test with a clear message when Fashion-MNIST or the Python packages are missing.
    static func requirements(sourceLocation: SourceLocation = #_sourceLocation) -> DatasetDirectory? {
        guard let dataset else {
            Issue.record("Fashion-MNIST is missing from \(dataPath): run scripts/setup.sh (it installs dataset-fashion-mnist)",
                         sourceLocation: sourceLocation)
            return nil
        }
        guard pythonReady else {
            Issue.record("python3 cannot import numpy, onnx and onnxruntime: run scripts/setup.sh (pip install numpy onnx onnxruntime)",
                         sourceLocation: sourceLocation)
            return nil
        }
        return dataset
    }

    /// A fresh folder for one test's files.
    static func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// Trains a network of `spec` for `iterations` steps on the first 1,000 training images (the CLI's
    /// `backprop train --iterations 20 --train-limit 1000`), saves it with its trainer (so the file also holds
    /// optimizer state) to `directory/net.safetensors`, and reads it back.
    static func trainedCheckpoint<Scalar: TensorScalar>(_ spec: NetworkSpec, as _: Scalar.Type, optimizer: OptimizerKind = .adam,
                                                        iterations: Int = 20, data: DatasetDirectory,
                                                        in directory: String) throws -> CheckpointContents {
        let network = Network<Scalar>(spec: spec, seed: 1)
        let options = TrainingOptions(optimizer: optimizer, batchSize: 50, iterations: iterations, seed: 1)
        let trainer = Trainer(network: network, optimizer: optimizer.make(learningRate: options.learningRate) as any Optimizer<Scalar>,
                              options: options, train: data.train.prefix(1000), test: data.test.prefix(100),
                              flatten: !spec.kind.isConvolutional)
        for _ in 0..<iterations { trainer.step() }
        let path = "\(directory)/net.safetensors"
        try Checkpoint.save(network, trainer: trainer, trainLimit: 1000, metadata: ["class_names": "[\"T-shirt/top\"]"], to: path)
        return try Checkpoint.read(path: path)
    }

    /// softmax(predict(x)) of the checkpoint's network (rebuilt in `Scalar`) on the first `imageCount`
    /// test images, fed as the CLI's evaluate feeds them; written to `path` as .npy.
    static func writeProbabilities<Scalar: TensorScalar>(_ contents: CheckpointContents, as _: Scalar.Type, data: DatasetDirectory,
                                                         to path: String) throws {
        let network: Network<Scalar> = try contents.makeNetwork()
        try writeProbabilities(of: network, convolutional: contents.spec.kind.isConvolutional, data: data, to: path)
    }

    /// softmax(predict(x)) of `network` on the first `imageCount` test images, as (N, 784) rows or
    /// (N, 1, 28, 28) images; written to `path` as .npy.
    static func writeProbabilities<Scalar: TensorScalar>(of network: Network<Scalar>, convolutional: Bool, data: DatasetDirectory,
                                                         to path: String) throws {
        let x: Tensor<Scalar> = data.test.images(Array(0..<imageCount), flatten: !convolutional)
        try writeNPY(softmax(network.predict(x, training: false)), to: path)
    }

    /// A tensor as a NumPy .npy file (format 1.0, little-endian, C order).
    static func writeNPY<Scalar: TensorScalar>(_ t: Tensor<Scalar>, to path: String) throws {
        let descr = Scalar.self == Float.self ? "<f4" : "<f8"
        let shape = t.shape.map(String.init).joined(separator: ", ") + (t.shape.count == 1 ? "," : "")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(shape)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        bytes += StoredTensor(t).bytes
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Runs `check_onnx.py model` with `arguments`; records its output as the failure when it fails.
    static func check(_ model: String, _ arguments: [String], label: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let result = run([checkScript, model] + arguments)
        // The figures (max |Δp| per batch size) go to the test log.
        let name = label ?? URL(fileURLWithPath: model).lastPathComponent
        print(result.output.split(separator: "\n").map { "\(name): \($0)" }.joined(separator: "\n"))
        #expect(result.status == 0,
                "check_onnx.py \(model) \(arguments.joined(separator: " ")) → status \(result.status)\n\(result.output)",
                sourceLocation: sourceLocation)
    }

    /// The usual check: checker, bit-identical initializers, onnxruntime against `expected` in batches of
    /// 1, 7 and 1,000 (the batch dimension is symbolic) within `atol`.
    static func checkAgainstBackprop(_ model: String, expected: String, checkpoint: String?, atol: Double = 1e-5,
                                     count: Int = imageCount, label: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        var arguments = ["--expected", expected, "--data", dataPath, "--count", "\(count)", "--atol", "\(atol)",
                         "--batch-sizes", "1,7,\(count)"]
        if let checkpoint { arguments += ["--checkpoint", checkpoint] }
        check(model, arguments, label: label, sourceLocation: sourceLocation)
    }

    /// Runs python3 with `arguments`: exit status and stdout + stderr.
    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-onnx-python-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        do {
            let handle = try FileHandle(forWritingTo: output)
            defer { try? handle.close() }
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        } catch {
            return (-1, "cannot run python3: \(error)")
        }
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}
