import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct ColumnScatterTests {
    @Test func setsOneElementPerRowAtItsColumn() {
        // NumPy: a = np.zeros((3, 4)); a[np.arange(3), [2, 0, 3]] = [5, 6, 7]
        var a = Tensor<Double>.zeros([3, 4])
        a.scatter(Tensor([5, 6, 7]), atColumns: Tensor([2, 0, 3]))
        #expect(a == Tensor(shape: [3, 4], scalars: [0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 0, 7]))
    }

    @Test func keepsTheOtherElementsAndTakesAnyShapeOfValuesAndColumns() {
        // The book's dmax line: dout.flatten() and arg_max.flatten(); here given 2-d, flattened inside.
        let base = Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let columns = Tensor<Int>(shape: [2, 1], scalars: [1, 1])
        let result = base.scattered(Tensor(shape: [1, 2], scalars: [-1, -2]), atColumns: columns)
        #expect(result == Tensor(shape: [2, 3], scalars: [1, -1, 3, 4, -2, 6]))
        #expect(base == Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), "scattered leaves self as it was")
    }

    @Test func rejectsAColumnOutOfRange() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor<Double>.zeros([2, 2]).scattered(Tensor([1, 1]), atColumns: Tensor([0, 2]))
        }
    }

    @Test func rejectsOneValuePerRowMissing() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor<Double>.zeros([2, 2]).scattered(Tensor([1]), atColumns: Tensor([0, 1]))
        }
    }
}
