import ArgumentParser
import Backprop
import Foundation

/// `backprop evaluate`: accuracy, loss and confusion matrix of a checkpoint on the test set.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a checkpoint on a dataset's test split: accuracy, loss, confusion matrix."
    )

    @Option(help: "The checkpoint (safetensors) written by `backprop train --checkpoint`.")
    var checkpoint: String

    @Option(help: ArgumentHelp("Dataset directory, image folder, CSV table, or 'synthetic'. Default: the checkpoint's image folder "
                + "or CSV table, else $BACKPROP_DATA, else /usr/share/datasets/fashion-mnist."))
    var data: String?

    @Option(help: "Threads to share the work among; OpenBLAS itself runs single-threaded.")
    var threads: Int?

    @Flag(help: "Print {\"accuracy\", \"loss\", \"count\", \"confusion\"} as JSON.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        if let threads { Threads.count = threads }
        try reportingErrors {
            let saved = try Checkpoint.read(path: checkpoint)
            if saved.dtype == "float64" { try evaluate(Double.self, saved) } else { try evaluate(Float.self, saved) }
        }
    }

    private func evaluate<Scalar: TensorScalar>(_: Scalar.Type, _ saved: CheckpointContents) throws {
        let network: Network<Scalar> = try saved.makeNetwork()
        // Your own data (an image folder, a CSV table) is evaluated on the checkpoint's own data unless told otherwise.
        let own = saved.file.metadata["data"].flatMap { ImageFolder.isImageFolder($0) || $0.lowercased().hasSuffix(".csv") ? $0 : nil }
        let loaded = try LoadedData.load(data ?? own, trainLimit: nil, seed: saved.training?.options.seed ?? 0,
                                         options: DataOptions(saved))
        try loaded.check(fits: saved.spec, model: saved.path)
        let set = loaded.test
        if let metrics = loaded.regressionMetrics(network) {
            let loss = Backprop.evaluate(network, on: set).loss
            if json {
                print(try jsonLine(RegressionJSON(rmse: metrics.rmse, r2: metrics.r2, loss: loss.isFinite ? loss : nil, count: set.count)))
            } else {
                print(String(format: "rmse %.4g  r2 %.4f  loss %.4f  (%d examples)", metrics.rmse, metrics.r2, loss, set.count))
            }
            return
        }
        let result = Backprop.evaluate(network, on: set, flatten: !saved.spec.kind.isConvolutional, confusion: true)
        if json {
            print(try jsonLine(EvaluationJSON(accuracy: result.accuracy, loss: result.loss.isFinite ? result.loss : nil,
                                              count: set.count, confusion: result.confusion)))
            return
        }
        print(String(format: "accuracy %.4f  loss %.4f  (%d examples)", result.accuracy, result.loss, set.count))
        printConfusion(result.confusion, classNames: loaded.classNames ?? classNames(saved))
    }
}

/// `backprop evaluate --json` for a regression: RMSE and R² on the test rows (the target's units), the mean
/// loss (of standardised targets; null when not finite) and the row count.
struct RegressionJSON: Codable {
    var rmse: Double
    var r2: Double
    var loss: Double?
    var count: Int
}

/// `backprop evaluate --json`: accuracy and mean loss on the test set (loss null when not finite), the
/// example count, and the confusion matrix (rows: true class, columns: predicted).
struct EvaluationJSON: Codable {
    var accuracy: Double
    var loss: Double?
    var count: Int
    var confusion: [[Int]]
}

extension EvaluateCommand {
    /// The class names a checkpoint records (metadata `class_names`), if any.
    func classNames(_ saved: CheckpointContents) -> [String]? {
        saved.file.metadata["class_names"].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
    }

    /// The confusion matrix as a table: rows the true class (its index and name, when known), columns the
    /// predicted class by index.
    func printConfusion(_ confusion: [[Int]], classNames names: [String]?) {
        print("confusion matrix (rows: true class, columns: predicted class)")
        let width = Swift.max(4, String(confusion.flatMap { $0 }.max() ?? 0).count + 1)
        func pad(_ s: String, _ w: Int = width) -> String { String(repeating: " ", count: Swift.max(0, w - s.count)) + s }
        let labels = confusion.indices.map { i in names.map { i < $0.count ? "\(i) \($0[i])" : "\(i)" } ?? "\(i)" }
        let labelWidth = Swift.max(width, (labels.map(\.count).max() ?? 0) + 1)
        func left(_ s: String) -> String { s + String(repeating: " ", count: Swift.max(0, labelWidth - s.count)) }
        print(left("") + confusion.indices.map { pad(String($0)) }.joined())
        for (label, row) in zip(labels, confusion) {
            print(left(label) + row.map { pad(String($0)) }.joined())
        }
    }
}
