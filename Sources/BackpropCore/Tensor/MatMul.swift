import Foundation
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

// Matrix products through BLAS (`cblas_sgemm` / `cblas_dgemm`). Transposes are passed to BLAS as flags:
// `matmul(x, w, transposeA: true)` computes xᵀ·w without copying x.

/// The (m, k) · (k, n) problem a matmul call describes, after checking shapes.
private struct GemmShape {
    var batch: Int, m: Int, n: Int, k: Int
    var outShape: [Int]
    var lda: Int, ldb: Int
    var aBatchStride: Int, bBatchStride: Int

    init(_ a: [Int], _ b: [Int], transposeA: Bool, transposeB: Bool) {
        let op = "matmul(\(transposeA ? "transposeA " : "")\(transposeB ? "transposeB" : ""))"
        precondition(a.count >= 2 && b.count >= 2,
                     "\(op): shapes \(a) and \(b): both operands need at least 2 axes")
        let bRows = b[b.count - 2], bCols = b[b.count - 1]
        let aRows = a[a.count - 2], aCols = a[a.count - 1]
        if b.count == 2 {
            // (…, m, k) · (k, n): leading axes of A fold into rows when A is not transposed.
            batch = 1
            if transposeA {
                precondition(a.count == 2, "\(op): shapes \(a) and \(b): transposeA needs a 2-d A when B is 2-d")
                m = aCols; k = aRows
            } else {
                m = a.dropLast().reduce(1, *); k = aCols
            }
            aBatchStride = 0; bBatchStride = 0
            outShape = transposeA ? [m] : Array(a.dropLast())
        } else {
            precondition(a.count == b.count && a.dropLast(2) == b.dropLast(2),
                         "\(op): shapes \(a) and \(b): batch axes differ")
            batch = a.dropLast(2).reduce(1, *)
            m = transposeA ? aCols : aRows
            k = transposeA ? aRows : aCols
            aBatchStride = aRows * aCols; bBatchStride = bRows * bCols
            outShape = Array(a.dropLast(2)) + [m]
        }
        let kb = transposeB ? bCols : bRows
        n = transposeB ? bRows : bCols
        precondition(k == kb, "\(op): shapes \(a) and \(b) do not line up (inner extents \(k) and \(kb))")
        outShape.append(n)
        lda = aCols; ldb = bCols
    }
}

/// The matrix product op(A)·op(B), where op transposes when its flag is set.
///
/// - A of shape (m, k) (or (k, m) with `transposeA`) and B of shape (k, n) (or (n, k) with `transposeB`)
///   give (m, n). Leading axes of an untransposed A fold into rows: (…, k)·(k, n) → (…, n).
///   A and B of rank 3+ with equal leading axes multiply batch by batch.
/// - Stops with both shapes named when they don't line up.
public func matmul<T: TensorScalar>(_ a: Tensor<T>, _ b: Tensor<T>,
                                    transposeA: Bool = false, transposeB: Bool = false) -> Tensor<T> {
    let g = GemmShape(a.shape, b.shape, transposeA: transposeA, transposeB: transposeB)
    var c = Tensor<T>(shape: g.outShape) { _ in }
    gemm(a, b, g, transposeA: transposeA, transposeB: transposeB, alpha: 1, beta: 0, into: &c)
    return c
}

/// C = alpha·op(A)·op(B) + beta·C into an existing tensor (no allocation when `c` is not shared).
/// With beta = 1 this accumulates, e.g. gradients over several batches. Stops if `c` has the wrong shape.
public func matmul<T: TensorScalar>(_ a: Tensor<T>, _ b: Tensor<T>,
                                    transposeA: Bool = false, transposeB: Bool = false,
                                    alpha: T = 1, beta: T = 0, into c: inout Tensor<T>) {
    let g = GemmShape(a.shape, b.shape, transposeA: transposeA, transposeB: transposeB)
    precondition(c.shape == g.outShape,
                 "matmul(into:): result of shapes \(a.shape) and \(b.shape) is \(g.outShape), target has shape \(c.shape)")
    gemm(a, b, g, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta, into: &c)
}

private func gemm<T: TensorScalar>(_ a: Tensor<T>, _ b: Tensor<T>, _ g: GemmShape, transposeA: Bool,
                                   transposeB: Bool, alpha: T, beta: T, into c: inout Tensor<T>) {
    if c.count == 0 { return }
    if g.k == 0 {
        // An empty sum: C = beta·C (and exactly 0 for beta = 0, whatever C held).
        if beta == 0 { c = .zeros(c.shape) } else { c *= beta }
        return
    }
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                for i in 0..<g.batch {
                    sharedGemm(transposeA: transposeA, transposeB: transposeB, m: g.m, n: g.n, k: g.k, alpha: alpha,
                                 pa.baseAddress! + i * g.aBatchStride, lda: g.lda,
                                 pb.baseAddress! + i * g.bBatchStride, ldb: g.ldb,
                                 beta: beta, pc.baseAddress! + i * g.m * g.n, ldc: g.n)
                }
            }
        }
    }
}
