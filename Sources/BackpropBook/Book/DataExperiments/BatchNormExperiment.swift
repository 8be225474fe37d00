import BackpropCharts
import BackpropCore
import BackpropTraining

/// Figure 6-19 (§6.3.2, `ch06/batch_norm_test.py`) as a `BookExperiment`: `BatchNormComparison` on the
/// first 1000 training images, printed as the book prints each epoch ("epoch:E | without - with"),
/// drawn as 16 small panels. Quick scale: 3 scales, 200 images, hidden layers of 20, batches of 20, 4 epochs.
public struct BatchNormExperiment: BookExperiment {
    public let name = "batch-norm"
    public let section = "§6.3.2"
    public let figure: String? = "figure 6-19"
    public let summary = "6-layer net with and without batch norm over 16 initial weight scales, 1000 images, 20 epochs: train accuracy"

    /// The experiment; sizes come from the context's scale.
    public init() {}

    public func run(_ context: BookContext) throws -> BookReport {
        let images = try context.images()
        let experiment = BatchNormComparison(
            weightScales: context.size(book: BatchNormComparison.logspace(0, -4, count: 16), quick: [1, 0.01, 0.001]),
            trainCount: context.size(book: 1000, quick: 200),
            hiddenSizes: context.size(book: [100, 100, 100, 100, 100], quick: [20, 20, 20, 20, 20]),
            batchSize: context.size(book: 100, quick: 20), epochs: context.size(book: 20, quick: 4), seed: context.seed)
        var lines = ["\(images.title): first \(Swift.min(experiment.trainCount, images.train.count)) training images, "
                     + "784-\(experiment.hiddenSizes.map(String.init).joined(separator: "-"))-10 ReLU net, "
                     + "SGD (lr \(experiment.learningRate)), "
                     + "batches of \(experiment.batchSize); train accuracy without - with batch norm",
                     DataExperimentSupport.seedLine(context,
                                                    "the same weight deviates for every scale and both nets, and the same batches")]
        let panels = experiment.run(on: images.train)
        for (i, p) in panels.enumerated() {
            lines.append("============== \(i + 1)/\(panels.count) ============== W: \(p.weightScale)")
            for (e, (without, with)) in zip(p.withoutBatchNorm, p.withBatchNorm).enumerated() {
                lines.append("epoch:\(e) | \(without) - \(with)")
            }
        }
        var chartPanels: [ChartPanel] = []
        for (i, p) in panels.enumerated() {
            let x = p.withBatchNorm.indices.map(Double.init)
            var panel = ChartPanel(title: "W: \(String(format: "%.3g", p.weightScale))", series: [
                ChartSeries("Batch Normalization", x: x, y: p.withBatchNorm, color: Chart.palette[0], lineWidth: 1.5),
                ChartSeries("Normal (without BatchNorm)", x: x, y: p.withoutBatchNorm, color: Chart.palette[1], line: .dashed,
                            lineWidth: 1.5),
            ], yRange: 0...1)
            panel.legend = i == panels.count - 1
            panel.yTickLabels = i % 4 == 0
            if i >= panels.count - 4 { panel.xLabel = "epochs" }
            if i % 4 == 0 { panel.yLabel = "accuracy" }
            chartPanels.append(panel)
        }
        let title = "Figure 6-19: train accuracy with (solid) and without (dashed) batch norm, \(images.title), seed \(context.seed)"
        return BookReport(lines: lines,
                          values: ["data": .string(images.title),
                                   "train_images": .integer(Swift.min(experiment.trainCount, images.train.count)),
                                   "epochs": .integer(experiment.epochs), "batch_size": .integer(experiment.batchSize),
                                   "seed": DataExperimentSupport.seedValue(context),
                                   "panels": .array(panels.map { p in
                                       ["weight_scale": .number(p.weightScale), "with_batch_norm": .numbers(p.withBatchNorm),
                                        "without_batch_norm": .numbers(p.withoutBatchNorm)]
                                   })],
                          plot: Chart(title: title, panels: chartPanels, columns: 4, panelWidth: 300, panelHeight: 230).svg)
    }
}
