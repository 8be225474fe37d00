import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// The book's convolutional networks: sizes, names, and backprop against central differences.
struct ConvNetTests {
    @Test func simpleConvNetHasTheBooksShapeAndParameterCount() {
        let net = SimpleConvNet<Float>()
        #expect(net.parameterCount == 433_890)
        #expect(net.parameters.map(\.name) == ["W1", "b1", "W2", "b2", "W3", "b3"])
        #expect(net.parameter(named: "W1")?.value.shape == [30, 1, 5, 5])
        #expect(net.parameter(named: "W2")?.value.shape == [4320, 100])
        #expect(net.predict(Tensor.zeros([2, 1, 28, 28])).shape == [2, 10])
    }

    @Test func deepConvNetHasTheBooksShapeAndParameterCount() {
        let net = DeepConvNet<Float>()
        #expect(net.parameterCount == 123_552)
        #expect(net.parameter(named: "W4")?.value.shape == [32, 32, 3, 3])
        #expect(net.parameter(named: "W7")?.value.shape == [1024, 50])   // 64·4·4: the fourth conv pads by 2
        #expect(net.parameter(named: "W8")?.value.shape == [50, 10])
        #expect(net.layers.filter { $0 is Dropout<Float> }.count == 2)
        #expect(net.predict(Tensor.zeros([2, 1, 28, 28])).shape == [2, 10])
    }

    /// Random inputs and biases keep activations off ReLU's kink at 0, and h = 1e-7 keeps each
    /// difference from crossing one: then backprop and central differences agree to rounding.
    @Test(arguments: [NetworkSpec.Kind.cnn, .deepCNN])
    func gradientsMatchCentralDifferences(_ kind: NetworkSpec.Kind) {
        var rng = SeededGenerator(seed: 3)
        let spec = NetworkSpec(kind: kind, inputSize: 784, hiddenSizes: [kind == .cnn ? 20 : 50], outputSize: 10,
                               weightInit: kind == .cnn ? .standardDeviation(0.1) : .he, dropoutRatio: kind == .cnn ? nil : 0)
        let net = Network<Double>(spec: spec, seed: 1)
        for p in net.parameters where !p.decays {
            p.value = Tensor.randomUniform(p.value.shape, low: 0.05, high: 0.2, using: &rng)
        }
        let x = Tensor<Double>.randomUniform([2, 1, 28, 28], low: 0.1, high: 1, using: &rng)
        let t = Tensor<Double>([3, 7])
        for d in gradientCheck(net, x, t, elementsPerParameter: 6, seed: 2, h: 1e-7) {
            #expect(d.maxAbsoluteDifference < 1e-6, "\(kind) \(d.name): max |backprop − numerical| = \(d.maxAbsoluteDifference)")
        }
    }
}
