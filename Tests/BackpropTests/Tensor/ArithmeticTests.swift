import Backprop
import Testing

// Elementwise arithmetic, in-place operators, maximum/minimum/clipping, comparisons and `where`.

@Suite("Elementwise arithmetic")
struct ArithmeticTests {
    // a = [[1, 2, 3], [4, 5, 6]], b = [[0.5, -1, 2], [4, 0.25, -3]]: every result below is exact in Float.
    static let aValues: [Double] = [1, 2, 3, 4, 5, 6]
    static let bValues: [Double] = [0.5, -1, 2, 4, 0.25, -3]

    @Test func tensorTensorOperators() {
        func check<T: TensorScalar>(_: T.Type) {
            let a: Tensor<T> = tensorOf([2, 3], Self.aValues)
            let b: Tensor<T> = tensorOf([2, 3], Self.bValues)
            expectTensorExact(a + b, shape: [2, 3], [1.5, 1, 5, 8, 5.25, 3])
            expectTensorExact(a - b, shape: [2, 3], [0.5, 3, 1, 0, 4.75, 9])
            expectTensorExact(b - a, shape: [2, 3], [-0.5, -3, -1, 0, -4.75, -9])
            expectTensorExact(a * b, shape: [2, 3], [0.5, -2, 6, 16, 1.25, -18])
            expectTensorExact(a / b, shape: [2, 3], [2, -2, 1.5, 1, 20, -2])
            // b / a has inexact entries (2/3, 0.05): it must equal T's own IEEE division.
            #expect((b / a).scalars == zip(Self.bValues, Self.aValues).map { T($0) / T($1) })
        }
        check(Float.self)
        check(Double.self)
        let b: Tensor<Double> = tensorOf([2, 3], Self.bValues)
        let a: Tensor<Double> = tensorOf([2, 3], Self.aValues)
        expectTensorExact(b / a, shape: [2, 3], [0.5, -0.5, 0.6666666666666666, 1, 0.05, -0.5])
    }

    @Test func scalarOnEitherSide() {
        func check<T: TensorScalar>(_: T.Type) {
            let a: Tensor<T> = tensorOf([2, 3], Self.aValues)
            expectTensorExact(a + 2, shape: [2, 3], [3, 4, 5, 6, 7, 8])
            expectTensorExact(2 + a, shape: [2, 3], [3, 4, 5, 6, 7, 8])
            expectTensorExact(a - 2, shape: [2, 3], [-1, 0, 1, 2, 3, 4])
            expectTensorExact(2 - a, shape: [2, 3], [1, 0, -1, -2, -3, -4])
            expectTensorExact(a * 0.5, shape: [2, 3], [0.5, 1, 1.5, 2, 2.5, 3])
            expectTensorExact(-3 * a, shape: [2, 3], [-3, -6, -9, -12, -15, -18])
            expectTensorExact(a / 4, shape: [2, 3], [0.25, 0.5, 0.75, 1, 1.25, 1.5])
            // 6 / a = [6, 3, 2, 1.5, 1.2, 1]; 1.2 is inexact, compare with T's own division.
            let q = 6 / a
            #expect(q.shape == [2, 3])
            #expect(q.scalars == Self.aValues.map { T(6) / T($0) })
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func divisionByZeroFollowsIEEE() {
        func check<T: TensorScalar>(_: T.Type) {
            let x = Tensor<T>([1, -1, 0])
            expectTensorExact(x / 0, shape: [3], [.infinity, -.infinity, .nan])
            expectTensorExact(1 / Tensor<T>([0, -0.0]), shape: [2], [.infinity, -.infinity])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func inPlaceOperators() {
        func check<T: TensorScalar>(_: T.Type) {
            let a: Tensor<T> = tensorOf([2, 3], Self.aValues)
            let b: Tensor<T> = tensorOf([2, 3], Self.bValues)
            var x = a
            x += b
            expectTensorExact(x, shape: [2, 3], [1.5, 1, 5, 8, 5.25, 3], "+=")
            x = a
            x -= b
            expectTensorExact(x, shape: [2, 3], [0.5, 3, 1, 0, 4.75, 9], "-=")
            x = a
            x *= b
            expectTensorExact(x, shape: [2, 3], [0.5, -2, 6, 16, 1.25, -18], "*=")
            x = a
            x /= b
            expectTensorExact(x, shape: [2, 3], [2, -2, 1.5, 1, 20, -2], "/=")

            x = a
            x += 1
            expectTensorExact(x, shape: [2, 3], [2, 3, 4, 5, 6, 7], "+= scalar")
            x -= 3
            expectTensorExact(x, shape: [2, 3], [-1, 0, 1, 2, 3, 4], "-= scalar")
            x *= -2
            expectTensorExact(x, shape: [2, 3], [2, 0, -2, -4, -6, -8], "*= scalar")
            x /= 4
            expectTensorExact(x, shape: [2, 3], [0.5, 0, -0.5, -1, -1.5, -2], "/= scalar")

            // A tensor combined with itself.
            var y = a
            y += y
            expectTensorExact(y, shape: [2, 3], [2, 4, 6, 8, 10, 12], "y += y")
            y *= y
            expectTensorExact(y, shape: [2, 3], [4, 16, 36, 64, 100, 144], "y *= y")

            // 0-d in place.
            var s = Tensor<T>(3)
            s *= Tensor<T>(4)
            expectTensorExact(s, shape: [], [12])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func unaryMinus() {
        func check<T: TensorScalar>(_: T.Type) {
            let a: Tensor<T> = tensorOf([2, 3], Self.bValues)
            expectTensorExact(-a, shape: [2, 3], [-0.5, 1, -2, -4, -0.25, 3])
            expectTensorExact(-(-a), shape: [2, 3], Self.bValues)
            expectTensorExact(-Tensor<T>(2.5), shape: [], [-2.5])
            let negZero = -Tensor<T>([0])
            #expect(negZero.scalars[0].sign == .minus, "-0.0 must keep its sign")
            #expect((-Tensor<T>.zeros([0, 2])).shape == [0, 2])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func maximumMinimumClipped() {
        func check<T: TensorScalar>(_: T.Type) {
            let x = Tensor<T>([1, 5, .nan, -2, 0])
            let y = Tensor<T>([3, 2, 1, .nan, -0.5])
            // np.maximum / np.minimum propagate NaN from either side.
            expectTensorExact(Tensor.maximum(x, y), shape: [5], [3, 5, .nan, .nan, 0])
            expectTensorExact(Tensor.minimum(x, y), shape: [5], [1, 2, .nan, .nan, -0.5])
            expectTensorExact(Tensor.maximum(x, 0), shape: [5], [1, 5, .nan, 0, 0])
            expectTensorExact(Tensor.minimum(x, 0), shape: [5], [0, 0, .nan, -2, 0])

            // Broadcasting: (2, 1) against (3,).
            let col = Tensor<T>(shape: [2, 1], scalars: [0, 10])
            let row = Tensor<T>([-1, 5, 20])
            expectTensorExact(Tensor.maximum(col, row), shape: [2, 3], [0, 5, 20, 10, 10, 20])
            expectTensorExact(Tensor.minimum(col, row), shape: [2, 3], [-1, 0, 0, -1, 5, 10])

            // np.clip([-2, -0.5, 0.5, 3, nan], -1, 1) -> [-1, -0.5, 0.5, 1, nan]
            let c = Tensor<T>([-2, -0.5, 0.5, 3, .nan]).clipped(min: -1, max: 1)
            expectTensorExact(c, shape: [5], [-1, -0.5, 0.5, 1, .nan])
            expectTensorExact(Tensor<T>([[-3, 3], [0.25, 7]]).clipped(min: 0, max: 5), shape: [2, 2], [0, 3, 0.25, 5])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func squared() {
        func check<T: TensorScalar>(_: T.Type) {
            expectTensorExact(Tensor<T>([[-3, 0.5], [2, -0.25]]).squared(), shape: [2, 2], [9, 0.25, 4, 0.0625])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func comparisons() {
        func check<T: TensorScalar>(_: T.Type) {
            let x = Tensor<T>([1, 2, 3, .nan])
            let y = Tensor<T>([3, 2, 1, 1])
            expectTensorMask(x .< y, shape: [4], [true, false, false, false])
            expectTensorMask(x .<= y, shape: [4], [true, true, false, false])
            expectTensorMask(x .> y, shape: [4], [false, false, true, false])
            expectTensorMask(x .>= y, shape: [4], [false, true, true, false])
            expectTensorMask(x .== y, shape: [4], [false, true, false, false])
            expectTensorMask(x .!= y, shape: [4], [true, false, true, true])

            expectTensorMask(x .< 2, shape: [4], [true, false, false, false])
            expectTensorMask(x .<= 2, shape: [4], [true, true, false, false])
            expectTensorMask(x .> 1.5, shape: [4], [false, true, true, false])
            expectTensorMask(x .>= 3, shape: [4], [false, false, true, false])
            expectTensorMask(x .== 2, shape: [4], [false, true, false, false])
            expectTensorMask(x .!= 2, shape: [4], [true, false, true, true])

            // Broadcast: (2, 1) .< (3,) -> (2, 3)
            let col = Tensor<T>(shape: [2, 1], scalars: [1, 4])
            let row = Tensor<T>([0, 2, 5])
            expectTensorMask(col .< row, shape: [2, 3], [false, true, true, false, false, true])
            expectTensorMask(row .>= col, shape: [2, 3], [false, true, true, false, false, true])

            // 0-d and zero-size.
            expectTensorMask(Tensor<T>(1) .== Tensor<T>(1), shape: [], [true])
            expectTensorMask(Tensor<T>.zeros([0, 3]) .> 1, shape: [0, 3], [])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func whereSelects() {
        func check<T: TensorScalar>(_: T.Type) {
            let mask = Tensor<Bool>([true, false, true])
            let a = Tensor<T>([1, 2, 3])
            let b = Tensor<T>([10, 20, 30])
            expectTensorExact(Tensor.where(mask, a, b), shape: [3], [1, 20, 3])
            expectTensorExact(Tensor.where(mask, -1, b), shape: [3], [-1, 20, -1])
            expectTensorExact(Tensor.where(!mask, a, b), shape: [3], [10, 2, 30])

            // All three broadcast: mask (2, 1), a 0-d, b (3,) -> (2, 3).
            let colMask = Tensor<Bool>(shape: [2, 1], scalars: [true, false])
            expectTensorExact(Tensor.where(colMask, Tensor<T>(0), b), shape: [2, 3], [0, 0, 0, 10, 20, 30])
            // mask (3,), a (2, 1), b 0-d.
            let aCol = Tensor<T>(shape: [2, 1], scalars: [7, 8])
            expectTensorExact(Tensor.where(mask, aCol, Tensor<T>(-5)), shape: [2, 3], [7, -5, 7, 8, -5, 8])

            // ReLU through where.
            let x = Tensor<T>([[-1, 2], [3, -4]])
            expectTensorExact(Tensor.where(x .> 0, x, Tensor<T>(0)), shape: [2, 2], [0, 2, 3, 0])
        }
        check(Float.self)
        check(Double.self)
    }

    /// Tensors of more than 2 × 2^17 elements are split across threads; results must be the same.
    @Test func largeTensorsTakeTheParallelPath() {
        let n = 300_001
        let x = Tensor<Double>.arange(0, Double(n))
        let y = x * 2 + 1
        #expect(y.count == n)
        #expect(y[0] == 1)
        #expect(y[131_071] == 262_143)
        #expect(y[131_072] == 262_145)
        #expect(y[150_000] == 300_001)
        #expect(y[-1] == 600_001)
        #expect(y.sum() == Double(n) * Double(n))  // sum of the first n odd numbers

        var z = Tensor<Float>.ones([n])
        z += Tensor<Float>(2)
        z -= Tensor<Float>.full([n], 0.5)
        #expect(z.scalars.allSatisfy { $0 == 2.5 })

        let w = Tensor<Float>.arange(0, Float(n)) - Tensor<Float>.arange(0, Float(n))
        #expect(w.scalars.allSatisfy { $0 == 0 })
    }
}
