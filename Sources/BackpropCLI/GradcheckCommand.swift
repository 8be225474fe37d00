import ArgumentParser
import Backprop
import Foundation

/// `backprop gradcheck`: the book's gradient check (§5.7.3, gradient_check.py) in Double.
struct GradcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Compare backprop's gradients with numerical ones on 3 training examples, in Double (§5.7.3).",
        discussion: """
        Prints the mean |backprop − numerical| per parameter, as the book's gradient_check.py does. \
        ReLU has a kink at 0 where the two one-sided slopes differ: on real images a convolutional net's \
        zero biases over the black background put many activations exactly on it, so the conv biases (and \
        some weights) of cnn and deep-cnn show large differences there. That is the numerical gradient's \
        limit, not backprop's; the library's tests check every layer on random inputs, away from kinks.
        """
    )

    @Option(help: "Network: two-layer (784-50-10, std 0.01, as the book), mlp, cnn or deep-cnn.")
    var model: NetworkSpec.Kind = .twoLayer

    @Option(help: "Hidden layer sizes, comma-separated.")
    var hidden: String?

    @Option(help: "Hidden activation for mlp: relu, sigmoid.")
    var activation: Activation = .relu

    @Flag(help: "Batch normalization (mlp).")
    var batchNorm = false

    @Option(help: "L2 weight decay λ (mlp).")
    var weightDecay: Double = 0

    @Option(help: "Seed for the weights.")
    var seed: UInt64 = 0

    @Option(help: "Dataset directory, or 'synthetic'. Default: $BACKPROP_DATA, else /usr/share/datasets/fashion-mnist.")
    var data: String?

    @Option(help: "Check only this many elements of each parameter, chosen from the seed (default: all; 50 for cnn and deep-cnn).")
    var elements: Int?

    @Option(help: SizeLimits.maxParametersHelp)
    var maxParameters: Int = SizeLimits.defaultMaxParameters

    @Flag(help: "Print {\"parameters\": {\"W1\": {\"mean_abs_diff\": …, \"max_abs_diff\": …}, …}} as JSON.")
    var json = false

    func validate() throws {
        if let elements, elements < 1 { throw ValidationError("--elements must be at least 1, got \(elements)") }
        if maxParameters < 1 { throw ValidationError("--max-parameters must be at least 1, got \(maxParameters)") }
        // Before any data is read (the dataset's input size is checked again in `run`).
        try checkSize(inputSize: 784, classes: 10)
    }

    /// The network the flags describe, refused (one line, exit 64) past --max-parameters: weights and
    /// gradients in float64.
    private func checkedSpec(inputSize: Int, classes: Int) throws -> NetworkSpec {
        let spec = try makeSpec(model: model, hidden: hidden, activation: activation, weightInit: nil,
                                weightDecay: weightDecay, batchNorm: batchNorm, dropout: nil,
                                inputSize: inputSize, classes: classes)
        if let problem = spec.problems.first { throw ValidationError(problem) }
        try SizeLimits.checkNetwork(spec, flag: "--hidden \(hidden ?? model.defaultHiddenText)", limit: maxParameters,
                                    bytesPerParameter: 16, what: "for weights and gradients in float64")
        return spec
    }

    private func checkSize(inputSize: Int, classes: Int) throws {
        _ = try checkedSpec(inputSize: inputSize, classes: classes)
    }

    func run() throws {
        try reportingErrors {
            let loaded = try LoadedData.load(data, trainLimit: nil, seed: seed)
            var spec = try checkedSpec(inputSize: loaded.train.inputSize, classes: loaded.train.classes)
            // Dropout draws a new mask on every forward pass, which numerical differences cannot follow:
            // check DeepConvNet with its dropout ratio at 0.
            if spec.dropoutRatio != nil { spec.dropoutRatio = 0 }
            if let problem = spec.problems.first { throw ValidationError(problem) }
            let network = Network<Double>(spec: spec, seed: seed)
            let indices = Array(0..<Swift.min(3, loaded.train.count))
            let x: Tensor<Double> = loaded.train.inputs(indices, flatten: !spec.kind.isConvolutional)
            let t: Tensor<Double> = loaded.train.labelTensor(indices)
            let sample = elements ?? (spec.kind.isConvolutional ? 50 : nil)
            let differences = sample.map { gradientCheck(network, x, t, elementsPerParameter: $0, seed: seed) }
                ?? gradientCheck(network, x, t)
            if json {
                var parameters: [String: GradientDifferenceJSON] = [:]
                for d in differences {
                    parameters[d.name] = GradientDifferenceJSON(meanAbsDiff: d.meanAbsoluteDifference, maxAbsDiff: d.maxAbsoluteDifference)
                }
                print(try jsonLine(["parameters": parameters]))
            } else {
                for d in differences {
                    print("\(d.name):\(d.meanAbsoluteDifference)   (max \(d.maxAbsoluteDifference))")
                }
            }
        }
    }
}

/// One parameter's figures in `backprop gradcheck --json`: mean and largest |backprop − numerical|.
struct GradientDifferenceJSON: Codable {
    var meanAbsDiff: Double
    var maxAbsDiff: Double

    enum CodingKeys: String, CodingKey {
        case meanAbsDiff = "mean_abs_diff"
        case maxAbsDiff = "max_abs_diff"
    }
}
