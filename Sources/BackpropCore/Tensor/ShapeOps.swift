// Shape operations: reshape, transpose/permute, slicing rows, gathering rows, concatenation.
// They work for tensors of any element type; element copies go through `stridedCopy` or whole-row moves.

extension Tensor {
    /// The same elements in a new shape; one extent may be -1 and is inferred. Never copies.
    /// Stops if the element counts disagree.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var result = self
        result.reshape(newShape)
        return result
    }

    /// Reshapes in place (see `reshaped(_:)`).
    public mutating func reshape(_ newShape: [Int]) {
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        precondition(inferred.count <= 1, "reshape: more than one -1 in \(newShape)")
        precondition(newShape.allSatisfy { $0 >= -1 }, "reshape: negative extent in \(newShape)")
        var target = newShape
        if let i = inferred.first {
            let known = newShape.filter { $0 != -1 }.reduce(1, *)
            precondition(known > 0 && count % known == 0,
                         "reshape: cannot reshape shape \(shape) (\(count) elements) into \(newShape)")
            target[i] = count / known
        }
        precondition(target.reduce(1, *) == count,
                     "reshape: cannot reshape shape \(shape) (\(count) elements) into \(newShape)")
        shape = target
    }

    /// A 1-d view of all elements.
    public func flattened() -> Tensor { reshaped([count]) }

    /// Axes permuted: result axis i is this tensor's axis `axes[i]` (NumPy's `transpose(axes)`). Copies.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank),
                     "permuted: \(axes) is not a permutation of the axes of shape \(shape)")
        if axes == Array(0..<rank) { return self }
        let own = contiguousStrides(shape)
        let newShape = axes.map { shape[$0] }
        let strides = axes.map { own[$0] }
        return Tensor(shape: newShape) { dst in
            scalars.withUnsafeBytes { src in
                stridedCopy(from: src.baseAddress!, to: UnsafeMutableRawPointer(dst.baseAddress!), shape: newShape,
                            strides: strides, elementSize: MemoryLayout<Scalar>.stride)
            }
        }
    }

    /// All axes reversed (NumPy's `.T`): (m, n) → (n, m). Copies; `matmul` takes transposes as flags instead.
    public func transposed() -> Tensor { permuted(Array((0..<rank).reversed())) }

    /// A new axis of extent 1 inserted at `axis`.
    public func expandingShape(at axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        precondition(a >= 0 && a <= rank, "expandingShape(at:): axis \(axis) is out of range for shape \(shape)")
        var s = shape
        s.insert(1, at: a)
        return reshaped(s)
    }

    /// Axes of extent 1 removed (all of them, or the one given).
    public func squeezed(axis: Int? = nil) -> Tensor {
        if let axis {
            let a = normalizedAxis(axis, "squeezed(axis:)")
            precondition(shape[a] == 1, "squeezed(axis: \(axis)): axis has extent \(shape[a]) in shape \(shape)")
            var s = shape
            s.remove(at: a)
            return reshaped(s)
        }
        return reshaped(shape.filter { $0 != 1 })
    }

    /// Elements per index of the first axis.
    var rowSize: Int { shape.dropFirst().reduce(1, *) }

    /// The slice `range` of the first axis, e.g. a batch out of a dataset: (N, …) → (range.count, …).
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1, "rows(_:): a 0-d tensor has no rows")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[0],
                     "rows(_:): range \(range) is out of bounds for shape \(shape)")
        let n = rowSize
        var s = shape
        s[0] = range.count
        return Tensor(shape: s, scalars: Array(scalars[(range.lowerBound * n)..<(range.upperBound * n)]))
    }

    /// Rows picked by index along the first axis, in the order given (repeats allowed), e.g. a shuffled
    /// batch: (N, …) with k indices → (k, …). Stops on an index out of range.
    public func gatheringRows(_ indices: [Int]) -> Tensor {
        precondition(rank >= 1, "gatheringRows(_:): a 0-d tensor has no rows")
        let n = rowSize, rows = shape[0]
        var s = shape
        s[0] = indices.count
        return Tensor(shape: s) { dst in
            scalars.withUnsafeBufferPointer { src in
                for (k, i) in indices.enumerated() {
                    precondition(i >= 0 && i < rows, "gatheringRows(_:): index \(i) is out of range for shape \(shape)")
                    (dst.baseAddress! + k * n).initialize(from: src.baseAddress! + i * n, count: n)
                }
            }
        }
    }

    /// Tensors joined along an existing axis; all other extents must match.
    public static func concatenated(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "concatenated: no tensors given")
        let first = tensors[0]
        let a = first.normalizedAxis(axis, "concatenated(axis:)")
        for t in tensors.dropFirst() {
            var s1 = first.shape, s2 = t.shape
            precondition(s1.count == s2.count, "concatenated: shapes \(first.shape) and \(t.shape) differ in rank")
            s1[a] = 0
            s2[a] = 0
            precondition(s1 == s2, "concatenated(axis: \(axis)): shapes \(first.shape) and \(t.shape) differ off the axis")
        }
        var shape = first.shape
        shape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
        let outer = first.shape[..<a].reduce(1, *)
        var scalars: [Scalar] = []
        scalars.reserveCapacity(shape.reduce(1, *))
        for o in 0..<outer {
            for t in tensors {
                let chunk = t.shape[a...].reduce(1, *)
                scalars.append(contentsOf: t.scalars[(o * chunk)..<((o + 1) * chunk)])
            }
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}
