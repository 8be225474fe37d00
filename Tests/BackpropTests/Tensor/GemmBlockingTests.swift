import Testing
@testable import Backprop

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
        // A·Bᵀ stays whole, as do products already small, products above `largest`, and any product when
        // the BLAS has no small-matrix kernels.
        let whole = [
            GemmBlocking(transposeA: false, transposeB: true, m: 145, n: 16, k: 784, enabled: true),
            GemmBlocking(transposeA: true, transposeB: true, m: 145, n: 16, k: 784, enabled: true),
            GemmBlocking(transposeA: false, transposeB: false, m: 100, n: 100, k: 100, enabled: true),
            GemmBlocking(transposeA: false, transposeB: false, m: 100, n: 100, k: 4320, enabled: true),
            GemmBlocking(transposeA: false, transposeB: false, m: 100, n: 50, k: 784, enabled: false),
        ]
        let sizes = [(145, 784), (145, 784), (100, 100), (100, 4320), (100, 784)]
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
}
