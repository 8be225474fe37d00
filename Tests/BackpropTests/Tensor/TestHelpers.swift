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

/// Two computations of the same product a·b (a is m×k, b is k×n) that may add their k terms in different
/// orders agree within rounding: each is within γ_k·(|a|·|b|)[i, j] of the exact sum, γ_k = k·u/(1 − k·u)
/// with u = ε/2 (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.5), so they differ by at
/// most 2·γ_k·(|a|·|b|)[i, j]. OpenBLAS picks its kernel, and with it the order of the sum, per processor
/// and per transpose flag, so this, not bit equality, is what holds on every machine.
/// Returns the first element past that bound, or nil when every element is within it.
func productRoundingViolation<T: TensorScalar>(_ actual: Tensor<T>, _ reference: Tensor<T>,
                                               a: Tensor<T>, b: Tensor<T>) -> (index: Int, difference: Double, bound: Double)? {
    precondition(actual.shape == reference.shape, "shapes \(actual.shape) and \(reference.shape)")
    guard actual.count > 0 else { return nil }
    let k = a.shape[1]
    let u = T.self == Float.self ? Double(Float.ulpOfOne) / 2 : Double.ulpOfOne / 2
    let gamma = Double(k) * u / (1 - Double(k) * u)
    let magnitude = matmul(abs(a), abs(b)).scalars   // |a|·|b|, itself within γ_k of exact: hence (1 + 2γ_k)
    for (i, (x, y)) in zip(actual.scalars, reference.scalars).enumerated() {
        let bound = 2 * gamma * Double(magnitude[i]) * (1 + 2 * gamma)
        let difference = Swift.abs(Double(x) - Double(y))
        if !(difference <= bound) { return (i, difference, bound) }
    }
    return nil
}

/// Expects `actual` and `reference`, two computations of a·b, to agree within `productRoundingViolation`'s bound.
func expectSameProductWithinRounding<T: TensorScalar>(_ actual: Tensor<T>, _ reference: Tensor<T>,
                                                      a: Tensor<T>, b: Tensor<T>, _ comment: Comment? = nil,
                                                      sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == reference.shape, "shapes; \(comment?.rawValue ?? "")", sourceLocation: sourceLocation)
    guard actual.shape == reference.shape else { return }
    if let v = productRoundingViolation(actual, reference, a: a, b: b) {
        let note = comment?.rawValue ?? ""
        Issue.record("element \(v.index) differs by \(v.difference), more than 2·γ_k·(|a||b|) = \(v.bound); \(note)",
                     sourceLocation: sourceLocation)
    }
}
