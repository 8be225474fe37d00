import BackpropCore
/// Everything that defines a training run, as given on `backprop train`'s command line (each property
/// names its flag): built once from the flags, validated once (`problems`, `validated()`), saved in the
/// checkpoint (`Checkpoint.save(configuration:)`), and turned into the network's spec and the trainer's
/// options. Nil properties take the model's defaults from the registry (`NetworkSpec.Kind`).
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// `--model`.
    public var model: NetworkSpec.Kind
    /// `--hidden`; nil for `model.defaultHiddenSizes`.
    public var hiddenSizes: [Int]?
    /// `--activation` (mlp).
    public var activation: Activation
    /// `--weight-init`; nil for `model.defaultWeightInit(activation:)`.
    public var weightInit: WeightInitializer?
    /// `--optimizer`; nil for `model.defaultOptimizer`.
    public var optimizer: OptimizerKind?
    /// `--learning-rate`; nil for `model.defaultLearningRate(for:)`.
    public var learningRate: Double?
    /// `--batch-size`: examples per mini-batch (clamped to the training set by `options`).
    public var batchSize: Int
    /// `--epochs`; at most one of `epochs` and `iterations` (neither: 10000 iterations).
    public var epochs: Int?
    /// `--iterations`.
    public var iterations: Int?
    /// `--weight-decay`: λ of L2 weight decay.
    public var weightDecay: Double
    /// `--batch-norm` (mlp).
    public var batchNorm: Bool
    /// `--dropout`; nil for `model.defaultDropout`.
    public var dropout: Double?
    /// `--with-replacement`: batches drawn with replacement, as the book's scripts.
    public var withReplacement: Bool
    /// `--inverted-dropout`: PyTorch's dropout scaling instead of the book's.
    public var invertedDropout: Bool
    /// `--seed`: weights, batches and dropout.
    public var seed: UInt64
    /// `--dtype`.
    public var dtype: Precision
    /// `--threads`; nil for all cores.
    public var threads: Int?
    /// `--data`: a dataset directory or "synthetic"; nil for the default directory.
    public var data: String?
    /// `--train-limit`: use only the first N training examples; nil for all.
    public var trainLimit: Int?
    /// `--lr-schedule`; nil for constant (and in configurations saved before schedules existed).
    public var learningRateSchedule: LearningRateSchedule?
    /// `--warmup`: iterations of linear warm-up from 0; nil for none.
    public var warmup: Int?
    /// `--augment`: random crops and flips of the training images; nil for none.
    public var augmentation: ImageAugmentation?
    /// `--channels`, `--image-size`, `--test-split`, `--skip-bad-images`, `--target`, `--test`: how your own
    /// data is read (image folders, CSV tables); see TrainingConfiguration+Data.swift. Nil: the defaults.
    public var channels: Int?, imageSize: [Int]?, testSplit: Double?, skipBadImages: Bool?, target: String?, testFile: String?

    /// The book's ch05 run for `model` unless told otherwise: batches of 100, 10000 iterations, seed 0,
    /// float32, and the model's defaults for everything left nil.
    public init(model: NetworkSpec.Kind = .twoLayer, hiddenSizes: [Int]? = nil, activation: Activation = .relu,
                weightInit: WeightInitializer? = nil, optimizer: OptimizerKind? = nil, learningRate: Double? = nil,
                batchSize: Int = 100, epochs: Int? = nil, iterations: Int? = nil, weightDecay: Double = 0,
                batchNorm: Bool = false, dropout: Double? = nil, withReplacement: Bool = false,
                invertedDropout: Bool = false, seed: UInt64 = 0, dtype: Precision = .float32, threads: Int? = nil,
                data: String? = nil, trainLimit: Int? = nil, learningRateSchedule: LearningRateSchedule? = nil,
                warmup: Int? = nil, augmentation: ImageAugmentation? = nil) {
        self.model = model
        self.hiddenSizes = hiddenSizes
        self.activation = activation
        self.weightInit = weightInit
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.epochs = epochs
        self.iterations = iterations
        self.weightDecay = weightDecay
        self.batchNorm = batchNorm
        self.dropout = dropout
        self.withReplacement = withReplacement
        self.invertedDropout = invertedDropout
        self.seed = seed
        self.dtype = dtype
        self.threads = threads
        self.data = data
        self.trainLimit = trainLimit
        self.learningRateSchedule = learningRateSchedule
        self.warmup = warmup
        self.augmentation = augmentation
    }

    /// The hidden sizes in effect.
    public var effectiveHiddenSizes: [Int] { hiddenSizes ?? model.defaultHiddenSizes }
    /// The optimizer in effect.
    public var effectiveOptimizer: OptimizerKind { optimizer ?? model.defaultOptimizer }
    /// The learning rate given, else the model's default for the optimizer in effect (nil: the
    /// optimizer's own default, `OptimizerKind.defaultLearningRate`).
    public var effectiveLearningRate: Double? { learningRate ?? model.defaultLearningRate(for: effectiveOptimizer) }

    /// The network for `inputSize` features and `classes` outputs, the model's defaults filling the rest;
    /// a convolutional one for images of `imageShape` (C, H, W) when given and not one square channel;
    /// one output with a mean-squared-error loss when `regression`.
    public func spec(inputSize: Int = 784, classes: Int = 10, imageShape: [Int]? = nil, regression: Bool = false) -> NetworkSpec {
        var spec = NetworkSpec(kind: model, inputSize: inputSize, hiddenSizes: effectiveHiddenSizes, outputSize: regression ? 1 : classes,
                               activation: activation, weightInit: weightInit ?? model.defaultWeightInit(activation: activation),
                               weightDecay: weightDecay, batchNorm: batchNorm, dropoutRatio: dropout ?? model.defaultDropout,
                               inputShape: Self.inputShape(model, imageShape), invertedDropout: invertedDropout ? true : nil)
        spec.regression = regression ? true : nil
        return spec
    }

    /// Every problem with the configuration, one message each naming its flag (empty when valid); the
    /// network is checked for `inputSize` features and `classes` outputs (28×28 images, 10 classes).
    public func problems(inputSize: Int = 784, classes: Int = 10, imageShape: [Int]? = nil) -> [String] {
        var result: [String] = []
        func atLeastOne(_ flag: String, _ value: Int?) {
            if let value, value < 1 { result.append("\(flag) must be at least 1, got \(value)") }
        }
        atLeastOne("--batch-size", batchSize)
        atLeastOne("--epochs", epochs)
        atLeastOne("--iterations", iterations)
        atLeastOne("--threads", threads)
        atLeastOne("--train-limit", trainLimit)
        if epochs != nil && iterations != nil { result.append("give --epochs or --iterations, not both") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            result.append("--learning-rate must be a positive number, got \(learningRate)")
        }
        if invertedDropout && dropout == nil && model.defaultDropout == nil {
            result.append("--inverted-dropout needs dropout: give --dropout R (deep-cnn has it already)")
        }
        result += valueProblems() + dataProblems()
        result += (learningRateSchedule ?? .constant).problems(warmup: warmup ?? 0) + (augmentation?.problems ?? [])
        result += structureProblems(inputSize: inputSize, classes: classes, imageShape: imageShape)
        return result
    }

    /// Problems with the network's values, each naming its flag.
    private func valueProblems() -> [String] {
        var result: [String] = []
        let hidden = effectiveHiddenSizes
        if hidden.isEmpty { result.append("--hidden needs at least one size") }
        if let bad = hidden.first(where: { $0 < 1 }) { result.append("--hidden sizes must be at least 1, got \(bad)") }
        if case .standardDeviation(let sigma)? = weightInit, !(sigma >= 0 && sigma.isFinite) {
            result.append("--weight-init must be he, xavier or a standard deviation ≥ 0, got \(sigma)")
        }
        if !(weightDecay >= 0 && weightDecay.isFinite) { result.append("--weight-decay must be ≥ 0, got \(weightDecay)") }
        if let r = dropout, !(r >= 0 && r < 1) { result.append("--dropout must be in [0, 1), got \(r)") }
        return result
    }

    /// What the model's architecture refuses (e.g. two hidden layers for two-layer), checked on the
    /// spec with any bad value above replaced by a valid one, so that each problem is named once.
    private func structureProblems(inputSize: Int, classes: Int, imageShape: [Int]?) -> [String] {
        var spec = spec(inputSize: inputSize, classes: classes, imageShape: imageShape)
        spec.hiddenSizes = spec.hiddenSizes.isEmpty ? [1] : spec.hiddenSizes.map { Swift.max($0, 1) }
        spec.weightInit = .he
        spec.weightDecay = 0
        if let r = spec.dropoutRatio, !(r >= 0 && r < 1) { spec.dropoutRatio = 0 }
        return spec.problems.map { "--model \(model.rawValue): \($0)" }
    }

    /// The configuration, or a `TrainingConfigurationError` listing all its `problems`.
    public func validated(inputSize: Int = 784, classes: Int = 10) throws -> TrainingConfiguration {
        let problems = problems(inputSize: inputSize, classes: classes)
        if !problems.isEmpty { throw TrainingConfigurationError(problems: problems) }
        return self
    }

    /// Total optimizer steps for `batches` batches per epoch: `iterations`, `epochs` × `batches`, or
    /// 10000; nil when `epochs` × `batches` overflows.
    public func totalIterations(batchesPerEpoch batches: Int) -> Int? {
        if let iterations { return iterations }
        guard let epochs else { return 10_000 }
        let (product, overflow) = epochs.multipliedReportingOverflow(by: batches)
        return overflow ? nil : product
    }

    /// The trainer's options for a training set of `trainingCount` examples: the batch size clamped to
    /// the set (no batch can hold more examples than it has). Throws when --epochs makes too many steps.
    public func options(trainingCount: Int) throws -> TrainingOptions {
        let batch = Swift.min(batchSize, trainingCount)
        let batches = (trainingCount + batch - 1) / batch
        guard let total = totalIterations(batchesPerEpoch: batches) else {
            throw TrainingConfigurationError(problems: [
                "--epochs \(epochs ?? 0): \(epochs ?? 0) × \(batches) batches per epoch is too many iterations"])
        }
        return options(trainingCount: trainingCount, iterations: total)
    }

    /// The trainer's options for exactly `iterations` steps on a training set of `trainingCount` examples
    /// (what `backprop bench` times), whatever `epochs` and `iterations` say; the batch size clamped as above.
    public func options(trainingCount: Int, iterations: Int) -> TrainingOptions {
        TrainingOptions(optimizer: effectiveOptimizer, learningRate: effectiveLearningRate,
                        batchSize: Swift.min(batchSize, trainingCount), iterations: iterations, seed: seed,
                        batchesWithReplacement: withReplacement, learningRateSchedule: learningRateSchedule ?? .constant,
                        warmup: warmup ?? 0, augmentation: augmentation)
    }
}

/// A training configuration's problems, all of them, each naming its flag; described as one line.
public struct TrainingConfigurationError: Error, Equatable, CustomStringConvertible {
    /// One message per problem, e.g. "--batch-size must be at least 1, got 0".
    public var problems: [String]

    /// The problems on one line, separated by "; ".
    public var description: String { problems.joined(separator: "; ") }

    /// An error listing `problems` (at least one).
    public init(problems: [String]) { self.problems = problems }
}
