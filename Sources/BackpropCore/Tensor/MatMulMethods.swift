/// The products of §5.6.2 as methods, the way the book writes them with `np.dot`:
/// `out = x.matmul(W, plus: b)`, `dx = dout.matmul(W, transposeOther: true)`,
/// `dW = x.matmul(dout, transposeSelf: true)`, `db = dout.sum(axis: 0)`.
///
/// Each product goes through `sharedGemm` (Kernels/GEMM/SharedGemm.swift), which shares a large product
/// among `Threads.count` threads and is held by its tests to the product by definition. The `into:`
/// forms equal the plain ones and write into reused storage.
extension Tensor where Scalar: TensorScalar {
    /// op(self)·op(other) (+ `bias` added to every row): self (m, k), other (k, n) → (m, n), each
    /// operand transposed first when its flag is set (a BLAS flag, never a copy). Stops with both shapes
    /// named if they do not line up.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false,
                       plus bias: Tensor? = nil) -> Tensor {
        var buffer = ReusedTensor<Scalar>()
        return matmul(other, transposeSelf: transposeSelf, transposeOther: transposeOther, plus: bias, into: &buffer)
    }

    /// `matmul(_:transposeSelf:transposeOther:plus:)` written into `buffer`, with the result given
    /// `shape` (same element count as (m, n): e.g. Affine's dx in x's original shape).
    func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false, plus bias: Tensor? = nil,
                into buffer: inout some ResultBuffer<Scalar>, shape: [Int]? = nil) -> Tensor {
        let (m, n, k) = productShape(other, transposeSelf, transposeOther, bias)
        guard let shape else {   // (m, n): no shape array built when the storage is reused
            return buffer.write(rows: m, columns: n) {
                writeProduct(other, transposeSelf, transposeOther, bias, m: m, n: n, k: k, into: &$0)
            }
        }
        precondition(shape.reduce(1, *) == m * n,
                     "matmul(into:): result shape \(shape) does not hold the (\(m), \(n)) product of \(self.shape) and \(other.shape)")
        return buffer.write(shape: shape) { writeProduct(other, transposeSelf, transposeOther, bias, m: m, n: n, k: k, into: &$0) }
    }

    /// `matmul(_:transposeSelf:transposeOther:)` written over `out` (a parameter's gradient), which is
    /// replaced by a new tensor when its shape is not (m, n).
    func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false, into out: inout Tensor) {
        let (m, n, k) = productShape(other, transposeSelf, transposeOther, nil)
        if !(out.rank == 2 && out.shape[0] == m && out.shape[1] == n) { out = Tensor(shape: [m, n], unsafeUninitialized: { _ in }) }
        writeProduct(other, transposeSelf, transposeOther, nil, m: m, n: n, k: k, into: &out)
    }

    /// Σ over the rows of a matrix, (N, D) → (D,), written over `out` (replaced when not (D,)): the book's
    /// `np.sum(dout, axis=0)`, as `sum(axis: 0)`.
    func sumOfRows(into out: inout Tensor) {
        precondition(rank == 2, "sumOfRows(into:): expected a matrix, got shape \(shape)")
        let (n, d) = (shape[0], shape[1])
        if out.shape != [d] { out = .zeros([d]) }
        withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                guard d > 0 else { return }
                guard n > 0 else { o.update(repeating: 0); return }
                Scalar.reduce(.sum, p.baseAddress!, outer: 1, length: n, inner: d, o.baseAddress!)
            }
        }
    }

    /// (m, n, k) of op(self)·op(other), after checking the shapes (and the bias's, (n,)).
    private func productShape(_ other: Tensor, _ transposeSelf: Bool, _ transposeOther: Bool,
                              _ bias: Tensor?) -> (Int, Int, Int) {
        precondition(rank == 2 && other.rank == 2,
                     "matmul: shapes \(shape) and \(other.shape): both operands must be matrices")
        let (m, k) = transposeSelf ? (shape[1], shape[0]) : (shape[0], shape[1])
        let (k2, n) = transposeOther ? (other.shape[1], other.shape[0]) : (other.shape[0], other.shape[1])
        precondition(k == k2, "matmul: shapes \(shape)\(transposeSelf ? "ᵀ" : "") and \(other.shape)\(transposeOther ? "ᵀ" : "") "
                     + "do not line up (inner extents \(k) and \(k2))")
        if let bias {
            precondition(bias.shape == [n], "matmul(plus:): the product has \(n) columns but the bias has shape \(bias.shape)")
        }
        return (m, n, k)
    }

    /// out (m·n elements) = op(self)·op(other) (+ bias in every row): the bias is copied into every row
    /// and the product accumulated onto it (beta 1), else written over (beta 0).
    private func writeProduct(_ other: Tensor, _ transposeSelf: Bool, _ transposeOther: Bool, _ bias: Tensor?,
                              m: Int, n: Int, k: Int, into out: inout Tensor) {
        withUnsafeBufferPointer { pa in
            other.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    guard m > 0, n > 0 else { return }
                    if let bias {
                        bias.withUnsafeBufferPointer { pbias in
                            for i in 0..<m { (po.baseAddress! + i * n).update(from: pbias.baseAddress!, count: n) }
                        }
                    }
                    guard k > 0 else {
                        if bias == nil { po.update(repeating: 0) }
                        return
                    }
                    sharedGemm(transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                               alpha: 1, pa.baseAddress!, lda: shape[1], pb.baseAddress!, ldb: other.shape[1],
                               beta: bias == nil ? 0 : 1, po.baseAddress!, ldc: n)
                }
            }
        }
    }

    /// The book's `x.reshape(x.shape[0], -1)`: the same elements viewed as (N, features), no copy. A
    /// `previous` result of that shape lends its shape, so that flattening batch after batch allocates nothing.
    func flattenedToRows(reusingShapeOf previous: Tensor?) -> Tensor {
        precondition(rank >= 1, "flattenedToRows: x must have a batch axis, got shape \(shape)")
        if rank == 2 { return self }
        let n = shape[0], features = shape.dropFirst().reduce(1, *)
        if let previous, previous.rank == 2, previous.shape[0] == n, previous.shape[1] == features {
            return Tensor(shape: previous.shape, scalars: scalars)
        }
        return Tensor(shape: [n, features], scalars: scalars)
    }
}
