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

    @Option(help: "Dataset directory, or 'synthetic'. Default: $BACKPROP_DATA, else /usr/share/datasets/fashion-mnist.")
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
        let loaded = try LoadedData.load(data, trainLimit: nil, seed: saved.training?.options.seed ?? 0)
        try loaded.check(fits: saved.spec, model: saved.path)
        let set = loaded.test
        let result = Backprop.evaluate(network, on: set, flatten: !saved.spec.kind.isConvolutional, confusion: true)
        if json {
            print(try jsonLine(EvaluationJSON(accuracy: result.accuracy, loss: result.loss.isFinite ? result.loss : nil,
                                              count: set.count, confusion: result.confusion)))
            return
        }
        print(String(format: "accuracy %.4f  loss %.4f  (%d examples)", result.accuracy, result.loss, set.count))
        print("confusion matrix (rows: true class, columns: predicted class)")
        let width = Swift.max(4, String(result.confusion.flatMap { $0 }.max() ?? 0).count + 1)
        func pad(_ s: String) -> String { String(repeating: " ", count: Swift.max(0, width - s.count)) + s }
        print(pad("") + (0..<set.classes).map { pad(String($0)) }.joined())
        for (i, row) in result.confusion.enumerated() {
            print(pad(String(i)) + row.map { pad(String($0)) }.joined())
        }
    }
}

/// `backprop evaluate --json`: accuracy and mean loss on the test set (loss null when not finite), the
/// example count, and the confusion matrix (rows: true class, columns: predicted).
struct EvaluationJSON: Codable {
    var accuracy: Double
    var loss: Double?
    var count: Int
    var confusion: [[Int]]
}
