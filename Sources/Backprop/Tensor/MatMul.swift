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
                    rowSplitGemm(transposeA: transposeA, transposeB: transposeB, m: g.m, n: g.n, k: g.k, alpha: alpha,
                                 pa.baseAddress! + i * g.aBatchStride, lda: g.lda,
                                 pb.baseAddress! + i * g.bBatchStride, ldb: g.ldb,
                                 beta: beta, pc.baseAddress! + i * g.m * g.n, ldc: g.n)
                }
            }
        }
    }
}

/// C = alpha·op(A)·op(B) + beta·C with C's rows shared out among `Threads.count` threads, each
/// running its rows on one thread (pointers as `TensorScalar.gemm`, row-major).
///
/// OpenBLAS threads one call by itself, but on the small products of the book's networks (batches of
/// 100) its threads cost more than they bring: a TwoLayerNet step took longer on 2 threads than on 1.
/// Rows split this way scale. Each thread cuts its share as `GemmBlocking` planned for the whole
/// product, taking whole row blocks when the plan cuts rows (those products are then the same BLAS
/// calls, and the same bits, at any thread count); otherwise every element is still one dot product
/// over the same k blocks, equal up to how the BLAS kernel treats a call's last few rows.
///
/// Products under 2²⁴ multiply-adds in Float (2²³ in Double), or with fewer rows than two per thread,
/// run on the calling thread: cut for the small-matrix kernels, TwoLayerNet's and the MLP's products
/// take ~0.1 ms and sharing them cost more than it saved (measured at 2 threads, alternating step by
/// step: TwoLayerNet float64 1.12–1.18× and the MLP 1.14× faster unshared), while SimpleConvNet's
/// 43 M-multiply-add Affine products still gain from sharing.
func rowSplitGemm<Scalar: TensorScalar>(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                                        alpha: Scalar, _ a: UnsafePointer<Scalar>, lda: Int,
                                        _ b: UnsafePointer<Scalar>, ldb: Int,
                                        beta: Scalar, _ c: UnsafeMutablePointer<Scalar>, ldc: Int,
                                        threads: Int = Threads.count,
                                        blocking: GemmBlocking? = nil) {
    let plan = blocking ?? GemmBlocking(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k)
    // Threads take whole row blocks of the plan (single rows when it does not cut rows).
    let blockRows = plan.rows < m ? plan.rows : 1
    let blocks = (m + blockRows - 1) / blockRows
    guard threads > 1, m * n * k * MemoryLayout<Scalar>.stride >= 1 << 26, m >= 2 * threads, blocks >= threads else {
        blockedGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                    a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc, blocking: plan)
        return
    }
    ImageChunks(images: blocks, workPerImage: blockRows * n * k, chunks: threads).run { _, range in
        let first = range.lowerBound * blockRows, end = Swift.min(m, range.upperBound * blockRows)
        // Rows i of op(A) start at a + i·lda, or at column i (a + i) when A is stored transposed.
        blockedGemm(transposeA: transposeA, transposeB: transposeB, m: end - first, n: n, k: k, alpha: alpha,
                    a + (transposeA ? first : first * lda), lda: lda, b, ldb: ldb,
                    beta: beta, c + first * ldc, ldc: ldc, blocking: plan)
    }
}

/// OpenBLAS held to one thread for the whole process, set before the first product (every BLAS call
/// goes through `TensorScalar.gemm`, which evaluates this first). Backprop shares products out among its
/// own threads (`Threads.count`): on the book's small products OpenBLAS's threads cost more than they
/// bring (a TwoLayerNet step took longer on 2 threads than on 1), and a process-wide thread count that
/// code switched back and forth around its calls would race with BLAS calls made on other threads.
let singleThreadedBLAS: Void = {
    #if !canImport(Accelerate)
    openblas_set_num_threads(1)
    #endif
}()
