import Backprop
import Testing

// NumPy broadcasting: shapes aligned at the right, extents equal or 1.

/// An independent reference: NumPy broadcasting by explicit index arithmetic, one element at a time.
private func referenceBroadcast(_ a: Tensor<Double>, _ b: Tensor<Double>,
                                _ f: (Double, Double) -> Double) -> Tensor<Double> {
    let rank = Swift.max(a.rank, b.rank)
    let pa = [Int](repeating: 1, count: rank - a.rank) + a.shape
    let pb = [Int](repeating: 1, count: rank - b.rank) + b.shape
    let shape = zip(pa, pb).map { Swift.max($0, $1) == 0 || Swift.min($0, $1) == 0 ? 0 : Swift.max($0, $1) }
    let n = shape.reduce(1, *)
    var out = [Double]()
    for flat in 0..<n {
        var rest = flat
        var index = [Int](repeating: 0, count: rank)
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        func offset(_ s: [Int]) -> Int {
            var o = 0
            for axis in 0..<rank { o = o * s[axis] + (s[axis] == 1 ? 0 : index[axis]) }
            return o
        }
        out.append(f(a.scalars[offset(pa)], b.scalars[offset(pb)]))
    }
    return Tensor(shape: shape, scalars: out)
}

@Suite("Broadcasting")
struct BroadcastingTests {
    @Test func rowVectorAgainstMatrix() {
        func check<T: TensorScalar>(_: T.Type) {
            // (2, 3) + (3,)
            let m = Tensor<T>([[1, 2, 3], [4, 5, 6]])
            let v = Tensor<T>([10, 20, 30])
            expectTensorExact(m + v, shape: [2, 3], [11, 22, 33, 14, 25, 36])
            expectTensorExact(v + m, shape: [2, 3], [11, 22, 33, 14, 25, 36])
            // Order matters for - and /.
            expectTensorExact(v - m, shape: [2, 3], [9, 18, 27, 6, 15, 24])
            expectTensorExact(m - v, shape: [2, 3], [-9, -18, -27, -6, -15, -24])
            expectTensorExact(m * v, shape: [2, 3], [10, 40, 90, 40, 100, 180])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func columnAgainstRow() {
        func check<T: TensorScalar>(_: T.Type) {
            // (2, 1) + (1, 3) -> (2, 3)
            let col = Tensor<T>(shape: [2, 1], scalars: [1, 2])
            let row = Tensor<T>(shape: [1, 3], scalars: [10, 20, 30])
            expectTensorExact(col + row, shape: [2, 3], [11, 21, 31, 12, 22, 32])
            expectTensorExact(row + col, shape: [2, 3], [11, 21, 31, 12, 22, 32])
            expectTensorExact(row - col, shape: [2, 3], [9, 19, 29, 8, 18, 28])
            // (2, 1) / (1, 3): np.array([[1],[2]]) / np.array([[1,2,4]])
            let den = Tensor<T>(shape: [1, 3], scalars: [1, 2, 4])
            expectTensorExact(col / den, shape: [2, 3], [1, 0.5, 0.25, 2, 1, 0.5])
            // (2, 1) with (3,) -> (2, 3)
            expectTensorExact(col * Tensor<T>([1, -1, 0.5]), shape: [2, 3], [1, -1, 0.5, 2, -2, 1])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func threeDimensional() {
        func check<T: TensorScalar>(_: T.Type) {
            // (3, 1, 2) + (2,) -> (3, 1, 2)
            let x: Tensor<T> = iotaTensor([3, 1, 2])
            expectTensorExact(x + Tensor<T>([100, 200]), shape: [3, 1, 2], [100, 201, 102, 203, 104, 205])
            // (3, 1, 2) + (4, 1) -> (3, 4, 2): np.arange(6.).reshape(3,1,2) + [[0],[10],[20],[30]]
            let c = Tensor<T>(shape: [4, 1], scalars: [0, 10, 20, 30])
            expectTensorExact(x + c, shape: [3, 4, 2],
                        [0, 1, 10, 11, 20, 21, 30, 31, 2, 3, 12, 13, 22, 23, 32, 33, 4, 5, 14, 15, 24, 25, 34, 35])
            // (2, 3) against (4, 2, 3): the leading axis is added.
            let big: Tensor<T> = iotaTensor([4, 2, 3])
            let small = Tensor<T>([[1, 1, 1], [-1, -1, -1]])
            let sum = big + small
            #expect(sum.shape == [4, 2, 3])
            #expect(sum[3, 1, 2] == 22)
            #expect(sum[0, 0, 0] == 1)
            #expect(sum[2, 0, 1] == 14)
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func scalarsAndZeroDimensional() {
        func check<T: TensorScalar>(_: T.Type) {
            let m = Tensor<T>([[1, 2], [3, 4]])
            let s = Tensor<T>(5)
            expectTensorExact(s + m, shape: [2, 2], [6, 7, 8, 9])
            expectTensorExact(m + s, shape: [2, 2], [6, 7, 8, 9])
            expectTensorExact(s - m, shape: [2, 2], [4, 3, 2, 1])
            expectTensorExact(m / Tensor<T>(2), shape: [2, 2], [0.5, 1, 1.5, 2])
            // 0-d with 0-d stays 0-d.
            expectTensorExact(s * Tensor<T>(-2), shape: [], [-10])
            // 0-d with rank 3.
            expectTensorExact(Tensor<T>(1) + iotaTensor([2, 1, 2], T.self), shape: [2, 1, 2], [1, 2, 3, 4])
            // (1,) + (2, 2)
            expectTensorExact(Tensor<T>([10]) + m, shape: [2, 2], [11, 12, 13, 14])
            expectTensorExact(m - Tensor<T>([10]), shape: [2, 2], [-9, -8, -7, -6])
            // (1, 1) + (2,) -> (1, 2)
            expectTensorExact(Tensor<T>([[3]]) + Tensor<T>([1, 2]), shape: [1, 2], [4, 5])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func zeroSizeAxes() {
        func check<T: TensorScalar>(_: T.Type) {
            // (0, 3) + (3,) -> (0, 3)
            let e = Tensor<T>.zeros([0, 3]) + Tensor<T>([1, 2, 3])
            #expect(e.shape == [0, 3])
            #expect(e.count == 0)
            // (2, 0) + (2, 1) -> (2, 0)
            #expect((Tensor<T>.zeros([2, 0]) + Tensor<T>.ones([2, 1])).shape == [2, 0])
            // (0,) + (1,) -> (0,)
            #expect((Tensor<T>.zeros([0]) * Tensor<T>([4])).shape == [0])
            // (1, 0) + (3, 1) -> (3, 0)
            #expect((Tensor<T>.zeros([1, 0]) - Tensor<T>.ones([3, 1])).shape == [3, 0])
            // 0-d with (0,) -> (0,)
            #expect((Tensor<T>(2) / Tensor<T>.zeros([0])).shape == [0])
            // In place on an empty tensor.
            var z = Tensor<T>.zeros([0, 4])
            z += Tensor<T>([1, 2, 3, 4])
            #expect(z.shape == [0, 4])
            // Comparisons and where on empty tensors.
            #expect((Tensor<T>.zeros([0, 2]) .< Tensor<T>([1, 2])).shape == [0, 2])
            let w = Tensor<T>.where(Tensor<Bool>(shape: [0, 1], scalars: []), Tensor<T>([1, 2]), Tensor<T>(0))
            #expect(w.shape == [0, 2])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func inPlaceWithBroadcastRightHandSide() {
        func check<T: TensorScalar>(_: T.Type) {
            var x = Tensor<T>([[1, 2, 3], [4, 5, 6]])
            x += Tensor<T>([10, 20, 30])                              // (3,)
            expectTensorExact(x, shape: [2, 3], [11, 22, 33, 14, 25, 36], "+= (3,)")
            x *= Tensor<T>(shape: [2, 1], scalars: [2, -1])            // (2, 1)
            expectTensorExact(x, shape: [2, 3], [22, 44, 66, -14, -25, -36], "*= (2, 1)")
            x -= Tensor<T>(1)                                          // 0-d
            expectTensorExact(x, shape: [2, 3], [21, 43, 65, -15, -26, -37], "-= 0-d")
            x /= Tensor<T>(shape: [1, 3], scalars: [1, 2, 4])          // (1, 3)
            expectTensorExact(x, shape: [2, 3], [21, 21.5, 16.25, -15, -13, -9.25], "/= (1, 3)")
            x += Tensor<T>([[0.5]])                                    // (1, 1)
            expectTensorExact(x, shape: [2, 3], [21.5, 22, 16.75, -14.5, -12.5, -8.75], "+= (1, 1)")

            var y: Tensor<T> = iotaTensor([2, 3, 2])
            y -= Tensor<T>(shape: [3, 1], scalars: [0, 1, 2])          // (3, 1) into (2, 3, 2)
            expectTensorExact(y, shape: [2, 3, 2], [0, 1, 1, 2, 2, 3, 6, 7, 7, 8, 8, 9], "-= (3, 1)")
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func incompatibleShapesStop() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor<Double>.zeros([2, 3]) + Tensor<Double>.zeros([4])
        }
    }

    @Test func broadcastedTo() {
        let v = Tensor<Double>([1, 2, 3])
        expectTensorExact(v.broadcasted(to: [2, 3]), shape: [2, 3], [1, 2, 3, 1, 2, 3])
        let c = Tensor<Float>(shape: [2, 1], scalars: [1, 2])
        expectTensorExact(c.broadcasted(to: [2, 2, 3]), shape: [2, 2, 3], [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2])
        expectTensorExact(Tensor<Double>(7).broadcasted(to: [2, 2]), shape: [2, 2], [7, 7, 7, 7])
        let mask = Tensor<Bool>([true, false]).broadcasted(to: [2, 2])
        expectTensorMask(mask, shape: [2, 2], [true, false, true, false])
        let ints = Tensor<Int>(shape: [2, 1], scalars: [5, 6]).broadcasted(to: [2, 3])
        #expect(ints == Tensor<Int>(shape: [2, 3], scalars: [5, 5, 5, 6, 6, 6]))
    }

    /// Many shape pairs, including ones whose axes the broadcast plan can merge or not, against the
    /// element-by-element reference. Operand values are distinct so any misplaced element shows.
    @Test(arguments: [
        ([2, 3], [3]), ([2, 3], [2, 1]), ([2, 3], [1, 3]), ([3], [2, 3]), ([2, 1], [1, 3]),
        ([4, 2, 3], [2, 3]), ([4, 2, 3], [4, 1, 3]), ([4, 2, 3], [4, 2, 1]), ([4, 2, 3], [1, 2, 1]),
        ([4, 1, 3], [1, 5, 1]), ([2, 1, 3, 1], [1, 4, 1, 5]), ([2, 3, 4, 5], [3, 1, 5]),
        ([1, 1, 6], [2, 3, 1]), ([5, 1], [1]), ([1], [7]), ([], [2, 2, 2]), ([3, 1, 2, 1, 2], [1, 2, 2]),
        ([2, 2, 2, 2, 3], [2, 1, 2, 1, 3]),
    ] as [([Int], [Int])])
    func matchesElementwiseReference(_ shapes: ([Int], [Int])) {
        let (sa, sb) = shapes
        let na = sa.reduce(1, *), nb = sb.reduce(1, *)
        let a = Tensor<Double>(shape: sa, scalars: (0..<na).map { Double($0) + 1 })
        let b = Tensor<Double>(shape: sb, scalars: (0..<nb).map { 1000 * (Double($0) + 1) })
        #expect(a + b == referenceBroadcast(a, b, +), "\(sa) + \(sb)")
        #expect(a - b == referenceBroadcast(a, b, -), "\(sa) - \(sb)")
        #expect(b - a == referenceBroadcast(b, a, -), "\(sb) - \(sa)")
        #expect(a * b == referenceBroadcast(a, b, *), "\(sa) * \(sb)")
        #expect(b / a == referenceBroadcast(b, a, /), "\(sb) / \(sa)")
        let lt = a .< b / 1500
        let ref = referenceBroadcast(a, b / 1500) { $0 < $1 ? 1 : 0 }
        #expect(lt.shape == ref.shape)
        #expect(lt.scalars == ref.scalars.map { $0 == 1 }, "\(sa) .< \(sb)")
        // The Float path too.
        let af = a.map(Float.init), bf = b.map(Float.init)
        #expect((af + bf).map(Double.init) == referenceBroadcast(a, b, +), "Float \(sa) + \(sb)")
    }
}
