import ArgumentParser
import Backprop
import Foundation

/// `backprop gradcheck`: the book's gradient check (§5.7.3, gradient_check.py) in Double.
struct GradcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Compare backprop's gradients with numerical ones on 3 training examples, in Double (§5.7.3).",
        discussion: "Prints the mean |backprop − numerical| per parameter, as the book's gradient_check.py does."
    )

    @Option(help: "Network: two-layer (784-50-10, std 0.01, as the book) or mlp.")
    var model: TrainCommand.Model = .twoLayer

    @Option(help: "Hidden layer sizes, comma-separated.")
    var hidden: String = "50"

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

    @Flag(help: "Print {\"parameters\": {\"W1\": {\"mean_abs_diff\": …, \"max_abs_diff\": …}, …}} as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let loaded = try LoadedData.load(data, trainLimit: nil, seed: seed)
            let spec = try makeSpec(model: model, hidden: hidden, activation: activation, weightInit: nil,
                                    weightDecay: weightDecay, batchNorm: batchNorm, dropout: nil,
                                    inputSize: loaded.train.inputSize, classes: loaded.train.classes)
            if let problem = spec.problems.first { throw ValidationError(problem) }
            let network = Network<Double>(spec: spec, seed: seed)
            let indices = Array(0..<Swift.min(3, loaded.train.count))
            let x: Tensor<Double> = loaded.train.inputs(indices, flatten: true)
            let t: Tensor<Double> = loaded.train.labelTensor(indices)
            let differences = gradientCheck(network, x, t)
            if json {
                var parameters: [String: Any] = [:]
                for d in differences {
                    parameters[d.name] = ["mean_abs_diff": d.meanAbsoluteDifference, "max_abs_diff": d.maxAbsoluteDifference]
                }
                try printJSON(["parameters": parameters])
            } else {
                for d in differences {
                    print("\(d.name):\(d.meanAbsoluteDifference)   (max \(d.maxAbsoluteDifference))")
                }
            }
        }
    }
}
