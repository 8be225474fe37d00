import BackpropCharts
import BackpropCore
import BackpropTraining
import Foundation

/// Figure 6-19 (§6.3.2, `ch06/batch_norm_test.py`): for each of 16 weight scales
/// (`np.logspace(0, -4, 16)`: 1 down to 0.0001), a 6-layer ReLU `MultiLayerNetExtend` (five hidden layers
/// of 100) with and without batch normalization, trained side by side with SGD (learning rate 0.01) on
/// the same mini-batches of 100 drawn with replacement from the first 1000 training images, for 20
/// "epochs" of 10 iterations. The training-set accuracy (inference mode: batch norm uses its running
/// statistics) is measured after iteration 0, 10, 20, …, as the book's loop does.
///
/// Both networks of a scale start from the same weights (batch norm adds γ = 1, β = 0), and every scale
/// draws the same deviates from `seed`: the panels differ only in the scale.
public struct BatchNormComparison: Sendable {
    /// One panel of the figure.
    public struct Panel: Sendable, Equatable {
        /// The standard deviation of the initial weights.
        public var weightScale: Double
        /// Training accuracy per epoch with batch normalization.
        public var withBatchNorm: [Double]
        /// Training accuracy per epoch without.
        public var withoutBatchNorm: [Double]
    }

    /// The standard deviations of the initial weights, one panel each (the book's `np.logspace(0, -4, 16)`).
    public var weightScales: [Double]
    /// How many of the first training images it trains and measures on (the book's 1000).
    public var trainCount: Int
    /// The widths of the hidden layers (the book's five of 100).
    public var hiddenSizes: [Int]
    /// SGD's learning rate (the book's 0.01).
    public var learningRate: Double
    /// Examples per mini-batch, drawn with replacement (the book's 100).
    public var batchSize: Int
    /// Accuracy measurements per panel ("epochs"): after iteration 0, then every trainCount / batchSize iterations (the book's 20).
    public var epochs: Int
    /// The seed of the weight deviates (the same for every scale) and of the batches.
    public var seed: UInt64

    /// The book's `np.logspace(start, stop, count)`: `count` values from 10^start to 10^stop, evenly spaced
    /// in the exponent (computed as NumPy's `linspace`: start + i·step, the last exactly stop).
    public static func logspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [pow(10, start)] : [] }
        let step = (stop - start) / Double(count - 1)
        return (0..<count).map { pow(10, $0 == count - 1 ? stop : start + Double($0) * step) }
    }

    /// The comparison with these settings; the defaults are the book's.
    public init(weightScales: [Double] = logspace(0, -4, count: 16), trainCount: Int = 1000,
                hiddenSizes: [Int] = [100, 100, 100, 100, 100], learningRate: Double = 0.01, batchSize: Int = 100,
                epochs: Int = 20, seed: UInt64 = 0) {
        self.weightScales = weightScales
        self.trainCount = trainCount
        self.hiddenSizes = hiddenSizes
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.epochs = epochs
        self.seed = seed
    }

    /// The panels, one per weight scale in `weightScales` order; `progress` is called after each.
    public func run(on fullTrain: any LabeledDataset, progress: (Panel) -> Void = { _ in }) -> [Panel] {
        let train = DatasetSubset(fullTrain, first: trainCount)
        return weightScales.map { scale in
            let panel = trainPair(scale, train)
            progress(panel)
            return panel
        }
    }

    /// The book's `__train(weight_init_std)`.
    private func trainPair(_ scale: Double, _ train: DatasetSubset) -> Panel {
        let options = TrainingOptions(learningRate: learningRate, batchSize: batchSize, iterations: Int.max,
                                      seed: seed, batchesWithReplacement: true)
        let trainers = [true, false].map { batchNorm in
            Trainer(network: MultiLayerNetExtend<Float>(inputSize: train.inputSize, hiddenSizes: hiddenSizes,
                                                        outputSize: train.classes, weightInit: .standardDeviation(scale),
                                                        useBatchNorm: batchNorm, seed: seed),
                    optimizer: SGD<Float>(learningRate: learningRate), options: options, train: train, test: train)
        }
        var accuracies: [[Double]] = [[], []]
        let iterationsPerEpoch = Swift.max(Double(train.count) / Double(batchSize), 1)
        var i = 0
        while accuracies[0].count < epochs {
            for trainer in trainers { trainer.step() }
            if Double(i).truncatingRemainder(dividingBy: iterationsPerEpoch) == 0 {
                for (k, trainer) in trainers.enumerated() { accuracies[k].append(trainer.evaluate(train).accuracy) }
            }
            i += 1
        }
        return Panel(weightScale: scale, withBatchNorm: accuracies[0], withoutBatchNorm: accuracies[1])
    }
}
