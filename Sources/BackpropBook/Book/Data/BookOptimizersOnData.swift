import BackpropCharts
import BackpropCore
import BackpropTraining

/// Figure 6-9 (§6.1.8, `ch06/optimizer_compare_mnist.py`): SGD, Momentum, AdaGrad and Adam, each with the
/// book's default hyper-parameters (learning rate 0.01, Adam 0.001), training a 5-layer ReLU
/// `MultiLayerNet` (four hidden layers of 100, He weights) on the same 2000 mini-batches of 128.
///
/// All four networks start from the same weights (the book's draw different ones from the global NumPy
/// state); the batches are drawn from `seed` with replacement.
///
///     let curves = OptimizersOnData(seed: 0).run(on: trainSet)
///     for c in curves { print(c.name, c.finalLoss) }
public struct OptimizersOnData: Sendable {
    /// The optimizers compared, one network each, with the book's default hyper-parameters (`OptimizerKind.make()`).
    public var optimizers: [OptimizerKind]
    /// The widths of the hidden layers (the book's four of 100).
    public var hiddenSizes: [Int]
    /// Examples per mini-batch (the book's 128).
    public var batchSize: Int
    /// Training iterations, one mini-batch each (the book's 2000).
    public var iterations: Int
    /// The seed of the initial weights (shared by all networks) and of the batches (drawn with replacement).
    public var seed: UInt64

    /// The comparison with these settings; the defaults are the book's.
    public init(optimizers: [OptimizerKind] = [.sgd, .momentum, .adagrad, .adam], hiddenSizes: [Int] = [100, 100, 100, 100],
                batchSize: Int = 128, iterations: Int = 2000, seed: UInt64 = 0) {
        self.optimizers = optimizers
        self.hiddenSizes = hiddenSizes
        self.batchSize = batchSize
        self.iterations = iterations
        self.seed = seed
    }

    /// One loss curve per optimizer, in `optimizers` order, named as the book's legend.
    public func run(on train: any LabeledDataset) -> [LossCurve] {
        let contestants = optimizers.map { kind in
            Contestant(name: kind.bookName,
                       network: MultiLayerNet<Float>(inputSize: train.inputSize, hiddenSizes: hiddenSizes,
                                                     outputSize: train.classes, seed: seed),
                       optimizer: kind.make())
        }
        return trainSideBySide(contestants, on: train, batchSize: batchSize, iterations: iterations, seed: seed)
    }
}

extension OptimizerKind {
    /// The class name in the book's `common/optimizer.py`: "SGD", "Momentum", "AdaGrad", "Adam", ….
    public var bookName: String {
        switch self {
        case .sgd: "SGD"
        case .momentum: "Momentum"
        case .nesterov: "Nesterov"
        case .adagrad: "AdaGrad"
        case .rmsprop: "RMSprop"
        case .adam: "Adam"
        }
    }
}
