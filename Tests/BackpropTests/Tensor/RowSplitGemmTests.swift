import Testing
@testable import Backprop

/// `rowSplitGemm` (Affine's products shared out by rows among threads) gives what one BLAS call gives,
/// for every transpose combination and for splits that do not divide the rows evenly.
struct RowSplitGemmTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)], [1, 2, 3])
    func equalsOneCall(transposes: (Bool, Bool), threads: Int) {
        let (ta, tb) = transposes
        let m = 301, n = 70, k = 450                       // 9.5 M multiply-adds: large enough to split
        var rng = SeededGenerator(seed: 11)
        let a = Tensor<Double>.randomNormal(ta ? [k, m] : [m, k], using: &rng)
        let b = Tensor<Double>.randomNormal(tb ? [n, k] : [k, n], using: &rng)
        let c0 = Tensor<Double>.randomNormal([m, n], using: &rng)
        var expected = c0, split = c0
        let (lda, ldb) = (ta ? m : k, tb ? k : n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                expected.withUnsafeMutableBufferPointer { pc in
                    Double.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, pa.baseAddress!, lda: lda,
                                pb.baseAddress!, ldb: ldb, beta: 2, pc.baseAddress!, ldc: n)
                }
                split.withUnsafeMutableBufferPointer { pc in
                    rowSplitGemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, pa.baseAddress!, lda: lda,
                                 pb.baseAddress!, ldb: ldb, beta: 2, pc.baseAddress!, ldc: n, threads: threads)
                }
            }
        }
        let worst = zip(expected.scalars, split.scalars).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-12, "largest difference \(worst)")
    }
}
