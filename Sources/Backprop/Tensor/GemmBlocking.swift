/// How one single-threaded matrix product is cut into pieces before it goes to BLAS.
///
/// OpenBLAS (0.3.21 here, with SkylakeX-class kernels) has "small matrix" kernels that skip packing A and B
/// into its internal panels; it uses them only for products of at most 100³ multiply-adds. The book's
/// networks make many products a little larger than that — TwoLayerNet's (100, 784)·(784, 50) is
/// 3.9 M, DeepConvNet's per-image convolutions 1.8–2.4 M — which OpenBLAS then runs through the
/// packing path at well under its peak. Cut into pieces of about half a million multiply-adds, the same
/// product runs 1.2–1.6× faster (measured per shape on this project's machine; see README, Performance):
///
/// - op(A)·op(B) with neither transposed (forward-type products, long inner dimension k): the k axis is
///   cut into blocks, C = A₁B₁ + A₂B₂ + … accumulated by BLAS (beta = 1 after the first block).
/// - Aᵀ·B (Affine's ∂W = xᵀ·dout, Convolution's ∂col = Wᵀ·dout): the rows of C are cut into blocks.
/// - A·Bᵀ stays whole (cut any way, it measured no faster; see `prefersTransposedB` for the way round
///   it), and so does Aᵀ·Bᵀ, which the layers do not use.
///
/// Products already small, or larger than `largest` (where packing pays for itself), stay whole, as do
/// all products on BLAS builds without such kernels (Haswell kernels, Accelerate), where splitting only
/// adds calls. The plan depends only on the layout and the full (m, n, k), never on the thread count:
/// `sharedGemm` shares a product out among threads along the plan's row blocks when it cuts rows.
struct GemmBlocking: Equatable {
    /// Rows of C per piece (m when the rows are not cut).
    var rows: Int
    /// Extent of the inner dimension per piece (k when it is not cut).
    var depth: Int

    /// OpenBLAS's limit for its small-matrix kernels, in multiply-adds (m·n·k).
    static let smallKernelLimit = 1_000_000
    /// The size the pieces are cut to.
    static let pieceTarget = 500_000
    /// Products above this many multiply-adds are never cut.
    static let largest = 16_000_000
    /// Whether the BLAS in use has the small-matrix kernels the cutting is for.
    static let enabled: Bool = BLASInfo.hasSmallMatrixKernels

    /// Whether C (m, n) = A·Bᵀ (inner dimension k) runs faster as A·B from a transposed copy of B (the
    /// caller's to make): on BLAS with small-matrix kernels, when OpenBLAS would not take A·Bᵀ to its
    /// own small kernel (it does so only for m·n ≤ 1200 and m·n·k ≤ 100³). Measured on Convolution's
    /// [∂W | ∂b]ᵀ products, interleaved, per image with the transpose: DeepConvNet's (145, 16) over k = 784
    /// 0.052 → 0.039 ms, (289, 32) over 256 0.049 → 0.035 ms; SimpleConvNet's (26, 30) over 576, which
    /// OpenBLAS's small kernel takes, would go 0.011 → 0.015 ms, so it stays A·Bᵀ.
    static func prefersTransposedB(m: Int, n: Int, k: Int, enabled: Bool = GemmBlocking.enabled) -> Bool {
        enabled && (m * n > 1200 || m * n * k > smallKernelLimit)
    }

    /// A given plan (for tests).
    init(rows: Int, depth: Int) {
        precondition(rows >= 1 && depth >= 1, "GemmBlocking: rows and depth must be at least 1, got \(rows) and \(depth)")
        self.rows = rows
        self.depth = depth
    }

    /// The plan for op(A)·op(B) with op(A) (m, k), op(B) (k, n).
    init(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, enabled: Bool = GemmBlocking.enabled) {
        rows = m
        depth = k
        let work = m * n * k
        guard enabled, !transposeB, work > Self.smallKernelLimit, work <= Self.largest else { return }
        let pieces = (work + Self.pieceTarget - 1) / Self.pieceTarget
        if transposeA {
            rows = Swift.max(4, (m + pieces - 1) / pieces)
        } else {
            depth = Swift.max(16, (k + pieces - 1) / pieces)
        }
    }
}

/// C = alpha·op(A)·op(B) + beta·C (row-major, pointers as `TensorScalar.gemm`) on the calling thread,
/// as the pieces `blocking` describes (by default the plan for this product): one BLAS call per row
/// block and inner block, inner blocks accumulated in order.
@inline(__always)
func blockedGemm<Scalar: TensorScalar>(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                                       alpha: Scalar, _ a: UnsafePointer<Scalar>, lda: Int,
                                       _ b: UnsafePointer<Scalar>, ldb: Int,
                                       beta: Scalar, _ c: UnsafeMutablePointer<Scalar>, ldc: Int,
                                       blocking: GemmBlocking? = nil) {
    let plan = blocking ?? GemmBlocking(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k)
    if (plan.rows >= m && plan.depth >= k) || k == 0 {
        Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                    a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
        return
    }
    var row = 0
    while row < m {
        let rowCount = Swift.min(plan.rows, m - row)
        // Row `row` of op(A) starts at a + row·lda, or at column `row` (a + row) when A is stored transposed.
        let aRows = a + (transposeA ? row : row * lda)
        var p = 0
        while p < k {
            let depth = Swift.min(plan.depth, k - p)
            // Inner index p: column p of op(A) (row p when A is stored transposed), row p of op(B)
            // (column p when B is stored transposed).
            Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: rowCount, n: n, k: depth, alpha: alpha,
                        aRows + (transposeA ? p * lda : p), lda: lda,
                        b + (transposeB ? p : p * ldb), ldb: ldb,
                        beta: p == 0 ? beta : 1, c + row * ldc, ldc: ldc)
            p += depth
        }
        row += rowCount
    }
}
