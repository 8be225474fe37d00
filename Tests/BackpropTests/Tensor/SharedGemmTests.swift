import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// `sharedGemm` (products shared out among threads by rows, columns or inner dimension) gives what one
/// BLAS call gives, for every transpose combination, every split and splits that do not divide evenly;
/// `GemmSplit.choose` picks the longest axis.
struct SharedGemmTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)],
          [GemmSplit.none, .rows, .columns, .depth])
    func equalsOneCall(transposes: (Bool, Bool), split: GemmSplit) {
        let (ta, tb) = transposes
        let m = 301, n = 70, k = 450                       // odd extents: no split divides them evenly
        var rng = SeededGenerator(seed: 11)
        let a = Tensor<Double>.randomNormal(ta ? [k, m] : [m, k], using: &rng)
        let b = Tensor<Double>.randomNormal(tb ? [n, k] : [k, n], using: &rng)
        let c0 = Tensor<Double>.randomNormal([m, n], using: &rng)
        let (lda, ldb) = (ta ? m : k, tb ? k : n)
        var expected = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                expected.withUnsafeMutableBufferPointer { pc in
                    Double.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, pa.baseAddress!, lda: lda,
                                pb.baseAddress!, ldb: ldb, beta: 2, pc.baseAddress!, ldc: n)
                }
            }
        }
        for threads in [1, 2, 3] {
            var shared = c0
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    shared.withUnsafeMutableBufferPointer { pc in
                        sharedGemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, pa.baseAddress!, lda: lda,
                                   pb.baseAddress!, ldb: ldb, beta: 2, pc.baseAddress!, ldc: n, threads: threads, split: split)
                    }
                }
            }
            let worst = zip(expected.scalars, shared.scalars).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-12, "split \(split), \(threads) threads: largest difference \(worst)")
        }
    }

    /// C inside a wider matrix (ldc > n): a split by depth adds its partial products row by row and
    /// leaves the columns outside C alone.
    @Test func depthSplitIntoWiderMatrix() {
        let m = 9, n = 5, k = 200, ldc = 8
        var rng = SeededGenerator(seed: 3)
        let a = Tensor<Double>.randomNormal([m, k], using: &rng)
        let b = Tensor<Double>.randomNormal([k, n], using: &rng)
        let c0 = Tensor<Double>.randomNormal([m, ldc], using: &rng)
        var shared = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                shared.withUnsafeMutableBufferPointer { pc in
                    sharedGemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, pa.baseAddress!, lda: k,
                               pb.baseAddress!, ldb: n, beta: 1, pc.baseAddress!, ldc: ldc, threads: 2, split: .depth)
                }
            }
        }
        let product = matmul(a, b)
        for i in 0..<m {
            for j in 0..<ldc {
                let want = j < n ? c0[i, j] + product[i, j] : c0[i, j]
                #expect(abs(shared[i, j] - want) < 1e-12, "C[\(i), \(j)] = \(shared[i, j]), expected \(want)")
            }
        }
    }

    /// The same thread count gives the same bits, run after run, for every split.
    @Test(arguments: [GemmSplit.rows, .columns, .depth])
    func deterministic(split: GemmSplit) {
        var rng = SeededGenerator(seed: 5)
        let a = Tensor<Float>.randomNormal([100, 432], using: &rng)
        let b = Tensor<Float>.randomNormal([432, 100], using: &rng)
        var results: [[Float]] = []
        for _ in 0..<3 {
            var c = Tensor<Float>.zeros([100, 100])
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        sharedGemm(transposeA: false, transposeB: false, m: 100, n: 100, k: 432, alpha: 1, pa.baseAddress!,
                                   lda: 432, pb.baseAddress!, ldb: 100, beta: 0, pc.baseAddress!, ldc: 100,
                                   threads: 2, split: split)
                    }
                }
            }
            results.append(c.scalars)
        }
        #expect(results[0] == results[1] && results[1] == results[2])
    }

    /// SimpleConvNet's Affine products on 2 threads: forward by depth, ∂x by columns, ∂W by rows;
    /// small products and one thread stay whole; a plan that cuts rows keeps the rows.
    @Test func choosesTheLongestAxis() {
        let plain = { (m: Int, n: Int, k: Int) in GemmBlocking(rows: m, depth: k) }
        #expect(GemmSplit.choose(m: 100, n: 100, k: 4320, stride: 4, threads: 2, plan: plain(100, 100, 4320)) == .depth)
        #expect(GemmSplit.choose(m: 100, n: 4320, k: 100, stride: 4, threads: 2, plan: plain(100, 4320, 100)) == .columns)
        #expect(GemmSplit.choose(m: 4320, n: 100, k: 100, stride: 4, threads: 2, plan: plain(4320, 100, 100)) == .rows)
        #expect(GemmSplit.choose(m: 100, n: 100, k: 4320, stride: 4, threads: 1, plan: plain(100, 100, 4320)) == .none)
        // TwoLayerNet's (100, 784)·(784, 50): 3.9 M multiply-adds, shared by depth; its second layer,
        // (100, 50)·(50, 10), and the MLP's (100, 100)·(100, 100) (1 M in float32) stay whole.
        #expect(GemmSplit.choose(m: 100, n: 50, k: 784, stride: 8, threads: 2, plan: plain(100, 50, 784)) == .depth)
        #expect(GemmSplit.choose(m: 100, n: 50, k: 784, stride: 4, threads: 2, plan: plain(100, 50, 784)) == .depth)
        #expect(GemmSplit.choose(m: 100, n: 10, k: 50, stride: 8, threads: 2, plan: plain(100, 10, 50)) == .none)
        #expect(GemmSplit.choose(m: 100, n: 100, k: 100, stride: 4, threads: 2, plan: plain(100, 100, 100)) == .none)
        #expect(GemmSplit.choose(m: 1000, n: 1000, k: 1000, stride: 4, threads: 2, plan: plain(1000, 1000, 1000)) == .rows)
        #expect(GemmSplit.choose(m: 784, n: 2000, k: 100, stride: 8, threads: 2, plan: GemmBlocking(rows: 10, depth: 100)) == .rows)
        // Too short to share: 3 columns per thread would be below `minimumRun`.
        #expect(GemmSplit.choose(m: 20, n: 30, k: 20, stride: 1 << 20, threads: 2, plan: plain(20, 30, 20)) == .none)
    }

    /// Partial products reuse their buffer: the second call of the same size gets the first's memory.
    @Test func partialProductsReused() {
        let pool = PartialProducts()
        let first = pool.withBuffer(Float.self, count: 1000) { UInt(bitPattern: $0) }
        let second = pool.withBuffer(Float.self, count: 800) { UInt(bitPattern: $0) }
        #expect(first == second)
        // Held at once, two calls get different buffers.
        pool.withBuffer(Float.self, count: 1000) { outer in
            pool.withBuffer(Float.self, count: 1000) { inner in #expect(outer != inner) }
        }
    }

    /// A buffer above `largestKept` is not kept: the next call of that size gets fresh memory, while
    /// the small buffers stay.
    @Test func largePartialProductsFreed() {
        let pool = PartialProducts()
        let large = PartialProducts.largestKept / MemoryLayout<Float>.stride + 1
        let small = pool.withBuffer(Float.self, count: 1000) { UInt(bitPattern: $0) }
        pool.withBuffer(Float.self, count: large) { $0[large - 1] = 1 }
        #expect(pool.keptCount == 1)
        #expect(pool.withBuffer(Float.self, count: 1000) { UInt(bitPattern: $0) } == small)
    }
}
