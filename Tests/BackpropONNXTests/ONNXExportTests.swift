import Backprop
import BackpropONNX
import Foundation
import Testing

/// Every network kind, trained briefly, exported, and run by onnxruntime on 1,000 Fashion-MNIST test
/// images: `onnx.checker` accepts it, every checkpoint tensor is an initializer with the same bits, and
/// the probabilities match Backprop's within 1e-5 (float32) in batches of 1, 7 and 1,000.
@Suite("ONNX export against onnxruntime")
struct ONNXExportTests {
    /// One network kind to export, as `backprop train` flags would make it.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var spec: NetworkSpec
        var optimizer: OptimizerKind = .adam
        var testDescription: String { name }
    }

    static let float32Cases: [Case] = [
        Case(name: "two-layer 784-50-10", spec: NetworkSpec(kind: .twoLayer, inputSize: 784, hiddenSizes: [50], outputSize: 10,
                                                            weightInit: .standardDeviation(0.01)), optimizer: .sgd),
        Case(name: "mlp relu, batch norm, book dropout 0.2",
             spec: NetworkSpec(kind: .mlp, inputSize: 784, hiddenSizes: [100, 50], outputSize: 10, activation: .relu,
                               batchNorm: true, dropoutRatio: 0.2)),
        Case(name: "mlp sigmoid, batch norm, inverted dropout 0.3",
             spec: NetworkSpec(kind: .mlp, inputSize: 784, hiddenSizes: [60, 40], outputSize: 10, activation: .sigmoid,
                               weightInit: .xavier, batchNorm: true, dropoutRatio: 0.3, invertedDropout: true)),
        Case(name: "mlp sigmoid 784-50-10", spec: NetworkSpec(kind: .mlp, inputSize: 784, hiddenSizes: [50], outputSize: 10,
                                                              activation: .sigmoid, weightInit: .xavier), optimizer: .sgd),
        Case(name: "cnn (SimpleConvNet)", spec: NetworkSpec(kind: .cnn, inputSize: 784, hiddenSizes: [100], outputSize: 10,
                                                            weightInit: .standardDeviation(0.01), inputShape: [1, 28, 28])),
        Case(name: "deep-cnn (DeepConvNet, book dropout 0.5)",
             spec: NetworkSpec(kind: .deepCNN, inputSize: 784, hiddenSizes: [50], outputSize: 10, dropoutRatio: 0.5,
                               inputShape: [1, 28, 28])),
    ]

    @Test("float32 checkpoint → float32 ONNX, probabilities within 1e-5", arguments: float32Cases)
    func float32(_ c: Case) throws {
        guard let data = ONNXHarness.requirements() else { return }
        let directory = try ONNXHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let contents = try ONNXHarness.trainedCheckpoint(c.spec, as: Float.self, optimizer: c.optimizer, data: data, in: directory)
        let model = "\(directory)/net.onnx", expected = "\(directory)/probabilities.npy"
        try ONNXExport.write(contents, to: model)
        try ONNXHarness.writeProbabilities(contents, as: Float.self, data: data, to: expected)
        ONNXHarness.checkAgainstBackprop(model, expected: expected, checkpoint: contents.path, label: c.name)
    }

    @Test("float64 mlp → float64 ONNX (bit-identical), probabilities within 1e-10")
    func float64MLP() throws {
        guard let data = ONNXHarness.requirements() else { return }
        let directory = try ONNXHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = NetworkSpec(kind: .mlp, inputSize: 784, hiddenSizes: [100, 50], outputSize: 10, batchNorm: true, dropoutRatio: 0.2)
        let contents = try ONNXHarness.trainedCheckpoint(spec, as: Double.self, data: data, in: directory)
        let model = "\(directory)/net.onnx", expected = "\(directory)/probabilities.npy"
        try ONNXExport.write(contents, to: model)
        try ONNXHarness.writeProbabilities(contents, as: Double.self, data: data, to: expected)
        ONNXHarness.checkAgainstBackprop(model, expected: expected, checkpoint: contents.path, atol: 1e-10, label: "float64 mlp")
    }

    /// onnxruntime's CPU provider has no float64 Conv: the float64 graph is checked by onnx.checker and
    /// for its bits; the float32 export of the same checkpoint runs, against Backprop's Float network.
    @Test("float64 cnn → float64 ONNX (checker, bits) and → float32 ONNX (onnxruntime, 1e-5)")
    func float64CNN() throws {
        guard let data = ONNXHarness.requirements() else { return }
        let directory = try ONNXHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = NetworkSpec(kind: .cnn, inputSize: 784, hiddenSizes: [100], outputSize: 10, weightInit: .standardDeviation(0.01),
                               inputShape: [1, 28, 28])
        let contents = try ONNXHarness.trainedCheckpoint(spec, as: Double.self, iterations: 10, data: data, in: directory)
        let double = "\(directory)/net64.onnx", single = "\(directory)/net32.onnx", expected = "\(directory)/probabilities.npy"
        try ONNXExport.write(contents, to: double)
        ONNXHarness.check(double, ["--checker-only", "--checkpoint", contents.path], label: "float64 cnn as double")
        try ONNXExport.write(contents, to: single, precision: .float32)
        try ONNXHarness.writeProbabilities(contents, as: Float.self, data: data, to: expected)
        ONNXHarness.checkAgainstBackprop(single, expected: expected, checkpoint: contents.path, label: "float64 cnn as float32")
    }
}
