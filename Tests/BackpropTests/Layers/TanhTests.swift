import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct TanhTests {
    typealias Check = LayerGradientCheck

    @Test func forwardAndBackwardValues() {
        let layer = Tanh<Double>()
        let x = Tensor<Double>([0, 0.5, -2])
        let y = layer.forward(x)
        for i in 0..<3 { #expect(y[i] == Foundation.tanh(x[i])) }
        #expect(layer.out == y)
        let dout = Tensor<Double>([1, 2, 3])
        let dx = layer.backward(dout)
        for i in 0..<3 {
            let t = Foundation.tanh(x[i])
            #expect(Swift.abs(dx[i] - dout[i] * (1 - t * t)) < 1e-15)
        }
        #expect(dx[0] == 1)
        #expect(x == Tensor([0, 0.5, -2]) && dout == Tensor([1, 2, 3]))
    }

    @Test func saturatesWithoutNaN() {
        let layer = Tanh<Float>()
        #expect(layer.forward(Tensor([1e4, -1e4])) == Tensor([1, -1]))
        #expect(layer.backward(Tensor([1, 1])) == Tensor([0, 0]))
    }

    @Test func backwardMatchesNumericalGradient() {
        let x = Check.random([3, 4], seed: 51, standardDeviation: 1.5)
        let w = Check.random([3, 4], seed: 52)
        let layer = Tanh<Double>()
        _ = layer.forward(x)
        let dx = layer.backward(w)
        let numeric = numericalGradient(of: { (Tanh<Double>().forward($0) * w).sum() }, at: x)
        #expect(Check.relativeError(dx, numeric) < Check.tolerance)
    }

    @Test func rejectsAGradientOfTheWrongShape() async {
        await #expect(processExitsWith: .failure) {
            let layer = Tanh<Double>()
            _ = layer.forward(.zeros([2, 3]))
            _ = layer.backward(.zeros([3, 2]))
        }
    }
}
