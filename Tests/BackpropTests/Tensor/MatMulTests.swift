import Backprop
import Testing

// Matrix products through BLAS: plain, with transpose flags, folded leading axes, batched, and
// accumulation into an existing tensor.

/// Naive triple loop for (m, k) · (k, n), the reference for larger products.
private func referenceMatmul(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Tensor<Double> {
    let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
    var out = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k { s += a.scalars[i * k + p] * b.scalars[p * n + j] }
            out[i * n + j] = s
        }
    }
    return Tensor(shape: [m, n], scalars: out)
}

@Suite("Matrix multiplication")
struct MatMulTests {
    static let a23: [Double] = [1, 2, 3, 4, 5, 6]
    static let b32: [Double] = [7, 8, 9, 10, 11, 12]

    @Test func twoByThreeTimesThreeByTwo() {
        func check<T: TensorScalar>(_: T.Type) {
            let a: Tensor<T> = tensorOf([2, 3], Self.a23)
            let b: Tensor<T> = tensorOf([3, 2], Self.b32)
            // [[1*7+2*9+3*11, 1*8+2*10+3*12], [4*7+5*9+6*11, 4*8+5*10+6*12]]
            expectTensorExact(matmul(a, b), shape: [2, 2], [58, 64, 139, 154])
            // (3, 2) · (2, 3)
            expectTensorExact(matmul(b, a), shape: [3, 3], [39, 54, 69, 49, 68, 87, 59, 82, 105])
            // Vectors as (1, k) · (k, 1).
            expectTensorExact(matmul(Tensor<T>([[1, 2, 3]]), Tensor<T>([[4], [5], [6]])), shape: [1, 1], [32])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func transposeFlagsEqualExplicitTransposes() {
        func check<T: TensorScalar>(_: T.Type) {
            let a: Tensor<T> = tensorOf([2, 3], Self.a23)
            let p: Tensor<T> = tensorOf([3, 2], [1, -2, 0, 3, 4, 1])
            let q: Tensor<T> = tensorOf([3, 4], [2, 1, 0, -1, 1, 1, 1, 1, 0, -3, 2, 5])
            let r: Tensor<T> = tensorOf([4, 3], [1, 0, 2, -1, 3, 1, 2, 2, 2, 0, 1, -1])
            let s: Tensor<T> = tensorOf([2, 3], [1, 2, 3, 0, -1, 1])

            // pᵀ · q, shape (2, 4)
            let ptq = matmul(p, q, transposeA: true)
            expectTensorExact(ptq, shape: [2, 4], [2, -11, 8, 19, -1, -2, 5, 10])
            #expect(ptq == matmul(p.transposed(), q))

            // a · rᵀ, shape (2, 4)
            let art = matmul(a, r, transposeB: true)
            expectTensorExact(art, shape: [2, 4], [7, 8, 12, -1, 16, 17, 30, -1])
            #expect(art == matmul(a, r.transposed()))

            // pᵀ · sᵀ, shape (2, 2)
            let both = matmul(p, s, transposeA: true, transposeB: true)
            expectTensorExact(both, shape: [2, 2], [13, 4, 7, -2])
            #expect(both == matmul(p.transposed(), s.transposed()))

            // aᵀ · a is symmetric (3, 3) and a · aᵀ is (2, 2).
            expectTensorExact(matmul(a, a, transposeA: true), shape: [3, 3], [17, 22, 27, 22, 29, 36, 27, 36, 45])
            expectTensorExact(matmul(a, a, transposeB: true), shape: [2, 2], [14, 32, 32, 77])
        }
        check(Float.self)
        check(Double.self)
    }

    /// a = np.arange(24.).reshape(2, 3, 4) - 5; b = (np.arange(20.).reshape(4, 5) % 7) - 3
    static let a234: [Double] = (0..<24).map { Double($0) - 5 }
    static let b45: [Double] = (0..<20).map { Double($0 % 7) - 3 }

    @Test func leadingAxesFoldIntoRows() {
        func check<T: TensorScalar>(_: T.Type) {
            let a: Tensor<T> = tensorOf([2, 3, 4], Self.a234)
            let b: Tensor<T> = tensorOf([4, 5], Self.b45)
            let c = matmul(a, b)
            expectTensorExact(c, shape: [2, 3, 5],
                        [11, -3, 11, -3, 4, -1, 1, 3, 5, 0, -13, 5, -5, 13, -4,
                         -25, 9, -13, 21, -8, -37, 13, -21, 29, -12, -49, 17, -29, 37, -16])
            #expect(c == matmul(a.reshaped([6, 4]), b).reshaped([2, 3, 5]))
            // Folding with transposeB: (2, 3, 4) · (5, 4)ᵀ.
            #expect(matmul(a, b.transposed(), transposeB: true) == c)
            // A 4-d A folds too: (2, 1, 3, 4) · (4, 5) -> (2, 1, 3, 5).
            let c4 = matmul(a.reshaped([2, 1, 3, 4]), b)
            #expect(c4.shape == [2, 1, 3, 5])
            #expect(c4.scalars == c.scalars)
        }
        check(Float.self)
        check(Double.self)
    }

    /// c = ((np.arange(40) * 3) % 11 - 5.).reshape(2, 4, 5)
    static let c245: [Double] = (0..<40).map { Double(($0 * 3) % 11) - 5 }

    @Test func batched() {
        func check<T: TensorScalar>(_: T.Type) {
            let a: Tensor<T> = tensorOf([2, 3, 4], Self.a234)
            let c: Tensor<T> = tensorOf([2, 4, 5], Self.c245)
            let expected: [Double] = [28, 19, -23, -21, 14, 0, -5, 1, 7, 2, -28, -29, 25, 35, -10,
                                      15, 29, -56, -53, 49, 23, 41, -84, -77, 73, 31, 53, -112, -101, 97]
            let y = matmul(a, c)
            expectTensorExact(y, shape: [2, 3, 5], expected)
            // Each batch equals its own 2-d product.
            for i in 0..<2 {
                let ai = a.rows(i..<(i + 1)).reshaped([3, 4])
                let ci = c.rows(i..<(i + 1)).reshaped([4, 5])
                #expect(y.rows(i..<(i + 1)).reshaped([3, 5]) == matmul(ai, ci), "batch \(i)")
            }
            // Transpose flags per batch.
            let aT = a.permuted([0, 2, 1])   // (2, 4, 3)
            let cT = c.permuted([0, 2, 1])   // (2, 5, 4)
            #expect(matmul(aT, c, transposeA: true) == y)
            #expect(matmul(a, cT, transposeB: true) == y)
            #expect(matmul(aT, cT, transposeA: true, transposeB: true) == y)
            // Two batch axes: (2, 1, 3, 4) · (2, 1, 4, 5).
            let y4 = matmul(a.reshaped([2, 1, 3, 4]), c.reshaped([2, 1, 4, 5]))
            #expect(y4.shape == [2, 1, 3, 5])
            #expect(y4.scalars == y.scalars)
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func intoWithAlphaAndBeta() {
        func check<T: TensorScalar>(_: T.Type) {
            let a: Tensor<T> = tensorOf([2, 3], Self.a23)
            let b: Tensor<T> = tensorOf([3, 2], Self.b32)
            var c = Tensor<T>([[1, 2], [3, 4]])
            // C = 2·A·B + 1·C
            matmul(a, b, alpha: 2, beta: 1, into: &c)
            expectTensorExact(c, shape: [2, 2], [117, 130, 281, 312])
            // Accumulate once more with beta = 1, alpha = 1.
            matmul(a, b, beta: 1, into: &c)
            expectTensorExact(c, shape: [2, 2], [175, 194, 420, 466])
            // beta = 0.5 scales what was there.
            matmul(a, b, alpha: -1, beta: 0.5, into: &c)
            expectTensorExact(c, shape: [2, 2], [29.5, 33, 71, 79])
            // beta = 0 ignores C entirely, even NaN.
            var garbage = Tensor<T>.full([2, 2], .nan)
            matmul(a, b, into: &garbage)
            expectTensorExact(garbage, shape: [2, 2], [58, 64, 139, 154])
            // Flags with into.
            var t = Tensor<T>.ones([3, 3])
            matmul(a, a, transposeA: true, alpha: 1, beta: -1, into: &t)
            expectTensorExact(t, shape: [3, 3], [16, 21, 26, 21, 28, 35, 26, 35, 44])
            // Batched into.
            let a3: Tensor<T> = tensorOf([2, 3, 4], Self.a234)
            let c3: Tensor<T> = tensorOf([2, 4, 5], Self.c245)
            var y = Tensor<T>.ones([2, 3, 5])
            matmul(a3, c3, alpha: 1, beta: 10, into: &y)
            #expect(y == matmul(a3, c3) + 10)
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func emptyInnerDimension() {
        func check<T: TensorScalar>(_: T.Type) {
            // k = 0: the empty sum is 0.
            let a = Tensor<T>.zeros([2, 0]), b = Tensor<T>.zeros([0, 3])
            expectTensorExact(matmul(a, b), shape: [2, 3], [0, 0, 0, 0, 0, 0])
            var keep = Tensor<T>([[1, 2, 3], [4, 5, 6]])
            matmul(a, b, beta: 1, into: &keep)
            expectTensorExact(keep, shape: [2, 3], [1, 2, 3, 4, 5, 6], "beta = 1 keeps C")
            matmul(a, b, alpha: 3, beta: 0.5, into: &keep)
            expectTensorExact(keep, shape: [2, 3], [0.5, 1, 1.5, 2, 2.5, 3], "beta = 0.5 scales C")
            var nan = Tensor<T>.full([2, 3], .nan)
            matmul(a, b, into: &nan)
            expectTensorExact(nan, shape: [2, 3], [0, 0, 0, 0, 0, 0], "beta = 0 gives exact zeros")
            // Transposed k = 0 and batched k = 0.
            expectTensorExact(matmul(Tensor<T>.zeros([0, 2]), Tensor<T>.zeros([3, 0]), transposeA: true, transposeB: true),
                        shape: [2, 3], [0, 0, 0, 0, 0, 0])
            expectTensorExact(matmul(Tensor<T>.zeros([2, 1, 0]), Tensor<T>.zeros([2, 0, 2])), shape: [2, 1, 2], [0, 0, 0, 0])
            // m = 0 and n = 0.
            #expect(matmul(Tensor<T>.zeros([0, 3]), Tensor<T>.ones([3, 2])).shape == [0, 2])
            #expect(matmul(Tensor<T>.ones([2, 3]), Tensor<T>.zeros([3, 0])).shape == [2, 0])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func largerProductMatchesReference() {
        var g = SeededGenerator(seed: 11)
        let a = Tensor<Double>.randomNormal([17, 33], using: &g)
        let b = Tensor<Double>.randomNormal([33, 9], using: &g)
        let expected = referenceMatmul(a, b)
        expectTensorClose(matmul(a, b), shape: [17, 9], expected.scalars, rtol: 1e-12, atol: 1e-12)
        expectTensorClose(matmul(a.transposed(), b, transposeA: true), shape: [17, 9], expected.scalars, rtol: 1e-12, atol: 1e-12)
        expectTensorClose(matmul(a, b.transposed(), transposeB: true), shape: [17, 9], expected.scalars, rtol: 1e-12, atol: 1e-12)
        let af = a.map(Float.init), bf = b.map(Float.init)
        expectTensorClose(matmul(af, bf), shape: [17, 9], expected.scalars, rtol: 1e-4, atol: 1e-4)
    }

    @Test func innerExtentMismatchStops() async {
        await #expect(processExitsWith: .failure) {
            let a = Tensor<Double>.ones([2, 3])
            _ = matmul(a, a)
        }
    }
}
