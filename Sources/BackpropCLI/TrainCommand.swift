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

    /// What to train: the model, its sizes, the optimizer, the data… (`TrainingFlags`).
    @OptionGroup var flags: TrainingFlags

    @Option(help: "Save the trained network (and the run's state) to this safetensors file.")
    var checkpoint: String?

    @Option(help: ArgumentHelp("Continue the run saved in this checkpoint: its configuration, network and dataset are used, "
                + "so only --data and --threads may be given with it."))
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

    /// Flags the configuration does not hold (the outputs, the size limit); the rest is checked once, in
    /// `makeConfiguration`.
    func validate() throws {
        if let metrics, MetricsFormat(path: metrics) == nil {
            throw ValidationError("--metrics \(metrics): the file name must end in .csv or .json")
        }
        if maxParameters < 1 { throw ValidationError("--max-parameters must be at least 1, got \(maxParameters)") }
    }

    /// The run the flags describe, validated once: every problem in one line naming its flag (exit 64).
    /// Before any data is read, a network past --max-parameters is refused too (a --hidden of
    /// terabytes); the dataset's real input size is checked again when it is read.
    func makeConfiguration() throws -> TrainingConfiguration {
        let (configuration, hiddenProblems) = flags.configuration()
        if resume != nil, !flags.definingFlagsGiven.isEmpty {
            let given = flags.definingFlagsGiven.joined(separator: ", ")
            throw usageFailure("--resume continues the checkpoint's own configuration, so \(given) cannot be given with it "
                               + "(only --data and --threads can)")
        }
        let problems = hiddenProblems + configuration.problems()
        if !problems.isEmpty { throw usageFailure(problems.joined(separator: "; ")) }
        // The network is checked twice, on purpose: here for 28×28 images and 10 classes, before the dataset
        // is read (Fashion-MNIST is ~55 MB of pixels to read and unzip; a missing or bad dataset must not hide
        // the usage error), and in `TrainingRun` on the spec built for the dataset's real sizes, before
        // the network is allocated. The two can differ (`--data synthetic` has 2 inputs and 3 classes), and
        // CLIBoundsTests hold --max-parameters to the first (its counts are those of 784 inputs).
        if resume == nil { try checkSize(configuration.spec(), configuration) }
        return configuration
    }

    /// Refuses (one line, exit 64) a network from the flags with more than --max-parameters parameters.
    func checkSize(_ spec: NetworkSpec, _ configuration: TrainingConfiguration) throws {
        let optimizer = configuration.effectiveOptimizer, dtype = configuration.dtype
        let sizes = configuration.effectiveHiddenSizes.map(String.init).joined(separator: ",")
        try SizeLimits.checkNetwork(spec, flag: "--hidden \(flags.hidden ?? sizes)", limit: maxParameters,
                                    bytesPerParameter: SizeLimits.trainingBytesPerParameter(scalarSize: dtype.byteCount,
                                                                                            optimizer: optimizer),
                                    what: "to train in \(dtype.rawValue) with \(optimizer.rawValue)")
    }

    /// Parse → configuration → `TrainingRun` (data, trainer, the loop, the report). Under mpirun every
    /// rank runs this; only rank 0 writes files and prints.
    func run() throws {
        let configuration = try makeConfiguration()
        if let threads = flags.threads { Threads.count = threads }
        let ranks = try DataParallelLaunch.join()   // nil unless started by mpirun
        defer { ranks?.finish() }
        if ranks != nil && flags.threads == nil { Threads.count = DataParallelLaunch.defaultThreads }
        // The outputs are written after every epoch and at the end: refuse now, before the data is read
        // and an hour of training is lost, a path whose folder is missing or not writable, or a folder.
        try onEveryRank(ranks) {
            if (ranks?.rank ?? 0) == 0 {
                try checkOutputPaths([("--checkpoint", checkpoint), ("--metrics", metrics), ("--plot", plot)])
            }
        }
        try reportingErrors {
            let saved = try resume.map { try resumable($0, ranks: ranks) }
            let configuration = try saved.flatMap { try resumedConfiguration($0) } ?? configuration
            if flags.threads == nil, saved?.configuration != nil, let stored = configuration.threads { Threads.count = stored }
            if saved.map({ $0.dtype == "float64" }) ?? (configuration.dtype == .float64) {
                try TrainingRun<Double>(command: self, configuration: configuration, resuming: saved, ranks: ranks).run()
            } else {
                try TrainingRun<Float>(command: self, configuration: configuration, resuming: saved, ranks: ranks).run()
            }
        }
    }

    /// The checkpoint of --resume, refused unless it holds a training run to continue.
    private func resumable(_ path: String, ranks: (any RankGroup)?) throws -> CheckpointContents {
        let saved = try DataParallelLaunch.readCheckpoint(path, ranks: ranks)
        guard saved.training != nil else {
            throw CheckpointError.missingMetadata(path: path, key: "training (it holds a network but no training run to continue)")
        }
        return saved
    }

    /// The run a --resume continues: the checkpoint's stored configuration, with --data and --threads (where
    /// and how fast to run, not what) taking over when given. Nil for a checkpoint written before
    /// configurations were saved: its training state then decides (`TrainingRun`). A stored configuration
    /// that fails validation is refused as bad metadata (exit 65).
    private func resumedConfiguration(_ saved: CheckpointContents) throws -> TrainingConfiguration? {
        guard var stored = saved.configuration else { return nil }
        let problems = stored.problems(inputSize: saved.spec.inputSize, classes: saved.spec.outputSize, imageShape: saved.spec.inputShape)
        if !problems.isEmpty {
            throw CheckpointError.badMetadata(path: saved.path, key: "configuration", reason: problems.joined(separator: "; "))
        }
        if let data = flags.data { stored.data = data }
        if let threads = flags.threads { stored.threads = threads }
        return stored
    }
}

/// The sizes of a --hidden flag ("100,100"), nil unless every comma-separated part is an integer.
func parseHiddenSizes(_ text: String) -> [Int]? {
    let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil }) else { return nil }
    return sizes.compactMap { $0 }
}

/// The message for a --hidden that `parseHiddenSizes` refuses.
func hiddenSizesProblem(_ text: String) -> String {
    "--hidden must be sizes separated by commas, e.g. 100,100; got \(text)"
}

/// The architecture a set of model flags describes (shared by `gradcheck` and `graph`): nil flags take
/// the model's defaults from the registry (`NetworkSpec.Kind`).
func makeSpec(model: NetworkSpec.Kind, hidden: String?, activation: Activation, weightInit: WeightInitializer?,
              weightDecay: Double, batchNorm: Bool, dropout: Double?, inputSize: Int, classes: Int) throws -> NetworkSpec {
    var configuration = TrainingConfiguration(model: model, activation: activation, weightInit: weightInit,
                                              weightDecay: weightDecay, batchNorm: batchNorm, dropout: dropout)
    if let hidden {
        guard let sizes = parseHiddenSizes(hidden) else { throw ValidationError(hiddenSizesProblem(hidden)) }
        configuration.hiddenSizes = sizes
    }
    return configuration.spec(inputSize: inputSize, classes: classes)
}
