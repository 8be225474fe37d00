import ArgumentParser
import Backprop
import Foundation

/// One `backprop train` run in `Scalar`: the data, network and trainer from the configuration (or from
/// the checkpoint it resumes), the training loop with its saves after every epoch, and the report.
/// Data-parallel under mpirun: every rank runs one; only rank 0 prints and writes files.
final class TrainingRun<Scalar: TensorScalar> {
    let command: TrainCommand
    /// The run's flags, validated (`TrainCommand.makeConfiguration`); when resuming, the checkpoint's stored
    /// configuration (with --data and --threads from the flags), or the flags for a checkpoint without one.
    let configuration: TrainingConfiguration
    /// The checkpoint of --resume: its network and position are used, with its configuration's options.
    let saved: CheckpointContents?
    let ranks: (any RankGroup)?
    /// Rank 0 (or no MPI): the rank that prints and writes.
    let leader: Bool
    let quiet: Bool
    private let stop = StopFlag(), notice = TerminationNotice()
    /// The iteration the files hold, so that the end of a run does not write its last epoch again.
    private var savedIteration: Int?

    init(command: TrainCommand, configuration: TrainingConfiguration, resuming saved: CheckpointContents?,
         ranks: (any RankGroup)?) {
        self.command = command
        self.configuration = configuration
        self.saved = saved
        self.ranks = ranks
        leader = (ranks?.rank ?? 0) == 0
        quiet = command.quiet || !leader
    }

    /// Resuming a checkpoint written before configurations were saved: its training state decides the
    /// options, the training limit and the seed.
    private var resumingWithoutConfiguration: Bool { saved != nil && saved?.configuration == nil }

    /// The training examples used: the configuration's --train-limit (the training state's for a checkpoint
    /// without a configuration).
    var trainLimit: Int? {
        resumingWithoutConfiguration ? saved?.training?.trainLimit ?? configuration.trainLimit : configuration.trainLimit
    }

    /// Loads the data, trains, and reports (exit 130 when interrupted).
    func run() throws {
        let data = try loadData()
        let trainer = try makeTrainer(data)
        let interrupted = try train(trainer, data: data)
        guard leader else { return }
        if let plot = command.plot {
            try TrainingCurves.write(history: trainer.history, title: "\(trainer.network.spec!.kind.rawValue) on \(data.name)", to: plot)
        }
        var summary = TrainSummary(trainer, interrupted: interrupted, ranks: ranks?.rankCount ?? 1)
        if let metrics = data.regressionMetrics(trainer.network) { (summary.rmse, summary.r2) = (metrics.rmse, metrics.r2) }
        print(command.json ? try jsonLine(summary) : summary.textLine(checkpoint: command.checkpoint))
        if interrupted { throw ExitCode(130) }
    }

    /// The dataset: a resumed run reads the one it was trained on unless --data says otherwise.
    private func loadData() throws -> LoadedData {
        let seed = resumingWithoutConfiguration ? saved?.training?.options.seed ?? configuration.seed : configuration.seed
        return try onEveryRank(ranks) {
            try LoadedData.load(configuration.data ?? saved?.file.metadata["data"], trainLimit: trainLimit, seed: seed,
                                options: DataOptions(configuration), quiet: quiet)
        }
    }

    /// The network and the options: the checkpoint's, or new ones from the configuration on `data`.
    private func networkAndOptions(_ data: LoadedData) throws -> (Network<Scalar>, TrainingOptions) {
        if let saved, let state = saved.training {
            try data.check(fits: saved.spec, model: saved.path)
            let options = try resumedOptions(saved, state: state, data: data)
            // The schedule and augmentation of a checkpoint without a configuration are checked here (exit 65).
            let problems = options.learningRateSchedule.problems(warmup: options.warmup) + (options.augmentation?.problems ?? [])
                + [options.augmentation?.problem(imageShape: data.train.imageShape, dataName: data.name)].compactMap { $0 }
            if !problems.isEmpty {
                throw CheckpointError.badMetadata(path: saved.path, key: "training", reason: problems.joined(separator: "; "))
            }
            return (try saved.makeNetwork(), options)
        }
        let spec = configuration.spec(inputSize: data.train.inputSize, classes: data.train.classes, imageShape: data.imageShape,
                                      regression: data.isRegression)
        try data.check(fits: spec)
        if let problem = spec.problems.first { throw usageFailure("--data \(data.name): \(problem)") }
        if let problem = configuration.augmentation?.problem(imageShape: data.train.imageShape, dataName: data.name) {
            throw usageFailure(problem)
        }
        try command.checkSize(spec, configuration)   // the second check: see `TrainCommand.makeConfiguration`
        let options: TrainingOptions
        do { options = try configuration.options(trainingCount: data.train.count) } catch let error as TrainingConfigurationError {
            throw usageFailure(error.description)
        }
        // A --batch-size larger than the training set is clamped to it rather than refused: the default of
        // 100 must keep working on a small --train-limit.
        if options.batchSize < configuration.batchSize && !quiet {
            printError("backprop: note: --batch-size \(configuration.batchSize) is larger than the \(data.train.count) "
                       + "training examples of \(data.name); using batches of \(options.batchSize)")
        }
        return (Network(spec: spec, seed: configuration.seed), options)
    }

    /// The options a resumed run continues with: its configuration's, which must be those its training state
    /// holds and describe its network (else the checkpoint contradicts itself: exit 65). A checkpoint without
    /// a configuration, or --data naming a training set of another size (which `restore` refuses), keeps
    /// the training state's.
    private func resumedOptions(_ saved: CheckpointContents, state: TrainingState, data: LoadedData) throws -> TrainingOptions {
        guard saved.configuration != nil, data.train.count == state.sampler.count else { return state.options }
        func contradiction(_ reason: String) -> CheckpointError {
            CheckpointError.badMetadata(path: saved.path, key: "configuration", reason: reason)
        }
        guard configuration.spec(inputSize: saved.spec.inputSize, classes: saved.spec.outputSize,
                                 imageShape: saved.spec.inputShape, regression: saved.spec.regression == true) == saved.spec else {
            throw contradiction("describes another network than the checkpoint's spec")
        }
        guard let options = try? configuration.options(trainingCount: data.train.count), options == state.options else {
            throw contradiction("gives other training options than the checkpoint's training state")
        }
        return options
    }

    /// The trainer, where the checkpoint left off when resuming, with rank 0's parameters on every rank.
    private func makeTrainer(_ data: LoadedData) throws -> Trainer<Scalar> {
        let (network, options) = try networkAndOptions(data)
        let optimizer: any Optimizer<Scalar> = options.optimizer.make(learningRate: options.effectiveLearningRate)
        let trainer = Trainer(network: network, optimizer: optimizer, options: options, train: data.train, test: data.test,
                              flatten: !(network.spec?.kind.isConvolutional ?? false), reducer: ranks)
        if let saved { try saved.restore(trainer) }
        if let ranks, let problem = DataParallelLaunch.batchProblem(trainer.sampler, ranks: ranks.rankCount) {
            throw ValidationError(problem)
        }
        trainer.broadcastParametersFromRankZero()   // every rank starts from rank 0's network
        return trainer
    }

    /// Runs the steps until the last iteration or an interrupt, saving after every epoch (a failed save
    /// is a warning: training goes on) and at the end. True when interrupted.
    private func train(_ trainer: Trainer<Scalar>, data: LoadedData) throws -> Bool {
        if let ranks {
            notice.catchTermination(rank: ranks.rank, rankCount: ranks.rankCount, checkpoint: command.checkpoint)
        } else {
            stop.catchInterrupt()
        }
        let progress = ProgressReporter(enabled: !quiet, total: trainer.options.iterations)
        if !quiet { printStart(trainer, dataName: data.name) }
        let metadata = try data.metadata()
        trainer.run(shouldStop: { self.stop.isSet }, progress: { self.notice.reached($0.iteration); progress.step($0) },
                    epochEnded: { record in
            progress.epoch(record)
            do {
                try self.saveProgress(trainer, metadata: metadata)
            } catch {
                printError("backprop: warning: could not save after epoch \(String(format: "%.2f", record.epoch)): "
                           + "\(error); training goes on")
            }
        })
        progress.finish()
        try saveProgress(trainer, metadata: metadata)
        return trainer.iteration < trainer.options.iterations
    }

    /// Writes the checkpoint and the metrics (rank 0 only), each to a temporary file renamed over the
    /// last, so that a run killed mid-way keeps its last epoch and can be resumed.
    private func saveProgress(_ trainer: Trainer<Scalar>, metadata: [String: String]) throws {
        guard leader, savedIteration != trainer.iteration else { return }
        if let checkpoint = command.checkpoint {
            // A resumed run saves the configuration it continued (none for a checkpoint written before they were saved).
            let saving = resumingWithoutConfiguration ? nil : configuration
            try notice.saving(iteration: trainer.iteration) {
                try Checkpoint.save(trainer.network, trainer: trainer, trainLimit: trainLimit, configuration: saving,
                                    metadata: metadata, to: checkpoint)
            }
        }
        if let metrics = command.metrics, let format = MetricsFormat(path: metrics) {
            try MetricsWriter.write(trainer.history, format: format, to: metrics)
        }
        savedIteration = trainer.iteration
    }

    /// The line on stderr that starts a run: network, optimizer, batches, precision, threads, data.
    private func printStart(_ trainer: Trainer<Scalar>, dataName: String) {
        let spec = trainer.network.spec!, options = trainer.options
        let sizes = ([spec.inputSize] + spec.hiddenSizes + [spec.outputSize]).map(String.init).joined(separator: "-")
        printError("backprop: \(spec.kind.rawValue) \(sizes), "
                   + "\(options.optimizer.rawValue) lr \(options.effectiveLearningRate)"
                   + (options.schedulesLearningRate ? " (\(options.learningRateSchedule), warm-up \(options.warmup))" : "")
                   + (options.augmentation.map { ", augment \($0)" } ?? "") + ", batch \(options.batchSize), "
                   + "\(options.iterations) iterations (\(trainer.iterationsPerEpoch) per epoch), \(Scalar.dtypeName), "
                   + "\(ranks.map { "\($0.rankCount) MPI ranks × " } ?? "")\(Threads.count) thread(s), data \(dataName)")
    }
}
