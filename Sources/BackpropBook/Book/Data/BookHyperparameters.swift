import BackpropCharts
import BackpropCore
import BackpropTraining
import Foundation

/// §6.5.3, figure 6-24 (`ch06/hyperparameter_optimization.py`): random search of the learning rate
/// 10^U(−6, −2) and the weight decay λ 10^U(−8, −4) for a 7-layer ReLU `MultiLayerNet` (six hidden
/// layers of 100), each trial trained by the book's `Trainer` (SGD, mini-batches of 100 with replacement)
/// for 50 epochs on 400 of the first 500 training images and scored on the other 100 — the book's
/// `shuffle_dataset` and 20 % validation split. The trials ranked by their final validation accuracy.
///
/// The split, the sampled values, each trial's weights and batches all come from `seed` (trial k
/// uses seed + k for its network and batches).
public struct HyperparameterSearch: Sendable {
    /// One trial: its hyper-parameters and its per-epoch accuracies.
    public struct Trial: Sendable, Equatable {
        /// 0-based position in the order the trials ran.
        public var index: Int
        /// The learning rate it trained with.
        public var learningRate: Double
        /// The weight decay λ it trained with.
        public var weightDecay: Double
        /// Validation accuracy after each epoch.
        public var validation: [Double]
        /// Training accuracy after each epoch.
        public var train: [Double]
        /// The final validation accuracy (what the book ranks by).
        public var finalValidation: Double { validation.last ?? .nan }
    }

    /// The number of trials (the book's 100).
    public var trials: Int
    /// Epochs per trial (the book's 50).
    public var epochs: Int
    /// How many of the first training images are used, split into training and validation (the book's 500).
    public var trainCount: Int
    /// The fraction of them held out for validation (the book's 0.2).
    public var validationRate: Double
    /// Exponents of 10 the learning rate is drawn between, uniformly.
    public var learningRateExponents: ClosedRange<Double>
    /// Exponents of 10 the weight decay is drawn between, uniformly.
    public var weightDecayExponents: ClosedRange<Double>
    /// The widths of the hidden layers (the book's six of 100).
    public var hiddenSizes: [Int]
    /// Examples per mini-batch (the book's 100).
    public var batchSize: Int
    /// The seed of the split and the sampled values; trial k's weights and batches use seed + k.
    public var seed: UInt64

    /// The search with these settings; the defaults are the book's.
    public init(trials: Int = 100, epochs: Int = 50, trainCount: Int = 500, validationRate: Double = 0.2,
                learningRateExponents: ClosedRange<Double> = -6 ... -2, weightDecayExponents: ClosedRange<Double> = -8 ... -4,
                hiddenSizes: [Int] = [100, 100, 100, 100, 100, 100], batchSize: Int = 100, seed: UInt64 = 0) {
        self.trials = trials
        self.epochs = epochs
        self.trainCount = trainCount
        self.validationRate = validationRate
        self.learningRateExponents = learningRateExponents
        self.weightDecayExponents = weightDecayExponents
        self.hiddenSizes = hiddenSizes
        self.batchSize = batchSize
        self.seed = seed
    }

    /// The (learning rate, weight decay) of every trial, in order: the book's
    /// `weight_decay = 10 ** np.random.uniform(-8, -4)` then `lr = 10 ** np.random.uniform(-6, -2)`.
    public func sampledValues() -> [(learningRate: Double, weightDecay: Double)] {
        var rng = SeededGenerator(seed: seed ^ 0x6879_7065_7270_6172)
        func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUniform()
        }
        return (0..<trials).map { _ in
            let weightDecay = pow(10, uniform(weightDecayExponents))
            return (pow(10, uniform(learningRateExponents)), weightDecay)
        }
    }

    /// The book's split of the first `trainCount` images: shuffled from `seed`, the first
    /// ⌊trainCount · validationRate⌋ for validation, the rest for training.
    public func split(_ fullTrain: any LabeledDataset) -> (train: DatasetSubset, validation: DatasetSubset) {
        let n = Swift.min(trainCount, fullTrain.count)
        let validationCount = Int(Double(n) * validationRate)
        var rng = SeededGenerator(seed: seed ^ 0x7368_7566_666c_6531)
        let order = rng.permutation(n)
        return (DatasetSubset(fullTrain, indices: Array(order[validationCount...])),
                DatasetSubset(fullTrain, indices: Array(order[..<validationCount])))
    }

    /// Runs every trial, in order; `trialEnded` is called after each.
    public func run(on fullTrain: any LabeledDataset, trialEnded: (Trial) -> Void = { _ in }) -> [Trial] {
        let (train, validation) = split(fullTrain)
        return sampledValues().enumerated().map { k, values in
            let trialSeed = seed &+ UInt64(k)
            let network = MultiLayerNet<Float>(inputSize: train.inputSize, hiddenSizes: hiddenSizes,
                                               outputSize: train.classes, weightDecay: values.weightDecay, seed: trialSeed)
            let curves = trainWithBookTrainer(network, learningRate: values.learningRate, batchSize: batchSize,
                                              epochs: epochs, train: train, test: validation, seed: trialSeed)
            let trial = Trial(index: k, learningRate: values.learningRate, weightDecay: values.weightDecay,
                              validation: curves.test, train: curves.train)
            trialEnded(trial)
            return trial
        }
    }

    /// The trials from the best final validation accuracy down (ties keep their order), as the book's
    /// `sorted(results_val.items(), key=lambda x: x[1][-1], reverse=True)`.
    public static func ranked(_ trials: [Trial]) -> [Trial] {
        trials.enumerated().sorted { a, b in
            // A trial without a finite final accuracy ranks last.
            let x = a.element.finalValidation.isNaN ? -Double.infinity : a.element.finalValidation
            let y = b.element.finalValidation.isNaN ? -Double.infinity : b.element.finalValidation
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
    }
}

