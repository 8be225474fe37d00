import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// The seed's four layers: exact forward values, backward against central differences in Double,
/// broadcasting, and no mutation of the caller's tensors.
struct SeedLayerTests {
    /// Largest |a - b| over all elements.
    func maxDifference(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
        #expect(a.shape == b.shape)
        return zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
    }

    @Test func reluForwardAndBackwardMatchTheBook() {
        let x = Tensor<Double>([[1.0, -0.5], [-2.0, 3.0]])   // §5.5.1's example input
        let relu = Relu<Double>()
        let y = relu.forward(x)
        #expect(y == Tensor([[1.0, 0], [0, 3.0]]))
        #expect(relu.mask == Tensor([[false, true], [true, false]]))
        let dout = Tensor<Double>([[10, 20], [30, 40]])
        let dx = relu.backward(dout)
        #expect(dx == Tensor([[10.0, 0], [0, 40]]))
        #expect(dout == Tensor<Double>([[10, 20], [30, 40]]), "backward must not mutate the caller's dout")
        #expect(x == Tensor([[1.0, -0.5], [-2.0, 3.0]]), "forward must not mutate x")
    }

    @Test func reluMaskIncludesZero() {
        let relu = Relu<Float>()
        _ = relu.forward(Tensor([0, 1, -1]))
        #expect(relu.mask == Tensor([true, false, true]))   // mask is x <= 0, as the book
        #expect(relu.backward(Tensor([5, 5, 5])) == Tensor([0, 5, 0]))
    }

    @Test func sigmoidForwardAndBackward() {
        let sigmoid = Sigmoid<Double>()
        let y = sigmoid.forward(Tensor([0.0, 2.0, -2.0]))
        #expect(y[0] == 0.5)
        #expect(Swift.abs(y[1] - 0.8807970779778823) < 1e-15)
        #expect(Swift.abs(y[2] - 0.11920292202211755) < 1e-15)
        let dx = sigmoid.backward(Tensor([1.0, 1.0, 2.0]))
        #expect(dx[0] == 0.25)                                       // dout · y(1 − y)
        #expect(Swift.abs(dx[1] - 0.8807970779778823 * 0.11920292202211755) < 1e-15)
        #expect(Swift.abs(dx[2] - 2 * 0.8807970779778823 * 0.11920292202211755) < 1e-15)
    }

    @Test(arguments: [1000.0, -1000.0, 1e30, -1e30, 89, -89, 710, -710])
    func sigmoidIsSafeForLargeInputs(_ value: Double) {
        let d = Sigmoid<Double>().forward(Tensor([value]))[0]
        let f = Sigmoid<Float>().forward(Tensor([Float(value)]))[0]
        #expect(d.isFinite && f.isFinite)
        #expect(d >= 0 && d <= 1 && f >= 0 && f <= 1)
        if Swift.abs(value) >= 1000 {
            #expect(d == (value > 0 ? 1 : 0))
            #expect(f == (value > 0 ? 1 : 0))
        }
    }

    @Test func sigmoidBackwardMatchesNumericalGradient() {
        var rng = SeededGenerator(seed: 7)
        let x = Tensor<Double>.randomNormal([3, 4], standardDeviation: 3, using: &rng)
        let w = Tensor<Double>.randomNormal([3, 4], using: &rng)   // L = Σ w·sigmoid(x), so dout = w
        let layer = Sigmoid<Double>()
        _ = layer.forward(x)
        let analytic = layer.backward(w)
        let numeric = numericalGradient(of: { (Sigmoid<Double>().forward($0) * w).sum() }, at: x)
        #expect(maxDifference(analytic, numeric) < 1e-7)
    }

    @Test func reluBackwardMatchesNumericalGradient() {
        var rng = SeededGenerator(seed: 8)
        // Keep |x| well above h = 1e-4 so no difference straddles the kink at 0.
        var x = Tensor<Double>.randomNormal([4, 5], using: &rng)
        x = Tensor.where(abs(x) .< 0.01, Tensor(0.5), x)
        let w = Tensor<Double>.randomNormal([4, 5], using: &rng)
        let layer = Relu<Double>()
        _ = layer.forward(x)
        let analytic = layer.backward(w)
        let numeric = numericalGradient(of: { (Relu<Double>().forward($0) * w).sum() }, at: x)
        #expect(maxDifference(analytic, numeric) < 1e-7)
    }

    @Test func mulLayerBroadcastGradientsMatchNumericalGradient() {
        var rng = SeededGenerator(seed: 9)
        let x = Tensor<Double>.randomNormal([2, 3], using: &rng)
        let y = Tensor<Double>.randomNormal([3], using: &rng)       // broadcast over rows
        let w = Tensor<Double>.randomNormal([2, 3], using: &rng)
        let layer = MulLayer<Double>()
        #expect(layer.forward(x, y).shape == [2, 3])
        let (dx, dy) = layer.backward(w)
        #expect(dx.shape == [2, 3])
        #expect(dy.shape == [3])
        let numericX = numericalGradient(of: { ($0 * y * w).sum() }, at: x)
        let numericY = numericalGradient(of: { (x * $0 * w).sum() }, at: y)
        #expect(maxDifference(dx, numericX) < 1e-7)
        #expect(maxDifference(dy, numericY) < 1e-7)
    }

    @Test func addLayerBroadcastGradientsMatchNumericalGradient() {
        var rng = SeededGenerator(seed: 10)
        let x = Tensor<Double>.randomNormal([4, 1, 3], using: &rng)
        let y = Tensor<Double>.randomNormal([2, 1], using: &rng)
        let w = Tensor<Double>.randomNormal([4, 2, 3], using: &rng)
        let layer = AddLayer<Double>()
        #expect(layer.forward(x, y).shape == [4, 2, 3])
        let (dx, dy) = layer.backward(w)
        #expect(dx.shape == [4, 1, 3])
        #expect(dy.shape == [2, 1])
        #expect(maxDifference(dx, numericalGradient(of: { (($0 + y) * w).sum() }, at: x)) < 1e-7)
        #expect(maxDifference(dy, numericalGradient(of: { ((x + $0) * w).sum() }, at: y)) < 1e-7)
        // The bias-style gradient is the sum of dout over the broadcast axes.
        #expect(maxDifference(dy, w.sum(axis: 0).sum(axis: 1, keepDims: true)) < 1e-12)
    }

    @Test func backwardRejectsAGradientOfTheWrongShape() async {
        await #expect(processExitsWith: .failure) {
            let relu = Relu<Double>()
            _ = relu.forward(Tensor([1, 2, 3]))
            _ = relu.backward(Tensor([1, 2]))
        }
    }

    /// Relu writes y, its mask and dx into buffers reused from batch to batch; what a caller kept from
    /// earlier batches never changes, and each batch's figures are right.
    @Test func reluReusedBuffersNeverChangeWhatACallerKept() {
        let relu = Relu<Double>()
        var kept: [(Tensor<Double>, Tensor<Double>, Tensor<Bool>)] = []
        for k in 0..<3 {
            let sign = k % 2 == 0 ? 1.0 : -1.0
            let x = Tensor<Double>([sign, -sign, 2 * sign])
            let y = relu.forward(x)
            let dx = relu.backward(Tensor([5, 6, 7]))
            kept.append((y, dx, relu.mask!))
        }
        for (k, (y, dx, mask)) in kept.enumerated() {
            if k % 2 == 0 {
                #expect(y.scalars == [1, 0, 2] && dx.scalars == [5, 0, 7] && mask.scalars == [false, true, false])
            } else {
                #expect(y.scalars == [0, 1, 0] && dx.scalars == [0, 6, 0] && mask.scalars == [true, false, true])
            }
        }
    }
}
