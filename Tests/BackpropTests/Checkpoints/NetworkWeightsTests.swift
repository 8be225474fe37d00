import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Networks built from layers: the book's parameter names, and `saveWeights` / `loadWeights` — what
/// goes in comes out bit for bit, and a file that does not fit the network is refused, leaving it as it was.
struct NetworkWeightsTests {
    /// Affine(2→h) → BatchNormalization → ReLU → Affine(h→3) → SoftmaxWithLoss, weights from `seed`.
    func makeNetwork<S: TensorScalar>(_: S.Type = S.self, hidden: Int = 4, seed: UInt64) -> Network<S> {
        var rng = SeededGenerator(seed: seed)
        let layers: [any Layer<S>] = [
            Affine(weight: WeightInitializer.he.weights(shape: [2, hidden], fanIn: 2, using: &rng), bias: .zeros([hidden])),
            BatchNormalization(featureCount: hidden),
            Relu(),
            Affine(weight: WeightInitializer.he.weights(shape: [hidden, 3], fanIn: hidden, using: &rng), bias: .zeros([3])),
        ]
        return Network(layers: layers, lossLayer: SoftmaxWithLoss())
    }

    /// A few SGD steps, so that weights, biases, γ, β and the running statistics all move.
    func trainSome<S: TensorScalar>(_ net: Network<S>) -> Tensor<S> {
        var rng = SeededGenerator(seed: 5)
        let x = Tensor<S>.randomNormal([12, 2], using: &rng)
        let t = Tensor<S>((0..<12).map { S($0 % 3) })
        let optimizer = SGD<S>(learningRate: 0.1)
        for _ in 0..<5 {
            net.gradient(x, t)
            optimizer.update(net.parameters)
        }
        return x
    }

    func runningStatistics<S: TensorScalar>(_ net: Network<S>) -> [Tensor<S>] {
        net.layers.compactMap { $0 as? BatchNormalization<S> }.flatMap { [$0.runningMean, $0.runningVariance] }
    }

    @Test func layersGetTheBooksParameterNames() {
        let net = makeNetwork(Float.self, seed: 1)
        #expect(net.parameters.map(\.name) == ["W1", "b1", "gamma1", "beta1", "W2", "b2"])
        #expect(net.parameter(named: "gamma1")?.value.shape == [4])
        // Names that end in a digit are the caller's and stay as they are.
        let affine = Affine<Float>(weight: .ones([2, 2]), bias: .zeros([2]))
        affine.weight.name = "W7"
        let named = Network<Float>(layers: [affine, Relu(), Affine(weight: .ones([2, 2]), bias: .zeros([2]))],
                                   lossLayer: SoftmaxWithLoss())
        #expect(named.parameters.map(\.name) == ["W7", "b1", "W1", "b2"])
        // The book's networks keep theirs.
        #expect(MultiLayerNetExtend<Float>(inputSize: 4, hiddenSizes: [3, 3], outputSize: 2, useBatchNorm: true)
            .parameters.map(\.name) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"])
    }

    @Test func roundTripGivesTheSamePredictions() throws {
        try DataFixtures.withScratchDirectory("weights-round-trip") { dir in
            let net = makeNetwork(Float.self, seed: 1)
            let x = trainSome(net)
            let path = DataFixtures.join(dir, "net.safetensors")
            try net.saveWeights(to: path, metadata: ["note": "mine", "format": "ignored"])

            let file = try SafetensorsFile.read(path: path)
            #expect(file.metadata == ["format": "backprop-weights-1", "dtype": "float32", "note": "mine"])
            #expect(Set(file.tensors.keys) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "running_mean1", "running_var1"])

            let copy = makeNetwork(Float.self, seed: 2)
            #expect(copy.predict(x) != net.predict(x))
            try copy.loadWeights(from: path)
            #expect(DataFixtures.parameterBytes(copy) == DataFixtures.parameterBytes(net))
            #expect(runningStatistics(copy) == runningStatistics(net))
            #expect(copy.predict(x) == net.predict(x))

            // Saved in Float, loaded in Double: the same values, converted.
            let wide = makeNetwork(Double.self, seed: 3)
            try wide.loadWeights(from: path)
            #expect(wide.parameters.map { $0.value.scalars } == net.parameters.map { $0.value.scalars.map(Double.init) })
        }
    }

    @Test func readsCheckpointsAndSkipsOptimizerState() throws {
        try DataFixtures.withScratchDirectory("weights-checkpoint") { dir in
            let net = TwoLayerNet<Double>(inputSize: 6, hiddenSize: 5, outputSize: 3, seed: 4)
            let path = DataFixtures.join(dir, "two.safetensors")
            try Checkpoint.save(net, to: path)
            var file = try SafetensorsFile.read(path: path)
            file.tensors["optimizer/m/W1"] = StoredTensor(Tensor<Double>.ones([6, 5]))
            try file.write(to: path)

            let copy = TwoLayerNet<Double>(inputSize: 6, hiddenSize: 5, outputSize: 3, seed: 9)
            try copy.loadWeights(from: path)
            #expect(DataFixtures.parameterBytes(copy) == DataFixtures.parameterBytes(net))
        }
    }

    @Test func refusesAFileThatDoesNotFitAndChangesNothing() throws {
        try DataFixtures.withScratchDirectory("weights-refused") { dir in
            let path = DataFixtures.join(dir, "net.safetensors")
            let saved = makeNetwork(Float.self, seed: 1)
            _ = trainSome(saved)
            try saved.saveWeights(to: path)

            let wider = makeNetwork(Float.self, hidden: 5, seed: 2)
            let before = DataFixtures.parameterBytes(wider)
            DataFixtures.expectCheckpointError(.shapeMismatch(path: path, name: "W1", expected: [2, 5], found: [2, 4]),
                                               path: path) { try wider.loadWeights(from: path) }
            #expect(DataFixtures.parameterBytes(wider) == before)

            var rng = SeededGenerator(seed: 3)
            let deeper = Network<Float>(layers: [
                Affine(weight: .randomNormal([2, 4], using: &rng), bias: .zeros([4])), BatchNormalization(featureCount: 4), Relu(),
                Affine(weight: .randomNormal([4, 3], using: &rng), bias: .zeros([3])), Relu(),
                Affine(weight: .randomNormal([3, 3], using: &rng), bias: .zeros([3])),
            ], lossLayer: SoftmaxWithLoss())
            let deeperBefore = DataFixtures.parameterBytes(deeper)
            DataFixtures.expectCheckpointError(.missingTensor(path: path, name: "W3"), path: path) {
                try deeper.loadWeights(from: path)
            }
            #expect(DataFixtures.parameterBytes(deeper) == deeperBefore)

            let shallow = Network<Float>(layers: [Affine(weight: .ones([2, 4]), bias: .zeros([4])),
                                                  BatchNormalization(featureCount: 4)],
                                         lossLayer: SoftmaxWithLoss())
            DataFixtures.expectCheckpointError(.unexpectedTensor(path: path, name: "W2"), path: path) {
                try shallow.loadWeights(from: path)
            }
            #expect(shallow.parameter(named: "W1")?.value == .ones([2, 4]))

            let missing = DataFixtures.join(dir, "absent.safetensors")
            DataFixtures.expectCheckpointError(.missingFile(path: missing), path: missing) {
                try saved.loadWeights(from: missing)
            }
        }
    }
}
