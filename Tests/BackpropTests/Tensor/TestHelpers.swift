import Backprop
import Testing

// Shared assertions for the tensor tests. Expected values are written as `Double` literals and
// converted to the element type under test, so the same table serves `Float` and `Double`.

/// Default relative tolerance for results that are not exact in the element type.
func tensorTestTolerance<T: TensorScalar>(_: T.Type) -> Double {
    T.self == Float.self ? 2e-6 : 1e-13
}

/// `actual` has exactly `shape` and exactly the elements `expected` (each converted to `T`).
/// NaN matches NaN; +0 and -0 are treated as equal.
func expectTensorExact<T: TensorScalar>(_ actual: Tensor<T>, shape: [Int], _ expected: [Double],
                                  _ comment: Comment? = nil,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == shape, "shape of \(T.self) result; \(comment?.rawValue ?? "")",
            sourceLocation: sourceLocation)
    guard actual.count == expected.count else {
        Issue.record("\(T.self): \(actual.count) elements, expected \(expected.count); \(comment?.rawValue ?? "")",
                     sourceLocation: sourceLocation)
        return
    }
    for (i, (a, e)) in zip(actual.scalars, expected).enumerated() {
        let want = T(e)
        let same = (a.isNaN && want.isNaN) || a == want
        #expect(same, "\(T.self) element \(i): got \(a), expected \(want); \(comment?.rawValue ?? "")",
                sourceLocation: sourceLocation)
    }
}

/// `actual` has exactly `shape` and elements within `rtol·|expected| + atol` of `expected`.
/// NaN matches NaN and infinities must match exactly.
func expectTensorClose<T: TensorScalar>(_ actual: Tensor<T>, shape: [Int], _ expected: [Double],
                                  rtol: Double? = nil, atol: Double = 0,
                                  _ comment: Comment? = nil,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == shape, "shape of \(T.self) result; \(comment?.rawValue ?? "")",
            sourceLocation: sourceLocation)
    guard actual.count == expected.count else {
        Issue.record("\(T.self): \(actual.count) elements, expected \(expected.count); \(comment?.rawValue ?? "")",
                     sourceLocation: sourceLocation)
        return
    }
    let r = rtol ?? tensorTestTolerance(T.self)
    for (i, (a, e)) in zip(actual.scalars.map(Double.init), expected).enumerated() {
        let ok: Bool
        if e.isNaN { ok = a.isNaN } else if e.isInfinite { ok = a == e } else { ok = Swift.abs(a - e) <= r * Swift.abs(e) + atol }
        #expect(ok, "\(T.self) element \(i): got \(a), expected \(e) (rtol \(r), atol \(atol)); \(comment?.rawValue ?? "")",
                sourceLocation: sourceLocation)
    }
}

/// A mask with exactly `shape` and `expected` elements.
func expectTensorMask(_ actual: Tensor<Bool>, shape: [Int], _ expected: [Bool],
                _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == shape, "mask shape; \(comment?.rawValue ?? "")", sourceLocation: sourceLocation)
    #expect(actual.scalars == expected, "mask elements; \(comment?.rawValue ?? "")", sourceLocation: sourceLocation)
}

/// A tensor of `shape` holding 0, 1, 2, … (NumPy's `arange(n).reshape(shape)`).
func iotaTensor<T: TensorScalar>(_ shape: [Int], _: T.Type = T.self) -> Tensor<T> {
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<n).map { T($0) })
}

/// Converts a table of `Double` literals to a tensor of element type `T`.
func tensorOf<T: TensorScalar>(_ shape: [Int], _ values: [Double], _: T.Type = T.self) -> Tensor<T> {
    Tensor(shape: shape, scalars: values.map { T($0) })
}
