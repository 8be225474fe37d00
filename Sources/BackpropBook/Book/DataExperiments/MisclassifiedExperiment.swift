import BackpropCharts
import BackpropCore
import BackpropTraining

/// §8.1.1 (`ch08/misclassified_mnist.py`) as a `BookExperiment`: the test accuracy of the context's
/// checkpoint and its first 20 misclassified test images, printed as the book's `{view index: (label,
/// inference)}` and drawn as a 4 × 5 image grid captioned with label and guess (Fashion-MNIST's class
/// names for Fashion-MNIST). Quick scale: the first 200 test images.
public struct MisclassifiedExperiment: BookExperiment {
    public let name = "misclassified"
    public let section = "§8.1.1"
    public let figure: String? = "figure 8-3"
    public let summary = "the first 20 misclassified test images of a checkpoint (--checkpoint), with label and guess, as an image grid"

    /// The experiment; the network is the context's `checkpoint`, or a TwoLayerNet trained on the spot.
    public init() {}

    public func run(_ context: BookContext) throws -> BookReport {
        let images = try context.images()
        let (network, description) = try CheckpointExperimentSupport.network(context, images)
        let test: any LabeledDataset = context.size(book: images.test, quick: DatasetSubset(images.test, first: 200))
        let result = Misclassified(limit: 20).run(network, on: test)
        let names = DataExperimentSupport.classNames(images)
        func name(_ c: Int) -> String { names.map { "\(c) \($0[c])" } ?? String(c) }
        var lines = [description, "test accuracy:\(result.accuracy) (\(result.count) test images, \(images.title))",
                     "======= misclassified result =======", "{view index: (label, inference), ...}",
                     "{" + result.examples.enumerated().map { "\($0.offset + 1): (\($0.element.label), \($0.element.guess))" }
                        .joined(separator: ", ") + "}"]
        if names != nil {
            lines += result.examples.enumerated().map { k, e in
                "\(k + 1): test image \(e.index), label \(name(e.label)), guess \(name(e.guess))"
            }
        }
        let title = "§8.1.1: the first \(result.examples.count) misclassified \(images.title) test images (accuracy "
            + "\(String(format: "%.4f", result.accuracy)))"
        return BookReport(lines: lines,
                          values: ["data": .string(images.title), "accuracy": .number(result.accuracy), "count": .integer(result.count),
                                   "network": .string(description),
                                   "misclassified": .array(result.examples.map { e in
                                       ["index": .integer(e.index), "label": .integer(e.label), "guess": .integer(e.guess)]
                                   })],
                          plot: Misclassified.svg(result, test: test, classNames: names, title: title))
    }
}
