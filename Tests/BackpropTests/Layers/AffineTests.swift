import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct AffineTests {
    typealias Check = LayerGradientCheck

    @Test func forwardAndBackwardOnAHandComputedExample() {
        let x = Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        let w = Tensor<Double>([[1, 0], [0, 1], [1, -1]])
        let b = Tensor<Double>([0.5, -1])
        let affine = Affine(weight: w, bias: b)
        // x·W = [[4, -1], [10, -1]], plus b in every row.
        #expect(affine.forward(x) == Tensor([[4.5, -2], [10.5, -2]]))
        let dout = Tensor<Double>([[1, 2], [3, 4]])
        let dx = affine.backward(dout)
        #expect(dx == Tensor([[1, 2, -1], [3, 4, -1]]))                       // dout·Wᵀ
        #expect(affine.weight.gradient == Tensor([[13, 18], [17, 24], [21, 30]]))   // xᵀ·dout
        #expect(affine.bias.gradient == Tensor([4, 6]))                        // Σ over the batch
        #expect(x == Tensor([[1, 2, 3], [4, 5, 6]]), "forward must not mutate x")
        #expect(dout == Tensor([[1, 2], [3, 4]]), "backward must not mutate dout")
        #expect(affine.weight.value == w && affine.bias.value == b)
    }

    @Test func parametersAreNamedAsTheBook() {
        let affine = Affine(weight: Tensor<Float>.zeros([3, 2]), bias: .zeros([2]))
        #expect(affine.parameters.map(\.name) == ["W", "b"])
        #expect(affine.parameters[0] === affine.weight && affine.parameters[1] === affine.bias)
        #expect(affine.weight.decays && !affine.bias.decays)
        #expect(affine.weight.gradient.shape == [3, 2] && affine.bias.gradient.shape == [2])
    }

    @Test func fourDimensionalInputIsFlattenedAndDxKeepsItsShape() {
        let x = Check.random([2, 3, 2, 2], seed: 1)
        let affine = Affine(weight: Check.random([12, 5], seed: 2), bias: Check.random([5], seed: 3))
        let y = affine.forward(x)
        #expect(y.shape == [2, 5])
        // The same as the explicitly flattened input.
        let flat = Affine(weight: affine.weight.value, bias: affine.bias.value).forward(x.reshaped([2, 12]))
        #expect(y == flat)
        #expect(affine.x?.shape == [2, 12])
        #expect(affine.originalShape == [2, 3, 2, 2])
        let dx = affine.backward(Check.random([2, 5], seed: 4))
        #expect(dx.shape == [2, 3, 2, 2])
    }

    @Test(arguments: [[4, 6], [2, 3, 2, 2]])
    func backwardMatchesNumericalGradient(_ shape: [Int]) {
        let x = Check.random(shape, seed: 11)
        let features = shape.dropFirst().reduce(1, *)
        let affine = Affine(weight: Check.random([features, 5], seed: 12), bias: Check.random([5], seed: 13))
        let w = Check.random([shape[0], 5], seed: 14)          // L = Σ w·forward(x), so dout = w
        let loss = { (affine.forward($0) * w).sum() }

        _ = affine.forward(x)
        let dx = affine.backward(w)
        let dW = affine.weight.gradient, db = affine.bias.gradient

        #expect(Check.relativeError(dx, numericalGradient(of: loss, at: x)) < Check.tolerance)
        let numericW = Check.numericalGradient(of: affine.weight) { loss(x) }
        #expect(Check.relativeError(dW, numericW) < Check.tolerance)
        let numericB = Check.numericalGradient(of: affine.bias) { loss(x) }
        #expect(Check.relativeError(db, numericB) < Check.tolerance)
        #expect(dW.shape == [features, 5] && db.shape == [5])
    }

    @Test func floatMatchesDouble() {
        let x = Check.random([3, 4], seed: 21), w = Check.random([4, 2], seed: 22), b = Check.random([2], seed: 23)
        let d = Affine(weight: w, bias: b).forward(x)
        let f = Affine(weight: w.map(Float.init), bias: b.map(Float.init)).forward(x.map(Float.init))
        #expect(Check.relativeError(f.map(Double.init), d) < 1e-6)
    }

    @Test func rejectsMismatchedFeatureCount() async {
        await #expect(processExitsWith: .failure) {
            let affine = Affine(weight: Tensor<Double>.zeros([3, 2]), bias: .zeros([2]))
            _ = affine.forward(.zeros([4, 2]))
        }
    }

    @Test func rejectsBiasOfTheWrongShape() async {
        await #expect(processExitsWith: .failure) {
            _ = Affine(weight: Tensor<Double>.zeros([3, 2]), bias: .zeros([3]))
        }
    }

    @Test func rejectsBackwardBeforeForward() async {
        await #expect(processExitsWith: .failure) {
            let affine = Affine(weight: Tensor<Double>.zeros([3, 2]), bias: .zeros([2]))
            _ = affine.backward(.zeros([1, 2]))
        }
    }

    /// Affine reuses its out, dx and gradient buffers from batch to batch; values a caller kept from an
    /// earlier batch stay as they were, and every batch's figures equal a fresh layer's.
    @Test func reusedBuffersNeverChangeWhatACallerKept() {
        let w = Tensor<Double>([[1, 2], [3, 4], [5, 6]]), b = Tensor<Double>([0.5, -0.5])
        let layer = Affine(weight: w, bias: b)
        let out1 = layer.forward(Tensor([[1, 0, 2]]))
        let dx1 = layer.backward(Tensor([[1, 1]]))
        let kept = (out1.scalars, dx1.scalars)
        let x2 = Tensor<Double>(shape: [1, 3, 1, 1], scalars: [-1, 2, 0.5])
        let out2 = layer.forward(x2)
        let dx2 = layer.backward(Tensor([[2, -1]]))
        #expect(out1.scalars == kept.0 && dx1.scalars == kept.1)
        #expect(out1.scalars == [11.5, 13.5])            // [1, 0, 2]·W + b
        #expect(out2.scalars == [8, 8.5] && out2.shape == [1, 2])          // [−1, 2, 0.5]·W + b
        #expect(dx2.shape == [1, 3, 1, 1] && dx2.scalars == [0, 2, 4])   // [2, −1]·Wᵀ
        #expect(layer.weight.gradient.scalars == [-2, 1, 4, -2, 1, -0.5])   // x2ᵀ·[2, −1]
        #expect(layer.bias.gradient.scalars == [2, -1])
    }
}
