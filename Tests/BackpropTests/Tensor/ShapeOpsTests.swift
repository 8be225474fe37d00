import Backprop
import Testing

// reshape, permute/transpose, expand/squeeze, row slicing and gathering, concatenation.

@Suite("Shape operations")
struct ShapeOpsTests {
    @Test func reshapeKeepsRowMajorOrder() {
        func check<T: TensorScalar>(_: T.Type) {
            let x: Tensor<T> = iotaTensor([6])
            let values: [Double] = [0, 1, 2, 3, 4, 5]
            expectTensorExact(x.reshaped([2, 3]), shape: [2, 3], values)
            expectTensorExact(x.reshaped([-1, 2]), shape: [3, 2], values)
            expectTensorExact(x.reshaped([2, -1]), shape: [2, 3], values)
            expectTensorExact(x.reshaped([1, -1, 3]), shape: [1, 2, 3], values)
            expectTensorExact(x.reshaped([2, 3]).reshaped([-1]), shape: [6], values)
            expectTensorExact(x.reshaped([2, 3]).flattened(), shape: [6], values)
            #expect(x.reshaped([3, 2])[2, 0] == 4)
            #expect(x.reshaped([2, 3])[1, 0] == 3)

            var y = x
            y.reshape([3, -1])
            #expect(y.shape == [3, 2])
            #expect(x.shape == [6])

            // 0-d <-> one element, and empty tensors.
            expectTensorExact(Tensor<T>(4).reshaped([1, 1]), shape: [1, 1], [4])
            expectTensorExact(Tensor<T>(4).reshaped([-1]), shape: [1], [4])
            expectTensorExact(Tensor<T>([4]).reshaped([]), shape: [], [4])
            #expect(Tensor<T>.zeros([0, 3]).reshaped([-1, 3]).shape == [0, 3])
            #expect(Tensor<T>.zeros([0, 3]).reshaped([3, 0, 5]).shape == [3, 0, 5])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func reshapeToIncompatibleShapeStops() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor<Double>.zeros([2, 3]).reshaped([4, 2])
        }
    }

    @Test func permuted() {
        func check<T: TensorScalar>(_: T.Type) {
            let x: Tensor<T> = iotaTensor([2, 3, 4])
            // np.transpose(np.arange(24).reshape(2, 3, 4), (2, 0, 1))
            expectTensorExact(x.permuted([2, 0, 1]), shape: [4, 2, 3],
                        [0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23])
            // (1, 0, 2)
            expectTensorExact(x.permuted([1, 0, 2]), shape: [3, 2, 4],
                        [0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 20, 21, 22, 23])
            // (0, 2, 1)
            expectTensorExact(x.permuted([0, 2, 1]), shape: [2, 4, 3],
                        [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 16, 20, 13, 17, 21, 14, 18, 22, 15, 19, 23])
            // Identity.
            #expect(x.permuted([0, 1, 2]) == x)
            // A permutation and its inverse cancel.
            #expect(x.permuted([2, 0, 1]).permuted([1, 2, 0]) == x)
            // Axes of extent 1.
            expectTensorExact(Tensor<T>(shape: [1, 3, 1], scalars: [1, 2, 3]).permuted([2, 1, 0]), shape: [1, 3, 1], [1, 2, 3])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func transposed() {
        func check<T: TensorScalar>(_: T.Type) {
            let m: Tensor<T> = iotaTensor([2, 3])
            expectTensorExact(m.transposed(), shape: [3, 2], [0, 3, 1, 4, 2, 5])
            #expect(m.transposed().transposed() == m)
            // Rank 3 reverses all axes: np.arange(24).reshape(2, 3, 4).T
            expectTensorExact(iotaTensor([2, 3, 4], T.self).transposed(), shape: [4, 3, 2],
                        [0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23])
            // 1-d and 0-d are unchanged.
            expectTensorExact(Tensor<T>([1, 2, 3]).transposed(), shape: [3], [1, 2, 3])
            expectTensorExact(Tensor<T>(5).transposed(), shape: [], [5])
            // A large transpose (several blocks).
            let big: Tensor<T> = iotaTensor([37, 53])
            let bt = big.transposed()
            #expect(bt.shape == [53, 37])
            #expect(bt[10, 20] == big[20, 10])
            #expect(bt[52, 36] == big[36, 52])
            #expect(bt[0, 36] == big[36, 0])
        }
        check(Float.self)
        check(Double.self)

        // Other element types.
        let mask = Tensor<Bool>([[true, false, false], [false, true, true]]).transposed()
        expectTensorMask(mask, shape: [3, 2], [true, false, false, true, false, true])
        let ints = Tensor<Int>(shape: [2, 2], scalars: [1, 2, 3, 4]).transposed()
        #expect(ints == Tensor<Int>(shape: [2, 2], scalars: [1, 3, 2, 4]))
    }

    @Test func expandingShape() {
        let m: Tensor<Double> = iotaTensor([2, 3])
        #expect(m.expandingShape(at: 0).shape == [1, 2, 3])
        #expect(m.expandingShape(at: 1).shape == [2, 1, 3])
        #expect(m.expandingShape(at: 2).shape == [2, 3, 1])
        // np.expand_dims(m, -1) -> (2, 3, 1); -3 -> (1, 2, 3); -2 -> (2, 1, 3)
        #expect(m.expandingShape(at: -1).shape == [2, 3, 1])
        #expect(m.expandingShape(at: -2).shape == [2, 1, 3])
        #expect(m.expandingShape(at: -3).shape == [1, 2, 3])
        #expect(m.expandingShape(at: 1).scalars == m.scalars)
        #expect(Tensor<Float>(3).expandingShape(at: 0).shape == [1])
    }

    @Test func squeezed() {
        let t: Tensor<Double> = iotaTensor([1, 2, 1, 3])
        #expect(t.squeezed().shape == [2, 3])
        #expect(t.squeezed().scalars == t.scalars)
        #expect(t.squeezed(axis: 0).shape == [2, 1, 3])
        #expect(t.squeezed(axis: 2).shape == [1, 2, 3])
        #expect(t.squeezed(axis: -2).shape == [1, 2, 3])
        #expect(t.squeezed(axis: -4).shape == [2, 1, 3])
        let one = Tensor<Float>(shape: [1, 1], scalars: [7]).squeezed()
        #expect(one.shape == [])
        #expect(one.scalar == 7)
        #expect(Tensor<Double>([1, 2]).squeezed().shape == [2])
    }

    @Test func rowsSlicesTheFirstAxis() {
        func check<T: TensorScalar>(_: T.Type) {
            let x: Tensor<T> = iotaTensor([4, 2])
            expectTensorExact(x.rows(1..<3), shape: [2, 2], [2, 3, 4, 5])
            expectTensorExact(x.rows(0..<4), shape: [4, 2], [0, 1, 2, 3, 4, 5, 6, 7])
            expectTensorExact(x.rows(3..<4), shape: [1, 2], [6, 7])
            #expect(x.rows(2..<2).shape == [0, 2])
            // Rank 3: whole (3, 2) blocks.
            let y: Tensor<T> = iotaTensor([3, 2, 2])
            expectTensorExact(y.rows(1..<3), shape: [2, 2, 2], [4, 5, 6, 7, 8, 9, 10, 11])
            // Rank 1.
            expectTensorExact(Tensor<T>([5, 6, 7]).rows(1..<3), shape: [2], [6, 7])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func gatheringRows() {
        func check<T: TensorScalar>(_: T.Type) {
            let x: Tensor<T> = iotaTensor([4, 2])
            expectTensorExact(x.gatheringRows([3, 0, 3]), shape: [3, 2], [6, 7, 0, 1, 6, 7])
            expectTensorExact(x.gatheringRows([1]), shape: [1, 2], [2, 3])
            #expect(x.gatheringRows([]).shape == [0, 2])
            expectTensorExact(Tensor<T>([10, 20, 30]).gatheringRows([2, 2, 0]), shape: [3], [30, 30, 10])
            let y: Tensor<T> = iotaTensor([3, 1, 2])
            expectTensorExact(y.gatheringRows([2, 1]), shape: [2, 1, 2], [4, 5, 2, 3])
        }
        check(Float.self)
        check(Double.self)
        let labels = Tensor<Int>([7, 8, 9]).gatheringRows([1, 1, 2, 0])
        #expect(labels == Tensor<Int>([8, 8, 9, 7]))
    }

    @Test func concatenated() {
        func check<T: TensorScalar>(_: T.Type) {
            let a = Tensor<T>([[1, 2]])
            let b = Tensor<T>([[3, 4], [5, 6]])
            expectTensorExact(Tensor.concatenated([a, b]), shape: [3, 2], [1, 2, 3, 4, 5, 6])
            expectTensorExact(Tensor.concatenated([b, a], axis: 0), shape: [3, 2], [3, 4, 5, 6, 1, 2])
            expectTensorExact(Tensor.concatenated([a, b, a], axis: -2), shape: [4, 2], [1, 2, 3, 4, 5, 6, 1, 2])

            let c = Tensor<T>(shape: [2, 1], scalars: [1, 2])
            expectTensorExact(Tensor.concatenated([c, b], axis: 1), shape: [2, 3], [1, 3, 4, 2, 5, 6])
            expectTensorExact(Tensor.concatenated([b, c], axis: -1), shape: [2, 3], [3, 4, 1, 5, 6, 2])
            expectTensorExact(Tensor.concatenated([c, b, c], axis: 1), shape: [2, 4], [1, 3, 4, 1, 2, 5, 6, 2])

            // Rank 3 along the middle axis: (2, 1, 2) and (2, 2, 2).
            let p: Tensor<T> = iotaTensor([2, 1, 2])
            let q: Tensor<T> = iotaTensor([2, 2, 2]) + 10
            expectTensorExact(Tensor.concatenated([p, q], axis: 1), shape: [2, 3, 2],
                        [0, 1, 10, 11, 12, 13, 2, 3, 14, 15, 16, 17])
            // Rank 3 along the last axis.
            expectTensorExact(Tensor.concatenated([p, p], axis: 2), shape: [2, 1, 4], [0, 1, 0, 1, 2, 3, 2, 3])
            // 1-d and with an empty piece.
            expectTensorExact(Tensor.concatenated([Tensor<T>([1]), Tensor<T>.zeros([0]), Tensor<T>([2, 3])]),
                        shape: [3], [1, 2, 3])
            // A single tensor is returned unchanged.
            #expect(Tensor.concatenated([b]) == b)
        }
        check(Float.self)
        check(Double.self)
        let masks = Tensor<Bool>.concatenated([Tensor([[true], [false]]), Tensor([[false], [false]])], axis: 1)
        expectTensorMask(masks, shape: [2, 2], [true, false, false, false])
    }
}
