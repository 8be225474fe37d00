import Foundation
#if !canImport(Accelerate)
import CBLAS
#endif

/// How `sharedGemm` shares one product out among threads.
enum GemmSplit: Equatable {
    /// On the calling thread, whole.
    case none
    /// Each thread computes a run of C's rows (of the plan's row blocks when it cuts rows).
    case rows
    /// Each thread computes a run of C's columns.
    case columns
    /// Each thread sums over a run of the inner dimension k; the first writes into C, the others into
    /// partial products that are then added to C in thread order.
    case depth

    /// Below this many bytes of multiply-adds (m·n·k·stride: 2²¹ multiply-adds in Float, 2²⁰ in
    /// Double) a product runs whole. TwoLayerNet's (100, 784)·(784, 50) and the MLP's first layer are
    /// above it: shared on 2 threads, their steps took 0.80–0.98× the time unshared, alternating in
    /// blocks of 10 steps. (Alternating step by step had shown the opposite: there every shared step
    /// came after an unshared one, long enough for the worker to fall asleep, and paid to wake it.)
    static let minimumBytes = 1 << 23
    /// The shortest run of columns or of k a thread is given.
    static let minimumRun = 16

    /// The split for op(A) (m, k)·op(B) (k, n) with elements of `stride` bytes on `threads` threads
    /// under `plan`: the longest of the three axes, so every thread keeps the other two whole. The rows
    /// win ties, then the columns; the depth needs partial sums added afterwards. Where the plan cuts
    /// rows, the rows (each thread takes whole row blocks: the same BLAS calls as one thread makes).
    ///
    /// Measured on SimpleConvNet's Affine products (2 threads, alternating in one process, ms):
    /// forward (100, 4320)·(4320, 100) by rows 0.75–0.84, by depth 0.66–0.73; ∂x = (100, 100)·(100, 4320)ᵀ
    /// by rows 0.84–0.89, by columns 0.71–0.73; ∂W = (4320, 100)ᵀ·(100, 100) by rows 0.71–0.72.
    static func choose(m: Int, n: Int, k: Int, stride: Int, threads: Int, plan: GemmBlocking) -> GemmSplit {
        guard threads > 1, m * n * k * stride >= minimumBytes else { return .none }
        if plan.rows < m {
            return (m + plan.rows - 1) / plan.rows >= threads ? .rows : .none
        }
        if m >= n && m >= k { return m >= 2 * threads ? .rows : .none }
        if n >= k { return n >= minimumRun * threads ? .columns : .none }
        return k >= minimumRun * threads ? .depth : .none
    }
}

/// C = alpha·op(A)·op(B) + beta·C (pointers as `TensorScalar.gemm`, row-major) shared out among
/// `threads` threads along the axis `GemmSplit.choose` picks, each thread running its share as
/// `GemmBlocking` planned for the whole product (cut for the small-matrix kernels).
///
/// OpenBLAS threads one call by itself, but on the small products of the book's networks (batches of
/// 100) its threads cost more than they bring: a TwoLayerNet step took longer on 2 threads than on 1.
/// Split this way, they scale. Split by rows or columns, every element of C is still one dot product
/// over the same k blocks, the same bits as on one thread up to how the BLAS kernel treats a call's
/// last few rows or columns (by whole row blocks of the plan: the same calls). Split by depth, the
/// partial sums are added in thread order: fixed for a given thread count, different across counts by
/// rounding. The partial products live in buffers kept between calls (`PartialProducts`).
func sharedGemm<Scalar: TensorScalar>(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                                      alpha: Scalar, _ a: UnsafePointer<Scalar>, lda: Int,
                                      _ b: UnsafePointer<Scalar>, ldb: Int,
                                      beta: Scalar, _ c: UnsafeMutablePointer<Scalar>, ldc: Int,
                                      threads: Int = Threads.count,
                                      blocking: GemmBlocking? = nil, split: GemmSplit? = nil) {
    let plan = blocking ?? GemmBlocking(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k)
    let split = split ?? GemmSplit.choose(m: m, n: n, k: k, stride: MemoryLayout<Scalar>.stride, threads: threads, plan: plan)
    switch split {
    case .none:
        blockedGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                    a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc, blocking: plan)
    case .rows:
        // Threads take whole row blocks of the plan (single rows when it does not cut rows).
        let blockRows = plan.rows < m ? plan.rows : 1
        let blocks = (m + blockRows - 1) / blockRows
        ImageChunks(images: blocks, workPerImage: blockRows * n * k, chunks: threads).run { _, range in
            let first = range.lowerBound * blockRows, end = Swift.min(m, range.upperBound * blockRows)
            // Rows i of op(A) start at a + i·lda, or at column i (a + i) when A is stored transposed.
            blockedGemm(transposeA: transposeA, transposeB: transposeB, m: end - first, n: n, k: k, alpha: alpha,
                        a + (transposeA ? first : first * lda), lda: lda, b, ldb: ldb,
                        beta: beta, c + first * ldc, ldc: ldc, blocking: plan)
        }
    case .columns:
        ImageChunks(images: n, workPerImage: m * k, chunks: threads).run { _, columns in
            // Columns j of op(B) start at b + j, or at row j (b + j·ldb) when B is stored transposed.
            blockedGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: columns.count, k: k, alpha: alpha,
                        a, lda: lda, b + (transposeB ? columns.lowerBound * ldb : columns.lowerBound), ldb: ldb,
                        beta: beta, c + columns.lowerBound, ldc: ldc, blocking: plan)
        }
    case .depth:
        let runs = ImageChunks(images: k, workPerImage: m * n, chunks: threads)
        PartialProducts.shared.withBuffer(Scalar.self, count: (runs.count - 1) * m * n) { partials in
            runs.run { run, depth in
                // Inner index p: column p of op(A) (row p when A is stored transposed), row p of op(B)
                // (column p when B is stored transposed).
                // The first run accumulates into C itself, the others into their partial products.
                let (target, runBeta, ldTarget) = run == 0 ? (c, beta, ldc) : (partials + (run - 1) * m * n, 0, n)
                blockedGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: depth.count, alpha: alpha,
                            a + (transposeA ? depth.lowerBound * lda : depth.lowerBound), lda: lda,
                            b + (transposeB ? depth.lowerBound : depth.lowerBound * ldb), ldb: ldb,
                            beta: runBeta, target, ldc: ldTarget)
            }
            // C += the partial products, in run order, row by row (C's rows are ldc apart).
            for run in 1..<runs.count {
                let partial = partials + (run - 1) * m * n
                for i in 0..<m {
                    Scalar.applyBinary(.add, c + i * ldc, partial + i * n, c + i * ldc,
                                       Loop2D(outer: 1, inner: n, aOuter: 0, aInner: 1, bOuter: 0, bInner: 1))
                }
            }
        }
    }
}

/// Buffers for the partial products of products split by depth (`sharedGemm`), kept between calls so
/// that a training step allocates none once warm. Each call takes a buffer no one else holds (calls may
/// come from several threads at once) and gives it back; at most `kept` buffers of at most
/// `largestKept` bytes are kept (SimpleConvNet's is 40 KB), so a one-off large `matmul` holds no memory
/// after it returns.
final class PartialProducts: @unchecked Sendable {
    static let shared = PartialProducts()
    /// The most buffers kept for later calls.
    static let kept = 4
    /// Larger buffers are freed after use.
    static let largestKept = 4 << 20
    private let lock = NSLock()
    private var free: [(memory: UnsafeMutableRawPointer, bytes: Int)] = []

    init() { free.reserveCapacity(Self.kept + 1) }

    /// Buffers kept for later calls.
    var keptCount: Int { lock.withLock { free.count } }

    /// Runs `body` on a buffer of at least `count` elements (contents undefined).
    func withBuffer<Scalar, R>(_: Scalar.Type, count: Int, _ body: (UnsafeMutablePointer<Scalar>) -> R) -> R {
        let bytes = Swift.max(1, count) * MemoryLayout<Scalar>.stride
        let taken = lock.withLock { () -> (memory: UnsafeMutableRawPointer, bytes: Int)? in
            guard let i = free.firstIndex(where: { $0.bytes >= bytes }) else { return nil }
            return free.remove(at: i)
        } ?? (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), bytes)
        defer {
            lock.withLock {
                guard taken.bytes <= Self.largestKept else { taken.memory.deallocate(); return }
                free.append(taken)
                if free.count > Self.kept {
                    // Let go of the smallest.
                    let i = free.indices.min { free[$0].bytes < free[$1].bytes }!
                    free.remove(at: i).memory.deallocate()
                }
            }
        }
        return body(taken.memory.bindMemory(to: Scalar.self, capacity: bytes / MemoryLayout<Scalar>.stride))
    }
}

/// OpenBLAS held to one thread for the whole process, set before the first product (every BLAS call
/// goes through `TensorScalar.gemm`, which evaluates this first). Backprop shares products out among its
/// own threads (`Threads.count`): on the book's small products OpenBLAS's threads cost more than they
/// bring (a TwoLayerNet step took longer on 2 threads than on 1), and a process-wide thread count that
/// code switched back and forth around its calls would race with BLAS calls made on other threads.
package let singleThreadedBLAS: Void = {
    #if !canImport(Accelerate)
    openblas_set_num_threads(1)
    #endif
}()
