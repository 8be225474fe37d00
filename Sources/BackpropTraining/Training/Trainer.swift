import BackpropCore
import Foundation

/// What one training run does: optimizer, learning rate, batches, length, seed. Saved in checkpoints.
public struct TrainingOptions: Codable, Sendable, Equatable {
    /// The update rule (sgd, momentum, nesterov, adagrad, rmsprop or adam); default sgd.
    public var optimizer: OptimizerKind
    /// nil: the optimizer's default (the book's).
    public var learningRate: Double?
    /// Examples per step (default 100).
    public var batchSize: Int
    /// Total optimizer steps of the run.
    public var iterations: Int
    /// The seed of the batch order and of the augmentation's crops and flips: same seed, same batches.
    public var seed: UInt64
    /// Batches drawn with replacement, as the book's scripts (`BatchSampler.withReplacement`), instead
    /// of shuffled epochs.
    public var batchesWithReplacement: Bool
    /// How the rate changes from step to step (`LearningRateSchedule`), after `warmup` iterations of linear warm-up.
    public var learningRateSchedule: LearningRateSchedule
    /// Iterations of linear warm-up from 0 before the schedule (`LearningRateSchedule`).
    public var warmup: Int
    /// Random crops and flips of the training images (nil: none), seeded by `seed`.
    public var augmentation: ImageAugmentation?

    /// Options with the book's defaults: SGD at its default rate, batches of 100, 10,000 iterations, seed 0,
    /// shuffled epochs, a constant rate without warm-up, no augmentation.
    public init(optimizer: OptimizerKind = .sgd, learningRate: Double? = nil, batchSize: Int = 100,
                iterations: Int = 10_000, seed: UInt64 = 0, batchesWithReplacement: Bool = false,
                learningRateSchedule: LearningRateSchedule = .constant, warmup: Int = 0, augmentation: ImageAugmentation? = nil) {
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.iterations = iterations
        self.seed = seed
        self.batchesWithReplacement = batchesWithReplacement
        self.learningRateSchedule = learningRateSchedule
        self.warmup = warmup
        self.augmentation = augmentation
    }

    private enum CodingKeys: String, CodingKey {
        case optimizer, learningRate, batchSize, iterations, seed, batchesWithReplacement, learningRateSchedule, warmup, augmentation
    }

    /// Decodes saved options; options saved before `batchesWithReplacement` existed mean shuffled epochs.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        optimizer = try c.decode(OptimizerKind.self, forKey: .optimizer)
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        iterations = try c.decode(Int.self, forKey: .iterations)
        seed = try c.decode(UInt64.self, forKey: .seed)
        batchesWithReplacement = try c.decodeIfPresent(Bool.self, forKey: .batchesWithReplacement) ?? false
        // Options saved before schedules and augmentation existed: a constant rate, the images as they are.
        learningRateSchedule = try c.decodeIfPresent(LearningRateSchedule.self, forKey: .learningRateSchedule) ?? .constant
        warmup = try c.decodeIfPresent(Int.self, forKey: .warmup) ?? 0
        augmentation = try c.decodeIfPresent(ImageAugmentation.self, forKey: .augmentation)
    }

    /// Whether the trainer sets the optimizer's rate before every step (a schedule other than constant, or a warm-up).
    public var schedulesLearningRate: Bool { learningRateSchedule != .constant || warmup > 0 }

    /// The rate of step `iteration` (0-based) with `iterationsPerEpoch` batches per epoch (`LearningRateSchedule`).
    public func learningRate(at iteration: Int, iterationsPerEpoch: Int) -> Double {
        learningRateSchedule.rate(at: iteration, base: effectiveLearningRate, warmup: warmup,
                                  iterationsPerEpoch: iterationsPerEpoch, totalIterations: iterations)
    }

    /// The learning rate in effect.
    public var effectiveLearningRate: Double { learningRate ?? optimizer.defaultLearningRate }
}

/// One row of the training history, recorded at the end of each epoch (and at the end of the run).
public struct EpochRecord: Codable, Sendable, Equatable {
    /// Epochs completed (fractional when the run ended mid-epoch).
    public var epoch: Double
    /// Optimizer steps completed.
    public var iteration: Int
    /// Mean training-batch loss since the previous record.
    public var loss: Double
    /// Accuracy on the whole training set (inference mode).
    public var trainAccuracy: Double
    /// Accuracy on the whole test set (inference mode).
    public var testAccuracy: Double
    /// Wall seconds of training (evaluation excluded) since the run started.
    public var seconds: Double
    /// The learning rate of the record's last step (nil in histories saved before it was recorded).
    public var learningRate: Double? = nil
}

/// Progress after each step, for progress bars.
public struct StepProgress: Sendable {
    /// Steps done, counting this one.
    public var iteration: Int
    /// Steps the run makes in all (`options.iterations`).
    public var totalIterations: Int
    /// The epoch the next batch comes from (0-based, `BatchSampler.epoch`).
    public var epoch: Int
    /// This step's training-batch loss.
    public var loss: Double
    /// Training examples per second in this process so far (evaluation excluded).
    public var examplesPerSecond: Double
    /// Seconds left at that rate until `totalIterations`.
    public var secondsRemaining: Double
}

/// Trains a network on an image set with mini-batch SGD-style updates (§4.5, §5.7.4): each step takes
/// the next shuffled batch, runs `network.gradient`, and lets the optimizer update the parameters.
/// At each epoch's end it evaluates train and test accuracy, as the book's `train_neuralnet.py`.
///
/// Everything random comes from `options.seed`: same seed, same run.
///
/// Data-parallel training: give a `reducer` and run one trainer per rank (process), each on the same
/// data, options and seed. Every rank draws the same global batch of `batchSize`, takes its contiguous
/// share of it, and computes its terms of the gradient (`Network.gradient(_:_:lossWeight:)`, weighted
/// by its share of the batch, so unequal shares are exact); one `allReduceSum` per step over a single
/// buffer of all gradients (and the loss) sums them; weight decay is added; and every rank makes the
/// same optimizer step. Batch normalization takes its statistics over the global batch
/// (`BatchScope.global`); evaluation is shared out and summed. The result is the one-process run up to
/// rounding (summation order). Dropout masks are the exception: each rank draws its own share's masks
/// from its layer's generator, so a run with dropout is not the one-process run.
public final class Trainer<Scalar: TensorScalar> {
    /// The network trained; its parameters are updated in place.
    public let network: Network<Scalar>
    /// The update rule applied after every step's gradient.
    public let optimizer: any Optimizer<Scalar>
    /// What the run does: optimizer, learning rate, batch size, iterations, seed (saved in checkpoints).
    public let options: TrainingOptions
    /// The examples batches are drawn from.
    public let trainSet: any LabeledDataset
    /// The examples evaluated at each record (test accuracy).
    public let testSet: any LabeledDataset
    /// Whether images are fed as (N, 784) rows (MLPs) or (N, 1, 28, 28) (convolutional nets).
    public let flatten: Bool
    /// Where the batches stand (epoch and position), saved in checkpoints.
    public private(set) var sampler: BatchSampler
    /// Optimizer steps done.
    public private(set) var iteration = 0
    /// One record per epoch end (and at the run's end), oldest first.
    public private(set) var history: [EpochRecord] = []
    /// Training seconds accumulated before this process (a resumed run).
    public private(set) var previousSeconds = 0.0

    private var orderCache: [Int] = []
    /// The current batch's indices, inputs and labels, in storage reused from step to step. Inputs
    /// alternate between two buffers: the first layer still holds the previous batch's (for its
    /// backward) when the next batch is written.
    private var batchIndices: [Int] = []
    private var inputBuffers = AlternatingBuffers<Scalar>()
    private var labelBuffer: Tensor<Scalar>?
    private var lossSum = 0.0
    private var lossCount = 0
    /// Data-parallel training: the gradient buffer summed over the ranks, and this rank's share of a batch.
    private let exchange: GradientExchange<Scalar>?
    private var shareIndices: [Int] = []
    /// The training batches' random crops and flips (`options.augmentation`), with their reused scratch image.
    private var augmenter: BatchAugmenter<Scalar>?

    /// A trainer of `network` on `train`, evaluated on `test`, starting at iteration 0. Images are fed as
    /// (N, features) rows when `flatten`, else (N, C, H, W); `reducer` makes it one rank of a data-parallel run.
    /// Traps if `options.augmentation` is set and `train` is not images.
    ///
    /// The trainer turns the network's `keepsLayerState` off: its steps read no layer's state, so a
    /// Convolution → Relu → Pooling group runs lean (the same numbers, fewer writes to memory).
    public init(network: Network<Scalar>, optimizer: any Optimizer<Scalar>, options: TrainingOptions,
                train: any LabeledDataset, test: any LabeledDataset, flatten: Bool = true,
                reducer: (any GradientReducer)? = nil) {
        self.network = network
        network.keepsLayerState = false
        self.optimizer = optimizer
        self.options = options
        self.trainSet = train
        self.testSet = test
        self.flatten = flatten
        self.sampler = BatchSampler(count: train.count, batchSize: options.batchSize, seed: options.seed,
                                    withReplacement: options.batchesWithReplacement)
        self.exchange = reducer.map { GradientExchange(reducer: $0) }
        if let augmentation = options.augmentation {
            guard let shape = train.imageShape else { preconditionFailure("Trainer: augmentation needs image data") }
            augmenter = BatchAugmenter(augmentation, imageShape: shape, seed: options.seed)
        }
        if let reducer {
            for layer in network.layers { (layer as? BatchNormalization<Scalar>)?.scope = .global(reducer) }
        }
    }

    /// The ranks this trainer shares its steps with (nil: it trains alone).
    public var reducer: (any GradientReducer)? { exchange?.reducer }

    /// Wall seconds this process has spent summing gradients over the ranks (0 without a reducer).
    public var allReduceSeconds: Double { exchange?.reduceSeconds ?? 0 }

    /// Gives every rank rank 0's parameters and batch-normalisation running statistics (one reduction),
    /// so that all ranks start from the same network. Nothing without a reducer.
    public func broadcastParametersFromRankZero() {
        guard let reducer else { return }
        let norms = network.layers.compactMap { $0 as? BatchNormalization<Scalar> }
        let tensors = network.parameters.map(\.value) + norms.flatMap { [$0.runningMean, $0.runningVariance] }
        var buffer = tensors.flatMap(\.scalars)
        reducer.broadcastFromRankZero(&buffer)
        var offset = 0
        func next(_ like: Tensor<Scalar>) -> Tensor<Scalar> {
            defer { offset += like.count }
            return Tensor(shape: like.shape, scalars: Array(buffer[offset ..< offset + like.count]))
        }
        for p in network.parameters { p.value = next(p.value) }
        for bn in norms {
            bn.runningMean = next(bn.runningMean)
            bn.runningVariance = next(bn.runningVariance)
        }
    }

    /// Restores the position of an interrupted run (from a checkpoint).
    public func restore(iteration: Int, sampler: BatchSampler, history: [EpochRecord], seconds: Double,
                        pendingLoss: (sum: Double, count: Int)) {
        self.iteration = iteration
        self.sampler = sampler
        self.history = history
        self.previousSeconds = seconds
        self.lossSum = pendingLoss.sum
        self.lossCount = pendingLoss.count
    }

    /// The running loss not yet recorded in `history` (saved by checkpoints).
    public var pendingLoss: (sum: Double, count: Int) { (lossSum, lossCount) }

    /// Iterations per epoch (the last batch of an epoch may be partial).
    public var iterationsPerEpoch: Int { sampler.batchesPerEpoch }

    /// One optimizer step on the next batch; returns the batch loss (with a reducer: the global batch's).
    @discardableResult
    public func step() -> Double {
        sampler.next(cache: &orderCache, into: &batchIndices)
        let loss: Double
        if let exchange {
            let share = exchange.reducer.share(of: batchIndices.count)
            precondition(!share.isEmpty, "Trainer.step: a batch of \(batchIndices.count) examples leaves rank \(exchange.reducer.rank) "
                         + "of \(exchange.reducer.rankCount) no example; batches need at least one example per rank")
            shareIndices.removeAll(keepingCapacity: true)
            shareIndices.append(contentsOf: batchIndices[share])
            let (x, t) = batch(shareIndices, firstPosition: share.lowerBound)
            let weight = Scalar(share.count) / Scalar(batchIndices.count)   // n_r / N: ∂L/∂L_r
            let shareLoss = network.gradient(x, t, lossWeight: weight)
            loss = Double(exchange.sum(network.parameters, loss: weight * shareLoss) + network.weightDecayLoss())
            network.addWeightDecayGradient()
        } else {
            let (x, t) = batch(batchIndices, firstPosition: 0)
            loss = Double(network.gradient(x, t))
        }
        if options.schedulesLearningRate {
            optimizer.learningRate = options.learningRate(at: iteration, iterationsPerEpoch: sampler.batchesPerEpoch)
        }
        optimizer.update(network.parameters)
        iteration += 1
        lossSum += loss
        lossCount += 1
        return loss
    }

    /// The inputs (augmented, if asked: `indices` start at `firstPosition` in the batch) and labels of
    /// `indices`, in the reused buffers.
    private func batch(_ indices: [Int], firstPosition: Int) -> (Tensor<Scalar>, Tensor<Scalar>) {
        var x = inputBuffers.takeSlot()
        trainSet.inputs(indices, flatten: flatten, into: &x)
        augmenter?.apply(to: &x!, iteration: iteration, firstPosition: firstPosition)
        inputBuffers.keep(x!)
        trainSet.targetTensor(indices, into: &labelBuffer)
        return (x!, labelBuffer!)
    }

    /// Loss and accuracy over a whole image set, in chunks of the training batch size (inference mode).
    public func evaluate(_ set: any LabeledDataset) -> (loss: Double, accuracy: Double) {
        let (loss, accuracy, _) = evaluate(set, confusion: false)
        return (loss, accuracy)
    }

    /// Loss, accuracy and (when asked) the confusion matrix — rows the true class, columns the
    /// predicted one — over a whole dataset, in chunks of the training batch size (inference mode), so the
    /// layers' buffers kept for the next step are the ones evaluation uses: no second, larger set.
    /// With a reducer each rank evaluates its share of the set and the sums are added.
    public func evaluate(_ set: any LabeledDataset, confusion: Bool) -> (loss: Double, accuracy: Double, confusion: [[Int]]) {
        BackpropTraining.evaluate(network, on: set, flatten: flatten, confusion: confusion, chunkSize: options.batchSize,
                          reducer: reducer)
    }
}

/// Loss (weight decay included), accuracy and optionally the confusion matrix of `network` over a
/// whole dataset, in inference mode, `chunkSize` examples per forward pass (default 100, the book's batch
/// size). Memory grows with the chunk: the layers keep their outputs and scratch at the chunk's size
/// (DeepConvNet: about 80 MB per 100 examples). With a `reducer`, every rank evaluates its contiguous
/// share of the set and the loss sums, correct counts and matrices are summed over the ranks (one
/// reduction); all ranks get the whole set's figures.
public func evaluate<Scalar: TensorScalar>(_ network: Network<Scalar>, on set: any LabeledDataset, flatten: Bool = true,
                                           confusion wantConfusion: Bool = false, chunkSize: Int = 100,
                                           reducer: (any GradientReducer)? = nil) -> (loss: Double, accuracy: Double, confusion: [[Int]]) {
    precondition(chunkSize > 0, "evaluate: chunkSize must be positive, got \(chunkSize)")
    var matrix = wantConfusion ? Array(repeating: Array(repeating: 0, count: set.classes), count: set.classes) : []
    guard set.count > 0 else { return (.nan, .nan, matrix) }
    var lossTotal = 0.0, correct = 0
    let range = reducer?.share(of: set.count) ?? 0 ..< set.count
    for start in stride(from: range.lowerBound, to: range.upperBound, by: chunkSize) {
        let indices = Array(start..<Swift.min(start + chunkSize, range.upperBound))
        let x: Tensor<Scalar> = set.inputs(indices, flatten: flatten)
        var target: Tensor<Scalar>?
        set.targetTensor(indices, into: &target)
        let t = target!
        let scores = network.predict(x, training: false)
        lossTotal += Double(network.lossLayer.forward(scores, t)) * Double(indices.count)
        let predicted = scores.argmax(axis: 1).scalars
        for (k, i) in indices.enumerated() {
            let truth = set.label(at: i)
            if predicted[k] == truth { correct += 1 }
            if wantConfusion && predicted[k] < set.classes { matrix[truth][predicted[k]] += 1 }
        }
    }
    if let reducer {
        var sums = [lossTotal, Double(correct)] + matrix.joined().map(Double.init)
        reducer.allReduceSum(&sums)
        lossTotal = sums[0]
        correct = Int(sums[1])
        for row in matrix.indices {
            for column in matrix[row].indices { matrix[row][column] = Int(sums[2 + row * set.classes + column]) }
        }
    }
    return (lossTotal / Double(set.count) + Double(network.weightDecayLoss()), Double(correct) / Double(set.count), matrix)
}

extension Trainer {

    /// Runs until `options.iterations` steps are done or `shouldStop()` says so (checked after every
    /// step, e.g. on Ctrl-C). Calls `progress` after each step and `epochEnded` after each record.
    public func run(shouldStop: () -> Bool = { false }, progress: (StepProgress) -> Void = { _ in },
                    epochEnded: (EpochRecord) -> Void = { _ in }) {
        var trainingSeconds = 0.0
        var examplesThisProcess = 0
        while iteration < options.iterations && !shouldStop() {
            let start = DispatchTime.now().uptimeNanoseconds
            let loss = step()
            trainingSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            examplesThisProcess += batchIndices.count   // the examples in the batch, not options.batchSize
            let rate = Double(examplesThisProcess) / Swift.max(trainingSeconds, 1e-9)
            progress(StepProgress(iteration: iteration, totalIterations: options.iterations, epoch: sampler.epoch,
                                  loss: loss, examplesPerSecond: rate,
                                  secondsRemaining: Double(options.iterations - iteration) * sampler.batchSize.toDouble / rate))
            if sampler.atEpochStart || iteration == options.iterations {
                epochEnded(record(seconds: previousSeconds + trainingSeconds))
            }
        }
        previousSeconds += trainingSeconds
    }

    /// Evaluates and appends a history record for the steps since the last one.
    private func record(seconds: Double) -> EpochRecord {
        let train = evaluate(trainSet), test = evaluate(testSet)
        let epochs = Double(sampler.epoch) + Double(sampler.position) / Double(trainSet.count)
        let row = EpochRecord(epoch: epochs, iteration: iteration, loss: lossCount > 0 ? lossSum / Double(lossCount) : .nan,
                              trainAccuracy: train.accuracy, testAccuracy: test.accuracy, seconds: seconds,
                              learningRate: optimizer.learningRate)
        history.append(row)
        lossSum = 0
        lossCount = 0
        return row
    }
}

extension Int {
    fileprivate var toDouble: Double { Double(self) }
}

