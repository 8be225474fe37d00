import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

private func join(_ a: String, _ b: String) -> String { DataFixtures.join(a, b) }

/// Checkpoint.save / read / makeNetwork / restore: what goes in comes out bit for bit, and a checkpoint
/// that does not fit its architecture is refused with the matching CheckpointError.
struct CheckpointTests {
    /// Trains a few steps so that weights, biases, γ, β and running statistics are all non-trivial.
    func trainSome<S: TensorScalar>(_ net: Network<S>, steps: Int = 5, inputs: Int) {
        var rng = SeededGenerator(seed: 99)
        let optimizer = SGD<S>(learningRate: 0.1)
        let classes = net.parameters.last { $0.name.hasPrefix("b") }!.value.count
        for _ in 0..<steps {
            let x = Tensor<S>.randomNormal([8, inputs], using: &rng)
            let t = Tensor<S>((0..<8).map { S($0 % classes) })
            net.gradient(x, t)
            optimizer.update(net.parameters)
        }
    }

    /// Reads a checkpoint file, lets `edit` change it, writes it back (to a new path).
    func edited(_ path: String, _ edit: (inout SafetensorsFile) -> Void) throws -> String {
        var file = try SafetensorsFile.read(path: path)
        edit(&file)
        let out = path + ".edited-\(UUID().uuidString).safetensors"
        try file.write(to: out)
        return out
    }

    @Test func twoLayerNetRoundTrip() throws {
        try DataFixtures.withScratchDirectory("ckpt-two") { dir in
            let net = TwoLayerNet<Float>(inputSize: 784, hiddenSize: 50, outputSize: 10, seed: 3)
            trainSome(net, steps: 1, inputs: 784)
            let path = join(dir, "two.safetensors")
            try Checkpoint.save(net, to: path)

            let contents = try Checkpoint.read(path: path)
            #expect(contents.path == path)
            #expect(contents.dtype == "float32")
            #expect(contents.spec == net.spec)
            #expect(contents.spec.kind == .twoLayer && contents.spec.hiddenSizes == [50])
            #expect(contents.spec.weightInit == .standardDeviation(0.01))
            #expect(contents.training == nil)
            #expect(contents.file.metadata["format"] == "backprop-checkpoint-1")
            #expect(contents.file.metadata["dtype"] == "float32")
            #expect(Set(contents.file.tensors.keys) == ["W1", "b1", "W2", "b2"])
            #expect(contents.file.tensors["W1"]?.shape == [784, 50] && contents.file.tensors["W1"]?.dtype == .f32)

            let back: Network<Float> = try contents.makeNetwork()
            #expect(back.spec == net.spec)
            #expect(back.parameters.map(\.name) == net.parameters.map(\.name))
            #expect(DataFixtures.parameterBytes(back) == DataFixtures.parameterBytes(net))
            // Same predictions.
            var rng = SeededGenerator(seed: 4)
            let x = Tensor<Float>.randomUniform([5, 784], using: &rng)
            #expect(back.predict(x) == net.predict(x))
        }
    }

    @Test func batchNormDropoutNetRoundTrip() throws {
        try DataFixtures.withScratchDirectory("ckpt-bn") { dir in
            let net = MultiLayerNetExtend<Double>(inputSize: 12, hiddenSizes: [10, 8], outputSize: 3, activation: .relu,
                                                  weightInit: .he, weightDecay: 0.01, useDropout: true, dropoutRatio: 0.2,
                                                  useBatchNorm: true, seed: 5)
            trainSome(net, steps: 6, inputs: 12)
            let stats = DataFixtures.runningStatBytes(net)
            #expect(stats.count == 4)
            let bns = net.layers.compactMap { $0 as? BatchNormalization<Double> }
            #expect(bns.allSatisfy { $0.runningMean.scalars.contains { $0 != 0 } }, "training moved the running mean")
            #expect(net.parameter(named: "gamma1")!.value.scalars.contains { $0 != 1 }, "training moved gamma1")

            let path = join(dir, "bn.safetensors")
            try Checkpoint.save(net, to: path)
            let contents = try Checkpoint.read(path: path)
            #expect(contents.dtype == "float64")
            #expect(contents.spec == net.spec)
            #expect(contents.spec.batchNorm && contents.spec.dropoutRatio == 0.2 && contents.spec.weightDecay == 0.01)
            #expect(contents.file.tensors["running_var2"]?.dtype == .f64)
            let back: Network<Double> = try contents.makeNetwork()
            #expect(back.weightDecay == 0.01)
            #expect(DataFixtures.parameterBytes(back) == DataFixtures.parameterBytes(net))
            #expect(DataFixtures.runningStatBytes(back) == stats)
            #expect(back.layers.count == net.layers.count)
            #expect(back.layers.compactMap { $0 as? Dropout<Double> }.map(\.ratio) == [0.2, 0.2])
            // Inference uses the running statistics and Dropout's scaling: identical outputs.
            var rng = SeededGenerator(seed: 6)
            let x = Tensor<Double>.randomNormal([4, 12], using: &rng)
            #expect(back.predict(x, training: false) == net.predict(x, training: false))
        }
    }

    @Test func float32CheckpointLoadsAsDoubleAndBack() throws {
        try DataFixtures.withScratchDirectory("ckpt-convert") { dir in
            let net = MultiLayerNetExtend<Float>(inputSize: 5, hiddenSizes: [4], outputSize: 2, useBatchNorm: true, seed: 7)
            trainSome(net, steps: 3, inputs: 5)
            let path = join(dir, "f32.safetensors")
            try Checkpoint.save(net, to: path)
            let contents = try Checkpoint.read(path: path)
            #expect(contents.dtype == "float32")
            let asDouble = try contents.makeNetwork(as: Double.self)
            for p in net.parameters {
                let q = try #require(asDouble.parameter(named: p.name))
                #expect(q.value.shape == p.value.shape)
                #expect(q.value.scalars == p.value.scalars.map { Double($0) }, "\(p.name)")
            }
            let bnF = net.layers.compactMap { $0 as? BatchNormalization<Float> }[0]
            let bnD = asDouble.layers.compactMap { $0 as? BatchNormalization<Double> }[0]
            #expect(bnD.runningMean.scalars == bnF.runningMean.scalars.map { Double($0) })
            #expect(bnD.runningVariance.scalars == bnF.runningVariance.scalars.map { Double($0) })

            // A float64 checkpoint loads as Float by rounding.
            let d = MultiLayerNet<Double>(inputSize: 3, hiddenSizes: [2], outputSize: 2, seed: 1)
            let dPath = join(dir, "f64.safetensors")
            try Checkpoint.save(d, to: dPath)
            let asFloat = try Checkpoint.read(path: dPath).makeNetwork(as: Float.self)
            #expect(asFloat.parameter(named: "W1")!.value.scalars == d.parameter(named: "W1")!.value.scalars.map { Float($0) })
        }
    }

    /// Saving twice to the same path (as a training run does every epoch) leaves the newer checkpoint.
    @Test func savingOverAnExistingCheckpoint() throws {
        try DataFixtures.withScratchDirectory("ckpt-overwrite") { dir in
            let path = join(dir, "run.safetensors")
            let net = TwoLayerNet<Float>(inputSize: 4, hiddenSize: 3, outputSize: 2, seed: 1)
            try Checkpoint.save(net, to: path)
            trainSome(net, steps: 2, inputs: 4)
            #expect(throws: Never.self, "second save to the same path") { try Checkpoint.save(net, to: path) }
            #expect(FileManager.default.fileExists(atPath: path), "a checkpoint must still exist at \(path)")
            let names = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(names == ["run.safetensors"], "directory after the second save: \(names)")
            if let back = try? Checkpoint.read(path: path).makeNetwork(as: Float.self) {
                #expect(DataFixtures.parameterBytes(back) == DataFixtures.parameterBytes(net), "the newer weights")
            }
        }
    }

    /// Extra metadata (e.g. class names) is saved; the reserved keys cannot be overridden by it.
    @Test func extraMetadataIsSavedAndReservedKeysWin() throws {
        try DataFixtures.withScratchDirectory("ckpt-extra") { dir in
            let path = join(dir, "net.safetensors")
            let net = TwoLayerNet<Float>(inputSize: 4, hiddenSize: 3, outputSize: 2, seed: 1)
            try Checkpoint.save(net, metadata: ["class_names": #"["cat","dog"]"#, "data": "synthetic",
                                                "format": "evil", "dtype": "float16", "spec": "{}"], to: path)
            let contents = try Checkpoint.read(path: path)
            #expect(contents.file.metadata["class_names"] == #"["cat","dog"]"#)
            #expect(contents.file.metadata["data"] == "synthetic")
            #expect(contents.file.metadata["format"] == Checkpoint.format)
            #expect(contents.dtype == "float32" && contents.spec == net.spec)
        }
    }

    // MARK: Refused checkpoints

    @Test func shapeMismatch() throws {
        try DataFixtures.withScratchDirectory("ckpt-shape") { dir in
            let path = join(dir, "net.safetensors")
            try Checkpoint.save(TwoLayerNet<Float>(inputSize: 784, hiddenSize: 50, outputSize: 10), to: path)
            let bad = try edited(path) { $0.tensors["W1"] = StoredTensor(Tensor<Float>.zeros([784, 40])) }
            DataFixtures.expectCheckpointError(.shapeMismatch(path: bad, name: "W1", expected: [784, 50], found: [784, 40]),
                                               path: bad) { _ = try Checkpoint.read(path: bad) }
            let transposed = try edited(path) { $0.tensors["W2"] = StoredTensor(Tensor<Float>.zeros([10, 50])) }
            DataFixtures.expectCheckpointError(.shapeMismatch(path: transposed, name: "W2", expected: [50, 10], found: [10, 50]),
                                               path: transposed) { _ = try Checkpoint.read(path: transposed) }
            let bias2d = try edited(path) { $0.tensors["b1"] = StoredTensor(Tensor<Float>.zeros([1, 50])) }
            DataFixtures.expectCheckpointError(.shapeMismatch(path: bias2d, name: "b1", expected: [50], found: [1, 50]),
                                               path: bias2d) { _ = try Checkpoint.read(path: bias2d) }
        }
    }

    @Test func specDisagreesWithTensors() throws {
        try DataFixtures.withScratchDirectory("ckpt-spec") { dir in
            let path = join(dir, "net.safetensors")
            try Checkpoint.save(TwoLayerNet<Float>(inputSize: 784, hiddenSize: 50, outputSize: 10), to: path)
            // The spec now says 784-60-10; the tensors are 784-50-10.
            let bad = try edited(path) { file in
                var spec = NetworkSpec(kind: .twoLayer, inputSize: 784, hiddenSizes: [60], outputSize: 10,
                                       weightInit: .standardDeviation(0.01))
                spec.weightDecay = 0
                file.metadata["spec"] = String(decoding: try! JSONEncoder().encode(spec), as: UTF8.self)
            }
            DataFixtures.expectCheckpointError(.shapeMismatch(path: bad, name: "W1", expected: [784, 60], found: [784, 50]),
                                               path: bad) { _ = try Checkpoint.read(path: bad) }
        }
    }

    @Test func missingTensors() throws {
        try DataFixtures.withScratchDirectory("ckpt-missing") { dir in
            let path = join(dir, "net.safetensors")
            try Checkpoint.save(MultiLayerNetExtend<Float>(inputSize: 4, hiddenSizes: [3], outputSize: 2, useBatchNorm: true),
                                to: path)
            for name in ["W1", "b2", "gamma1", "beta1", "running_mean1", "running_var1"] {
                let bad = try edited(path) { $0.tensors[name] = nil }
                DataFixtures.expectCheckpointError(.missingTensor(path: bad, name: name), path: bad) {
                    _ = try Checkpoint.read(path: bad)
                }
            }
        }
    }

    @Test func wrongTensorDType() throws {
        try DataFixtures.withScratchDirectory("ckpt-dtype") { dir in
            let path = join(dir, "net.safetensors")
            try Checkpoint.save(TwoLayerNet<Float>(inputSize: 2, hiddenSize: 2, outputSize: 2), to: path)
            let bad = try edited(path) { $0.tensors["b1"] = StoredTensor(dtype: .i64, shape: [2], bytes: [UInt8](repeating: 0, count: 16)) }
            DataFixtures.expectCheckpointError(path: bad, "I64 bias", matches: {
                if case .unsupportedDType(bad, "b1", _) = $0 { true } else { false }
            }) { _ = try Checkpoint.read(path: bad) }
        }
    }

    @Test func badMetadata() throws {
        try DataFixtures.withScratchDirectory("ckpt-meta") { dir in
            let path = join(dir, "net.safetensors")
            try Checkpoint.save(TwoLayerNet<Float>(inputSize: 2, hiddenSize: 2, outputSize: 2), to: path)

            let noFormat = try edited(path) { $0.metadata["format"] = nil }
            DataFixtures.expectCheckpointError(.missingMetadata(path: noFormat, key: "format"), path: noFormat) {
                _ = try Checkpoint.read(path: noFormat)
            }
            let otherFormat = try edited(path) { $0.metadata["format"] = "pt" }
            DataFixtures.expectCheckpointError(path: otherFormat, "format pt", matches: {
                if case .badMetadata(otherFormat, "format", _) = $0 { true } else { false }
            }) { _ = try Checkpoint.read(path: otherFormat) }
            let noDType = try edited(path) { $0.metadata["dtype"] = nil }
            DataFixtures.expectCheckpointError(.missingMetadata(path: noDType, key: "dtype"), path: noDType) {
                _ = try Checkpoint.read(path: noDType)
            }
            let half = try edited(path) { $0.metadata["dtype"] = "float16" }
            DataFixtures.expectCheckpointError(path: half, "dtype float16", matches: {
                if case .badMetadata(half, "dtype", _) = $0 { true } else { false }
            }) { _ = try Checkpoint.read(path: half) }
            let noSpec = try edited(path) { $0.metadata["spec"] = nil }
            DataFixtures.expectCheckpointError(.missingMetadata(path: noSpec, key: "spec"), path: noSpec) {
                _ = try Checkpoint.read(path: noSpec)
            }
            for text in ["not json", #"{"kind":"cnn"}"#,
                         #"{"kind":"mlp","inputSize":2,"hiddenSizes":[],"outputSize":2,"activation":"relu","weightInit":"he","#
                             + #""weightDecay":0,"batchNorm":false}"#,
                         #"{"kind":"mlp","inputSize":2,"hiddenSizes":[2],"outputSize":2,"activation":"relu","weightInit":"wild","#
                             + #""weightDecay":0,"batchNorm":false}"#] {
                let bad = try edited(path) { $0.metadata["spec"] = text }
                DataFixtures.expectCheckpointError(path: bad, "spec \(text)", matches: {
                    if case .badMetadata(bad, "spec", _) = $0 { true } else { false }
                }) { _ = try Checkpoint.read(path: bad) }
            }
            let badTraining = try edited(path) { $0.metadata["training"] = #"{"iteration":"three"}"# }
            DataFixtures.expectCheckpointError(path: badTraining, "training", matches: {
                if case .badMetadata(badTraining, "training", _) = $0 { true } else { false }
            }) { _ = try Checkpoint.read(path: badTraining) }
        }
    }

    /// A plain safetensors file (e.g. from PyTorch) is not a checkpoint.
    @Test func plainSafetensorsIsNotACheckpoint() throws {
        try DataFixtures.withScratchDirectory("ckpt-plain") { dir in
            let path = join(dir, "plain.safetensors")
            try SafetensorsFile(tensors: ["W1": StoredTensor(Tensor<Float>.zeros([2, 2]))]).write(to: path)
            DataFixtures.expectCheckpointError(.missingMetadata(path: path, key: "format"), path: path) {
                _ = try Checkpoint.read(path: path)
            }
            let missing = join(dir, "none.safetensors")
            DataFixtures.expectCheckpointError(.missingFile(path: missing), path: missing) { _ = try Checkpoint.read(path: missing) }
        }
    }

    @Test func restoreWithoutTrainingStateThrows() throws {
        try DataFixtures.withScratchDirectory("ckpt-notrain") { dir in
            let path = join(dir, "net.safetensors")
            let net = TwoLayerNet<Float>(inputSize: 16, hiddenSize: 4, outputSize: 4)
            try Checkpoint.save(net, to: path)
            let contents = try Checkpoint.read(path: path)
            let trainer = Trainer(network: try contents.makeNetwork(as: Float.self), optimizer: SGD<Float>(learningRate: 0.1),
                                  options: TrainingOptions(), train: DataFixtures.quadrantTrain, test: DataFixtures.quadrantTest)
            DataFixtures.expectCheckpointError(.missingMetadata(path: path, key: "training"), path: path) {
                try contents.restore(trainer)
            }
        }
    }
}
