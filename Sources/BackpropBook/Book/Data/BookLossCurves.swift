import BackpropCharts
import BackpropCore
import BackpropTraining

/// The training loss of one network at every iteration, from a run beside other networks.
public struct LossCurve: Sendable, Equatable {
    /// The book's label for the run ("SGD", "Xavier", …).
    public var name: String
    /// The mini-batch loss of each iteration, computed in the iteration's forward pass (before its
    /// update; the book evaluates it once more after the update).
    public var losses: [Double]

    /// A curve of `losses` labelled `name`.
    public init(name: String, losses: [Double]) {
        self.name = name
        self.losses = losses
    }

    /// `smoothCurve(losses)`: what the book plots.
    public var smoothed: [Double] { smoothCurve(losses) }

    /// The mean loss of the last 100 iterations (all of them in shorter runs): a figure that the noise
    /// of single batches does not dominate.
    public var finalLoss: Double {
        let tail = losses.suffix(100)
        return tail.isEmpty ? .nan : tail.reduce(0.0) { $0 + $1 } / Double(tail.count)
    }
}

/// One network of a side-by-side comparison, with its optimizer and label.
public struct Contestant {
    /// The label of its curve, e.g. "SGD" or "Xavier".
    public var name: String
    /// The network trained (a class: training changes it in place).
    public var network: Network<Float>
    /// The optimizer that updates it.
    public var optimizer: any Optimizer<Float>

    /// A contestant `name` training `network` with `optimizer`.
    public init(name: String, network: Network<Float>, optimizer: any Optimizer<Float>) {
        self.name = name
        self.network = network
        self.optimizer = optimizer
    }
}

/// The loop of the book's `optimizer_compare_mnist.py` and `weight_init_compare.py` (§6.1.8, §6.2.4):
/// every iteration draws one mini-batch of `batchSize` examples with replacement
/// (`np.random.choice(train_size, batch_size)`) and each contestant takes one step on it, recording its
/// loss. Each contestant has its own `Trainer`; all samplers start from `seed`, so they draw the same
/// batches, as the book's single `batch_mask`.
public func trainSideBySide(_ contestants: [Contestant], on train: any LabeledDataset, batchSize: Int,
                            iterations: Int, seed: UInt64) -> [LossCurve] {
    precondition(batchSize >= 1 && iterations >= 0, "trainSideBySide: batch size \(batchSize), iterations \(iterations)")
    let options = TrainingOptions(batchSize: batchSize, iterations: iterations, seed: seed, batchesWithReplacement: true)
    let trainers = contestants.map {
        Trainer(network: $0.network, optimizer: $0.optimizer, options: options, train: train, test: train)
    }
    var losses = Array(repeating: [Double](), count: contestants.count)
    for _ in 0..<iterations {
        for (k, trainer) in trainers.enumerated() { losses[k].append(trainer.step()) }
    }
    return zip(contestants, losses).map { LossCurve(name: $0.name, losses: $1) }
}
