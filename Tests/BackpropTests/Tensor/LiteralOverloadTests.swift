import Testing
import Backprop

/// Literals next to tensors pick the scalar overloads instead of being ambiguous with 0-d tensors.
struct LiteralOverloadTests {
    @Test func integerAndFloatLiteralsWorkOnEitherSide() {
        let t = Tensor<Double>([1, 2])
        #expect(t + 2 == Tensor([3, 4]))
        #expect(2 * t == Tensor([2, 4]))
        #expect(t / 2.5 == Tensor([0.4, 0.8]))
        #expect(1 - t == Tensor([0, -1]))
        var d = t
        d += 1
        #expect(d == Tensor([2, 3]))
        #expect((t .> 1) == Tensor([false, true]))
        #expect(Tensor.where(t .> 1, 0, t) == Tensor([1, 0]))
        let s: Tensor<Float> = 3
        #expect(s.shape == [] && s.scalar == 3)
        let u: Tensor<Double> = 2.5
        #expect((t * u) == Tensor([2.5, 5]))
    }
}
