import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// `GemmBlocking` (products cut into pieces for OpenBLAS's small-matrix kernels): the plans it makes for
/// the book's shapes, and that a cut product equals the product made in one call.
struct GemmBlockingTests {
    @Test func plansForTheBooksShapes() {
        // TwoLayerNet's forward x·W1, (100, 784)·(784, 50) = 3.92 M multiply-adds: k cut into 8 blocks of 98.
        let forward = GemmBlocking(transposeA: false, transposeB: false, m: 100, n: 50, k: 784, enabled: true)
        #expect(forward == GemmBlocking(rows: 100, depth: 98))
        // Its ∂W1 = xᵀ·dout, (784, 100)·(100, 50): the 784 rows cut into blocks of 98.
        let weightGradient = GemmBlocking(transposeA: true, transposeB: false, m: 784, n: 50, k: 100, enabled: true)
        #expect(weightGradient == GemmBlocking(rows: 98, depth: 100))
        // DeepConvNet's second convolution, [W | b]·[colₙᵀ; 1] = (16, 145)·(145, 784): 1.82 M → 4 blocks of 37.
        let convolution = GemmBlocking(transposeA: false, transposeB: false, m: 16, n: 784, k: 145, enabled: true)
        #expect(convolution == GemmBlocking(rows: 16, depth: 37))
        // SimpleConvNet's 4320 → 100 Affine, 43.2 M a product: 87 pieces, forward by depth, ∂W by rows.
        #expect(GemmBlocking(transposeA: false, transposeB: false, m: 100, n: 100, k: 4320, enabled: true)
                == GemmBlocking(rows: 100, depth: 50))
        #expect(GemmBlocking(transposeA: true, transposeB: false, m: 4320, n: 100, k: 100, enabled: true)
                == GemmBlocking(rows: 50, depth: 100))
        // A·Bᵀ stays whole, as do products already small, products above `largest`, and any product when
        // the BLAS has no small-matrix kernels.
        let whole = [
            GemmBlocking(transposeA: false, transposeB: true, m: 145, n: 16, k: 784, enabled: true),
            GemmBlocking(transposeA: true, transposeB: true, m: 145, n: 16, k: 784, enabled: true),
            GemmBlocking(transposeA: false, transposeB: false, m: 100, n: 100, k: 100, enabled: true),
            GemmBlocking(transposeA: false, transposeB: false, m: 200, n: 100, k: 4320, enabled: true),
            GemmBlocking(transposeA: false, transposeB: false, m: 100, n: 50, k: 784, enabled: false),
        ]
        let sizes = [(145, 784), (145, 784), (100, 100), (200, 4320), (100, 784)]
        for (plan, (rows, depth)) in zip(whole, sizes) {
            #expect(plan == GemmBlocking(rows: rows, depth: depth))
        }
        // Every piece of a cut product is within OpenBLAS's small-kernel limit.
        for plan in [(forward, 50), (weightGradient, 50), (convolution, 784)] {
            #expect(plan.0.rows * plan.1 * plan.0.depth <= GemmBlocking.smallKernelLimit)
        }
    }

    @Test func transposedBOnlyWhereOpenBLASWouldNotTakeABᵀToItsSmallKernel() {
        // DeepConvNet's [∂W | ∂b]ᵀ products: (145, 16) over 784, (145, 32) over 196 (m·n > 1200).
        #expect(GemmBlocking.prefersTransposedB(m: 145, n: 16, k: 784, enabled: true))
        #expect(GemmBlocking.prefersTransposedB(m: 145, n: 32, k: 196, enabled: true))
        // SimpleConvNet's (26, 30) over 576 and DeepConvNet's first (10, 16) over 784 stay A·Bᵀ.
        #expect(!GemmBlocking.prefersTransposedB(m: 26, n: 30, k: 576, enabled: true))
        #expect(!GemmBlocking.prefersTransposedB(m: 10, n: 16, k: 784, enabled: true))
        // Never without small-matrix kernels.
        #expect(!GemmBlocking.prefersTransposedB(m: 145, n: 16, k: 784, enabled: false))
    }

    /// Cuts along rows, along k, both, with blocks that do not divide the extents, for every transpose
    /// combination, with alpha and beta ≠ 1: the same as one BLAS call up to rounding.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func cutProductEqualsOneCall(transposes: (Bool, Bool)) {
        let (ta, tb) = transposes
        let m = 37, n = 23, k = 61
        var rng = SeededGenerator(seed: 5)
        let a = Tensor<Double>.randomNormal(ta ? [k, m] : [m, k], using: &rng)
        let b = Tensor<Double>.randomNormal(tb ? [n, k] : [k, n], using: &rng)
        let c0 = Tensor<Double>.randomNormal([m, n], using: &rng)
        let (lda, ldb) = (ta ? m : k, tb ? k : n)
        func product(_ plan: GemmBlocking?) -> [Double] {
            var c = c0
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        if let plan {
                            blockedGemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, pa.baseAddress!, lda: lda,
                                        pb.baseAddress!, ldb: ldb, beta: 2, pc.baseAddress!, ldc: n, blocking: plan)
                        } else {
                            Double.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, pa.baseAddress!, lda: lda,
                                        pb.baseAddress!, ldb: ldb, beta: 2, pc.baseAddress!, ldc: n)
                        }
                    }
                }
            }
            return c.scalars
        }
        let expected = product(nil)
        for plan in [GemmBlocking(rows: 10, depth: k), GemmBlocking(rows: m, depth: 16),
                     GemmBlocking(rows: 7, depth: 9), GemmBlocking(rows: 1, depth: 1), GemmBlocking(rows: m, depth: k)] {
            let worst = zip(expected, product(plan)).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-12, "rows \(plan.rows), depth \(plan.depth): largest difference \(worst)")
        }
    }

    /// Threads take whole row blocks of the plan, so a product cut along its rows (Aᵀ·B) is made of the
    /// same BLAS calls, and has the same bits, at any thread count.
    @Test func rowCutProductSameBitsAtAnyThreadCount() {
        // C (m, n) = Aᵀ·B with A stored (k, m), B (k, n).
        let m = 301, n = 70, k = 450                       // 9.5 M multiply-adds: large enough to share
        let plan = GemmBlocking(transposeA: true, transposeB: false, m: m, n: n, k: k, enabled: true)
        #expect(plan.rows < m)
        var rng = SeededGenerator(seed: 12)
        let a = Tensor<Double>.randomNormal([k, m], using: &rng)
        let b = Tensor<Double>.randomNormal([k, n], using: &rng)
        func product(threads: Int) -> [Double] {
            var c = Tensor<Double>.zeros([m, n])
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        sharedGemm(transposeA: true, transposeB: false, m: m, n: n, k: k, alpha: 1, pa.baseAddress!, lda: m,
                                   pb.baseAddress!, ldb: n, beta: 0, pc.baseAddress!, ldc: n, threads: threads,
                                   blocking: plan)
                    }
                }
            }
            return c.scalars
        }
        let one = product(threads: 1)
        for threads in [2, 3] {
            let differing = zip(one, product(threads: threads)).filter { $0 != $1 }.count
            #expect(differing == 0, "\(threads) threads: \(differing) elements differ from 1 thread")
        }
    }

    /// `SmallKernelSplit`: where OpenBLAS's small A·B kernel would allocate (n mod W in 1…W/2, k ≥ 2W,
    /// m·n·k ≤ 100³; W = 16 in float32, 8 in float64), products with n ≥ 8W have their columns cut into
    /// runs that end on an empty or more-than-half-full block.
    @Test func smallKernelSplitsForTheBooksShapes() {
        func plan(_ m: Int, _ n: Int, _ k: Int, width: Int = 16, ta: Bool = false, tb: Bool = false) -> SmallKernelSplit? {
            SmallKernelSplit.plan(transposeA: ta, transposeB: tb, m: m, n: n, k: k, width: width, enabled: true)
        }
        // DeepConvNet's 14×14 images, n = 196 = 187 + 9 (its third convolution forward and its fourth's ∂x).
        #expect(plan(32, 196, 72) == SmallKernelSplit(columns: (187, 9, 0)))
        #expect(plan(16, 196, 145) == SmallKernelSplit(columns: (187, 9, 0)))
        // n mod 16 = 1 takes two runs of 9: 129 = 111 + 9 + 9. float64 blocks are 8 wide: 66 = 61 + 5.
        #expect(plan(4, 129, 64) == SmallKernelSplit(columns: (111, 9, 9)))
        #expect(plan(4, 66, 64, width: 8) == SmallKernelSplit(columns: (61, 5, 0)))
        // Left whole: the small networks' products (n = 50, 100: cutting measured slower), blocks already
        // full or more than half full, k below 2W, transposed operands, products above 100³, BLAS without
        // the small kernels.
        #expect(plan(100, 50, 98) == nil && plan(100, 100, 49) == nil && plan(100, 50, 98, width: 8) == nil)
        #expect(plan(16, 784, 145) == nil && plan(16, 204, 145) == nil)
        #expect(plan(16, 196, 31) == nil)
        #expect(plan(16, 196, 145, ta: true) == nil && plan(16, 196, 145, tb: true) == nil)
        #expect(plan(32, 196, 290) == nil)
        #expect(SmallKernelSplit.plan(transposeA: false, transposeB: false, m: 16, n: 196, k: 145, width: 16,
                                      enabled: false) == nil)
        // Every run of every plan is clear of the allocating case, and the runs cover the columns once.
        for width in [8, 16] {
            for n in (8 * width)...(8 * width + 40) {
                guard let split = plan(4, n, 64, width: width) else { continue }
                let runs = [split.columns.0, split.columns.1, split.columns.2].filter { $0 > 0 }
                #expect(runs.reduce(0, +) == n)
                #expect(runs.allSatisfy { $0 % width == 0 || $0 % width > width / 2 }, "n \(n), width \(width)")
            }
        }
    }

    /// A product cut by `SmallKernelSplit` (its plan forced, each run through `TensorScalar.gemm`) equals
    /// the product by definition, with beta = 0 and beta = 1, in both precisions.
    @Test(arguments: [(4, 196, 72), (3, 129, 64), (5, 130, 40), (2, 194, 33)])
    func cutProductsMatchTheDefinition(_ shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        func check<T: TensorScalar>(_: T.Type, tolerance: T) {
            let a = Tensor<T>(shape: [m, k], scalars: (0..<(m * k)).map { T(($0 * 7) % 13) / 13 - T(0.4) })
            let b = Tensor<T>(shape: [k, n], scalars: (0..<(k * n)).map { T(($0 * 5) % 11) / 11 - T(0.5) })
            let start = Tensor<T>(shape: [m, n], scalars: (0..<(m * n)).map { T($0 % 3) })
            let width = T.self == Float.self ? 16 : 8
            let split = SmallKernelSplit.plan(transposeA: false, transposeB: false, m: m, n: n, k: k, width: width,
                                              enabled: true)
            #expect(split != nil, "\(shape) must be cut at width \(width)")
            for beta: T in [0, 1] {
                var c = start
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            split?.run(pb.baseAddress!, pc.baseAddress!) { columns, b, c in
                                T.gemm(transposeA: false, transposeB: false, m: m, n: columns, k: k, alpha: 1,
                                       pa.baseAddress!, lda: k, b, ldb: n, beta: beta, c, ldc: n)
                            }
                        }
                    }
                }
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = beta * start[i, j]
                        for p in 0..<k { sum += a[i, p] * b[p, j] }
                        #expect(abs(c[i, j] - sum) <= tolerance, "(\(i), \(j)) of \(shape), beta \(beta)")
                    }
                }
            }
        }
        check(Float.self, tolerance: 1e-4)
        check(Double.self, tolerance: 1e-12)
    }
}
