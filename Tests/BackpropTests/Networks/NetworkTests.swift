import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct NetworkTests {
    /// Inputs in [0, 1) and labels in 0..<10, like three MNIST images.
    func fakeImages(_ n: Int, features: Int = 784, seed: UInt64 = 42) -> (Tensor<Double>, Tensor<Double>) {
        var rng = SeededGenerator(seed: seed)
        let x = Tensor<Double>.randomUniform([n, features], using: &rng)
        let t = Tensor<Double>((0..<n).map { _ in Double(rng.nextIndex(below: 10)) })
        return (x, t)
    }

    @Test func twoLayerNetHasTheBooksParameters() {
        let net = TwoLayerNet<Float>(inputSize: 784, hiddenSize: 50, outputSize: 10)
        #expect(net.parameters.map(\.name) == ["W1", "b1", "W2", "b2"])
        #expect(net.parameter(named: "W1")?.value.shape == [784, 50])
        #expect(net.parameter(named: "b2")?.value == Tensor.zeros([10]))
        #expect(net.parameterCount == 784 * 50 + 50 + 50 * 10 + 10)
        let w = net.parameter(named: "W1")!.value
        let std = (w.squared().mean() - w.mean() * w.mean()).squareRoot()
        #expect(Swift.abs(std - 0.01) < 0.0005)   // weight_init_std = 0.01
        #expect(net.predict(Tensor.zeros([5, 784])).shape == [5, 10])
    }

    @Test func sameSeedSameWeightsDifferentSeedDifferentWeights() {
        let a = TwoLayerNet<Double>(inputSize: 20, hiddenSize: 5, outputSize: 3, seed: 7)
        let b = TwoLayerNet<Double>(inputSize: 20, hiddenSize: 5, outputSize: 3, seed: 7)
        let c = TwoLayerNet<Double>(inputSize: 20, hiddenSize: 5, outputSize: 3, seed: 8)
        #expect(a.parameters.map(\.value) == b.parameters.map(\.value))
        #expect(a.parameters[0].value != c.parameters[0].value)
    }

    /// §5.7.3 the book's gradient_check.py setup: TwoLayerNet 784-50-10, 3 samples, std 0.01, h = 1e-4,
    /// in Double. The book prints mean differences of 2e-13 … 1.2e-10 with an exact loss.
    @Test func twoLayerNetGradientCheckLikeTheBook() {
        let (x, t) = fakeImages(3)
        let net = TwoLayerNet<Double>(inputSize: 784, hiddenSize: 50, outputSize: 10)
        let diffs = gradientCheck(net, x, t)
        #expect(diffs.map(\.name) == ["W1", "b1", "W2", "b2"])
        for d in diffs {
            #expect(d.meanAbsoluteDifference <= 1e-9, "\(d.name): mean |backprop − numerical| = \(d.meanAbsoluteDifference)")
        }
    }

    /// A sigmoid network has no kinks: the check holds tightly for any seed.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func sigmoidNetworkGradientCheckHoldsForAnySeed(_ seed: UInt64) {
        let (x, t) = fakeImages(4, features: 12, seed: seed)
        let net = MultiLayerNet<Double>(inputSize: 12, hiddenSizes: [8, 6], outputSize: 10, activation: .sigmoid,
                                        weightInit: .xavier, weightDecay: 0.1, seed: seed)
        for d in gradientCheck(net, x, t) {
            #expect(d.maxAbsoluteDifference < 1e-7, "\(d.name): max diff \(d.maxAbsoluteDifference)")
        }
    }

    @Test func batchNormNetworkGradientCheck() {
        let (x, t) = fakeImages(5, features: 6, seed: 3)
        let net = MultiLayerNetExtend<Double>(inputSize: 6, hiddenSizes: [7, 5], outputSize: 10, activation: .sigmoid,
                                              weightInit: .standardDeviation(0.5), useBatchNorm: true, seed: 3)
        #expect(net.parameters.map(\.name) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"])
        for d in gradientCheck(net, x, t) {
            #expect(d.maxAbsoluteDifference < 1e-7, "\(d.name): max diff \(d.maxAbsoluteDifference)")
        }
    }

    @Test func weightDecayAddsHalfLambdaSumOfSquaredWeights() {
        let (x, t) = fakeImages(2, features: 4)
        let plain = MultiLayerNet<Double>(inputSize: 4, hiddenSizes: [3], outputSize: 10, seed: 5)
        let decayed = MultiLayerNet<Double>(inputSize: 4, hiddenSizes: [3], outputSize: 10, weightDecay: 0.3, seed: 5)
        let sumW2 = plain.parameters.filter(\.decays).map { $0.value.squared().sum() }.reduce(0, +)
        let difference = decayed.loss(x, t) - plain.loss(x, t)
        #expect(Swift.abs(difference - 0.5 * 0.3 * sumW2) < 1e-12)
        plain.gradient(x, t)
        decayed.gradient(x, t)
        let w = decayed.parameter(named: "W1")!
        let expected = plain.parameter(named: "W1")!.gradient + 0.3 * w.value
        #expect(zip(w.gradient.scalars, expected.scalars).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        // Biases do not decay.
        #expect(decayed.parameter(named: "b1")!.gradient == plain.parameter(named: "b1")!.gradient)
    }

    @Test func accuracyCountsArgmaxMatchesForIndicesAndOneHot() {
        let net = TwoLayerNet<Double>(inputSize: 4, hiddenSize: 3, outputSize: 3, seed: 1)
        let x = Tensor<Double>.ones([4, 4])   // identical rows: identical predictions
        let predicted = net.predict(x).argmax(axis: 1)[0]
        let labels = Tensor<Double>([Double(predicted), Double((predicted + 1) % 3), Double(predicted), Double(predicted)])
        #expect(net.accuracy(x, labels) == 0.75)
        var oneHot = Tensor<Double>.zeros([4, 3])
        for (i, l) in labels.scalars.enumerated() { oneHot[i, Int(l)] = 1 }
        #expect(net.accuracy(x, oneHot) == 0.75)
    }

    @Test func specProblemsAreReportedNotTrapped() {
        let bad = NetworkSpec(kind: .twoLayer, inputSize: 0, hiddenSizes: [10, 10], outputSize: 10, weightInit: .standardDeviation(-1),
                              dropoutRatio: 1.5)
        #expect(bad.problems.count == 5)
        let good = NetworkSpec(kind: .mlp, inputSize: 784, hiddenSizes: [100, 100], outputSize: 10)
        #expect(good.problems.isEmpty)
        #expect(Network<Float>(spec: good).parameterCount == 784 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10)
    }
}
