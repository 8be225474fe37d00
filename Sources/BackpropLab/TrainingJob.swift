import Backprop
import Foundation

/// What the page sees of the training job: its state, the curves so far (drawn by the chart engine),
/// the speed, and for a convolutional net the first layer's filters.
struct TrainingSnapshot: Encodable, Sendable {
    var title: String
    /// "paused", "running" or "finished".
    var state: String
    var iteration: Int
    var iterations: Int
    var epoch: Double
    /// The last step's loss.
    var loss: Double?
    /// Examples per second over the steps since the last start (the same loop as `backprop train`).
    var examplesPerSecond: Double?
    var history: [EpochRecord]
    var lossPoints: [LossHistory.Point]
    /// The curves: the loss of every step (decimated) and the accuracies at each evaluation.
    var curvesSVG: String
    /// Figure 7-24's picture of the first layer's filters (convolutional nets), updated at each pause and epoch.
    var filtersSVG: String?
    /// Where the save button writes, and the last save.
    var checkpointPath: String
    var saved: String?
    /// After a single step: how far the optimizer moved each parameter.
    var lastUpdate: [ParameterUpdate]
    /// Bumped by every change; the page's stream sends a snapshot only when it moved.
    var version: Int
    /// The last epoch end's evaluation: confusion matrix and misclassified images (nil before the first).
    var evaluation: LabEvaluation?
}

/// The controls of the one training job a lab runs, whatever its scalar type.
protocol TrainingControl: AnyObject, Sendable {
    func start() throws
    func pause()
    func step() throws
    func save() throws -> String
    func snapshot() -> TrainingSnapshot
    func networkGraph(sample: Int) throws -> (graph: ComputationalGraph, histograms: [String: String])
    func predict(index: Int) throws -> LabPrediction
    func shutdown()
    /// Whether steps run or are about to (a book experiment must wait).
    var isBusy: Bool { get }
}

/// One `Trainer` run on a thread of its own, as `backprop train` runs it (`Trainer.run`, the same loop),
/// started, paused and single-stepped from the page. The trainer is touched only under `trainerLock`
/// (the training thread holds it while it runs); the state the page reads is under `stateLock`.
final class TrainingJob<Scalar: TensorScalar>: TrainingControl, @unchecked Sendable {
    private let trainer: Trainer<Scalar>
    private let title: String
    private let checkpointPath: String
    private let saveCheckpoint: (Trainer<Scalar>, String) throws -> Void
    private let classNames: [String]?
    private let trainerLock = NSLock()
    private let stateLock = NSCondition()
    /// Steps the thread may still run: 0 paused, 1 for a single step, Int.max running.
    private var budget = 0
    private var running = false
    private var stopping = false
    private var losses = LossHistory()
    private var lastLoss: Double?
    private var rate: Double?
    private var history: [EpochRecord] = []
    private var iteration: Int
    private var epoch = 0.0
    private var filtersSVG: String?
    private var saved: String?
    private var lastUpdate: [ParameterUpdate] = []
    private var evaluation: LabEvaluation?
    private var version = 0
    private var cachedSnapshot: TrainingSnapshot?
    private var networkCache: (iteration: Int, sample: Int, graph: ComputationalGraph, histograms: [String: String])?
    private var thread: Thread?

    init(trainer: Trainer<Scalar>, title: String, checkpointPath: String, classNames: [String]?,
         save: @escaping (Trainer<Scalar>, String) throws -> Void) {
        self.trainer = trainer
        self.classNames = classNames
        self.title = title
        self.checkpointPath = checkpointPath
        self.saveCheckpoint = save
        iteration = trainer.iteration
        history = trainer.history
        filtersSVG = Self.filters(trainer)
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "backprop lab training"
        self.thread = thread
        thread.start()
    }

    func start() throws { try allow(Int.max) }
    var isBusy: Bool { stateLock.withLock { running || budget > 0 } }
    func step() throws { try allow(1) }

    func pause() {
        stateLock.withLock { budget = 0 }
    }

    private func allow(_ steps: Int) throws {
        try stateLock.withLock {
            guard iteration < trainer.options.iterations else {
                throw LabRequestError.busy("the run is finished: all \(trainer.options.iterations) iterations are done")
            }
            if running && budget > 0 { throw LabRequestError.busy("training is already running: pause it first") }
            budget = steps
            stateLock.broadcast()
        }
    }

    /// The training thread: waits for a budget, then runs `Trainer.run` until it is spent.
    private func loop() {
        while true {
            stateLock.lock()
            while budget == 0 && !stopping { stateLock.wait() }
            if stopping {
                stateLock.unlock()
                return
            }
            running = true
            version += 1
            let single = budget == 1
            stateLock.unlock()
            trainerLock.withLock {
                let before = single ? ParameterUpdate.values(trainer.network.parameters) : nil
                trainer.run(shouldStop: { self.takeStep() }, progress: { self.record($0) }, epochEnded: { self.record($0) })
                let filters = Self.filters(trainer)
                let update = before.map { ParameterUpdate.rows(trainer.network.parameters, before: $0) } ?? []
                stateLock.withLock {
                    lastUpdate = update
                    filtersSVG = filters
                    running = false
                    budget = 0
                    iteration = trainer.iteration
                    version += 1
                }
            }
        }
    }

    /// `Trainer.run`'s shouldStop: true once the budget is spent (or the lab stops).
    private func takeStep() -> Bool {
        stateLock.withLock {
            guard budget > 0, !stopping else { return true }
            if budget != Int.max { budget -= 1 }
            return false
        }
    }

    private func record(_ progress: StepProgress) {
        stateLock.withLock {
            losses.append(iteration: progress.iteration, loss: progress.loss)
            lastLoss = progress.loss
            rate = progress.examplesPerSecond
            iteration = progress.iteration
            epoch = Double(progress.iteration) / Double(max(1, trainer.iterationsPerEpoch))
            version += 1
        }
    }

    private func record(_ epochRecord: EpochRecord) {
        let filters = Self.filters(trainer)
        let evaluation = LabEvaluation(trainer.network, test: trainer.testSet, flatten: trainer.flatten, iteration: trainer.iteration,
                                       classNames: classNames)
        stateLock.withLock {
            history.append(epochRecord)
            filtersSVG = filters
            self.evaluation = evaluation
            version += 1
        }
    }

    func save() throws -> String {
        if stateLock.withLock({ running }) { throw LabRequestError.busy("pause training before saving") }
        try trainerLock.withLock { try saveCheckpoint(trainer, checkpointPath) }
        return stateLock.withLock {
            saved = "saved iteration \(iteration) to \(checkpointPath)"
            version += 1
            return saved!
        }
    }

    /// The state; built again only when something changed (the stream asks up to ten times a second).
    func snapshot() -> TrainingSnapshot {
        stateLock.withLock {
            if let cachedSnapshot, cachedSnapshot.version == version { return cachedSnapshot }
            let state = running ? "running" : iteration >= trainer.options.iterations ? "finished" : "paused"
            let snapshot = TrainingSnapshot(
                title: title, state: state, iteration: iteration, iterations: trainer.options.iterations, epoch: epoch,
                loss: lastLoss, examplesPerSecond: rate, history: history, lossPoints: losses.points,
                curvesSVG: LabCurves.svg(losses: losses.points, history: history, title: title).text, filtersSVG: filtersSVG,
                checkpointPath: checkpointPath, saved: saved, lastUpdate: lastUpdate, version: version,
                evaluation: evaluation)
            cachedSnapshot = snapshot
            return snapshot
        }
    }

    /// The network after one forward and backward pass of the first `sample` training images, as
    /// `backprop graph --sample` draws it (`NetworkGraph.pass`), and each layer's output histogram
    /// (`ActivationHistograms`); refused while training runs.
    func networkGraph(sample: Int) throws -> (graph: ComputationalGraph, histograms: [String: String]) {
        if stateLock.withLock({ running }) { throw LabRequestError.busy("pause training to look inside the network") }
        guard (1...min(1000, trainer.trainSet.count)).contains(sample) else {
            throw LabRequestError.badNumber("sample", String(sample))
        }
        return trainerLock.withLock {
            if let networkCache, networkCache.iteration == trainer.iteration, networkCache.sample == sample {
                return (networkCache.graph, networkCache.histograms)
            }
            let indices = Array(0..<sample)
            let x: Tensor<Scalar> = trainer.trainSet.inputs(indices, flatten: trainer.flatten)
            let t: Tensor<Scalar> = trainer.trainSet.labelTensor(indices)
            let graph = NetworkGraph.pass(of: trainer.network, x: x, t: t,
                                          title: "\(title) at iteration \(trainer.iteration), the first \(sample) training images")
            let histograms = ActivationHistograms.svgs(trainer.network, x: x, labels: graph.nodes.map(\.label))
            networkCache = (trainer.iteration, sample, graph, histograms)
            return (graph, histograms)
        }
    }

    /// The network's class probabilities for test example `index`; refused while training runs.
    func predict(index: Int) throws -> LabPrediction {
        if stateLock.withLock({ running }) { throw LabRequestError.busy("pause training to predict") }
        guard (0..<trainer.testSet.count).contains(index) else { throw LabRequestError.badNumber("index", String(index)) }
        return trainerLock.withLock {
            LabPrediction(trainer.network, set: trainer.testSet, index: index, flatten: trainer.flatten, classNames: classNames)
        }
    }

    func shutdown() {
        stateLock.withLock {
            stopping = true
            stateLock.broadcast()
        }
        trainerLock.withLock {}   // the current step (and any save) finishes
    }

    /// Figure 7-24 for a convolutional net: its first parameter, if 4-D.
    private static func filters(_ trainer: Trainer<Scalar>) -> String? {
        guard let weights = trainer.network.parameters.first?.value, weights.rank == 4 else { return nil }
        return FilterPlot.svg(weights: weights, columns: 10, cellSize: 6, title: "first-layer filters").text
    }
}
