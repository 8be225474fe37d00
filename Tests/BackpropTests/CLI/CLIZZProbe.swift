import Backprop
import Foundation
import Testing

struct CLIZZProbe {
    @Test func probeKink() throws {
        let (pixels, _) = CLIHarness.barImages(count: 20, seed: 1)
        let set = ImageSet(pixels: pixels, labels: [UInt8](repeating: 0, count: 20), rows: 28, columns: 28)
        let spec = NetworkSpec(kind: .twoLayer, inputSize: 784, hiddenSizes: [4], outputSize: 10, activation: .relu,
                               weightInit: "0.01", weightDecay: 0, batchNorm: false, dropoutRatio: nil)
        let net = Network<Double>(spec: spec, seed: 0)
        let x: Tensor<Double> = set.images([0, 1, 2])
        let a = matmul(x, net.parameter(named: "W1")!.value) + net.parameter(named: "b1")!.value
        print("PREACT", a.scalars)
    }
}
