import BackpropCharts
import BackpropCore
import BackpropTraining

/// §8.1.1 (`ch08/misclassified_mnist.py`): the test accuracy of a trained network and the first test
/// images it gets wrong, each with its label and the network's guess — the book shows 20 in a 4 × 5
/// grid of grayscale images (`imshow(…, cmap=gray_r)`), each drawn from its darkest to its lightest
/// pixel.
public struct Misclassified: Sendable {
    /// A test image the network classifies wrongly.
    public struct Example: Sendable, Equatable {
        /// Position in the test set.
        public var index: Int
        /// The true class.
        public var label: Int
        /// The network's class (≠ label).
        public var guess: Int
    }

    /// The result of one run.
    public struct Result: Sendable, Equatable {
        /// The fraction of test images classified correctly, 0…1 (NaN for an empty test set).
        public var accuracy: Double
        /// Test images classified.
        public var count: Int
        /// The first `limit` misclassified images, in test-set order.
        public var examples: [Example]
    }

    /// How many misclassified images to collect (the book's `max_view`).
    public var limit: Int

    /// Collects at most `limit` misclassified images (the book's 20); stops if `limit` is negative.
    public init(limit: Int = 20) {
        precondition(limit >= 0, "Misclassified: limit must be ≥ 0, got \(limit)")
        self.limit = limit
    }

    /// Classifies every image of `test` with `network` (in chunks of 100) and collects the mistakes.
    public func run<Scalar: TensorScalar>(_ network: Network<Scalar>, on test: any LabeledDataset, flatten: Bool) -> Result {
        result(guesses: predictions(network, on: test, flatten: flatten), on: test)
    }

    /// The accuracy and the first `limit` mistakes of `guesses`, one predicted class per example of `test`
    /// in order (what `predictions` returns).
    public func result(guesses: [Int], on test: any LabeledDataset) -> Result {
        precondition(guesses.count == test.count, "Misclassified: \(guesses.count) guesses for \(test.count) examples")
        var correct = 0
        var examples: [Example] = []
        for (i, guess) in guesses.enumerated() {
            let label = test.label(at: i)
            if guess == label {
                correct += 1
            } else if examples.count < limit {
                examples.append(Example(index: i, label: label, guess: guess))
            }
        }
        return Result(accuracy: test.count > 0 ? Double(correct) / Double(test.count) : .nan, count: test.count,
                      examples: examples)
    }

    /// `run` on a checkpoint's network, in its precision.
    public func run(_ network: CheckpointNetwork, on test: any LabeledDataset) -> Result {
        switch network {
        case .float32(let n): run(n, on: test, flatten: !network.isConvolutional)
        case .float64(let n): run(n, on: test, flatten: !network.isConvolutional)
        }
    }

    /// The misclassified images as an SVG grid (5 per row), each captioned with its label and guess
    /// (class names when given). Stops unless the examples are square one-channel images.
    public static func svg(_ result: Result, test: any LabeledDataset, classNames: [String]? = nil, title: String) -> SVGDocument {
        let side = Int(Double(test.inputSize).squareRoot().rounded())
        precondition(side * side == test.inputSize, "Misclassified.svg: \(test.inputSize) inputs are not a square image")
        let pixels: Tensor<Double> = test.inputs(result.examples.map(\.index), flatten: true)
        let images = Tensor(shape: [result.examples.count, 1, side, side], scalars: pixels.scalars)
        func name(_ c: Int) -> String { classNames.flatMap { c < $0.count ? $0[c] : nil } ?? String(c) }
        let captions = result.examples.map { "label: \(name($0.label))\nguess: \(name($0.guess))" }
        return FilterPlot.svg(weights: images, columns: 5, cellSize: 5, title: title, captions: captions)
    }
}
