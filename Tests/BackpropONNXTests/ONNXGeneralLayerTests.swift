import Backprop
@testable import BackpropONNX
import Foundation
import Testing

/// The layer forms no `NetworkSpec` makes today, exported through the same code and run by
/// onnxruntime: a strided padded convolution, batch norm over a 4-d value (the book's flattened features,
/// and per channel), a padded max-pool after Tanh (so padding zeros beat negative values), a padded
/// average-pool, Flatten, and the book's dropout.
@Suite("ONNX export: layer forms beyond the book's networks")
struct ONNXGeneralLayerTests {
    /// Random weights and running statistics, so every step of every layer matters.
    func network() -> Network<Float> {
        var g = SeededGenerator(seed: 11)
        let conv = Convolution<Float>(weight: .randomNormal([4, 1, 3, 3], standardDeviation: 0.5, using: &g),
                                      bias: .randomNormal([4], standardDeviation: 0.1, using: &g), stride: 2, pad: 1)
        let flatBN = BatchNormalization<Float>(featureCount: 4 * 14 * 14)
        let channelBN = BatchNormalization<Float>(featureCount: 4, perChannel: true)
        for (k, bn) in [flatBN, channelBN].enumerated() {
            let f = [bn.featureCount]
            bn.gamma.name = "gamma\(k + 1)"
            bn.beta.name = "beta\(k + 1)"
            bn.gamma.value = .randomUniform(f, low: 0.5, high: 1.5, using: &g)
            bn.beta.value = .randomNormal(f, standardDeviation: 0.2, using: &g)
            bn.runningMean = .randomNormal(f, standardDeviation: 0.2, using: &g)
            bn.runningVariance = .randomUniform(f, low: 0.1, high: 1, using: &g)
        }
        let affine = Affine<Float>(weight: .randomNormal([4 * 8 * 8, 10], standardDeviation: 0.3, using: &g),
                                   bias: .randomNormal([10], standardDeviation: 0.1, using: &g))
        affine.weight.name = "W2"
        affine.bias.name = "b2"
        conv.weight.name = "W1"
        conv.bias.name = "b1"
        return Network(layers: [
            conv,                                                          // (4, 14, 14)
            flatBN, Tanh(),
            Pooling(poolHeight: 3, poolWidth: 3, stride: 2, pad: 1),       // (4, 7, 7)
            channelBN, Relu(),
            Pooling(poolHeight: 2, poolWidth: 2, stride: 1, pad: 1, mode: .average),   // (4, 8, 8)
            Flatten(), affine, Dropout(ratio: 0.4),
        ], lossLayer: SoftmaxWithLoss())
    }

    @Test func onnxruntimeMatchesTheSwiftLayers() throws {
        guard let data = ONNXHarness.requirements() else { return }
        let directory = try ONNXHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let net = network()
        let model = try ONNXExport.modelProto(of: net, inputShape: [1, 28, 28], name: "general", path: "hand-built")
        #expect(model.graph.node.map(\.opType) == ["Conv", "Flatten", "Sub", "Add", "Sqrt", "Div", "Mul", "Add", "Reshape", "Tanh",
                                                   "Pad", "MaxPool", "Sub", "Add", "Sqrt", "Div", "Mul", "Add", "Relu",
                                                   "AveragePool", "Flatten", "Gemm", "Mul", "Softmax"])
        let path = "\(directory)/general.onnx", expected = "\(directory)/probabilities.npy"
        try writeAtomically(try model.serializedBytes(), to: path)
        try ONNXHarness.writeProbabilities(of: net, convolutional: true, data: data, to: expected)
        ONNXHarness.checkAgainstBackprop(path, expected: expected, checkpoint: nil)
    }
}
