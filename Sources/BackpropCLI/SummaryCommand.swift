import ArgumentParser
import Backprop
import Foundation

/// `backprop summary`: the layers of the network `train`'s flags (or a checkpoint) describe, with output
/// shapes, parameters, FLOPs per example and the memory of one training step (`NetworkSummary`).
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Layers, output shapes, parameters, FLOPs and training memory of a network (like torchinfo.summary).",
        discussion: """
        Give train's flags (the network they would train, on 28×28 images and 10 classes unless --data names a \
        dataset to read the sizes from) or --checkpoint F (its network, batch size and optimizer; --batch-size and \
        --optimizer may change the last two).
        """
    )

    /// The network, batch size, optimizer and precision, as `train` takes them.
    @OptionGroup var flags: TrainingFlags

    @Option(help: "Summarise the network saved in this checkpoint instead.")
    var checkpoint: String?

    @Option(help: SizeLimits.maxParametersHelp)
    var maxParameters: Int = SizeLimits.defaultMaxParameters

    @Flag(help: "Print the summary as one JSON object on stdout.")
    var json = false

    func run() throws {
        if let threads = flags.threads { Threads.count = threads }
        let summary = try checkpoint.map { try checkpointSummary($0) } ?? flagsSummary()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary.table)
        }
    }

    /// The network of train's flags, checked as `train` checks them (one line, exit 64).
    private func flagsSummary() throws -> NetworkSummary {
        let (configuration, hiddenProblems) = flags.configuration()
        let problems = hiddenProblems + configuration.problems()
        if !problems.isEmpty { throw usageFailure(problems.joined(separator: "; ")) }
        var (inputSize, classes, imageShape): (Int, Int, [Int]?) = (784, 10, nil)
        if let data = flags.data {
            let loaded = try reportingErrors { try LoadedData.load(data, trainLimit: nil, seed: configuration.seed) }
            (inputSize, classes, imageShape) = (loaded.train.inputSize, loaded.train.classes, loaded.train.imageShape)
        }
        var spec = configuration.spec(inputSize: inputSize, classes: classes)
        if let imageShape, imageShape.first != 1 { spec.inputShape = imageShape }
        if let problem = spec.problems.first { throw usageFailure("--model \(configuration.model.rawValue): \(problem)") }
        let optimizer = configuration.effectiveOptimizer, dtype = configuration.dtype
        try SizeLimits.checkNetwork(spec, flag: "--hidden \(flags.hidden ?? "")", limit: maxParameters,
                                    bytesPerParameter: SizeLimits.trainingBytesPerParameter(scalarSize: dtype.byteCount,
                                                                                            optimizer: optimizer),
                                    what: "to summarise in \(dtype.rawValue) with \(optimizer.rawValue)")
        let batch = configuration.batchSize
        return dtype == .float64
            ? Self.summary(Network<Double>(spec: spec, seed: configuration.seed), batchSize: batch, optimizer: optimizer)
            : Self.summary(Network<Float>(spec: spec, seed: configuration.seed), batchSize: batch, optimizer: optimizer)
    }

    /// The checkpoint's network, in batches of its run's size (or --batch-size) with its optimizer (or --optimizer).
    private func checkpointSummary(_ path: String) throws -> NetworkSummary {
        let allowed: Set = ["--batch-size", "--optimizer"]
        let given = flags.definingFlagsGiven.filter { !allowed.contains($0) } + (flags.data != nil ? ["--data"] : [])
        if !given.isEmpty {
            throw usageFailure("--checkpoint summarises the checkpoint's own network, so \(given.joined(separator: ", ")) "
                               + "cannot be given with it (only --batch-size and --optimizer can)")
        }
        if let batch = flags.batchSize, batch < 1 { throw usageFailure("--batch-size must be at least 1, got \(batch)") }
        return try reportingErrors {
            let saved = try Checkpoint.read(path: path)
            let batch = flags.batchSize ?? saved.configuration?.batchSize ?? saved.training?.options.batchSize ?? 100
            let optimizer = flags.optimizer ?? saved.training?.options.optimizer ?? saved.configuration?.effectiveOptimizer ?? .sgd
            return saved.dtype == "float64"
                ? Self.summary(try saved.makeNetwork(as: Double.self), batchSize: batch, optimizer: optimizer)
                : Self.summary(try saved.makeNetwork(as: Float.self), batchSize: batch, optimizer: optimizer)
        }
    }

    /// The summary of `network` for one example of the shape its spec takes.
    static func summary<Scalar: TensorScalar>(_ network: Network<Scalar>, batchSize: Int, optimizer: OptimizerKind) -> NetworkSummary {
        let spec = network.spec!
        let inputShape = spec.kind.isConvolutional ? spec.imageShape : [spec.inputSize]
        return NetworkSummary(network, inputShape: inputShape, batchSize: batchSize, optimizer: optimizer)
    }
}
