import Foundation
import Testing
@testable import BackpropCore
@testable import BackpropTraining

/// `NetworkSummary` against numbers worked out by hand for the book's two-layer net and SimpleConvNet.
struct NetworkSummaryTests {
    /// TwoLayerNet 784-50-10: Affine 784×50 + 50 = 39,250 parameters and 2·784·50 = 78,400 FLOPs; Affine
    /// 50×10 + 10 = 510 and 2·50·10 = 1,000. At batch 100 in float32 with SGD: 39,760 · 4 bytes each for the
    /// parameters and the gradients, no optimizer state, and (784 + 50 + 50 + 10) · 100 · 4 bytes of activations.
    @Test func twoLayerByHand() {
        let network = TwoLayerNet<Float>(inputSize: 784, hiddenSize: 50, outputSize: 10)
        let summary = NetworkSummary(network, inputShape: [784], batchSize: 100, optimizer: .sgd)
        #expect(summary.rows.map(\.layer) == ["Affine", "Relu", "Affine"])
        #expect(summary.rows.map(\.outputShape) == [[50], [50], [10]])
        #expect(summary.rows.map(\.parameters) == [39_250, 0, 510])
        #expect(summary.rows.map(\.flops) == [78_400, 0, 1_000])
        #expect(summary.totalParameters == 39_760 && summary.totalParameters == network.parameterCount)
        #expect(summary.totalFlops == 79_400)
        #expect(summary.memory == NetworkSummary.Memory(parameters: 159_040, gradients: 159_040, optimizerState: 0,
                                                        activations: 357_600, total: 675_680))
    }

    /// SimpleConvNet on (1, 28, 28): Convolution 30×1×5×5 + 30 = 780 parameters, output (30, 24, 24), FLOPs
    /// 2·30·1·5·5·24·24 = 864,000; pooling to (30, 12, 12); Affine 4320×100 + 100 = 432,100 and 2·4320·100 =
    /// 864,000; Affine 100×10 + 10 = 1,010 and 2,000. Adam keeps two copies: 4 · 433,890 · 4 bytes in all for
    /// parameters, gradients and state; activations (784 + 2·17,280 + 4,320 + 2·100 + 10) · 32 · 4 bytes.
    @Test func simpleConvNetByHand() {
        let network = SimpleConvNet<Float>()
        let summary = NetworkSummary(network, inputShape: [1, 28, 28], batchSize: 32, optimizer: .adam)
        #expect(summary.rows.map(\.layer) == ["Convolution", "Relu", "Pooling", "Affine", "Relu", "Affine"])
        #expect(summary.rows.map(\.outputShape) == [[30, 24, 24], [30, 24, 24], [30, 12, 12], [100], [100], [10]])
        #expect(summary.rows.map(\.parameters) == [780, 0, 0, 432_100, 0, 1_010])
        #expect(summary.rows.map(\.flops) == [864_000, 0, 0, 864_000, 0, 2_000])
        #expect(summary.totalParameters == 433_890 && summary.totalParameters == network.parameterCount)
        #expect(summary.totalFlops == 1_730_000)
        #expect(summary.memory.optimizerState == 2 * 433_890 * 4)
        #expect(summary.memory.activations == 39_874 * 32 * 4)
        #expect(summary.memory.total == 4 * 433_890 * 4 + 39_874 * 32 * 4)
        let double = NetworkSummary(SimpleConvNet<Double>(), inputShape: [1, 28, 28], batchSize: 32, optimizer: .adam)
        #expect(double.memory.total == 2 * summary.memory.total && double.bytesPerScalar == 8)
    }

    /// Every book network's total is its `parameterCount`, and the spec's.
    @Test(arguments: NetworkSpec.Kind.allCases)
    func totalsAreTheParameterCount(_ kind: NetworkSpec.Kind) throws {
        let spec = NetworkSpec(kind: kind, inputSize: 784, hiddenSizes: kind.defaultHiddenSizes, outputSize: 10,
                               batchNorm: kind == .mlp)
        let network = Network<Float>(spec: spec)
        let summary = NetworkSummary(network, inputShape: kind.isConvolutional ? spec.imageShape : [784], batchSize: 10,
                                     optimizer: .momentum)
        #expect(summary.totalParameters == network.parameterCount && summary.totalParameters == spec.parameterCount)
        #expect(summary.rows.count == network.layers.count && summary.rows.last?.outputShape == [10])
        #expect(summary.table.contains("Total params: \(NetworkSummary.grouped(network.parameterCount))"))
    }

    @Test func grouping() {
        #expect([0, 999, 1_000, 433_890, 1_730_000, -12_345].map(NetworkSummary.grouped)
                == ["0", "999", "1,000", "433,890", "1,730,000", "-12,345"])
    }
}
