import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// `transposeMatrix` (4×4 SIMD blocks plus the leftover rows and columns) against the definition.
struct MatrixTransposeTests {
    @Test(arguments: [(1, 1), (3, 5), (4, 4), (16, 784), (7, 9), (145, 16), (5, 12)])
    func equalsTheDefinition(shape: (Int, Int)) {
        let (rows, columns) = shape
        func check<T: TensorScalar>(_: T.Type) {
            let a = (0..<rows * columns).map { T(exactly: $0)! }
            var out = [T](repeating: -1, count: rows * columns)
            a.withUnsafeBufferPointer { pa in
                out.withUnsafeMutableBufferPointer { po in
                    transposeMatrix(pa.baseAddress!, rows: rows, columns: columns, into: po.baseAddress!)
                }
            }
            var expected = out
            for r in 0..<rows { for c in 0..<columns { expected[c * rows + r] = a[r * columns + c] } }
            #expect(out == expected, "\(T.self) \(rows)×\(columns)")
        }
        check(Float.self)
        check(Double.self)
    }
}
