import ArgumentParser
import Backprop
import BackpropInterop
import BackpropLab
import Foundation

/// `backprop lab`: a local web page to step through chapter 5's graphs and to watch a network train.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Open a local web page to watch backpropagation: step through §5's graphs, look inside a network, train live.",
        discussion: """
        Prints the page's URL with a random token (open it in a browser); Ctrl-C stops. The page steps through \
        buy-apple, buy-apple-orange, sigmoid, relu and affine one node at a time, with every number computed by \
        the library's layers; shows the network of the train flags (or --checkpoint) layer by layer on a batch; \
        trains it with start, pause and single step, the curves growing live; and runs the book's experiments \
        at quick scale, showing their figures. Listens on 127.0.0.1 unless \
        --host says otherwise; every request needs the token.
        """
    )

    @Option(help: "Port to listen on (0: any free port; the URL printed has the real one).")
    var port: Int = 8765

    @Option(help: "Address to listen on: 127.0.0.1 (this machine only) unless you mean to share the lab.")
    var host = "127.0.0.1"

    /// What to train (as `backprop train`).
    @OptionGroup var flags: TrainingFlags

    @Option(help: "Continue (or look inside) the network and run saved in this checkpoint instead of the train flags.")
    var checkpoint: String?

    @Option(help: "Where the page's Save button writes the checkpoint (written atomically).")
    var save = "lab.safetensors"

    @Option(help: SizeLimits.maxParametersHelp)
    var maxParameters: Int = SizeLimits.defaultMaxParameters

    func validate() throws {
        guard (0...65535).contains(port) else { throw usageFailure("--port must be between 0 and 65535, got \(port)") }
        guard isIPAddress(host) else { throw usageFailure("--host must be an IPv4 or IPv6 address, got \(host)") }
        if checkpoint != nil, let flag = flags.definingFlagsGiven.first {
            throw usageFailure("--checkpoint holds the run, so \(flag) cannot be given with it (only --data and --threads can)")
        }
    }

    func run() throws {
        if let threads = flags.threads { Threads.count = threads }
        try checkOutputPaths([("--save", save)])
        let training = try reportingErrors { try makeTraining() }
        let lab = try LabServer(host: host, port: UInt16(port), token: LabServer.makeToken(), training: training,
                                book: BookCatalog.withBookWeights)
        let finished = DispatchSemaphore(value: 0)
        let failure = LockedError()
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler {
            failure.stopping()
            printError("\nbackprop: lab stopping")
            Task { await lab.stop() }
        }
        interrupt.resume()
        Task {
            do {
                try await lab.run { url in
                    FileHandle.standardOutput.write(Data("backprop lab: open \(url)\n".utf8))
                }
            } catch {   // after Ctrl-C, the listening socket's closing is how the server ends
                if !failure.isStopping { failure.set("backprop: lab on \(host):\(port): \(error)") }
            }
            finished.signal()
        }
        finished.wait()
        if let message = failure.message {
            printError(message)
            throw ExitCode(73)
        }
    }

    /// The training job: the checkpoint's run, or a new one from the train flags (as `backprop train`).
    private func makeTraining() throws -> LabTraining {
        if let checkpoint {
            let saved = try Checkpoint.read(path: checkpoint)
            let configuration = saved.configuration ?? flags.configuration().0
            return saved.dtype == "float64"
                ? try LabTrainingSetup<Double>(configuration: configuration, saved: saved, command: self).make()
                : try LabTrainingSetup<Float>(configuration: configuration, saved: saved, command: self).make()
        }
        let (configuration, hiddenProblems) = flags.configuration()
        let problems = hiddenProblems + configuration.problems()
        if !problems.isEmpty { throw usageFailure(problems.joined(separator: "; ")) }
        let optimizer = configuration.effectiveOptimizer, dtype = configuration.dtype
        let sizes = configuration.effectiveHiddenSizes.map(String.init).joined(separator: ",")
        try SizeLimits.checkNetwork(configuration.spec(), flag: "--hidden \(flags.hidden ?? sizes)", limit: maxParameters,
                                    bytesPerParameter: SizeLimits.trainingBytesPerParameter(scalarSize: dtype.byteCount,
                                                                                            optimizer: optimizer),
                                    what: "to train in \(dtype.rawValue) with \(optimizer.rawValue)")
        return configuration.dtype == .float64
            ? try LabTrainingSetup<Double>(configuration: configuration, saved: nil, command: self).make()
            : try LabTrainingSetup<Float>(configuration: configuration, saved: nil, command: self).make()
    }

    private func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

/// The lab's trainer in `Scalar`, set up as `TrainingRun` sets one up for `backprop train`.
struct LabTrainingSetup<Scalar: TensorScalar> {
    let configuration: TrainingConfiguration
    let saved: CheckpointContents?
    let command: LabCommand

    func make() throws -> LabTraining {
        let dataOption = command.flags.data ?? configuration.data ?? saved?.file.metadata["data"]
        let data = try LoadedData.load(dataOption, trainLimit: configuration.trainLimit, seed: configuration.seed)
        let network: Network<Scalar>, options: TrainingOptions
        if let saved {
            try data.check(fits: saved.spec, model: saved.path)
            network = try saved.makeNetwork()
            options = try saved.training?.options ?? configuration.options(trainingCount: data.train.count)
        } else {
            let spec = configuration.spec(inputSize: data.train.inputSize, classes: data.train.classes)
            try data.check(fits: spec)
            if let problem = spec.problems.first { throw usageFailure("--data \(data.name): \(problem)") }
            network = Network(spec: spec, seed: configuration.seed)
            options = try configuration.options(trainingCount: data.train.count)
        }
        let optimizer: any Optimizer<Scalar> = options.optimizer.make(learningRate: options.effectiveLearningRate)
        let trainer = Trainer(network: network, optimizer: optimizer, options: options, train: data.train, test: data.test,
                              flatten: !(network.spec?.kind.isConvolutional ?? false))
        if let saved, saved.training != nil { try saved.restore(trainer) }
        let spec = network.spec!
        let sizes = ([spec.inputSize] + spec.hiddenSizes + [spec.outputSize]).map(String.init).joined(separator: "-")
        let metadata = try data.metadata()
        let configuration = self.configuration
        return LabTraining(trainer: trainer, title: "\(spec.kind.rawValue) \(sizes) on \((data.name as NSString).lastPathComponent)",
                           checkpointPath: command.save, classNames: data.classNames) { trainer, path in
            try Checkpoint.save(trainer.network, trainer: trainer, trainLimit: configuration.trainLimit,
                                configuration: configuration, metadata: metadata, to: path)
        }
    }
}

/// The message of a failure in the server's task, read once it ends, and whether Ctrl-C asked it to stop.
private final class LockedError: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    private var interrupted = false
    func set(_ message: String) { lock.withLock { text = message } }
    var message: String? { lock.withLock { text } }
    func stopping() { lock.withLock { interrupted = true } }
    var isStopping: Bool { lock.withLock { interrupted } }
}
