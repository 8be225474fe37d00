import Backprop

/// The network on the whole test set at an epoch's end, as `backprop evaluate` reports it: accuracy,
/// and the confusion matrix (rows: true class, columns: predicted), equal to the library's `evaluate`'s; and
/// the first misclassified test images (§8.1.1, figure 8-3), found by `Misclassified` and drawn by
/// `Misclassified.svg` when the inputs are square one-channel images. Bounded: at most `limit` images.
struct LabEvaluation: Encodable, Sendable {
    /// A test example the network gets wrong.
    struct Mistake: Encodable, Sendable, Equatable {
        var index: Int
        var label: Int
        var guess: Int
    }

    /// The iteration after which the network was evaluated.
    var iteration: Int
    /// Test examples classified (the matrix's entries sum to it).
    var count: Int
    var accuracy: Double
    var confusion: [[Int]]
    var classNames: [String]?
    /// The first misclassified examples, in test-set order.
    var misclassified: [Mistake]
    /// Figure 8-3's grid of those images, captioned with label and guess (nil unless square gray images).
    var misclassifiedSVG: String?

    /// The most misclassified images kept and drawn (the book's `max_view`).
    static let limit = 20

    /// Evaluates `network` on `test` (called on the training thread, which owns the network).
    init<Scalar: TensorScalar>(_ network: Network<Scalar>, test: any LabeledDataset, flatten: Bool, iteration: Int,
                               classNames: [String]?) {
        // One pass over the test set: the predicted classes give both the matrix and the mistakes.
        let guesses = predictions(network, on: test, flatten: flatten)
        let wrong = Misclassified(limit: Self.limit).result(guesses: guesses, on: test)
        var matrix = Array(repeating: Array(repeating: 0, count: test.classes), count: test.classes)
        for (i, guess) in guesses.enumerated() where guess < test.classes { matrix[test.label(at: i)][guess] += 1 }
        self.iteration = iteration
        count = test.count
        accuracy = wrong.accuracy
        confusion = matrix
        self.classNames = classNames
        misclassified = wrong.examples.map { Mistake(index: $0.index, label: $0.label, guess: $0.guess) }
        let side = Int(Double(test.inputSize).squareRoot().rounded())
        misclassifiedSVG = side > 1 && side * side == test.inputSize && !wrong.examples.isEmpty
            ? Misclassified.svg(wrong, test: test, classNames: classNames,
                                title: "the first \(wrong.examples.count) misclassified test images at iteration \(iteration)").text
            : nil
    }
}
