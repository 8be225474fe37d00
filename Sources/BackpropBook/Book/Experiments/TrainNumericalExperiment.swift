import BackpropCharts
import BackpropCore
import BackpropTraining
import Foundation

/// §4.5 Training by numerical gradients (`ch04/train_neuralnet.py` with `network.numerical_gradient`):
/// the book's TwoLayerNet(784, 50, 10) takes a few SGD steps with gradients from central differences —
/// two losses per weight, 79 520 forward passes per step — and, from the same start, with
/// backpropagation (ch. 5). The losses agree step by step; the times show why chapter 5 exists.
/// A batch of 10 images (the book's 100 would take minutes per numerical step); `--quick` uses a
/// hidden layer of 3 and 2 images.
public struct TrainNumericalExperiment: BookExperiment {
    public let name = "train-numerical"
    public let section = "§4.5"
    public let figure: String? = nil
    public let summary = "TwoLayerNet: a few SGD steps by numerical gradients vs backprop, losses and time per step"

    /// The experiment; sizes come from the context's scale (`.book`: hidden 50, batch 10, 3 steps).
    public init() {}

    public func run(_ context: BookContext) throws -> BookReport {
        let images = try context.images()
        let (hidden, batch, steps) = context.size(book: (50, 10, 3), quick: (3, 2, 2))
        let indices = Array(0..<Swift.min(batch, images.train.count))
        let x: Tensor<Double> = images.train.inputs(indices, flatten: true)
        let t: Tensor<Double> = images.train.labelTensor(indices)
        let numericalNet = TwoLayerNet<Double>(inputSize: 784, hiddenSize: hidden, outputSize: 10, seed: context.seed)
        let backpropNet = TwoLayerNet<Double>(inputSize: 784, hiddenSize: hidden, outputSize: 10, seed: context.seed)
        let (numericalSGD, backpropSGD) = (SGD<Double>(learningRate: 0.1), SGD<Double>(learningRate: 0.1))
        let clock = ContinuousClock()
        var report = BookReport(lines: [
            "TwoLayerNet(784, \(hidden), 10), \(numericalNet.parameterCount) weights, batch of \(indices.count) "
                + "\(images.title) training images, SGD lr = 0.1, seed \(context.seed):",
            "step  loss (numerical)      loss (backprop)       max |∇num − ∇backprop|",
        ])
        var numericalSeconds = 0.0, backpropSeconds = 0.0
        var rows: [BookValue] = []
        for step in 1...steps {
            var gradients: [String: Tensor<Double>] = [:]
            numericalSeconds += clock.measure { gradients = numericalNet.numericalGradient(x, t) }.seconds
            let numericalLoss = numericalNet.loss(x, t, training: true)
            for p in numericalNet.parameters { p.gradient = gradients[p.name]! }
            let backpropLoss = backpropNet.gradient(x, t)
            var difference = 0.0
            for p in backpropNet.parameters {
                difference = Swift.max(difference, (p.gradient - gradients[p.name]!).applying(.abs).max())
            }
            numericalSGD.update(numericalNet.parameters)
            backpropSGD.update(backpropNet.parameters)
            report.lines.append(String(format: "%4d  %.15f  %.15f  %.2e", step, numericalLoss, backpropLoss, difference))
            rows.append(["step": .integer(step), "loss_numerical": .number(numericalLoss),
                         "loss_backprop": .number(backpropLoss), "max_gradient_difference": .number(difference)])
        }
        // Backprop steps are short: time many.
        let repeats = context.size(book: 200, quick: 20)
        backpropSeconds = clock.measure { for _ in 0..<repeats { backpropNet.gradient(x, t) } }.seconds
        let numericalPerStep = numericalSeconds / Double(steps), backpropPerStep = backpropSeconds / Double(repeats)
        let ratio = numericalPerStep / backpropPerStep
        report.lines.append("gradient per step: numerical \(BookFormat.duration(numericalPerStep)), backprop "
                            + "\(BookFormat.duration(backpropPerStep)) (mean of \(repeats)): backprop is "
                            + String(format: "%.0f", ratio) + "× faster")
        report.values = ["steps": .array(rows), "numerical_seconds_per_step": .number(numericalPerStep),
                         "backprop_seconds_per_step": .number(backpropPerStep), "ratio": .number(ratio),
                         "hidden": .integer(hidden), "batch": .integer(indices.count),
                         "weights": .integer(numericalNet.parameterCount), "data": .string(images.title)]
        return report
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
