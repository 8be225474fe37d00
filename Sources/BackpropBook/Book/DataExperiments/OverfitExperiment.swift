import BackpropCharts
import BackpropCore
import BackpropTraining

/// Figures 6-20 and 6-21 (§6.4.1–6.4.2, `ch06/overfit_weight_decay.py` with λ = 0 and λ = 0.1) as a
/// `BookExperiment`: `Overfitting` trained without and with weight decay on 300 training images, train
/// and test accuracy every epoch. Quick scale: 100 images (200 test), hidden layers of 20, batches of
/// 20, 20 epochs.
public struct OverfitExperiment: BookExperiment {
    public let name = "overfit"
    public let section = "§6.4.1"
    public let figure: String? = "figures 6-20, 6-21"
    public let summary = "7-layer net on 300 images for 201 epochs, without and with weight decay 0.1: train/test accuracy"

    /// The experiment; sizes come from the context's scale.
    public init() {}

    public func run(_ context: BookContext) throws -> BookReport {
        let runs: [(label: String, key: String, experiment: Overfitting)] = [0, 0.1].map { lambda in
            (lambda == 0 ? "without weight decay" : "weight decay λ = \(lambda)", lambda == 0 ? "plain" : "weight_decay",
             OverfittingScale.experiment(context, epochs: 201, weightDecay: lambda, dropoutRatio: nil))
        }
        return try OverfittingScale.report(context, runs: runs, figures: ["Figure 6-20", "Figure 6-21"],
                                           seedNote: "weights and batches, drawn with replacement")
    }
}

/// Figure 6-23 (§6.4.3, `ch06/overfit_dropout.py`) as a `BookExperiment`: the same 7-layer net and 300
/// images trained by the book's `Trainer` for 301 epochs, without and with dropout 0.15 (the book's
/// text; its script has 0.2). Quick scale as `overfit`.
public struct DropoutExperiment: BookExperiment {
    public let name = "dropout"
    public let section = "§6.4.3"
    public let figure: String? = "figure 6-23"
    public let summary = "the same 7-layer net, 300 images, 301 epochs, without and with dropout 0.15: train/test accuracy"

    /// The experiment; sizes come from the context's scale (as `overfit`'s).
    public init() {}

    public func run(_ context: BookContext) throws -> BookReport {
        let runs: [(label: String, key: String, experiment: Overfitting)] = [nil, 0.15].map { ratio in
            (ratio.map { "dropout ratio \($0)" } ?? "without dropout", ratio == nil ? "plain" : "dropout",
             OverfittingScale.experiment(context, epochs: 301, weightDecay: 0, dropoutRatio: ratio))
        }
        return try OverfittingScale.report(context, runs: runs, figures: ["Figure 6-23 (left)", "Figure 6-23 (right)"],
                                           seedNote: "weights, batches drawn with replacement, and dropout masks")
    }
}

/// The scales and the report `overfit` and `dropout` share.
enum OverfittingScale {
    static func experiment(_ context: BookContext, epochs: Int, weightDecay: Double, dropoutRatio: Double?) -> Overfitting {
        Overfitting(trainCount: context.size(book: 300, quick: 100),
                    hiddenSizes: context.size(book: [100, 100, 100, 100, 100, 100], quick: [20, 20, 20, 20, 20, 20]),
                    batchSize: context.size(book: 100, quick: 20), epochs: context.size(book: epochs, quick: 20),
                    weightDecay: weightDecay, dropoutRatio: dropoutRatio, seed: context.seed)
    }

    static func report(_ context: BookContext, runs: [(label: String, key: String, experiment: Overfitting)],
                       figures: [String], seedNote: String) throws -> BookReport {
        let images = try context.images()
        let test: any LabeledDataset = context.size(book: images.test, quick: DatasetSubset(images.test, first: 200))
        let first = runs[0].experiment
        var lines = ["\(images.title): first \(Swift.min(first.trainCount, images.train.count)) training images, "
                     + "\(test.count) test images, "
                     + "784-\(first.hiddenSizes.map(String.init).joined(separator: "-"))-10 ReLU net, SGD (lr \(first.learningRate)), "
                     + "batches of \(first.batchSize), \(first.epochs) epochs",
                     DataExperimentSupport.seedLine(context, seedNote)]
        var values: [String: BookValue] = ["data": .string(images.title), "epochs": .integer(first.epochs),
                                           "train_images": .integer(Swift.min(first.trainCount, images.train.count)),
                                           "test_images": .integer(test.count), "seed": DataExperimentSupport.seedValue(context)]
        var panels: [ChartPanel] = []
        let every = context.size(book: 10, quick: 5)
        for (k, run) in runs.enumerated() {
            let curves = run.experiment.run(train: images.train, test: test)
            lines.append("=== \(run.label) ===")
            for e in curves.train.indices where e % every == 0 || e == curves.train.count - 1 {
                lines.append("epoch:\(e), train acc:\(curves.train[e]), test acc:\(curves.test[e])")
            }
            lines.append("final: train \(String(format: "%.4f", curves.train.last ?? .nan)), "
                         + "test \(String(format: "%.4f", curves.test.last ?? .nan)), gap \(String(format: "%.4f", curves.finalGap))")
            values[run.key] = ["weight_decay": .number(run.experiment.weightDecay),
                               "dropout_ratio": run.experiment.dropoutRatio.map(BookValue.number) ?? .number(0),
                               "train_accuracy": .numbers(curves.train), "test_accuracy": .numbers(curves.test),
                               "final_gap": .number(curves.finalGap)]
            let x = curves.train.indices.map(Double.init)
            let mark = Swift.max(1, curves.train.count / 20)
            let marked = Array(stride(from: 0, to: x.count, by: mark))
            panels.append(ChartPanel(title: "\(figures[k]): \(run.label)", xLabel: "epochs", yLabel: "accuracy", series: [
                ChartSeries("train", x: x, y: curves.train, color: Chart.palette[0], lineWidth: 1.5),
                ChartSeries("", x: marked.map { x[$0] }, y: marked.map { curves.train[$0] }, color: Chart.palette[0], line: nil,
                            marker: .circle),
                ChartSeries("test", x: x, y: curves.test, color: Chart.palette[1], lineWidth: 1.5),
                ChartSeries("", x: marked.map { x[$0] }, y: marked.map { curves.test[$0] }, color: Chart.palette[1], line: nil,
                            marker: .square),
            ], yRange: 0...1))
        }
        let title = "Overfitting: \(Swift.min(first.trainCount, images.train.count)) training images of \(images.title), "
            + "seed \(context.seed)"
        return BookReport(lines: lines, values: values, plot: Chart(title: title, panels: panels, columns: 2).svg)
    }
}
