import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// A run interrupted by a checkpoint and resumed in a fresh network and trainer ends bit-identical to the
/// same run done straight through; and runs are deterministic in their seed.
struct ResumeTests {
    enum Net: String, CaseIterable, CustomTestStringConvertible {
        case twoLayer, dropout, batchNormDropout
        var testDescription: String { rawValue }

        func make(seed: UInt64 = 1) -> Network<Float> {
            switch self {
            case .twoLayer:
                TwoLayerNet<Float>(inputSize: 16, hiddenSize: 12, outputSize: 4, weightInitStd: 0.1, seed: seed)
            case .dropout:
                MultiLayerNetExtend<Float>(inputSize: 16, hiddenSizes: [12, 10], outputSize: 4, useDropout: true,
                                           dropoutRatio: 0.3, seed: seed)
            case .batchNormDropout:
                MultiLayerNetExtend<Float>(inputSize: 16, hiddenSizes: [12, 10], outputSize: 4, weightDecay: 0.001,
                                           useDropout: true, dropoutRatio: 0.3, useBatchNorm: true, seed: seed)
            }
        }
    }

    static func options(_ kind: OptimizerKind, iterations: Int = 20, seed: UInt64 = 7) -> TrainingOptions {
        let rates: [OptimizerKind: Double] = [.sgd: 0.3, .momentum: 0.1, .nesterov: 0.1, .adagrad: 0.1, .rmsprop: 0.01, .adam: 0.01]
        return TrainingOptions(optimizer: kind, learningRate: rates[kind], batchSize: 100, iterations: iterations, seed: seed)
    }

    static func trainer(_ network: Network<Float>, _ options: TrainingOptions) -> Trainer<Float> {
        Trainer(network: network, optimizer: options.optimizer.make(learningRate: options.learningRate), options: options,
                train: DataFixtures.quadrantTrain, test: DataFixtures.quadrantTest)
    }

    struct Outcome: Equatable {
        var parameters: [String: [UInt8]]
        var runningStats: [String: [UInt8]]
        var history: [[UInt64]]
        var iteration: Int
        var sampler: BatchSampler
        var optimizerStep: Int
        var dropoutGenerators: [SeededGenerator]
        var pendingLossSum: UInt64
        var pendingLossCount: Int
    }

    static func outcome(_ trainer: Trainer<Float>) -> Outcome {
        Outcome(parameters: DataFixtures.parameterBytes(trainer.network),
                runningStats: DataFixtures.runningStatBytes(trainer.network),
                history: DataFixtures.historyBits(trainer.history), iteration: trainer.iteration, sampler: trainer.sampler,
                optimizerStep: trainer.optimizer.step,
                dropoutGenerators: trainer.network.layers.compactMap { ($0 as? Dropout<Float>)?.generator },
                pendingLossSum: trainer.pendingLoss.sum.bitPattern, pendingLossCount: trainer.pendingLoss.count)
    }

    static func straight(_ net: Net, _ options: TrainingOptions) -> Outcome {
        let t = trainer(net.make(), options)
        t.run()
        return outcome(t)
    }

    /// Trains to `stops[0]`, checkpoints, resumes in a fresh network and trainer from the file alone, trains
    /// to `stops[1]`, checkpoints again, … and finally to the end.
    static func resumed(_ net: Net, _ options: TrainingOptions, stops: [Int], in dir: String) throws -> Outcome {
        var current = trainer(net.make(), options)
        for (n, stop) in stops.enumerated() {
            let t = current
            t.run(shouldStop: { t.iteration >= stop })
            #expect(t.iteration == stop)
            let path = DataFixtures.join(dir, "resume-\(n).safetensors")
            try Checkpoint.save(t.network, trainer: t, to: path)
            let contents = try Checkpoint.read(path: path)
            let state = try #require(contents.training)
            #expect(state.iteration == stop && state.options == options)
            let network = try contents.makeNetwork(as: Float.self)
            let fresh = trainer(network, state.options)
            try contents.restore(fresh)
            #expect(fresh.iteration == stop)
            current = fresh
        }
        current.run()
        return outcome(current)
    }

    @Test(arguments: [OptimizerKind.sgd, .adam, .momentum], Net.allCases)
    func resumeIsBitIdentical(kind: OptimizerKind, net: Net) throws {
        let options = Self.options(kind, iterations: 20)
        let reference = Self.straight(net, options)
        #expect(reference.iteration == 20 && reference.optimizerStep == 20)
        try DataFixtures.withScratchDirectory("resume") { dir in
            // Mid-epoch (iteration 7 = epoch 2 + 1 batch), then at an epoch boundary (iteration 12).
            let resumed = try Self.resumed(net, options, stops: [7, 12], in: dir)
            #expect(resumed.parameters == reference.parameters, "\(kind) \(net): parameters")
            #expect(resumed.runningStats == reference.runningStats, "\(kind) \(net): running statistics")
            #expect(resumed.history == reference.history, "\(kind) \(net): history")
            #expect(resumed == reference, "\(kind) \(net): whole state")
        }
    }

    @Test(arguments: [0, 1, 3, 19])
    func resumeFromAnyPoint(stop: Int) throws {
        let options = Self.options(.adam, iterations: 20)
        let reference = Self.straight(.batchNormDropout, options)
        try DataFixtures.withScratchDirectory("resume-at") { dir in
            let resumed = try Self.resumed(.batchNormDropout, options, stops: [stop], in: dir)
            #expect(resumed == reference, "resumed at \(stop)")
        }
    }

    /// The other optimizers' state round-trips too.
    @Test(arguments: [OptimizerKind.nesterov, .adagrad, .rmsprop])
    func resumeOtherOptimizers(kind: OptimizerKind) throws {
        let options = Self.options(kind, iterations: 10)
        let reference = Self.straight(.dropout, options)
        try DataFixtures.withScratchDirectory("resume-opt") { dir in
            let resumed = try Self.resumed(.dropout, options, stops: [5], in: dir)
            #expect(resumed == reference)
        }
    }

    /// Checkpointed optimizer state is stored under optimizer/<key>/<parameter>.
    @Test func optimizerStateTensorsAreSaved() throws {
        try DataFixtures.withScratchDirectory("resume-names") { dir in
            let t = Self.trainer(Net.twoLayer.make(), Self.options(.adam, iterations: 2))
            t.run()
            let path = DataFixtures.join(dir, "adam.safetensors")
            try Checkpoint.save(t.network, trainer: t, to: path)
            let file = try SafetensorsFile.read(path: path)
            let optimizerNames = file.tensors.keys.filter { $0.hasPrefix("optimizer/") }.sorted()
            #expect(optimizerNames == ["optimizer/m/W1", "optimizer/m/W2", "optimizer/m/b1", "optimizer/m/b2",
                                       "optimizer/v/W1", "optimizer/v/W2", "optimizer/v/b1", "optimizer/v/b2"])
            let w1 = t.network.parameter(named: "W1")!
            #expect(file.tensors["optimizer/m/W1"] == StoredTensor(t.optimizer.stateTensors(for: w1)["m"]!))
            let state = try #require(try Checkpoint.read(path: path).training)
            #expect(state.optimizerStep == 2 && state.iteration == 2 && state.history.count == 1)
        }
    }

    @Test func restoreRefusesADifferentTrainingSet() throws {
        try DataFixtures.withScratchDirectory("resume-mismatch") { dir in
            let options = Self.options(.sgd, iterations: 5)
            let t = Self.trainer(Net.twoLayer.make(), options)
            t.run(shouldStop: { t.iteration >= 2 })
            let path = DataFixtures.join(dir, "c.safetensors")
            try Checkpoint.save(t.network, trainer: t, to: path)
            let contents = try Checkpoint.read(path: path)
            let fresh = Trainer(network: try contents.makeNetwork(as: Float.self), optimizer: SGD<Float>(learningRate: 0.3),
                                options: options, train: DataFixtures.quadrantTrain.prefix(250), test: DataFixtures.quadrantTest)
            DataFixtures.expectCheckpointError(path: path, "250 examples", matches: {
                if case .badMetadata(path, "training", _) = $0 { true } else { false }
            }) { try contents.restore(fresh) }
            // A network without the dropout layers the run had.
            let dropoutPath = DataFixtures.join(dir, "d.safetensors")
            let withDropout = Self.trainer(Net.dropout.make(), options)
            withDropout.run(shouldStop: { withDropout.iteration >= 1 })
            try Checkpoint.save(withDropout.network, trainer: withDropout, to: dropoutPath)
            let dropoutContents = try Checkpoint.read(path: dropoutPath)
            let noDropout = MultiLayerNetExtend<Float>(inputSize: 16, hiddenSizes: [12, 10], outputSize: 4)
            DataFixtures.expectCheckpointError(path: dropoutPath, "no dropout layers", matches: {
                if case .badMetadata(dropoutPath, "training", _) = $0 { true } else { false }
            }) { try dropoutContents.restore(Self.trainer(noDropout, options)) }
        }
    }

    /// A checkpoint whose training state is impossible (sampler past the end of the epoch, negative
    /// counters, more iterations done than the run has) is refused by `restore`, instead of crashing the
    /// next `step()` on an out-of-range slice.
    @Test(arguments: [
        ("position 5000 of 300", #"{"count":300,"batchSize":100,"seed":7,"epoch":0,"position":5000}"#, 1),
        ("position = count", #"{"count":300,"batchSize":100,"seed":7,"epoch":0,"position":300}"#, 1),
        ("negative position", #"{"count":300,"batchSize":100,"seed":7,"epoch":0,"position":-100}"#, 1),
        ("negative epoch", #"{"count":300,"batchSize":100,"seed":7,"epoch":-1,"position":100}"#, 1),
        ("negative iteration", #"{"count":300,"batchSize":100,"seed":7,"epoch":0,"position":100}"#, -1),
        ("iteration past the run", #"{"count":300,"batchSize":100,"seed":7,"epoch":0,"position":100}"#, 999),
    ])
    func restoreRefusesAnImpossibleState(what: String, sampler: String, iteration: Int) throws {
        try DataFixtures.withScratchDirectory("resume-hostile") { dir in
            let options = Self.options(.sgd, iterations: 5)
            let t = Self.trainer(Net.twoLayer.make(), options)
            t.run(shouldStop: { t.iteration >= 1 })
            let path = DataFixtures.join(dir, "c.safetensors")
            try Checkpoint.save(t.network, trainer: t, to: path)
            var file = try SafetensorsFile.read(path: path)
            var state = try JSONDecoder().decode(TrainingState.self, from: Data(try #require(file.metadata["training"]).utf8))
            #expect(state.sampler.position == 100 && state.iteration == 1)
            state.sampler = try JSONDecoder().decode(BatchSampler.self, from: Data(sampler.utf8))
            state.iteration = iteration
            file.metadata["training"] = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
            let bad = DataFixtures.join(dir, "bad.safetensors")
            try file.write(to: bad)
            let contents = try Checkpoint.read(path: bad)
            let fresh = Self.trainer(try contents.makeNetwork(as: Float.self), options)
            DataFixtures.expectCheckpointError(path: bad, what, matches: {
                if case .badMetadata(bad, "training", _) = $0 { true } else { false }
            }) { try contents.restore(fresh) }
        }
    }

    /// Controls showing that the equality above has teeth: forgetting the dropout generators' or the
    /// optimizer's state after restoring changes the result.
    @Test func resumeWithoutSavedStateDiffers() throws {
        let options = Self.options(.momentum, iterations: 12)
        let reference = Self.straight(.dropout, options)
        try DataFixtures.withScratchDirectory("resume-control") { dir in
            let t = Self.trainer(Net.dropout.make(), options)
            t.run(shouldStop: { t.iteration >= 5 })
            let path = DataFixtures.join(dir, "c.safetensors")
            try Checkpoint.save(t.network, trainer: t, to: path)
            let contents = try Checkpoint.read(path: path)

            let noDropoutState = Self.trainer(try contents.makeNetwork(as: Float.self), options)
            try contents.restore(noDropoutState)
            for (i, layer) in noDropoutState.network.layers.compactMap({ $0 as? Dropout<Float> }).enumerated() {
                layer.generator = SeededGenerator(seed: 1 + UInt64(i))
            }
            noDropoutState.run()
            #expect(DataFixtures.parameterBytes(noDropoutState.network) != reference.parameters)

            let noMomentum = Self.trainer(try contents.makeNetwork(as: Float.self), options)
            try contents.restore(noMomentum)
            for p in noMomentum.network.parameters { try noMomentum.optimizer.setStateTensors([:], for: p) }
            noMomentum.run()
            #expect(DataFixtures.parameterBytes(noMomentum.network) != reference.parameters)

            let correct = Self.trainer(try contents.makeNetwork(as: Float.self), options)
            try contents.restore(correct)
            correct.run()
            #expect(DataFixtures.parameterBytes(correct.network) == reference.parameters)
        }
    }

    /// Optimizer state that does not fit the optimizer or the parameter is refused by restore.
    @Test func restoreRefusesMismatchedOptimizerState() throws {
        try DataFixtures.withScratchDirectory("resume-optstate") { dir in
            let options = Self.options(.adam, iterations: 4)
            let t = Self.trainer(Net.twoLayer.make(), options)
            t.run(shouldStop: { t.iteration >= 2 })
            let path = DataFixtures.join(dir, "adam.safetensors")
            try Checkpoint.save(t.network, trainer: t, trainLimit: 300, to: path)
            let contents = try Checkpoint.read(path: path)
            #expect(contents.training?.trainLimit == 300)
            // An Adam state given to an SGD trainer.
            let sgd = Trainer(network: try contents.makeNetwork(as: Float.self), optimizer: SGD<Float>(learningRate: 0.1),
                              options: options, train: DataFixtures.quadrantTrain, test: DataFixtures.quadrantTest)
            DataFixtures.expectCheckpointError(path: path, "Adam state into SGD", matches: {
                if case .badMetadata(path, "optimizer", _) = $0 { true } else { false }
            }) { try contents.restore(sgd) }
            // A moment of the wrong shape.
            var file = try SafetensorsFile.read(path: path)
            file.tensors["optimizer/v/W2"] = StoredTensor(Tensor<Float>.zeros([3, 3]))
            let bad = DataFixtures.join(dir, "bad.safetensors")
            try file.write(to: bad)
            let badContents = try Checkpoint.read(path: bad)
            DataFixtures.expectCheckpointError(path: bad, "v/W2 of shape [3, 3]", matches: {
                if case .badMetadata(bad, "optimizer", _) = $0 { true } else { false }
            }) { try badContents.restore(Self.trainer(try badContents.makeNetwork(as: Float.self), options)) }
        }
    }

    // MARK: Determinism

    @Test(arguments: Net.allCases)
    func sameSeedSameRun(net: Net) {
        let options = Self.options(.adam, iterations: 9)
        let a = Self.straight(net, options), b = Self.straight(net, options)
        #expect(a == b)
        #expect(a.history.count == 3)
    }

    @Test func differentSeedsDiffer() {
        let a = Self.straight(.twoLayer, Self.options(.sgd, iterations: 6, seed: 1))
        let b = Self.straight(.twoLayer, Self.options(.sgd, iterations: 6, seed: 2))
        #expect(a.parameters != b.parameters, "a different batch order gives different weights")
        #expect(a.history != b.history)
        // A different initialisation with the same batch order differs too.
        let options = Self.options(.sgd, iterations: 6)
        let c = Self.trainer(Net.twoLayer.make(seed: 1), options), d = Self.trainer(Net.twoLayer.make(seed: 2), options)
        c.run()
        d.run()
        #expect(DataFixtures.parameterBytes(c.network) != DataFixtures.parameterBytes(d.network))
    }
}

/// A run that diverged (loss NaN) can still be checkpointed: the file records what happened, and the
/// CLI's --checkpoint must not fail at the end of such a run.
struct DivergedRunCheckpointTests {
    @Test func divergedRunCanBeCheckpointed() throws {
        let options = TrainingOptions(optimizer: .sgd, learningRate: 1e30, batchSize: 100, iterations: 6, seed: 1)
        let t = ResumeTests.trainer(ResumeTests.Net.twoLayer.make(), options)
        t.run()
        let losses = t.history.map(\.loss)
        try #require(losses.contains { !$0.isFinite }, "the run should have diverged: \(losses)")
        try DataFixtures.withScratchDirectory("diverged") { dir in
            let path = DataFixtures.join(dir, "nan.safetensors")
            #expect(throws: Never.self, "saving a diverged run") { try Checkpoint.save(t.network, trainer: t, to: path) }
            let contents = try? Checkpoint.read(path: path)
            #expect(contents?.training?.history.count == t.history.count)
            let saved = contents?.training?.history ?? []
            #expect(saved.map { $0.loss.isNaN } == t.history.map { $0.loss.isNaN })
            #expect(saved.map(\.iteration) == t.history.map(\.iteration))
            #expect(contents?.training?.pendingLossCount == t.pendingLoss.count)
            // Non-finite values other than NaN survive too.
            t.restore(iteration: t.iteration, sampler: t.sampler,
                      history: [EpochRecord(epoch: 1, iteration: 3, loss: .infinity, trainAccuracy: 0, testAccuracy: 0, seconds: 0)],
                      seconds: 0, pendingLoss: (-.infinity, 1))
            let infPath = DataFixtures.join(dir, "inf.safetensors")
            #expect(throws: Never.self) { try Checkpoint.save(t.network, trainer: t, to: infPath) }
            let back = try? Checkpoint.read(path: infPath).training
            #expect(back?.history.first?.loss == .infinity && back?.pendingLossSum == -.infinity)
        }
    }
}
