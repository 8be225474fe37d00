import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct DropoutTests {
    typealias Check = LayerGradientCheck

    let x = Tensor<Double>([[1, 2, 3], [4, 5, 6]])
    let fixedMask = Tensor<Bool>([[true, false, true], [false, false, true]])

    @Test func bookSemanticsWithAFixedMask() {
        let layer = Dropout<Double>(ratio: 0.5)
        #expect(layer.forward(x, mask: fixedMask) == Tensor([[1, 0, 3], [0, 0, 6]]))
        #expect(layer.mask == fixedMask)
        let dout = Tensor<Double>([[10, 20, 30], [40, 50, 60]])
        #expect(layer.backward(dout) == Tensor([[10, 0, 30], [0, 0, 60]]))
        #expect(dout == Tensor<Double>([[10, 20, 30], [40, 50, 60]]), "backward must not mutate dout")
        #expect(x == Tensor([[1, 2, 3], [4, 5, 6]]), "forward must not mutate x")
    }

    @Test func bookInferenceScalesByTheKeepProbability() {
        let layer = Dropout<Double>(ratio: 0.25)
        #expect(layer.forward(x, training: false) == x * 0.75)
        #expect(layer.mask == nil)
        #expect(layer.backward(Tensor.ones([2, 3])) == Tensor.full([2, 3], 0.75))
    }

    @Test func invertedDropoutScalesInTraining() {
        let layer = Dropout<Double>(ratio: 0.5, inverted: true)
        #expect(layer.forward(x, mask: fixedMask) == Tensor([[2, 0, 6], [0, 0, 12]]))
        #expect(layer.backward(Tensor.ones([2, 3])) == Tensor([[2, 0, 2], [0, 0, 2]]))
        #expect(layer.forward(x, training: false) == x)
        #expect(layer.backward(Tensor.full([2, 3], 3)) == Tensor.full([2, 3], 3))
    }

    @Test func aSetMaskIsUsedByTheNextBackward() {
        let layer = Dropout<Double>()
        _ = layer.forward(x, training: false)
        layer.mask = fixedMask
        #expect(layer.backward(Tensor.ones([2, 3])) == Tensor([[1, 0, 1], [0, 0, 1]]))
    }

    @Test func masksAreDeterminedByTheSeed() {
        let big = Tensor<Double>.ones([50, 40])
        let a = Dropout<Double>(ratio: 0.3, seed: 42), b = Dropout<Double>(ratio: 0.3, seed: 42)
        let c = Dropout<Double>(ratio: 0.3, seed: 43)
        let a1 = a.forward(big), b1 = b.forward(big), c1 = c.forward(big)
        #expect(a1 == b1)
        #expect(a.mask == b.mask)
        #expect(a.mask != c.mask)
        #expect(a1 != c1)
        // The generator advances: the next mask differs, and again matches between equal seeds.
        let a2 = a.forward(big), b2 = b.forward(big)
        #expect(a2 != a1)
        #expect(a2 == b2)
        // Float draws the same mask as Double for the same seed.
        let f = Dropout<Float>(ratio: 0.3, seed: 42)
        _ = f.forward(Tensor<Float>.ones([50, 40]))
        #expect(f.mask == Dropout<Double>(ratio: 0.3, seed: 42).forward(big).map { $0 != 0 })
    }

    @Test func keepsAboutOneMinusRatio() {
        let layer = Dropout<Float>(ratio: 0.3, seed: 7)
        let y = layer.forward(Tensor<Float>.ones([100, 100]))
        let kept = Double(layer.mask!.trueCount) / 10_000
        #expect(kept > 0.68 && kept < 0.72)
        #expect(Double(y.sum()) == Double(layer.mask!.trueCount))
        #expect(layer.mask!.trueCount < 10_000 && layer.mask!.trueCount > 0)
    }

    @Test(arguments: [false, true])
    func backwardMatchesNumericalGradientWithAFixedMask(_ inverted: Bool) {
        let input = Check.random([3, 4], seed: 91)
        var rng = SeededGenerator(seed: 92)
        let mask = Tensor<Double>.randomUniform([3, 4], using: &rng) .> 0.5
        let w = Check.random([3, 4], seed: 93)
        let layer = Dropout<Double>(ratio: 0.4, inverted: inverted)
        _ = layer.forward(input, mask: mask)
        let dx = layer.backward(w)
        let numeric = numericalGradient(of: { (layer.forward($0, mask: mask) * w).sum() }, at: input)
        #expect(Check.relativeError(dx, numeric) < Check.tolerance)
        #expect(dx != w)
    }

    @Test func inferenceBackwardMatchesNumericalGradient() {
        let input = Check.random([3, 4], seed: 94)
        let w = Check.random([3, 4], seed: 95)
        let layer = Dropout<Double>(ratio: 0.4)
        _ = layer.forward(input, training: false)
        let dx = layer.backward(w)
        let numeric = numericalGradient(of: { (Dropout<Double>(ratio: 0.4).forward($0, training: false) * w).sum() },
                                        at: input)
        #expect(Check.relativeError(dx, numeric) < Check.tolerance)
    }

    @Test func rejectsAMaskOfAnotherShape() async {
        await #expect(processExitsWith: .failure) {
            _ = Dropout<Double>().forward(.zeros([2, 3]), mask: Tensor([true, false]))
        }
    }

    @Test func rejectsBackwardBeforeForward() async {
        await #expect(processExitsWith: .failure) {
            _ = Dropout<Double>().backward(.zeros([2]))
        }
    }
}
