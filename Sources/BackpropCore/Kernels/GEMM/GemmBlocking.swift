// Kernels/GEMM — matrix products, C = alpha·op(A)·op(B) + beta·C (row-major, op = identity or
// transpose), every one a call to BLAS (`TensorScalar.gemm`): these files only choose how a product is
// cut into pieces and shared among threads, so the result equals the one BLAS call up to the order of
// the sums (GemmBlockingTests, SharedGemmTests, MatrixTransposeTests).
//
// Symbols, as BLAS's: C is m × n, the inner dimension k; lda, ldb, ldc the leading dimensions.
//
// GemmBlocking      one single-threaded product cut into pieces for OpenBLAS's small-matrix kernels
// SharedGemm        one product shared among threads by rows, columns or k
// MatrixTranspose   out = aᵀ, for the products that run faster on a transposed operand

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
    /// Products above this many multiply-adds are never cut. SimpleConvNet's 4320 → 100 Affine (43.2 M per
    /// product) runs cut too: forward 0.77 → 0.69 ms, backward 1.50 → 1.42 ms (Intel Xeon, SkylakeX
    /// kernels, five alternating rounds); larger products were not measured and stay whole.
    static let largest = 64_000_000
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

/// How one A·B call is cut so that OpenBLAS's small-matrix kernel allocates nothing.
///
/// OpenBLAS 0.3.21's SkylakeX-class kernel for A·B with neither operand transposed (taken for products of
/// at most 100³ multiply-adds) works on blocks of W = 16 columns of C (8 in float64). When the last block
/// is at most half full (n mod W in 1…W/2) and the inner dimension is at least 2W, it `malloc`s a copy of
/// that block's part of B for every call — one heap allocation per product, which the book's networks
/// hit on every step (DeepConvNet's 14×14 images, n = 196; TwoLayerNet's n = 50). Measured with a
/// counting `malloc` on every n mod W, k and beta: this is the only case that allocates; Aᵀ·B and A·Bᵀ
/// never do. To keep a call clear of it,
///
/// the columns are cut into two or three runs each ending on an empty or more-than-half-full block
/// (n = 196 in float32 → 187 + 9; n mod 16 = 1 takes two runs of 9), which the kernel computes with
/// masked loads.
///
/// Each element of C is still the same in-order sum over k, so the result is the same whichever way the
/// columns are cut. Calls that cannot reach that kernel (transposed operands, larger products, BLAS
/// without the small kernels) go through whole.
///
/// The cut is not free: the extra masked block costs about as much as a full one, where the allocating
/// path computed the last few columns as dot products. Alternating step by step (1 thread, three runs
/// each), cutting every such call made TwoLayerNet's step 1.10–1.12× slower in float32 (n = 50) and
/// 1.06–1.08× in float64, and the MLP's (n = 100) 1.06–1.07×, while DeepConvNet's (n = 196) took
/// 1.003–1.008× as long. So only products with at least 8 blocks of columns (n ≥ 8W), where one more
/// block is at most an eighth more work, are cut; the small networks keep OpenBLAS's allocation.
struct SmallKernelSplit: Equatable {
    /// Column counts of the runs, left to right (the last 0 when there are two).
    var columns: (Int, Int, Int)

    init(columns: (Int, Int, Int)) { self.columns = columns }

    static func == (l: SmallKernelSplit, r: SmallKernelSplit) -> Bool { l.columns == r.columns }

    /// The cut for C (m, n) = A·B over k on a BLAS whose small kernels take blocks of `width` columns
    /// (16 for float32, 8 for float64), or nil when the call goes through whole.
    static func plan(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, width: Int,
                     enabled: Bool = GemmBlocking.enabled) -> SmallKernelSplit? {
        guard enabled, !transposeA, !transposeB, k >= 2 * width, m > 0, n >= 8 * width,
              Double(m) * Double(n) * Double(k) <= Double(GemmBlocking.smallKernelLimit) else { return nil }
        func clear(_ columns: Int) -> Bool {
            let rest = columns % width
            return rest == 0 || rest > width / 2
        }
        if clear(n) { return nil }
        let run = width / 2 + 1          // a run that ends more than half full
        // n mod W = r in 1…W/2: n − run leaves r + W/2 − 1, clear unless r = 1; then n − 2·run leaves W − 1.
        return clear(n - run) ? SmallKernelSplit(columns: (n - run, run, 0))
                              : SmallKernelSplit(columns: (n - 2 * run, run, run))
    }

    /// Runs `gemm(columns, b, c)` once for the whole product op(A)·op(B) (m, n) over k (`columns` = n),
    /// or, where `plan` cuts it, once per run of columns with B and C advanced to the run's first column.
    @inline(__always)
    static func forEachRun<T>(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, width: Int,
                              _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
                              _ gemm: (_ columns: Int, UnsafePointer<T>, UnsafeMutablePointer<T>) -> Void) {
        if let split = plan(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, width: width) {
            split.run(b, c, gemm)
        } else {
            gemm(n, b, c)
        }
    }

    /// C = alpha·A·B + beta·C (row-major, A (m, k), B (k, n)) as the plan's runs of columns, each one call
    /// of `gemm(columns, b, c)` with B and C advanced to the run's first column.
    @inline(__always)
    func run<T>(_ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
                _ gemm: (_ columns: Int, UnsafePointer<T>, UnsafeMutablePointer<T>) -> Void) {
        var column = 0
        for run in 0..<3 {
            let count = run == 0 ? columns.0 : run == 1 ? columns.1 : columns.2
            if count == 0 { continue }
            gemm(count, b + column, c + column)
            column += count
        }
    }
}
