import Backprop
import Testing

// Construction, element access and value semantics of `Tensor`.

@Suite("Tensor creation and element access")
struct TensorCreationTests {
    @Test func initShapeScalarsIsRowMajor() {
        func check<T: TensorScalar>(_: T.Type) {
            let t = Tensor<T>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
            #expect(t.shape == [2, 3])
            #expect(t.rank == 2)
            #expect(t.count == 6)
            #expect(t.scalars == [1, 2, 3, 4, 5, 6])
            #expect(t[0, 0] == 1)
            #expect(t[0, 2] == 3)
            #expect(t[1, 0] == 4)
            #expect(t[1, 2] == 6)

            let t3 = Tensor<T>(shape: [2, 2, 2], scalars: [0, 1, 2, 3, 4, 5, 6, 7])
            #expect(t3[1, 0, 1] == 5)
            #expect(t3[0, 1, 0] == 2)
            #expect(t3[1, 1, 1] == 7)
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func arrayInitialisers() {
        let v = Tensor<Double>([1.5, -2, 3])
        #expect(v.shape == [3])
        #expect(v.scalars == [1.5, -2, 3])

        let m = Tensor<Float>([[1, 2, 3], [4, 5, 6]])
        #expect(m.shape == [2, 3])
        #expect(m == Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))

        let empty = Tensor<Double>([Double]())
        #expect(empty.shape == [0])
        #expect(empty.count == 0)

        let s = Tensor<Double>(-4.25)
        #expect(s.shape == [])
        #expect(s.rank == 0)
        #expect(s.count == 1)
        #expect(s.scalar == -4.25)
        #expect(s[] == -4.25)
    }

    @Test func zeroDimensionalFromLiterals() {
        let d: Tensor<Double> = 2.5
        #expect(d.shape == [])
        #expect(d.count == 1)
        #expect(d.scalar == 2.5)

        let f: Tensor<Float> = 3
        #expect(f.shape == [])
        #expect(f.scalar == 3)

        let negative: Tensor<Double> = -0.125
        #expect(negative.scalar == -0.125)

        // A literal 0-d tensor takes part in arithmetic like a scalar.
        let x = Tensor<Double>([1, 2, 3])
        let y = x + d
        #expect(y.shape == [3])
        #expect(y.scalars == [3.5, 4.5, 5.5])
    }

    @Test func equalityComparesShapeAndElements() {
        let a = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(a == Tensor<Double>([[1, 2, 3], [4, 5, 6]]))
        #expect(a != Tensor<Double>(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6]))
        #expect(a != Tensor<Double>(shape: [6], scalars: [1, 2, 3, 4, 5, 6]))
        #expect(a != Tensor<Double>([[1, 2, 3], [4, 5, 7]]))
        #expect(Tensor<Double>(2) != Tensor<Double>([2]))
    }

    @Test func zerosOnesFull() {
        func check<T: TensorScalar>(_: T.Type) {
            let z = Tensor<T>.zeros([2, 3])
            #expect(z.shape == [2, 3])
            #expect(z.scalars == [T](repeating: 0, count: 6))

            let o = Tensor<T>.ones([3, 1, 2])
            #expect(o.shape == [3, 1, 2])
            #expect(o.scalars == [T](repeating: 1, count: 6))

            let f = Tensor<T>.full([2, 2], -7.5)
            #expect(f.shape == [2, 2])
            #expect(f.scalars == [-7.5, -7.5, -7.5, -7.5])

            let r = Tensor<T>(repeating: 0.25, shape: [4])
            #expect(r.scalars == [0.25, 0.25, 0.25, 0.25])

            let like = Tensor<T>.zeros(like: Tensor<Bool>(shape: [1, 4], scalars: [true, false, true, true]))
            #expect(like.shape == [1, 4])
            #expect(like.scalars == [0, 0, 0, 0])

            // 0-d and zero-size shapes.
            let scalarZero = Tensor<T>.zeros([])
            #expect(scalarZero.shape == [])
            #expect(scalarZero.scalars == [0])
            let emptyOnes = Tensor<T>.ones([0, 3])
            #expect(emptyOnes.shape == [0, 3])
            #expect(emptyOnes.count == 0)
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func arange() {
        func check<T: TensorScalar>(_: T.Type) {
            expectTensorExact(Tensor<T>.arange(0, 5), shape: [5], [0, 1, 2, 3, 4])
            expectTensorExact(Tensor<T>.arange(2, 5), shape: [3], [2, 3, 4])
            expectTensorExact(Tensor<T>.arange(1, 2, step: 0.25), shape: [4], [1, 1.25, 1.5, 1.75])
            // np.arange(5, 0, -1.5) -> [5. , 3.5, 2. , 0.5]
            expectTensorExact(Tensor<T>.arange(5, 0, step: -1.5), shape: [4], [5, 3.5, 2, 0.5])
            // Non-integral count rounds up: np.arange(0, 10, 3) -> [0, 3, 6, 9]
            expectTensorExact(Tensor<T>.arange(0, 10, step: 3), shape: [4], [0, 3, 6, 9])
            // Empty ranges.
            #expect(Tensor<T>.arange(3, 3).shape == [0])
            #expect(Tensor<T>.arange(0, -3).shape == [0])
            #expect(Tensor<T>.arange(0, 3, step: -1).shape == [0])
        }
        check(Float.self)
        check(Double.self)

        // np.arange(0, 1, 0.1) has 10 elements, the last 0.9.
        let tenths = Tensor<Double>.arange(0, 1, step: 0.1)
        #expect(tenths.count == 10)
        expectTensorClose(tenths, shape: [10], [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], rtol: 1e-15, atol: 1e-16)
    }

    @Test func subscriptWithNegativeIndices() {
        func check<T: TensorScalar>(_: T.Type) {
            var t = Tensor<T>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
            #expect(t[-1, -1] == 6)
            #expect(t[-2, 0] == 1)
            #expect(t[0, -3] == 1)
            #expect(t[1, -2] == 5)
            #expect(t[-1, 0] == 4)

            t[-1, 0] = 40
            t[0, -1] = 30
            #expect(t.scalars == [1, 2, 30, 40, 5, 6])

            var v = Tensor<T>([10, 20, 30])
            #expect(v[-1] == 30)
            #expect(v[-3] == 10)
            v[-2] = -20
            #expect(v.scalars == [10, -20, 30])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func zeroDimensionalSubscriptAndScalar() {
        var t = Tensor<Double>(7)
        t[] = 8
        #expect(t.scalar == 8)
        // `scalar` works for any one-element tensor.
        #expect(Tensor<Double>(shape: [1, 1, 1], scalars: [3]).scalar == 3)
    }

    @Test func copyOnWriteValueSemantics() {
        let original = Tensor<Double>(shape: [2, 2], scalars: [1, 2, 3, 4])

        var subscripted = original
        subscripted[0, 0] = 100
        #expect(subscripted.scalars == [100, 2, 3, 4])
        #expect(original.scalars == [1, 2, 3, 4])

        var added = original
        added += 1
        #expect(added.scalars == [2, 3, 4, 5])
        #expect(original.scalars == [1, 2, 3, 4])

        var broadcastAdded = original
        broadcastAdded -= Tensor<Double>([1, 1])
        #expect(broadcastAdded.scalars == [0, 1, 2, 3])
        #expect(original.scalars == [1, 2, 3, 4])

        var raw = original
        raw.withUnsafeMutableBufferPointer { $0[3] = -1 }
        #expect(raw.scalars == [1, 2, 3, -1])
        #expect(original.scalars == [1, 2, 3, 4])

        var reshapedCopy = original.reshaped([4])
        reshapedCopy[0] = 9
        #expect(original.scalars == [1, 2, 3, 4])
        #expect(original.shape == [2, 2])

        var applied = original
        applied.apply(.negate)
        #expect(applied.scalars == [-1, -2, -3, -4])
        #expect(original.scalars == [1, 2, 3, 4])

        // Mutating the original leaves an earlier copy alone too.
        var source = Tensor<Float>([1, 2, 3])
        let snapshot = source
        source[1] = 0
        source *= 2
        #expect(source.scalars == [2, 0, 6])
        #expect(snapshot.scalars == [1, 2, 3])

        // matmul(into:) writes through its own copy.
        var c = Tensor<Double>.zeros([1, 1])
        let cAlias = c
        matmul(Tensor<Double>([[2]]), Tensor<Double>([[3]]), into: &c)
        #expect(c.scalars == [6])
        #expect(cAlias.scalars == [0])
    }

    @Test func mapAndMasks() {
        let t = Tensor<Double>([[1, -2], [3, -4]])
        let m = t.map { $0 > 0 }
        #expect(m.shape == [2, 2])
        #expect(m.scalars == [true, false, true, false])
        #expect(m.trueCount == 2)
        #expect((!m).scalars == [false, true, false, true])

        let idx = t.map { Int($0) }
        #expect(idx == Tensor<Int>(shape: [2, 2], scalars: [1, -2, 3, -4]))
    }

    @Test func withUnsafeBufferPointerReadsRowMajor() {
        let t = Tensor<Float>([[1, 2], [3, 4]])
        let sum = t.withUnsafeBufferPointer { $0.reduce(0, +) }
        #expect(sum == 10)
        let first = t.withUnsafeBufferPointer { Array($0.prefix(3)) }
        #expect(first == [1, 2, 3])
    }
}
