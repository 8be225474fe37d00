import Backprop
import Testing

// sum / mean / max / min / argmax over all elements and along every axis, and sum(toShape:).

@Suite("Reductions")
struct ReductionTests {
    /// z = ((np.arange(24) * 7) % 24 - 10).reshape(2, 3, 4): distinct values, extremes not at the ends.
    static let z: [Double] = [-10, -3, 4, 11, -6, 1, 8, -9, -2, 5, 12, -5,
                              2, 9, -8, -1, 6, 13, -4, 3, 10, -7, 0, 7]

    @Test func overAllElements() {
        func check<T: TensorScalar>(_: T.Type) {
            let x: Tensor<T> = tensorOf([2, 3, 4], Self.z)
            #expect(x.sum() == 36)
            #expect(x.mean() == 1.5)
            #expect(x.max() == 13)
            #expect(x.min() == -10)
            #expect(x.argmax() == 17)

            let a: Tensor<T> = iotaTensor([2, 3, 4])
            #expect(a.sum() == 276)
            #expect(a.mean() == 11.5)
            #expect(a.max() == 23)
            #expect(a.min() == 0)
            #expect(a.argmax() == 23)

            let y = Tensor<T>([[3, -1, 7], [7, 2, -5]])
            #expect(y.sum() == 13)
            #expect(y.max() == 7)
            #expect(y.min() == -5)
            #expect(y.argmax() == 2, "argmax returns the first of equal maxima")

            // 0-d.
            #expect(Tensor<T>(2.5).sum() == 2.5)
            #expect(Tensor<T>(2.5).max() == 2.5)
            #expect(Tensor<T>(2.5).argmax() == 0)
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func longVectorsUseEveryLane() {
        func check<T: TensorScalar>(_: T.Type) {
            // All negative, length ≥ 8 (vector path) with a tail: max must not be 0.
            let neg = Tensor<T>([-5, -3, -8, -1, -9, -2, -7, -4, -6, -10, -11])
            #expect(neg.max() == -1)
            #expect(neg.min() == -11)
            #expect(neg.argmax() == 3)
            #expect(neg.sum() == -66)

            // Extremes in every position of a 37-element vector (vector body plus tail).
            for position in 0..<37 {
                var v = Tensor<T>.arange(0, 37) / 100
                v[position] = 5
                #expect(v.max() == 5, "max with the peak at \(position)")
                #expect(v.argmax() == position)
                v[position] = -5
                #expect(v.min() == -5, "min with the trough at \(position)")
            }
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func nanPropagates() {
        func check<T: TensorScalar>(_: T.Type) {
            let short = Tensor<T>([1, .nan, 3])
            #expect(short.max().isNaN)
            #expect(short.min().isNaN)
            #expect(short.sum().isNaN)
            #expect(short.argmax() == 1, "np.argmax returns the first NaN")

            // NaN inside the vector body and in the tail of a long vector.
            for position in [0, 5, 9, 16, 18] {
                var long = Tensor<T>.arange(0, 19)
                long[position] = .nan
                #expect(long.max().isNaN, "max with NaN at \(position)")
                #expect(long.min().isNaN, "min with NaN at \(position)")
                #expect(long.argmax() == position)
            }
            #expect(Tensor<T>([1, 5, .nan, .nan]).argmax() == 2)
            // Infinities inside the vector body are no NaN (the body's check only sends them to a closer look).
            var infinite = Tensor<T>.arange(0, 19)
            (infinite[5], infinite[12]) = (.infinity, -.infinity)
            #expect(infinite.max() == .infinity && infinite.min() == -.infinity)

            // Along axes (both kernel layouts).
            let m = Tensor<T>([[1, .nan, 3], [4, 5, 6]])
            expectTensorExact(m.max(axis: 0), shape: [3], [4, .nan, 6])
            expectTensorExact(m.min(axis: 1), shape: [2], [.nan, 4])
            expectTensorExact(m.max(axis: 1), shape: [2], [.nan, 6])
            #expect(m.argmax(axis: 0) == Tensor<Int>([1, 0, 1]))
            #expect(m.argmax(axis: 1) == Tensor<Int>([1, 2]))
            let first = Tensor<T>([[.nan, 1], [2, 3]])
            expectTensorExact(first.max(axis: 0), shape: [2], [.nan, 3])
            expectTensorExact(first.min(axis: 0), shape: [2], [.nan, 1])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func sumAndMeanAlongEachAxis() {
        func check<T: TensorScalar>(_: T.Type) {
            let x: Tensor<T> = tensorOf([2, 3, 4], Self.z)
            let sum0: [Double] = [-8, 6, -4, 10, 0, 14, 4, -6, 8, -2, 12, 2]
            let sum1: [Double] = [-18, 3, 24, -3, 18, 15, -12, 9]
            let sum2: [Double] = [2, -6, 10, 2, 18, 10]
            expectTensorExact(x.sum(axis: 0), shape: [3, 4], sum0)
            expectTensorExact(x.sum(axis: 1), shape: [2, 4], sum1)
            expectTensorExact(x.sum(axis: 2), shape: [2, 3], sum2)
            expectTensorExact(x.sum(axis: -3), shape: [3, 4], sum0)
            expectTensorExact(x.sum(axis: -2), shape: [2, 4], sum1)
            expectTensorExact(x.sum(axis: -1), shape: [2, 3], sum2)
            expectTensorExact(x.sum(axis: 0, keepDims: true), shape: [1, 3, 4], sum0)
            expectTensorExact(x.sum(axis: 1, keepDims: true), shape: [2, 1, 4], sum1)
            expectTensorExact(x.sum(axis: -1, keepDims: true), shape: [2, 3, 1], sum2)

            expectTensorExact(x.mean(axis: 0), shape: [3, 4], [-4, 3, -2, 5, 0, 7, 2, -3, 4, -1, 6, 1])
            expectTensorExact(x.mean(axis: 1), shape: [2, 4], [-6, 1, 8, -1, 6, 5, -4, 3])
            expectTensorExact(x.mean(axis: -1), shape: [2, 3], [0.5, -1.5, 2.5, 0.5, 4.5, 2.5])
            expectTensorExact(x.mean(axis: 2, keepDims: true), shape: [2, 3, 1], [0.5, -1.5, 2.5, 0.5, 4.5, 2.5])

            let y = Tensor<T>([[3, -1, 7], [7, 2, -5]])
            expectTensorExact(y.sum(axis: 0), shape: [3], [10, 1, 2])
            expectTensorExact(y.sum(axis: 1), shape: [2], [9, 4])
            expectTensorExact(y.mean(axis: 0), shape: [3], [5, 0.5, 1])
            expectTensorClose(y.mean(axis: 1), shape: [2], [3, 1.3333333333333333])
            expectTensorClose(y.mean(axis: -1, keepDims: true), shape: [2, 1], [3, 1.3333333333333333])

            // A 1-d sum along its only axis is 0-d.
            expectTensorExact(Tensor<T>([1, 2, 3.5]).sum(axis: 0), shape: [], [6.5])
            expectTensorExact(Tensor<T>([1, 2, 3.5]).sum(axis: -1, keepDims: true), shape: [1], [6.5])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func maxMinArgmaxAlongEachAxis() {
        func check<T: TensorScalar>(_: T.Type) {
            let x: Tensor<T> = tensorOf([2, 3, 4], Self.z)
            let max0: [Double] = [2, 9, 4, 11, 6, 13, 8, 3, 10, 5, 12, 7]
            let max1: [Double] = [-2, 5, 12, 11, 10, 13, 0, 7]
            let max2: [Double] = [11, 8, 12, 9, 13, 10]
            expectTensorExact(x.max(axis: 0), shape: [3, 4], max0)
            expectTensorExact(x.max(axis: 1), shape: [2, 4], max1)
            expectTensorExact(x.max(axis: 2), shape: [2, 3], max2)
            expectTensorExact(x.max(axis: -1), shape: [2, 3], max2)
            expectTensorExact(x.max(axis: -2, keepDims: true), shape: [2, 1, 4], max1)

            expectTensorExact(x.min(axis: 0), shape: [3, 4], [-10, -3, -8, -1, -6, 1, -4, -9, -2, -7, 0, -5])
            expectTensorExact(x.min(axis: 1), shape: [2, 4], [-10, -3, 4, -9, 2, -7, -8, -1])
            expectTensorExact(x.min(axis: -1), shape: [2, 3], [-10, -9, -5, -8, -4, -7])
            expectTensorExact(x.min(axis: 2, keepDims: true), shape: [2, 3, 1], [-10, -9, -5, -8, -4, -7])

            #expect(x.argmax(axis: 0) == Tensor<Int>(shape: [3, 4], scalars: [1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1]))
            #expect(x.argmax(axis: 1) == Tensor<Int>(shape: [2, 4], scalars: [2, 2, 2, 0, 2, 1, 2, 2]))
            #expect(x.argmax(axis: 2) == Tensor<Int>(shape: [2, 3], scalars: [3, 2, 2, 1, 1, 0]))
            #expect(x.argmax(axis: -1) == Tensor<Int>(shape: [2, 3], scalars: [3, 2, 2, 1, 1, 0]))
            #expect(x.argmax(axis: -3, keepDims: true)
                    == Tensor<Int>(shape: [1, 3, 4], scalars: [1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1]))

            let y = Tensor<T>([[3, -1, 7], [7, 2, -5]])
            expectTensorExact(y.max(axis: 0), shape: [3], [7, 2, 7])
            expectTensorExact(y.max(axis: 1), shape: [2], [7, 7])
            expectTensorExact(y.min(axis: 0), shape: [3], [3, -1, -5])
            expectTensorExact(y.min(axis: 1), shape: [2], [-1, -5])
            #expect(y.argmax(axis: 0) == Tensor<Int>([1, 1, 0]))
            #expect(y.argmax(axis: 1) == Tensor<Int>([2, 0]))
            #expect(y.argmax(axis: 1, keepDims: true) == Tensor<Int>(shape: [2, 1], scalars: [2, 0]))
            // Ties: the first index wins along an axis too.
            #expect(Tensor<T>([[1, 3, 3], [2, 2, 2]]).argmax(axis: 1) == Tensor<Int>([1, 0]))
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func emptyTensors() {
        func check<T: TensorScalar>(_: T.Type) {
            #expect(Tensor<T>.zeros([0]).sum() == 0)
            #expect(Tensor<T>.zeros([0]).mean().isNaN)
            expectTensorExact(Tensor<T>.zeros([0, 3]).sum(axis: 0), shape: [3], [0, 0, 0])
            #expect(Tensor<T>.zeros([0, 3]).sum(axis: 1).shape == [0])
            #expect(Tensor<T>.zeros([0, 3]).max(axis: 1).shape == [0])
            #expect(Tensor<T>.zeros([0, 3]).argmax(axis: 1).shape == [0])
            expectTensorExact(Tensor<T>.zeros([2, 0]).sum(axis: 1, keepDims: true), shape: [2, 1], [0, 0])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func sumsAreAccurate() {
        // Exact in Float: every partial sum of 0..<10000 stays below 2^24 within a block.
        #expect(Tensor<Float>.arange(0, 10_000).sum() == 49_995_000)
        #expect(Tensor<Double>.arange(0, 10_000).sum() == 49_995_000)
        // A million Float 0.1s (Float(0.1) = 0.100000001490116): the exact sum is 100000.0015, which
        // rounds to 100000.0 in Float (ulp 0.0078). NumPy's pairwise sum gives 100000.0078 (1 ulp off);
        // a naive running Float sum 100958.34. The library documents "about as accurate as NumPy's
        // pairwise summation": allow 4 ulp.
        let tenths = Tensor<Float>.full([1_000_000], 0.1)
        #expect(Swift.abs(Double(tenths.sum()) - 100_000.0015) <= 0.03125, "sum \(tenths.sum())")
        #expect(Swift.abs(tenths.mean() - 0.1) < 1e-6)
        // The same along an axis with inner extent 1 and with inner extent > 1.
        let rows = Tensor<Float>.full([2, 500_000], 0.1).sum(axis: 1)
        #expect(rows.scalars.allSatisfy { Swift.abs($0 - 50_000) < 0.05 }, "\(rows.scalars)")
        let mean = Tensor<Double>.full([3, 7], 0.1).mean()
        #expect(Swift.abs(mean - 0.1) < 1e-15)
    }

    @Test func sumToShape() {
        func check<T: TensorScalar>(_: T.Type) {
            let g = Tensor<T>([[1, 2, 3], [4, 5, 6]])
            expectTensorExact(g.sum(toShape: [2, 3]), shape: [2, 3], [1, 2, 3, 4, 5, 6])
            expectTensorExact(g.sum(toShape: [3]), shape: [3], [5, 7, 9])
            expectTensorExact(g.sum(toShape: [1, 3]), shape: [1, 3], [5, 7, 9])
            expectTensorExact(g.sum(toShape: [2, 1]), shape: [2, 1], [6, 15])
            expectTensorExact(g.sum(toShape: [1, 1]), shape: [1, 1], [21])
            expectTensorExact(g.sum(toShape: [1]), shape: [1], [21])
            expectTensorExact(g.sum(toShape: []), shape: [], [21])

            let x: Tensor<T> = iotaTensor([2, 3, 4])
            // x.sum(axis=0).sum(axis=1, keepdims=True)
            expectTensorExact(x.sum(toShape: [3, 1]), shape: [3, 1], [60, 92, 124])
            // x.sum(axis=(0, 2), keepdims=True)
            expectTensorExact(x.sum(toShape: [1, 3, 1]), shape: [1, 3, 1], [60, 92, 124])
            // x.sum(axis=1, keepdims=True)
            expectTensorExact(x.sum(toShape: [2, 1, 4]), shape: [2, 1, 4], [12, 15, 18, 21, 48, 51, 54, 57])
            expectTensorExact(x.sum(toShape: [4]), shape: [4], [60, 66, 72, 78])

            // It inverts broadcasting: the gradient of b in a + b.
            let b = Tensor<T>([10, 20, 30])
            let y = g + b
            expectTensorExact(Tensor<T>.ones(y.shape).sum(toShape: b.shape), shape: [3], [2, 2, 2])
        }
        check(Float.self)
        check(Double.self)
    }
}
