import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct BatchNormalizationTests {
    typealias Check = LayerGradientCheck

    /// Per-feature mean and biased variance of x (N, D), by plain loops.
    func columnStatistics(_ x: Tensor<Double>) -> (mean: [Double], variance: [Double]) {
        let (n, d) = (x.shape[0], x.shape[1])
        let mean = (0..<d).map { j in (0..<n).map { x[$0, j] }.reduce(0, +) / Double(n) }
        let variance = (0..<d).map { j in (0..<n).map { (x[$0, j] - mean[j]) * (x[$0, j] - mean[j]) }.reduce(0, +) / Double(n) }
        return (mean, variance)
    }

    /// Per-channel mean and biased variance of x (N, C, H, W) over (N, H, W), by plain loops.
    func channelStatistics(_ x: Tensor<Double>) -> (mean: [Double], variance: [Double]) {
        let s = x.shape
        func values(_ c: Int) -> [Double] {
            var v: [Double] = []
            for n in 0..<s[0] { for h in 0..<s[2] { for w in 0..<s[3] { v.append(x[n, c, h, w]) } } }
            return v
        }
        let mean = (0..<s[1]).map { values($0).reduce(0, +) / Double(values($0).count) }
        let variance = (0..<s[1]).map { c in
            values(c).map { ($0 - mean[c]) * ($0 - mean[c]) }.reduce(0, +) / Double(values(c).count)
        }
        return (mean, variance)
    }

    func close(_ a: Tensor<Double>, _ b: [Double], _ tolerance: Double = 1e-13) -> Bool {
        Check.relativeError(a, Tensor(b)) < tolerance
    }

    @Test func parametersAndInitialState() {
        let bn = BatchNormalization<Float>(featureCount: 4)
        #expect(bn.parameters.map(\.name) == ["gamma", "beta"])
        #expect(bn.gamma.value == .ones([4]) && bn.beta.value == .zeros([4]))
        #expect(!bn.gamma.decays && !bn.beta.decays)
        #expect(bn.runningMean == .zeros([4]) && bn.runningVariance == .zeros([4]))
        #expect(bn.momentum == 0.9 && bn.epsilon == 1e-6 && !bn.perChannel)
    }

    @Test func trainingNormalisesEachFeatureAndUpdatesTheRunningStatistics() {
        let x = Check.random([6, 3], seed: 101, standardDeviation: 2) + Tensor([5.0, -3, 0])
        let bn = BatchNormalization<Double>(featureCount: 3)
        let y = bn.forward(x)
        let (mean, variance) = columnStatistics(x)
        // After one step from 0: running = 0.9·0 + 0.1·batch.
        #expect(close(bn.runningMean, mean.map { 0.1 * $0 }))
        #expect(close(bn.runningVariance, variance.map { 0.1 * $0 }))
        // γ = 1, β = 0: each column has mean 0 and variance σ²/(σ² + ε).
        let (yMean, yVariance) = columnStatistics(y)
        for j in 0..<3 {
            #expect(Swift.abs(yMean[j]) < 1e-14)
            #expect(Swift.abs(yVariance[j] - variance[j] / (variance[j] + 1e-6)) < 1e-13)
        }
        // A second step blends again.
        let x2 = x * 2
        _ = bn.forward(x2)
        let (mean2, variance2) = columnStatistics(x2)
        #expect(close(bn.runningMean, (0..<3).map { 0.9 * 0.1 * mean[$0] + 0.1 * mean2[$0] }))
        #expect(close(bn.runningVariance, (0..<3).map { 0.9 * 0.1 * variance[$0] + 0.1 * variance2[$0] }))
    }

    @Test func inferenceUsesTheRunningStatistics() {
        let bn = BatchNormalization<Double>(featureCount: 2, epsilon: 1e-3)
        bn.runningMean = Tensor([1, -2])
        bn.runningVariance = Tensor([4, 0.25])
        bn.gamma.value = Tensor([2, 3])
        bn.beta.value = Tensor([0.5, -1])
        let x = Tensor<Double>([[3, -1], [1, -2], [0, 0]])
        let y = bn.forward(x, training: false)
        for i in 0..<3 {
            #expect(Swift.abs(y[i, 0] - (2 * (x[i, 0] - 1) / Foundation.sqrt(4.001) + 0.5)) < 1e-14)
            #expect(Swift.abs(y[i, 1] - (3 * (x[i, 1] + 2) / Foundation.sqrt(0.251) - 1)) < 1e-14)
        }
        // Inference leaves the running statistics alone.
        #expect(bn.runningMean == Tensor([1, -2]) && bn.runningVariance == Tensor([4, 0.25]))
        // A single example works in inference (its batch statistics would be degenerate).
        #expect(bn.forward(Tensor([[3.0, -1]]), training: false).shape == [1, 2])
    }

    @Test func fourDimensionalInputDefaultsToTheBooksPerFeatureNormalisation() {
        let x = Check.random([4, 2, 3, 3], seed: 102) + 1
        let bn = BatchNormalization<Double>(featureCount: 18)
        let y = bn.forward(x)
        #expect(y.shape == [4, 2, 3, 3])
        let flat = BatchNormalization<Double>(featureCount: 18).forward(x.reshaped([4, 18]))
        #expect(y.reshaped([4, 18]) == flat)
        let (mean, variance) = columnStatistics(x.reshaped([4, 18]))
        #expect(close(bn.runningMean, mean.map { 0.1 * $0 }))
        #expect(close(bn.runningVariance, variance.map { 0.1 * $0 }))
    }

    @Test func perChannelNormalisesOverBatchAndSpace() {
        let x = Check.random([3, 2, 2, 3], seed: 103) + Tensor<Double>(shape: [1, 2, 1, 1], scalars: [4, -4])
        let bn = BatchNormalization<Double>(featureCount: 2, perChannel: true)
        let y = bn.forward(x)
        #expect(y.shape == [3, 2, 2, 3])
        let (mean, variance) = channelStatistics(x)
        #expect(close(bn.runningMean, mean.map { 0.1 * $0 }))
        #expect(close(bn.runningVariance, variance.map { 0.1 * $0 }))
        let (yMean, yVariance) = channelStatistics(y)
        for c in 0..<2 {
            #expect(Swift.abs(yMean[c]) < 1e-14)
            #expect(Swift.abs(yVariance[c] - variance[c] / (variance[c] + 1e-6)) < 1e-13)
        }
    }

    /// Checks dx, dγ, dβ against central differences for L = Σ w·forward(x).
    func checkGradients(_ bn: BatchNormalization<Double>, _ x: Tensor<Double>, training: Bool, seed: UInt64) {
        bn.gamma.value = Check.random(bn.gamma.value.shape, seed: seed) + 1
        bn.beta.value = Check.random(bn.beta.value.shape, seed: seed + 1)
        let w = Check.random(x.shape, seed: seed + 2)
        let loss = { (bn.forward($0, training: training) * w).sum() }
        _ = bn.forward(x, training: training)
        let dx = bn.backward(w)
        let dgamma = bn.gamma.gradient, dbeta = bn.beta.gradient
        #expect(dx.shape == x.shape)
        #expect(Check.relativeError(dx, numericalGradient(of: loss, at: x)) < Check.tolerance)
        #expect(Check.relativeError(dgamma, Check.numericalGradient(of: bn.gamma) { loss(x) }) < Check.tolerance)
        #expect(Check.relativeError(dbeta, Check.numericalGradient(of: bn.beta) { loss(x) }) < Check.tolerance)
    }

    @Test func trainingBackwardMatchesNumericalGradientOn2D() {
        checkGradients(BatchNormalization(featureCount: 4), Check.random([5, 4], seed: 111, standardDeviation: 2),
                       training: true, seed: 112)
    }

    @Test func trainingBackwardMatchesNumericalGradientOn4D() {
        checkGradients(BatchNormalization(featureCount: 12), Check.random([4, 3, 2, 2], seed: 121, standardDeviation: 2),
                       training: true, seed: 122)
    }

    @Test func trainingBackwardMatchesNumericalGradientOn4DPerChannel() {
        checkGradients(BatchNormalization(featureCount: 3, perChannel: true), Check.random([2, 3, 2, 3], seed: 131),
                       training: true, seed: 132)
    }

    @Test func inferenceBackwardMatchesNumericalGradient() {
        let bn = BatchNormalization<Double>(featureCount: 3, perChannel: true)
        bn.runningMean = Tensor([0.5, -1, 2])
        bn.runningVariance = Tensor([1.5, 0.5, 3])
        checkGradients(bn, Check.random([2, 3, 2, 2], seed: 141), training: false, seed: 142)
    }

    @Test func floatMatchesDouble() {
        let x = Check.random([8, 5], seed: 151, standardDeviation: 3)
        let w = Check.random([8, 5], seed: 152)
        let d = BatchNormalization<Double>(featureCount: 5)
        let f = BatchNormalization<Float>(featureCount: 5)
        let yd = d.forward(x), yf = f.forward(x.map(Float.init))
        #expect(Check.relativeError(yf.map(Double.init), yd) < 1e-6)
        let dd = d.backward(w), df = f.backward(w.map(Float.init))
        #expect(Check.relativeError(df.map(Double.init), dd) < 1e-5)
    }

    @Test func rejectsAFeatureCountMismatch() async {
        await #expect(processExitsWith: .failure) {
            _ = BatchNormalization<Double>(featureCount: 3).forward(.zeros([2, 3, 2, 2]))
        }
    }

    @Test func rejectsAChannelCountMismatch() async {
        await #expect(processExitsWith: .failure) {
            _ = BatchNormalization<Double>(featureCount: 12, perChannel: true).forward(.zeros([2, 3, 2, 2]))
        }
    }

    @Test func rejectsBackwardBeforeForward() async {
        await #expect(processExitsWith: .failure) {
            _ = BatchNormalization<Double>(featureCount: 3).backward(.zeros([2, 3]))
        }
    }
}
