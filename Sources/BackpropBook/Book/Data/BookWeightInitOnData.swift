import BackpropCharts
import BackpropCore
import BackpropTraining

/// Figure 6-15 (§6.2.4, `ch06/weight_init_compare.py`): a 5-layer ReLU `MultiLayerNet` (four hidden
/// layers of 100) started from weights of std 0.01, Xavier's √(1/n) and He's √(2/n), trained with SGD
/// (learning rate 0.01) on the same 2000 mini-batches of 128.
///
/// The three networks draw the same normal deviates from `seed`, scaled by each initializer, so they
/// differ only in scale.
public struct WeightInitOnData: Sendable {
    /// The book's legend and initializer of each run.
    public var initializers: [(name: String, initializer: WeightInitializer)]
    /// The widths of the hidden layers (the book's four of 100).
    public var hiddenSizes: [Int]
    /// SGD's learning rate (the book's 0.01).
    public var learningRate: Double
    /// Examples per mini-batch (the book's 128).
    public var batchSize: Int
    /// Training iterations, one mini-batch each (the book's 2000).
    public var iterations: Int
    /// The seed of the normal deviates (the same for every initializer) and of the batches (drawn with replacement).
    public var seed: UInt64

    /// The comparison with these settings; the defaults are the book's.
    public init(initializers: [(name: String, initializer: WeightInitializer)] = [("std=0.01", .standardDeviation(0.01)),
                                                                                   ("Xavier", .xavier), ("He", .he)],
                hiddenSizes: [Int] = [100, 100, 100, 100], learningRate: Double = 0.01, batchSize: Int = 128,
                iterations: Int = 2000, seed: UInt64 = 0) {
        self.initializers = initializers
        self.hiddenSizes = hiddenSizes
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.iterations = iterations
        self.seed = seed
    }

    /// One loss curve per initializer, in `initializers` order.
    public func run(on train: any LabeledDataset) -> [LossCurve] {
        let contestants = initializers.map { entry in
            Contestant(name: entry.name,
                       network: MultiLayerNet<Float>(inputSize: train.inputSize, hiddenSizes: hiddenSizes,
                                                     outputSize: train.classes, weightInit: entry.initializer, seed: seed),
                       optimizer: SGD<Float>(learningRate: learningRate))
        }
        return trainSideBySide(contestants, on: train, batchSize: batchSize, iterations: iterations, seed: seed)
    }
}
