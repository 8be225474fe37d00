import BackpropCharts
import BackpropCore
import BackpropTraining

/// Figure 6-24 (§6.5.3, `ch06/hyperparameter_optimization.py`) as a `BookExperiment`: `HyperparameterSearch`
/// with the book's 100 trials of 50 epochs, each trial printed as the book prints it, then the best 20,
/// drawn as 20 small panels (validation solid, training dashed — each trial's own; the book's script
/// draws the last trial's training curve in every panel). Quick scale: 4 trials of 5 epochs on 100
/// images, hidden layers of 20, batches of 20. Fewer trials from the library: `HyperparameterSearch(trials:)`.
public struct HyperparametersExperiment: BookExperiment {
    public let name = "hyperparameters"
    public let section = "§6.5.3"
    public let figure: String? = "figure 6-24"
    public let summary = "random search of lr 10^U(-6,-2) and weight decay 10^U(-8,-4), 100 trials of 50 epochs: the best 20"

    /// The experiment; sizes come from the context's scale.
    public init() {}

    public func run(_ context: BookContext) throws -> BookReport {
        let images = try context.images()
        let search = HyperparameterSearch(trials: context.size(book: 100, quick: 4), epochs: context.size(book: 50, quick: 5),
                                          trainCount: context.size(book: 500, quick: 100),
                                          hiddenSizes: context.size(book: [100, 100, 100, 100, 100, 100], quick: [20, 20, 20, 20, 20, 20]),
                                          batchSize: context.size(book: 100, quick: 20), seed: context.seed)
        let (train, validation) = search.split(images.train)
        var lines = ["\(images.title): \(train.count) training and \(validation.count) validation images from the first "
                     + "\(train.count + validation.count), 784-\(search.hiddenSizes.map(String.init).joined(separator: "-"))-10 ReLU net, "
                     + "SGD, batches of \(search.batchSize), \(search.epochs) epochs per trial",
                     DataExperimentSupport.seedLine(context, "split, sampled values; trial k's weights and batches from seed + k")]
        func describe(_ t: HyperparameterSearch.Trial) -> String { "lr:\(t.learningRate), weight decay:\(t.weightDecay)" }
        let trials = search.run(on: images.train) { t in lines.append("val acc:\(t.finalValidation) | \(describe(t))") }
        lines.append("=========== Hyper-Parameter Optimization Result ===========")
        let best = Array(HyperparameterSearch.ranked(trials).prefix(20))
        var panels: [ChartPanel] = []
        for (i, t) in best.enumerated() {
            lines.append("Best-\(i + 1)(val acc:\(t.finalValidation)) | \(describe(t))")
            let x = t.validation.indices.map(Double.init)
            let panelTitle = "Best-\(i + 1): lr \(String(format: "%.2g", t.learningRate)), λ \(String(format: "%.2g", t.weightDecay))"
            var panel = ChartPanel(title: panelTitle,
                                   series: [ChartSeries("validation", x: x, y: t.validation, color: Chart.palette[0], lineWidth: 1.5),
                                            ChartSeries("train", x: x, y: t.train, color: Chart.palette[1], line: .dashed, lineWidth: 1.5)],
                                   yRange: 0...1)
            panel.yTickLabels = i % 5 == 0
            panel.legend = i == 0
            panels.append(panel)
        }
        let title = "Figure 6-24: the best \(best.count) of \(trials.count) trials by validation accuracy, \(images.title), "
            + "seed \(context.seed)"
        let trialValues: [BookValue] = trials.map { t in
            ["index": .integer(t.index), "learning_rate": .number(t.learningRate), "weight_decay": .number(t.weightDecay),
             "validation_accuracy": .numbers(t.validation), "train_accuracy": .numbers(t.train)]
        }
        return BookReport(lines: lines,
                          values: ["data": .string(images.title), "trials": .array(trialValues),
                                   "ranking": .integers(HyperparameterSearch.ranked(trials).map(\.index)),
                                   "epochs": .integer(search.epochs), "train_images": .integer(train.count),
                                   "validation_images": .integer(validation.count), "seed": DataExperimentSupport.seedValue(context)],
                          plot: Chart(title: title, panels: panels, columns: 5, panelWidth: 250, panelHeight: 190).svg)
    }
}
