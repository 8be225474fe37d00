// Conversions between class indices and Float/Double tensors, with one concrete loop per type:
// generic per-element conversions (`Scalar(someInt)`) would go through protocol witnesses element by
// element, which costs more than the rest of a small training step.

extension Tensor where Scalar: TensorScalar {
    /// Integers as numbers, e.g. class indices in the form `SoftmaxWithLoss` takes: shape (count,).
    public init(integers: [Int]) {
        if Scalar.self == Float.self {
            self.init(shape: [integers.count], scalars: unsafeBitCast(integers.map { Float($0) }, to: [Scalar].self))
        } else if Scalar.self == Double.self {
            self.init(shape: [integers.count], scalars: unsafeBitCast(integers.map { Double($0) }, to: [Scalar].self))
        } else {
            self.init(shape: [integers.count], scalars: integers.map { Scalar($0) })
        }
    }

    /// The elements as integers when every one is a whole number in 0..<bound (class indices);
    /// otherwise the flat index of the first element that is not.
    public func classIndices(below bound: Int) -> Result<[Int], ClassIndexError> {
        if Scalar.self == Float.self { return floatClassIndices(unsafeBitCast(scalars, to: [Float].self), bound) }
        if Scalar.self == Double.self { return doubleClassIndices(unsafeBitCast(scalars, to: [Double].self), bound) }
        return doubleClassIndices(scalars.map { Double($0) }, bound)
    }
}

private func floatClassIndices(_ values: [Float], _ bound: Int) -> Result<[Int], ClassIndexError> {
    doubleClassIndices(values.map { Double($0) }, bound)
}

private func doubleClassIndices(_ values: [Double], _ bound: Int) -> Result<[Int], ClassIndexError> {
    var result = [Int](repeating: 0, count: values.count)
    let limit = Double(bound)
    for i in 0..<values.count {
        let v = values[i]
        guard v >= 0 && v < limit && v == v.rounded(.towardZero) else {
            return .failure(ClassIndexError(index: i, value: v, bound: bound))
        }
        result[i] = Int(v)
    }
    return .success(result)
}

/// An element that is not a class index: `value` at flat `index` is not a whole number in 0..<bound.
public struct ClassIndexError: Error, Equatable, CustomStringConvertible {
    /// The flat (row-major) index of the offending element.
    public var index: Int
    /// Its value, as a Double.
    public var value: Double
    /// The number of classes: indices had to lie in 0..<bound.
    public var bound: Int
    public var description: String { "element \(index) is \(value), not a class index in 0..<\(bound)" }
}
