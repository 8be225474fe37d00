import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct LeakyReluTests {
    typealias Check = LayerGradientCheck

    @Test func defaultSlopeForwardAndBackward() {
        let x = Tensor<Double>([[1.0, -0.5], [-2.0, 3.0]])
        let layer = LeakyRelu<Double>()
        #expect(layer.slope == 0.01)
        #expect(layer.forward(x) == Tensor([[1.0, -0.005], [-0.02, 3.0]]))
        #expect(layer.mask == Tensor([[false, true], [true, false]]))
        let dout = Tensor<Double>([[10, 20], [30, 40]])
        #expect(layer.backward(dout) == Tensor([[10, 0.2], [0.3, 40]]))
        #expect(dout == Tensor<Double>([[10, 20], [30, 40]]), "backward must not mutate the caller's dout")
        #expect(x == Tensor([[1.0, -0.5], [-2.0, 3.0]]), "forward must not mutate x")
    }

    @Test func customSlopeAndTheMaskIncludesZero() {
        let layer = LeakyRelu<Float>(slope: 0.25)
        #expect(layer.forward(Tensor([0, 2, -4])) == Tensor([0, 2, -1]))
        #expect(layer.mask == Tensor([true, false, true]))
        #expect(layer.backward(Tensor([4, 4, 4])) == Tensor([1, 4, 1]))
    }

    @Test func backwardMatchesNumericalGradient() {
        // Keep |x| well above h = 1e-4 so no difference straddles the kink at 0.
        var x = Check.random([4, 5], seed: 61)
        x = Tensor.where(abs(x) .< 0.01, Tensor(0.5), x)
        let w = Check.random([4, 5], seed: 62)
        let layer = LeakyRelu<Double>(slope: 0.1)
        _ = layer.forward(x)
        let dx = layer.backward(w)
        let numeric = numericalGradient(of: { (LeakyRelu<Double>(slope: 0.1).forward($0) * w).sum() }, at: x)
        #expect(Check.relativeError(dx, numeric) < Check.tolerance)
    }

    @Test func rejectsBackwardBeforeForward() async {
        await #expect(processExitsWith: .failure) {
            _ = LeakyRelu<Double>().backward(.zeros([2]))
        }
    }
}
