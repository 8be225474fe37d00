// Reductions over all elements or along one axis, with or without kept dimensions (NumPy's keepdims).

extension Tensor {
    /// An axis in 0..<rank, counting negative axes from the end. Stops if out of range.
    func normalizedAxis(_ axis: Int, _ operation: @autoclosure () -> String, rank: Int? = nil) -> Int {
        let r = rank ?? self.rank
        let a = axis < 0 ? axis + r : axis
        precondition(a >= 0 && a < r, "\(operation()): axis \(axis) is out of range for shape \(shape)")
        return a
    }

    /// (outer, length, inner) extents around `axis`.
    func extents(around axis: Int) -> (outer: Int, length: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    func reducedShape(_ axis: Int, keepDims: Bool) -> [Int] {
        var s = shape
        if keepDims { s[axis] = 1 } else { s.remove(at: axis) }
        return s
    }
}

extension Tensor where Scalar: TensorScalar {
    /// Reduces along `axis` with `op`.
    public func reduced(_ op: ReductionOp, axis: Int, keepDims: Bool = false) -> Tensor {
        let a = normalizedAxis(axis, "\(op)(axis:)")
        let (outer, length, inner) = extents(around: a)
        precondition(length > 0 || op == .sum,
                     "\(op)(axis: \(axis)): zero-size axis in shape \(shape) has no \(op)")
        if count == 0 { return .zeros(reducedShape(a, keepDims: keepDims)) }
        return Tensor(shape: reducedShape(a, keepDims: keepDims)) { out in
            scalars.withUnsafeBufferPointer { x in
                Scalar.reduce(op, x.baseAddress!, outer: outer, length: length, inner: inner, out.baseAddress!)
            }
        }
    }

    /// Reduces over every element with `op`.
    public func reduced(_ op: ReductionOp) -> Scalar {
        precondition(count > 0 || op == .sum, "\(op)(): empty tensor of shape \(shape) has no \(op)")
        if count == 0 { return 0 }
        var result: Scalar = 0
        scalars.withUnsafeBufferPointer { x in
            Scalar.reduce(op, x.baseAddress!, outer: 1, length: x.count, inner: 1, &result)
        }
        return result
    }

    /// Sum of all elements.
    public func sum() -> Scalar { reduced(.sum) }
    /// Sum along an axis: shape (…, n, …) → (…, …), or (…, 1, …) with `keepDims`.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { reduced(.sum, axis: axis, keepDims: keepDims) }
    /// Mean of all elements (NaN for an empty tensor, as NumPy).
    public func mean() -> Scalar { count == 0 ? .nan : sum() / Scalar(count) }
    /// Mean along an axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        let a = normalizedAxis(axis, "mean(axis:)")
        return sum(axis: a, keepDims: keepDims) / Scalar(shape[a])
    }
    /// Largest element (NaN if any is NaN). Stops on an empty tensor.
    public func max() -> Scalar { reduced(.max) }
    /// Largest element along an axis.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor { reduced(.max, axis: axis, keepDims: keepDims) }
    /// Smallest element (NaN if any is NaN). Stops on an empty tensor.
    public func min() -> Scalar { reduced(.min) }
    /// Smallest element along an axis.
    public func min(axis: Int, keepDims: Bool = false) -> Tensor { reduced(.min, axis: axis, keepDims: keepDims) }

    /// Flat index of the first largest element. Stops on an empty tensor.
    public func argmax() -> Int {
        precondition(count > 0, "argmax(): empty tensor of shape \(shape)")
        // The index is written into the closure's own local and returned: with the caller's `var`
        // captured instead, release builds returned 0 for [0, 0, 1] when inlined inside this module.
        return scalars.withUnsafeBufferPointer { x in
            var result = 0
            Scalar.argmax(x.baseAddress!, outer: 1, length: x.count, inner: 1, &result)
            return result
        }
    }

    /// Index of the first largest element along an axis: (N, C) with axis 1 → (N,) class indices.
    public func argmax(axis: Int, keepDims: Bool = false) -> Tensor<Int> {
        let a = normalizedAxis(axis, "argmax(axis:)")
        let (outer, length, inner) = extents(around: a)
        precondition(length > 0, "argmax(axis: \(axis)): zero-size axis in shape \(shape)")
        return Tensor<Int>(shape: reducedShape(a, keepDims: keepDims)) { out in
            scalars.withUnsafeBufferPointer { x in
                Scalar.argmax(x.baseAddress!, outer: outer, length: length, inner: inner, out.baseAddress!)
            }
        }
    }

    /// Sums a broadcast result back to `target`, the shape of the operand that was broadcast:
    /// the gradient of a broadcasting operation with respect to that operand.
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let full = broadcastShape(shape, target, operation: "sum(toShape:)")
        precondition(full == shape, "sum(toShape:): shape \(shape) does not broadcast from \(target)")
        var result = self
        // Leading axes that the broadcast added.
        for _ in 0..<(shape.count - target.count) { result = result.sum(axis: 0) }
        // Axes where the operand had extent 1.
        for (axis, n) in target.enumerated() where n == 1 && result.shape[axis] != 1 {
            result = result.sum(axis: axis, keepDims: true)
        }
        return result
    }
}
