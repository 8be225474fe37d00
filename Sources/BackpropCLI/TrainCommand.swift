import ArgumentParser
import Backprop
import Foundation

/// `backprop train`: trains one of the book's networks and reports.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network on an MNIST-format dataset (default: Fashion-MNIST).",
        discussion: """
        With no flags this is the book's ch05 run (train_neuralnet.py): TwoLayerNet 784-50-10, SGD with \
        learning rate 0.1, batches of 100, 10000 iterations, evaluated after every epoch.
        Under `mpirun -np N` (a build with Open MPI) the N processes train data-parallel: each takes its \
        share of every batch; rank 0 writes the files.
        """
    )

    enum Model: String, ExpressibleByArgument, CaseIterable {
        case twoLayer = "two-layer"
        case mlp
        case cnn
        case deepCNN = "deep-cnn"

        /// The book's defaults per network: hidden sizes, and Adam for the convolutional nets (ch07/ch08).
        var defaultHidden: String {
            switch self {
            case .twoLayer, .deepCNN: "50"
            case .mlp: "100,100"
            case .cnn: "100"
            }
        }
        var defaultOptimizer: OptimizerKind { self == .cnn || self == .deepCNN ? .adam : .sgd }
    }

    @Option(help: "Network: \(Model.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: Model = .twoLayer

    @Option(help: "Hidden layer sizes, comma-separated (default: 50 for two-layer, 100,100 for mlp, the Affine layer's 100 / 50 for cnn / deep-cnn).")
    var hidden: String?

    @Option(help: "Hidden activation for mlp: relu, sigmoid.")
    var activation: Activation = .relu

    @Option(help: "Weight init for mlp: he/relu, xavier/sigmoid, or a standard deviation (two-layer: 0.01).")
    var weightInit: String?

    @Option(help: "Optimizer: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")) (default: sgd; adam for cnn and deep-cnn, as the book).")
    var optimizer: OptimizerKind?

    @Option(help: "Learning rate (default: 0.1 for sgd as the book's ch05 run, else the optimizer's default).")
    var learningRate: Double?

    @Option(help: "Examples per mini-batch; a batch larger than the training set is clamped to it (with a note on stderr).")
    var batchSize: Int = 100

    @Option(help: "Train for this many epochs (passes over the training set).")
    var epochs: Int?

    @Option(help: "Train for this many iterations (default 10000 when --epochs is not given).")
    var iterations: Int?

    @Option(help: "L2 weight decay λ (mlp).")
    var weightDecay: Double = 0

    @Flag(help: "Batch normalization after each hidden Affine (mlp).")
    var batchNorm = false

    @Option(help: "Dropout ratio after each hidden activation (mlp; deep-cnn uses 0.5 as the book unless given).")
    var dropout: Double?

    @Flag(help: "Draw each batch with replacement, as the book's scripts do (np.random.choice), instead of walking a fresh shuffle of the training set each epoch.")
    var withReplacement = false

    @Flag(help: "PyTorch's inverted dropout (kept elements scaled by 1/(1 - ratio) in training) instead of the book's (outputs scaled by 1 - ratio at inference).")
    var invertedDropout = false

    @Option(help: "Seed for weights, batches and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Precision: float32, float64.")
    var dtype: DType = .float32

    @Option(help: "Threads to share the work among; OpenBLAS itself runs single-threaded (default: all cores).")
    var threads: Int?

    @Option(help: "Dataset directory (MNIST layout, .gz or not), or 'synthetic'. Default: $BACKPROP_DATA, else /usr/share/datasets/fashion-mnist.")
    var data: String?

    @Option(help: "Use only the first N training examples.")
    var trainLimit: Int?

    @Option(help: "Save the trained network (and the run's state) to this safetensors file.")
    var checkpoint: String?

    @Option(help: "Continue the run saved in this checkpoint (its model, options and dataset are used).")
    var resume: String?

    @Option(help: "Write per-epoch metrics to this file (.csv or .json).")
    var metrics: String?

    @Option(help: "Write an SVG plot of loss and accuracy to this file.")
    var plot: String?

    @Option(help: SizeLimits.maxParametersHelp)
    var maxParameters: Int = SizeLimits.defaultMaxParameters

    @Flag(help: "Print the summary as one JSON object on stdout.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        if epochs != nil && iterations != nil { throw ValidationError("give --epochs or --iterations, not both") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw ValidationError("--learning-rate must be a positive number, got \(learningRate)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let trainLimit, trainLimit < 1 { throw ValidationError("--train-limit must be at least 1, got \(trainLimit)") }
        if let metrics, MetricsFormat(path: metrics) == nil {
            throw ValidationError("--metrics \(metrics): the file name must end in .csv or .json")
        }
        if maxParameters < 1 { throw ValidationError("--max-parameters must be at least 1, got \(maxParameters)") }
        let spec = try spec(inputSize: 784, classes: 10)
        if let problem = spec.problems.first { throw ValidationError(problem) }
        // Before any data is read: a --hidden of terabytes is refused in one line (the dataset's real
        // input size is checked again in `train`).
        if resume == nil { try checkSize(spec) }
    }

    /// Refuses (one line, exit 64) a network from the flags with more than --max-parameters parameters.
    private func checkSize(_ spec: NetworkSpec) throws {
        let optimizer = self.optimizer ?? model.defaultOptimizer
        let scalarSize = dtype == .float64 ? 8 : 4
        try SizeLimits.checkNetwork(spec, flag: "--hidden \(hidden ?? model.defaultHidden)", limit: maxParameters,
                                    bytesPerParameter: SizeLimits.trainingBytesPerParameter(scalarSize: scalarSize, optimizer: optimizer),
                                    what: "to train in \(dtype.rawValue) with \(optimizer.rawValue)")
    }

    /// The architecture the flags describe.
    func spec(inputSize: Int, classes: Int) throws -> NetworkSpec {
        var spec = try makeSpec(model: model, hidden: hidden ?? model.defaultHidden, activation: activation, weightInit: weightInit,
                                weightDecay: weightDecay, batchNorm: batchNorm, dropout: dropout,
                                inputSize: inputSize, classes: classes)
        if invertedDropout {
            guard spec.dropoutRatio != nil else {
                throw ValidationError("--inverted-dropout needs dropout: give --dropout R (deep-cnn has it already)")
            }
            spec.invertedDropout = true
        }
        return spec
    }

    func run() throws {
        if let threads { Threads.count = threads }
        let ranks = try DataParallelLaunch.join()   // nil unless started by mpirun
        defer { ranks?.finish() }
        if ranks != nil && threads == nil { Threads.count = DataParallelLaunch.defaultThreads }
        // The outputs are written after every epoch and at the end: refuse now, before the data is read
        // and an hour of training is lost, a path whose folder is missing or not writable, or a folder.
        // Only rank 0 writes them.
        try onEveryRank(ranks) {
            if (ranks?.rank ?? 0) == 0 {
                try checkOutputPaths([("--checkpoint", checkpoint), ("--metrics", metrics), ("--plot", plot)])
            }
        }
        try reportingErrors {
            if let resume {
                let saved = try DataParallelLaunch.readCheckpoint(resume, ranks: ranks)
                guard saved.training != nil else {
                    throw CheckpointError.missingMetadata(path: resume, key: "training (it holds a network but no training run to continue)")
                }
                if saved.dtype == "float64" { try train(Double.self, resuming: saved, ranks: ranks) } else { try train(Float.self, resuming: saved, ranks: ranks) }
            } else if dtype == .float64 {
                try train(Double.self, resuming: nil, ranks: ranks)
            } else {
                try train(Float.self, resuming: nil, ranks: ranks)
            }
        }
    }

    private func train<Scalar: TensorScalar>(_: Scalar.Type, resuming saved: CheckpointContents?, ranks: (any RankGroup)?) throws {
        let state = saved?.training
        let runSeed = state?.options.seed ?? seed
        // Data-parallel: only rank 0 prints and writes files.
        let leader = (ranks?.rank ?? 0) == 0
        let quiet = self.quiet || !leader
        // A resumed run reads the dataset it was trained on unless --data says otherwise.
        let data = try onEveryRank(ranks) {
            try LoadedData.load(self.data ?? saved?.file.metadata["data"], trainLimit: state?.trainLimit ?? self.trainLimit, seed: runSeed)
        }
        let network: Network<Scalar>
        let options: TrainingOptions
        if let saved, let state {
            network = try saved.makeNetwork()
            options = state.options
            try data.check(fits: saved.spec, model: saved.path)
        } else {
            let spec = try spec(inputSize: data.train.inputSize, classes: data.train.classes)
            try data.check(fits: spec)
            if let problem = spec.problems.first { throw ValidationError(problem) }
            try checkSize(spec)
            network = Network(spec: spec, seed: seed)
            options = try newOptions(trainingCount: data.train.count, dataName: data.name, quiet: quiet)
        }
        let optimizer: any Optimizer<Scalar> = options.optimizer.make(learningRate: options.effectiveLearningRate)
        let trainer = Trainer(network: network, optimizer: optimizer, options: options, train: data.train, test: data.test,
                              flatten: !(network.spec?.kind.isConvolutional ?? false), reducer: ranks)
        if let saved { try saved.restore(trainer) }
        if let ranks, let problem = DataParallelLaunch.batchProblem(trainer.sampler, ranks: ranks.rankCount) {
            throw ValidationError(problem)
        }
        trainer.broadcastParametersFromRankZero()   // every rank starts from rank 0's network

        let stop = StopFlag(), notice = TerminationNotice()
        if let ranks {
            notice.catchTermination(rank: ranks.rank, rankCount: ranks.rankCount, checkpoint: self.checkpoint)
        } else {
            stop.catchInterrupt()
        }
        let progress = ProgressReporter(enabled: !quiet, total: options.iterations)
        if !quiet { printStart(trainer, ranks: ranks, dataName: data.name) }
        let extra = try data.metadata()
        // The checkpoint and the metrics are written after every epoch (each to a temporary file renamed
        // over the last), so a run killed or crashed mid-way keeps its last epoch and can be resumed.
        let trainLimit = state?.trainLimit ?? self.trainLimit
        let checkpoint = leader ? self.checkpoint : nil, metrics = leader ? self.metrics : nil, metadata = extra
        var savedIteration: Int?   // what the files hold, so the end of a run does not write its last epoch again
        func saveProgress() throws {
            guard savedIteration != trainer.iteration else { return }
            if let checkpoint {
                try notice.saving(iteration: trainer.iteration) {
                    try Checkpoint.save(network, trainer: trainer, trainLimit: trainLimit, metadata: metadata, to: checkpoint)
                }
            }
            if let metrics, let format = MetricsFormat(path: metrics) {
                try MetricsWriter.write(trainer.history, format: format, to: metrics)
            }
            savedIteration = trainer.iteration
        }
        trainer.run(shouldStop: { stop.isSet }, progress: { notice.reached($0.iteration); progress.step($0) }, epochEnded: { record in
            progress.epoch(record)
            do {
                try saveProgress()
            } catch {
                printError("backprop: warning: could not save after epoch \(String(format: "%.2f", record.epoch)): "
                           + "\(error); training goes on")
            }
        })
        progress.finish()
        let interrupted = trainer.iteration < options.iterations
        try saveProgress()
        guard leader else { return }
        if let plot {
            try TrainingCurves.write(history: trainer.history, title: "\(network.spec!.kind.rawValue) on \(data.name)", to: plot)
        }
        try printSummary(trainer, interrupted: interrupted, ranks: ranks, checkpoint: checkpoint)
        if interrupted { throw ExitCode(130) }
    }
}

extension TrainCommand {
    /// The line on stderr that starts a run: network, optimizer, batches, precision, threads, data.
    func printStart<Scalar: TensorScalar>(_ trainer: Trainer<Scalar>, ranks: (any RankGroup)?, dataName: String) {
        let spec = trainer.network.spec!, options = trainer.options
        printError("backprop: \(spec.kind.rawValue) \(([spec.inputSize] + spec.hiddenSizes + [spec.outputSize]).map(String.init).joined(separator: "-")), "
                   + "\(options.optimizer.rawValue) lr \(options.effectiveLearningRate), batch \(options.batchSize), "
                   + "\(options.iterations) iterations (\(trainer.iterationsPerEpoch) per epoch), \(Scalar.dtypeName), "
                   + "\(ranks.map { "\($0.rankCount) MPI ranks × " } ?? "")\(Threads.count) thread(s), data \(dataName)")
    }

    /// The run's summary on stdout: one JSON object with --json, else one line.
    func printSummary<Scalar: TensorScalar>(_ trainer: Trainer<Scalar>, interrupted: Bool, ranks: (any RankGroup)?,
                                            checkpoint: String?) throws {
        let network = trainer.network, options = trainer.options
        let last = trainer.history.last
        let seconds = last?.seconds ?? trainer.previousSeconds
        let summary: [String: Any] = [
            "model": network.spec!.kind.rawValue,
            "dtype": Scalar.dtypeName,
            "optimizer": options.optimizer.rawValue,
            "learning_rate": options.effectiveLearningRate,
            "batch_size": options.batchSize,
            "epochs": last?.epoch ?? 0,
            "iterations": trainer.iteration,
            "train_loss": last.map { $0.loss.isFinite ? $0.loss : 0 } ?? 0,
            "train_accuracy": last?.trainAccuracy ?? 0,
            "test_accuracy": last?.testAccuracy ?? 0,
            "seconds": seconds,
            // The examples the batches held (the last of an epoch holds the remainder), not iterations × batch size.
            "examples_per_second": seconds > 0 ? trainer.sampler.examples(inIterations: trainer.iteration) / seconds : 0,
            "seed": options.seed,
            "with_replacement": options.batchesWithReplacement,
            "threads": Threads.count,
            "ranks": ranks?.rankCount ?? 1,
            "all_reduce_seconds": trainer.allReduceSeconds,
            "interrupted": interrupted,
        ]
        if json {
            try printJSON(summary)
        } else {
            let accuracy = last.map { String(format: "train accuracy %.4f, test accuracy %.4f", $0.trainAccuracy, $0.testAccuracy) } ?? "no epoch finished"
            print("\(interrupted ? "interrupted" : "done"): \(trainer.iteration) iterations, \(accuracy), "
                  + String(format: "%.1f s, %.0f examples/s", seconds, summary["examples_per_second"] as! Double)
                  + (checkpoint.map { ", saved \($0)" } ?? ""))
        }
    }

    /// The options of a new run. A --batch-size larger than the training set is clamped to the set,
    /// with a one-line note (unless quiet), rather than refused: the default of 100 must keep working on
    /// a small --train-limit or dataset, and no batch can hold more examples than the set has (the
    /// sampler draws at most that many). The checkpoint and the summary then hold the batch size used.
    func newOptions(trainingCount: Int, dataName: String, quiet: Bool) throws -> TrainingOptions {
        let batch = Swift.min(batchSize, trainingCount)
        if batch < batchSize && !quiet {
            printError("backprop: note: --batch-size \(batchSize) is larger than the \(trainingCount) training examples "
                       + "of \(dataName); using batches of \(batch)")
        }
        let batches = (trainingCount + batch - 1) / batch
        var total = 10_000
        if let iterations {
            total = iterations
        } else if let epochs {
            let (product, overflow) = epochs.multipliedReportingOverflow(by: batches)
            if overflow { throw usageFailure("--epochs \(epochs): \(epochs) × \(batches) batches per epoch is too many iterations") }
            total = product
        }
        let optimizer = self.optimizer ?? model.defaultOptimizer
        return TrainingOptions(optimizer: optimizer, learningRate: learningRate ?? (optimizer == .sgd ? 0.1 : nil),
                               batchSize: batch, iterations: total, seed: seed, batchesWithReplacement: withReplacement)
    }
}

/// The architecture a set of model flags describes (shared by `train` and `gradcheck`).
func makeSpec(model: TrainCommand.Model, hidden: String, activation: Activation, weightInit: String?, weightDecay: Double,
              batchNorm: Bool, dropout: Double?, inputSize: Int, classes: Int) throws -> NetworkSpec {
    let sizes = hidden.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil }) else {
        throw ValidationError("--hidden must be sizes separated by commas, e.g. 100,100; got \(hidden)")
    }
    switch model {
    case .twoLayer:
        return NetworkSpec(kind: .twoLayer, inputSize: inputSize, hiddenSizes: sizes.map { $0! }, outputSize: classes,
                           activation: activation, weightInit: weightInit ?? "0.01", weightDecay: weightDecay,
                           batchNorm: batchNorm, dropoutRatio: dropout)
    case .mlp:
        return NetworkSpec(kind: .mlp, inputSize: inputSize, hiddenSizes: sizes.map { $0! }, outputSize: classes,
                           activation: activation, weightInit: weightInit ?? (activation == .relu ? "he" : "xavier"),
                           weightDecay: weightDecay, batchNorm: batchNorm, dropoutRatio: dropout)
    case .cnn:
        return NetworkSpec(kind: .cnn, inputSize: inputSize, hiddenSizes: sizes.map { $0! }, outputSize: classes,
                           activation: activation, weightInit: weightInit ?? "0.01", weightDecay: weightDecay,
                           batchNorm: batchNorm, dropoutRatio: dropout)
    case .deepCNN:
        return NetworkSpec(kind: .deepCNN, inputSize: inputSize, hiddenSizes: sizes.map { $0! }, outputSize: classes,
                           activation: activation, weightInit: weightInit ?? "he", weightDecay: weightDecay,
                           batchNorm: batchNorm, dropoutRatio: dropout ?? 0.5)
    }
}

extension Activation: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
