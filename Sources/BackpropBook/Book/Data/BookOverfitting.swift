import BackpropCharts
import BackpropCore
import BackpropTraining

/// Train and test accuracy after each epoch of one run.
public struct AccuracyCurves: Sendable, Equatable {
    /// Accuracy on the training images after each epoch.
    public var train: [Double]
    /// Accuracy on the test images after each epoch.
    public var test: [Double]

    /// Curves of these per-epoch accuracies.
    public init(train: [Double], test: [Double]) {
        self.train = train
        self.test = test
    }

    /// Final train accuracy minus final test accuracy: how much the network overfits.
    public var finalGap: Double { (train.last ?? .nan) - (test.last ?? .nan) }
}

/// Figures 6-20, 6-21 and 6-23 (§6.4.1–6.4.3, `ch06/overfit_weight_decay.py`, `ch06/overfit_dropout.py`):
/// a 7-layer ReLU network (six hidden layers of 100, He weights) trained with SGD (learning rate 0.01)
/// on only the first 300 training images, mini-batches of 100 drawn with replacement, for 201 epochs
/// (301 for dropout), with optional L2 weight decay λ and dropout after each hidden ReLU (the book's
/// non-inverted dropout). Accuracy on all 300 training images and on the whole test set after every
/// epoch, as the book's `Trainer`.
///
/// Everything random (weights, batches, dropout masks) comes from `seed`.
///
///     let plain = Overfitting(weightDecay: 0).run(train: data.train, test: data.test)
///     let decayed = Overfitting(weightDecay: 0.1).run(train: data.train, test: data.test)
///     print(plain.finalGap, decayed.finalGap)      // weight decay narrows the gap
public struct Overfitting: Sendable {
    /// How many of the first training images it trains on (the book's 300).
    public var trainCount: Int
    /// The widths of the hidden layers (the book's six of 100).
    public var hiddenSizes: [Int]
    /// SGD's learning rate (the book's 0.01).
    public var learningRate: Double
    /// Examples per mini-batch, drawn with replacement (the book's 100).
    public var batchSize: Int
    /// Epochs trained (the book's 201; 301 with dropout).
    public var epochs: Int
    /// λ of the weight decay (the book's `weight_decay_lambda`; 0.1 in figure 6-21).
    public var weightDecay: Double
    /// Dropout ratio (figure 6-23: 0.15 in the book's text, 0.2 in its script); nil for no dropout.
    public var dropoutRatio: Double?
    /// The seed of everything random: weights, batches and dropout masks.
    public var seed: UInt64

    /// The run with these settings; the defaults are the book's figure 6-20 (no weight decay, no dropout).
    public init(trainCount: Int = 300, hiddenSizes: [Int] = [100, 100, 100, 100, 100, 100], learningRate: Double = 0.01,
                batchSize: Int = 100, epochs: Int = 201, weightDecay: Double = 0, dropoutRatio: Double? = nil,
                seed: UInt64 = 0) {
        self.trainCount = trainCount
        self.hiddenSizes = hiddenSizes
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.epochs = epochs
        self.weightDecay = weightDecay
        self.dropoutRatio = dropoutRatio
        self.seed = seed
    }

    /// Trains once and returns the per-epoch accuracies (`epochs` values each). `epochEnded` is called
    /// with each epoch's record.
    public func run(train fullTrain: any LabeledDataset, test: any LabeledDataset,
                    epochEnded: (EpochRecord) -> Void = { _ in }) -> AccuracyCurves {
        let train = DatasetSubset(fullTrain, first: trainCount)
        let network = MultiLayerNetExtend<Float>(inputSize: train.inputSize, hiddenSizes: hiddenSizes,
                                                 outputSize: train.classes, weightDecay: weightDecay,
                                                 useDropout: dropoutRatio != nil, dropoutRatio: dropoutRatio ?? 0,
                                                 seed: seed)
        return trainWithBookTrainer(network, learningRate: learningRate, batchSize: batchSize, epochs: epochs,
                                    train: train, test: test, seed: seed, epochEnded: epochEnded)
    }
}

/// The book's `common/trainer.py` `Trainer(network, …, epochs, mini_batch_size, optimizer='sgd',
/// optimizer_param={'lr': lr})`: our `Trainer` with SGD and batches drawn with replacement, run for
/// `epochs` × ⌈train.count / batchSize⌉ iterations, evaluating after every epoch.
func trainWithBookTrainer(_ network: Network<Float>, learningRate: Double, batchSize: Int, epochs: Int,
                          train: any LabeledDataset, test: any LabeledDataset, seed: UInt64,
                          epochEnded: (EpochRecord) -> Void = { _ in }) -> AccuracyCurves {
    let perEpoch = BatchSampler(count: train.count, batchSize: batchSize, seed: seed).batchesPerEpoch
    let options = TrainingOptions(optimizer: .sgd, learningRate: learningRate, batchSize: batchSize,
                                  iterations: epochs * perEpoch, seed: seed, batchesWithReplacement: true)
    let trainer = Trainer(network: network, optimizer: SGD<Float>(learningRate: learningRate), options: options,
                          train: train, test: test)
    trainer.run(epochEnded: epochEnded)
    return AccuracyCurves(train: trainer.history.map(\.trainAccuracy), test: trainer.history.map(\.testAccuracy))
}
