import BackpropCore
import Foundation

/// Where an interrupted training run stands: enough to continue it exactly (saved in checkpoints).
public struct TrainingState: Codable, Sendable, Equatable {
    /// The run's options: optimizer, learning rate, batch size, total iterations, seed.
    public var options: TrainingOptions
    /// Optimizer steps done so far.
    public var iteration: Int
    /// Where the batches stand (epoch and position), so the run goes on with the next batch.
    public var sampler: BatchSampler
    /// The epoch records so far.
    public var history: [EpochRecord]
    /// Wall seconds of training so far (evaluation excluded), carried on by the resumed run.
    public var seconds: Double
    /// The sum of the training-batch losses since the last record (that record's loss is the mean).
    public var pendingLossSum: Double
    /// How many losses `pendingLossSum` holds.
    public var pendingLossCount: Int
    /// The optimizer's step count (`Optimizer.step`, e.g. Adam's bias correction).
    public var optimizerStep: Int
    /// Dropout layers' generators, in layer order.
    public var dropoutGenerators: [SeededGenerator]
    /// How many training examples the run uses (its `--train-limit`), nil for all.
    public var trainLimit: Int?
}

/// A checkpoint: one safetensors file holding a network's tensors under the book's names (`W1`, `b1`,
/// `gamma1`, `beta1`, `running_mean1`, `running_var1`, …), the optimizer's state under
/// `optimizer/<key>/<parameter>` (e.g. `optimizer/m/W1`), and in `__metadata__`: `format`, `dtype`,
/// `spec` (the architecture, JSON) and, for a training run, `training` (JSON `TrainingState`) and
/// `configuration` (JSON `TrainingConfiguration`, the run's flags; absent from checkpoints written before
/// it existed, which still read).
public enum Checkpoint {
    /// The value of the metadata key `format` in every checkpoint written; reading checks it.
    public static let format = "backprop-checkpoint-1"

    /// A diverged run has NaN losses in its history; JSON has no NaN, so they are written as strings.
    static let nonFinite = (
        encoding: JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"),
        decoding: JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    )

    /// Saves `network` (and, with a trainer, the run's state; with a configuration, the run's flags) to
    /// `path`, atomically. `metadata` adds entries of your own (e.g. `class_names`); the reserved keys
    /// above take precedence.
    public static func save<Scalar: TensorScalar>(_ network: Network<Scalar>, trainer: Trainer<Scalar>? = nil,
                                                  trainLimit: Int? = nil, configuration: TrainingConfiguration? = nil,
                                                  metadata extra: [String: String] = [:], to path: String) throws {
        guard let spec = network.spec else {
            preconditionFailure("Checkpoint.save: the network was not built from a NetworkSpec, so a checkpoint could not rebuild it")
        }
        var file = SafetensorsFile(metadata: extra)
        for (name, tensor) in network.namedTensors { file.tensors[name] = StoredTensor(tensor) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = Checkpoint.nonFinite.encoding
        file.metadata["format"] = format
        file.metadata["dtype"] = Scalar.dtypeName
        file.metadata["spec"] = String(decoding: try encoder.encode(spec), as: UTF8.self)
        if let configuration {
            file.metadata["configuration"] = String(decoding: try encoder.encode(configuration), as: UTF8.self)
        }
        if let trainer {
            for p in network.parameters {
                for (key, tensor) in trainer.optimizer.stateTensors(for: p) {
                    file.tensors["optimizer/\(key)/\(p.name)"] = StoredTensor(tensor)
                }
            }
            let pending = trainer.pendingLoss
            let state = TrainingState(options: trainer.options, iteration: trainer.iteration, sampler: trainer.sampler,
                                      history: trainer.history, seconds: trainer.previousSeconds,
                                      pendingLossSum: pending.sum, pendingLossCount: pending.count,
                                      optimizerStep: trainer.optimizer.step,
                                      dropoutGenerators: network.layers.compactMap { ($0 as? Dropout<Scalar>)?.generator },
                                      trainLimit: trainLimit)
            file.metadata["training"] = String(decoding: try encoder.encode(state), as: UTF8.self)
        }
        try file.write(to: path)
    }

    /// Reads and validates a checkpoint: format, dtype, architecture, and every tensor the
    /// architecture needs present with the right shape — before anything is allocated for it.
    public static func read(path: String) throws -> CheckpointContents {
        try contents(of: SafetensorsFile.read(path: path), path: path)
    }

    /// Parses and validates the bytes of a checkpoint file, as `read` does; `path` names it in errors.
    public static func parse(_ bytes: [UInt8], path: String) throws -> CheckpointContents {
        try contents(of: SafetensorsFile.parse(bytes, path: path), path: path)
    }

    private static func contents(of file: SafetensorsFile, path: String) throws -> CheckpointContents {
        guard let format = file.metadata["format"] else { throw CheckpointError.missingMetadata(path: path, key: "format") }
        guard format == Self.format else {
            throw CheckpointError.badMetadata(path: path, key: "format", reason: "\"\(format)\" is not \"\(Self.format)\"")
        }
        guard let dtype = file.metadata["dtype"] else { throw CheckpointError.missingMetadata(path: path, key: "dtype") }
        guard dtype == "float32" || dtype == "float64" else {
            throw CheckpointError.badMetadata(path: path, key: "dtype", reason: "\"\(dtype)\" is not float32 or float64")
        }
        guard let specText = file.metadata["spec"] else { throw CheckpointError.missingMetadata(path: path, key: "spec") }
        let spec: NetworkSpec
        do { spec = try JSONDecoder().decode(NetworkSpec.self, from: Data(specText.utf8)) } catch {
            throw CheckpointError.badMetadata(path: path, key: "spec", reason: "not a valid architecture")
        }
        if let problem = spec.problems.first { throw CheckpointError.badMetadata(path: path, key: "spec", reason: problem) }
        for (name, shape) in spec.tensorShapes {
            guard let stored = file.tensors[name] else { throw CheckpointError.missingTensor(path: path, name: name) }
            guard stored.shape == shape else {
                throw CheckpointError.shapeMismatch(path: path, name: name, expected: shape, found: stored.shape)
            }
            guard stored.dtype == .f32 || stored.dtype == .f64 else {
                throw CheckpointError.unsupportedDType(path: path, name: name, dtype: stored.dtype.rawValue)
            }
        }
        var training: TrainingState?
        if let text = file.metadata["training"] {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = Checkpoint.nonFinite.decoding
            do { training = try decoder.decode(TrainingState.self, from: Data(text.utf8)) } catch {
                throw CheckpointError.badMetadata(path: path, key: "training", reason: "not a valid training state")
            }
        }
        var configuration: TrainingConfiguration?
        if let text = file.metadata["configuration"] {
            do { configuration = try JSONDecoder().decode(TrainingConfiguration.self, from: Data(text.utf8)) } catch {
                throw CheckpointError.badMetadata(path: path, key: "configuration", reason: "not a valid training configuration")
            }
        }
        return CheckpointContents(path: path, file: file, spec: spec, dtype: dtype, training: training,
                                  configuration: configuration)
    }
}

/// A validated checkpoint, ready to rebuild its network or resume its run.
public struct CheckpointContents: Sendable {
    /// The file it was read from.
    public let path: String
    /// The safetensors file: the network's and the optimizer's tensors, and the metadata.
    public let file: SafetensorsFile
    /// The architecture (metadata `spec`).
    public let spec: NetworkSpec
    /// "float32" or "float64": the precision it was trained in.
    public let dtype: String
    /// Where the training run stood (metadata `training`); nil for a checkpoint of weights only.
    public let training: TrainingState?
    /// The flags of the run that wrote it; nil for checkpoints written before configurations were saved.
    public let configuration: TrainingConfiguration?

    /// The network with the checkpoint's weights (converted to `Scalar` if it was saved in the other precision).
    public func makeNetwork<Scalar: TensorScalar>(as _: Scalar.Type = Scalar.self) throws -> Network<Scalar> {
        let network = Network<Scalar>(spec: spec, seed: 0)
        for p in network.parameters {
            p.value = try file.tensors[p.name]!.tensor(name: p.name, path: path)
        }
        for bn in network.layers.compactMap({ $0 as? BatchNormalization<Scalar> }) {
            let suffix = bn.gamma.name.dropFirst("gamma".count)
            bn.runningMean = try file.tensors["running_mean\(suffix)"]!.tensor(name: "running_mean\(suffix)", path: path)
            bn.runningVariance = try file.tensors["running_var\(suffix)"]!.tensor(name: "running_var\(suffix)", path: path)
        }
        return network
    }

    /// Puts a trainer (built on `makeNetwork()`'s network with the saved options) where the saved run
    /// stopped: optimizer state and step, batch position, history, dropout generators.
    public func restore<Scalar: TensorScalar>(_ trainer: Trainer<Scalar>) throws {
        guard let state = training else { throw CheckpointError.missingMetadata(path: path, key: "training") }
        // Check everything before changing anything: a refused checkpoint leaves the trainer as it was.
        let dropouts = trainer.network.layers.compactMap { $0 as? Dropout<Scalar> }
        guard dropouts.count == state.dropoutGenerators.count else {
            throw CheckpointError.badMetadata(path: path, key: "training",
                                              reason: "\(state.dropoutGenerators.count) dropout generators for "
                                                  + "\(dropouts.count) dropout layers")
        }
        guard state.sampler.count == trainer.trainSet.count, state.sampler.batchSize == trainer.sampler.batchSize else {
            throw CheckpointError.badMetadata(path: path, key: "training",
                                              reason: "saved for \(state.sampler.count) training examples in batches of "
                                                  + "\(state.sampler.batchSize)")
        }
        guard state.sampler.withReplacement == state.options.batchesWithReplacement else {
            throw CheckpointError.badMetadata(path: path, key: "training",
                                              reason: "the batch sampler and the options disagree on drawing with replacement")
        }
        guard state.sampler.isValid, state.iteration >= 0, state.iteration <= state.options.iterations,
              state.pendingLossCount >= 0, state.optimizerStep >= 0 else {
            let position = "iteration \(state.iteration), epoch \(state.sampler.epoch), batch position \(state.sampler.position)"
            throw CheckpointError.badMetadata(path: path, key: "training", reason: "impossible position (\(position))")
        }
        var optimizerStates: [[String: Tensor<Scalar>]] = []
        for p in trainer.network.parameters {
            var optimizerState: [String: Tensor<Scalar>] = [:]
            for (name, stored) in file.tensors where name.hasPrefix("optimizer/") && name.hasSuffix("/\(p.name)") {
                let key = String(name.dropFirst("optimizer/".count).dropLast(p.name.count + 1))
                optimizerState[key] = try stored.tensor(name: name, path: path)
            }
            optimizerStates.append(optimizerState)
        }
        // Validate every parameter's optimizer state on a scratch optimizer of the same kind first.
        let scratch: any Optimizer<Scalar> = state.options.optimizer.make(learningRate: state.options.effectiveLearningRate)
        for (p, optimizerState) in zip(trainer.network.parameters, optimizerStates) {
            do {
                try scratch.setStateTensors(optimizerState, for: p)
            } catch let error as OptimizerStateError {
                throw CheckpointError.badMetadata(path: path, key: "optimizer", reason: error.description)
            }
        }
        for (p, optimizerState) in zip(trainer.network.parameters, optimizerStates) {
            do {
                try trainer.optimizer.setStateTensors(optimizerState, for: p)
            } catch let error as OptimizerStateError {
                throw CheckpointError.badMetadata(path: path, key: "optimizer", reason: error.description)
            }
        }
        trainer.optimizer.step = state.optimizerStep
        for (layer, generator) in zip(dropouts, state.dropoutGenerators) { layer.generator = generator }
        trainer.restore(iteration: state.iteration, sampler: state.sampler, history: state.history, seconds: state.seconds,
                        pendingLoss: (state.pendingLossSum, state.pendingLossCount))
    }
}
