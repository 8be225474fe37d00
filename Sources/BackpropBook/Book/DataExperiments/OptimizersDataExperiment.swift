import BackpropCharts
import BackpropCore
import BackpropTraining

/// Figure 6-9 (§6.1.8, `ch06/optimizer_compare_mnist.py`) as a `BookExperiment`: `OptimizersOnData` on
/// the context's training images, the loss every 100 iterations printed, the smoothed curves drawn.
/// Quick scale: 300 images, four hidden layers of 20, 40 iterations of 32.
public struct OptimizersDataExperiment: BookExperiment {
    public let name = "optimizers-data"
    public let section = "§6.1.8"
    public let figure: String? = "figure 6-9"
    public let summary = "SGD, Momentum, AdaGrad, Adam training a 5-layer ReLU net, 2000 batches of 128: loss curves"

    /// The experiment; sizes come from the context's scale.
    public init() {}

    public func run(_ context: BookContext) throws -> BookReport {
        let images = try context.images()
        let train: any LabeledDataset = context.size(book: images.train, quick: DatasetSubset(images.train, first: 300))
        let experiment = OptimizersOnData(hiddenSizes: context.size(book: [100, 100, 100, 100], quick: [20, 20, 20, 20]),
                                          batchSize: context.size(book: 128, quick: 32),
                                          iterations: context.size(book: 2000, quick: 40), seed: context.seed)
        let curves = experiment.run(on: train)
        let layers = experiment.hiddenSizes.map(String.init).joined(separator: "-")
        var lines = ["\(images.title): \(train.count) training images, 784-\(layers)-10 ReLU net (He weights, the same for all four), "
                     + "\(experiment.iterations) batches of \(experiment.batchSize)",
                     DataExperimentSupport.seedLine(context, "weights and batches, drawn with replacement")]
        lines += DataExperimentSupport.lossTable(curves, every: context.size(book: 100, quick: 10))
        let title = "Figure 6-9: optimizers on \(images.title), 5-layer ReLU net, seed \(context.seed)"
        return BookReport(lines: lines,
                          values: ["data": .string(images.title), "train_images": .integer(train.count),
                                   "iterations": .integer(experiment.iterations), "batch_size": .integer(experiment.batchSize),
                                   "hidden_sizes": .integers(experiment.hiddenSizes), "seed": DataExperimentSupport.seedValue(context),
                                   "curves": DataExperimentSupport.lossValues(curves)],
                          plot: DataExperimentSupport.lossChart(title, curves, top: 1, markEvery: context.size(book: 100, quick: 10)))
    }
}
