import Testing
@testable import BackpropCore
@testable import BackpropTraining

/// `Convolution(algorithm: .winograd)` (F(4×4, 3×3)) in Float against the convolution's definition
/// computed directly in Double (`WinogradConvolutionTests.direct`), within a componentwise bound derived
/// from F(4×4)'s own operations, which a wrong transform entry breaks; and the tiles' layout.
struct WinogradFloatBoundTests {
    typealias Check = LayerGradientCheck
    typealias Case = WinogradConvolutionTests.Case
    typealias Reference = WinogradConvolutionTests

    /// The layout of the tiles: ⌈size/4⌉ along an axis, rows of an even number of tiles (lane pairs).
    @Test func tileLayout() {
        #expect(WinogradTransforms.positions == 36)
        #expect((1...9).map { WinogradTransforms.tiles($0) } == [1, 1, 1, 1, 2, 2, 2, 2, 3])
        #expect((1...13).map { WinogradTransforms.tilesPerRow($0) } == [2, 2, 2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4])
        #expect(WinogradTransforms.tilesPerPlane(height: 8, width: 8) == 4)
        #expect(WinogradTransforms.tilesPerPlane(height: 28, width: 28) == 56)
        #expect(WinogradTransforms.tilesPerPlane(height: 14, width: 14) == 16)
    }

    /// The Float bound, element by element. Every operation rounds once, so a computed result is the sum
    /// of its terms (a product of operands and transform entries each) each off by a factor (1 + θ), |θ| ≤ γ_k,
    /// γ_k = k·u/(1 − k·u), u = 2⁻²⁴, k the roundings on the term's path (Higham §3.1–3.5): |computed − exact|
    /// ≤ γ_k·Σ|terms|. Σ|terms| is F(4×4) run on absolute values (`tileByTile(absolute:)`): out, |Aᵀ|·(Σ_c
    /// (|G||g_c||Gᵀ|) ⊙ (|Bᵀ||d_c||B|))·|A| + |b|; dx, Σ over the ≤ 4 tiles over it of |B|·(Σ_f |U_f| ⊙ |∂M_f|)·|Bᵀ|,
    /// |∂M_f| = |A||∂y_f||Aᵀ|; dW, |Gᵀ|·(Σ_tiles |∂M_f| ⊙ |V_c|)·|G|. That holds when each row of a transform is
    /// summed from its nonzero terms in any order (sharing partial sums between rows, as `combineB` does),
    /// never splitting a term into parts of opposite signs. k, on the longest path (WinogradTransforms'
    /// combinations take fewer: per pass at most 4 of G and 5 of Gᵀ, each constant rounded once, 3 of Bᵀ,
    /// B and Aᵀ, 2 of A):
    /// - U = G·g·Gᵀ, per pass: a row of G has ≤ 3 terms (2 additions), one multiplication by ¼ (exact) or ⅙,
    ///   1/12, 1/24 (1), and that constant stored rounded: counted 2, as a literal may round twice, via
    ///   Double: 5 per pass, 10. V = Bᵀ·d·B: a row of Bᵀ has ≤ 4 terms (3 additions; ×2, ×4 exact) or 3
    ///   with a 5·d (2 + 1): 3 per pass, 6. Then the C-term GEMM: C (product and additions, in any order).
    ///   y = Aᵀ·M·A: a row of Aᵀ has ≤ 5 terms (4 additions; ×2, ×4, ×8 exact): 8. + b: 1.
    ///   out: k = 10 + 6 + C + 8 + 1 = C + 25.
    /// - dx: ∂M = A·∂y·Aᵀ (a row of A has ≤ 4 terms: 3 per pass, 6), U (10), the FN-term GEMM (FN), B·∂V·Bᵀ
    ///   (a column of Bᵀ has ≤ 5 terms, one of them a 5·x: 4 + 1 per pass, 10), the ≤ 4 tiles added (3):
    ///   k = FN + 29.
    /// - dW: ∂M (6), V (6), the sum over the P = N·TH·TW tiles of ∂M ⊙ V (P, whatever the groups and
    ///   runs), Gᵀ·∂U·G (a row of Gᵀ has ≤ 5 terms: 4 additions, 1 multiplication, the constant 2: 7 per
    ///   pass, 14): k = P + 26.
    /// - db: a sum of N·OH·OW terms: γ_{N·OH·OW}·Σ|dout|.
    /// The operands are first rounded to Float and taken back to Double, so that only Winograd's rounding
    /// is measured. Measured with numpy on these geometries (other random operands): the bound is
    /// 10⁻⁵–3·10⁻² of max|result|; float32 F(4×4) (WinogradTransforms' combinations, or every row summed
    /// left to right) errs by at most 6% of it; one entry wrong (Bᵀ[1][2] −4 → −3, G[3][0] 1/24 → 1/12)
    /// errs by 20–60 000 times it (`aWrongTransformEntryBreaksTheBound` holds that here), and even G[1][1]
    /// off by 10⁻³ of itself breaks out's bound on every one of WinogradConvolutionTests's cases (1.2–48 times).
    @Test(arguments: WinogradConvolutionTests.cases + WinogradConvolutionTests.edgeCases)
    func floatIsWithinTheDerivedBound(_ c: Case) {
        var (x, w, b, dout) = Reference.operands(c, seed: 201)
        // The Float operands, exactly, in Double: only Winograd's own rounding is measured.
        (x, w, b, dout) = (x.map { Double(Float($0)) }, w.map { Double(Float($0)) }, b.map { Double(Float($0)) },
                           dout.map { Double(Float($0)) })
        let expected = Reference.direct(c, x: x, w: w, b: b, dout: dout)
        let got = Reference.winograd(c, Float.self, x: x, w: w, b: b, dout: dout)
        let bounds = Self.bounds(c, x: x, w: w, b: b, dout: dout)
        for (i, (name, wanted)) in [("out", expected.out), ("dx", expected.dx), ("dW", expected.dW)].enumerated() {
            guard got[i].count == wanted.count else {
                Issue.record("\(name): \(got[i].count) elements, expected \(wanted.count)")
                continue
            }
            let beyond = wanted.indices.first { abs(got[i][$0] - wanted[$0]) > bounds[i][$0] }
            let worst = wanted.indices.map { abs(got[i][$0] - wanted[$0]) / bounds[i][$0] }.max() ?? 0
            #expect(beyond == nil, "\(name)[\(String(describing: beyond))] beyond its bound; max |error|/bound \(worst)")
        }
        let plane = (c.h + 2 * c.pad - 2) * (c.w + 2 * c.pad - 2), ds = dout.scalars
        #expect(got[3].count == c.fn)
        for f in 0..<Swift.min(c.fn, got[3].count) {
            var magnitude = 0.0
            for n in 0..<c.n {
                let start = (n * c.fn + f) * plane
                for k in start..<(start + plane) { magnitude += abs(ds[k]) }
            }
            let count = c.n * plane, bound: Double = Self.gamma(count) * magnitude
            let error = abs(got[3][f] - expected.db[f])
            #expect(error <= bound, "db[\(f)]: error \(error), bound γ_\(count)·Σ|dout| = \(bound)")
        }
    }

    /// The bound is tight enough to catch a wrong transform: F(4×4) run tile by tile in Double with the
    /// matrices written here (`tileByTile`) equals the definition within 1e-10, and with one entry wrong
    /// (Bᵀ[1][2] = −3 instead of −4, or G[3][0] = 1/12 instead of 1/24) misses it, in each of out, dx and
    /// dW, by more than 100 times the Float bound (numpy, these geometries, 30 draws: at least 240 times).
    @Test(arguments: [WinogradConvolutionTests.cases[3], WinogradConvolutionTests.cases[7], WinogradConvolutionTests.edgeCases[6]])
    func aWrongTransformEntryBreaksTheBound(_ c: Case) {
        let (x, w, b, dout) = Reference.operands(c, seed: 201)
        let expected = Reference.direct(c, x: x, w: w, b: b, dout: dout)
        let wanted = [expected.out, expected.dx, expected.dW], bounds = Self.bounds(c, x: x, w: w, b: b, dout: dout)
        let right = Self.tileByTile(c, x: x, w: w, b: b, dout: dout)
        for (i, name) in ["out", "dx", "dW"].enumerated() {
            let error = zip(right[i], wanted[i]).map { abs($0 - $1) }.max() ?? 0, scale = wanted[i].map { abs($0) }.max() ?? 0
            #expect(right[i].count == wanted[i].count && error <= 1e-10 * scale, "\(name): max error \(error), max |expected| \(scale)")
        }
        var wrongB = Matrices(), wrongG = Matrices()
        wrongB.bt[1][2] = -3
        wrongG.g[3][0] = 1.0 / 12
        for (label, matrices) in [("Bᵀ[1][2] = −3", wrongB), ("G[3][0] = 1/12", wrongG)] {
            let wrong = Self.tileByTile(c, x: x, w: w, b: b, dout: dout, matrices)
            for (i, name) in ["out", "dx", "dW"].enumerated() {
                let worst = wanted[i].indices.map { abs(wrong[i][$0] - wanted[i][$0]) / bounds[i][$0] }.max() ?? 0
                #expect(worst > 100, "\(label): \(name) errs by at most \(worst) times the bound")
            }
        }
    }
}

extension WinogradFloatBoundTests {
    /// F(4×4, 3×3)'s matrices (Lavin & Gray, 2016; points 0, ±1, ±2), row by row: Bᵀ (6×6), G (6×3), Aᵀ (4×6).
    struct Matrices {
        var bt: [[Double]] = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0],
                              [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
        var g: [[Double]] = [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                             [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]]
        var at: [[Double]] = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]

        /// Every entry by its absolute value.
        var absolute: Matrices {
            func abs(_ m: [[Double]]) -> [[Double]] { m.map { $0.map { Swift.abs($0) } } }
            return Matrices(bt: abs(bt), g: abs(g), at: abs(at))
        }
    }

    /// γ_k = k·u/(1 − k·u), u = 2⁻²⁴ (Float's unit roundoff).
    static func gamma(_ k: Int) -> Double {
        let ku = Double(k) * 0x1p-24
        return ku / (1 - ku)
    }

    /// The Float bounds of out, dx and dW, element by element: γ_k times `tileByTile` on absolute values, k
    /// = C + 25, FN + 29 and P + 26 (see `floatIsWithinTheDerivedBound`).
    static func bounds(_ c: Case, x: Tensor<Double>, w: Tensor<Double>, b: Tensor<Double>, dout: Tensor<Double>) -> [[Double]] {
        let p = c.n * WinogradTransforms.tiles(c.h + 2 * c.pad - 2) * WinogradTransforms.tiles(c.w + 2 * c.pad - 2)
        let magnitudes = tileByTile(c, x: x, w: w, b: b, dout: dout, absolute: true)
        return zip(magnitudes, [c.c + 25, c.fn + 29, p + 26]).map { m, k in m.map { gamma(k) * $0 } }
    }

    /// l·x·rᵀ.
    static func sandwich(_ l: [[Double]], _ x: [[Double]], _ r: [[Double]]) -> [[Double]] {
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0.0) { $0 + $1.0 * $1.1 } }
        let xt = transposed(x)
        let lx: [[Double]] = l.map { row in xt.map { dot(row, $0) } }
        return lx.map { row in r.map { dot(row, $0) } }
    }

    static func transposed(_ m: [[Double]]) -> [[Double]] { (0..<m[0].count).map { j in m.map { $0[j] } } }

    /// sum += a ⊙ b (6×6).
    static func accumulate(_ sum: inout [[Double]], _ a: [[Double]], _ b: [[Double]]) {
        for i in 0..<6 {
            for j in 0..<6 { sum[i][j] += a[i][j] * b[i][j] }
        }
    }

    /// The size×size window at (r0, c0) of plane `plane` of s (planes of rows × columns), 0 outside it.
    static func window(_ s: [Double], plane: Int, rows: Int, columns: Int, _ r0: Int, _ c0: Int, size: Int) -> [[Double]] {
        (r0..<(r0 + size)).map { r in
            (c0..<(c0 + size)).map { q in r >= 0 && r < rows && q >= 0 && q < columns ? s[(plane * rows + r) * columns + q] : 0 }
        }
    }

    /// F(4×4, 3×3) run tile by tile in Double with `m`'s matrices: out, dx and dW, laid out as `direct`'s.
    /// With `absolute`, on |x|, |W|, |b|, |dout| and |m|: each element is then the sum of the magnitudes of
    /// the terms F(4×4) adds up for it, which its rounding error scales with.
    static func tileByTile(_ c: Case, x: Tensor<Double>, w: Tensor<Double>, b: Tensor<Double>, dout: Tensor<Double>,
                           _ matrices: Matrices = Matrices(), absolute: Bool = false) -> [[Double]] {
        let m = absolute ? matrices.absolute : matrices, f: (Double) -> Double = absolute ? { Swift.abs($0) } : { $0 }
        let (xs, ws, bs, ds) = (x.scalars.map(f), w.scalars.map(f), b.scalars.map(f), dout.scalars.map(f))
        let (a, bMatrix, gt) = (transposed(m.at), transposed(m.bt), transposed(m.g))
        let oh = c.h + 2 * c.pad - 2, ow = c.w + 2 * c.pad - 2, zero = [[Double]](repeating: [Double](repeating: 0, count: 6), count: 6)
        let th = WinogradTransforms.tiles(oh), tw = WinogradTransforms.tiles(ow), (ph, pw) = (4 * th + 2, 4 * tw + 2)
        let u = (0..<(c.fn * c.c)).map { sandwich(m.g, window(ws, plane: $0, rows: 3, columns: 3, 0, 0, size: 3), m.g) }
        var out = [Double](repeating: 0, count: c.n * c.fn * oh * ow), dxPadded = [Double](repeating: 0, count: c.n * c.c * ph * pw)
        var du = [[[Double]]](repeating: zero, count: c.fn * c.c)
        for n in 0..<c.n {
            for ty in 0..<th {
                for tx in 0..<tw {
                    let v: [[[Double]]] = (0..<c.c).map { ch in
                        let d = window(xs, plane: n * c.c + ch, rows: c.h, columns: c.w, 4 * ty - c.pad, 4 * tx - c.pad, size: 6)
                        return sandwich(m.bt, d, m.bt)
                    }
                    let dm: [[[Double]]] = (0..<c.fn).map { fi in
                        sandwich(a, window(ds, plane: n * c.fn + fi, rows: oh, columns: ow, 4 * ty, 4 * tx, size: 4), a)
                    }
                    for fi in 0..<c.fn {
                        var sum = zero
                        for ch in 0..<c.c {
                            accumulate(&sum, u[fi * c.c + ch], v[ch])
                            accumulate(&du[fi * c.c + ch], dm[fi], v[ch])
                        }
                        let y = sandwich(m.at, sum, m.at)
                        for i in 0..<4 where 4 * ty + i < oh {
                            for j in 0..<4 where 4 * tx + j < ow {
                                out[((n * c.fn + fi) * oh + 4 * ty + i) * ow + 4 * tx + j] = y[i][j] + bs[fi]
                            }
                        }
                    }
                    for ch in 0..<c.c {
                        var dv = zero
                        for fi in 0..<c.fn { accumulate(&dv, u[fi * c.c + ch], dm[fi]) }
                        let z = sandwich(bMatrix, dv, bMatrix)
                        for i in 0..<6 {
                            for j in 0..<6 { dxPadded[((n * c.c + ch) * ph + 4 * ty + i) * pw + 4 * tx + j] += z[i][j] }
                        }
                    }
                }
            }
        }
        let dx = (0..<(c.n * c.c * c.h * c.w)).map { i in
            dxPadded[((i / (c.h * c.w)) * ph + i / c.w % c.h + c.pad) * pw + i % c.w + c.pad]
        }
        return [out, dx, du.flatMap { sandwich(gt, $0, gt).flatMap { $0 } }]
    }
}
