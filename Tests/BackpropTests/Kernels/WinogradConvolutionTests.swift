import Testing
@testable import BackpropCore
@testable import BackpropTraining

/// `Convolution(algorithm: .winograd)` (F(2×2, 3×3), `WinogradConvolution`) against the convolution's
/// definition computed directly in Double: out, dx, dW and db over channels 1…64, sizes 3…32 (odd and
/// even), pad 0, 1 and 2, batches of 1 and 100; a numerical gradient check; run-after-run determinism.
struct WinogradConvolutionTests {
    typealias Check = LayerGradientCheck

    /// x (N, C, H, W), FN filters, pad. Sampled, not swept: the batch-100 ones are small images.
    struct Case: CustomTestStringConvertible, Sendable {
        let n: Int, c: Int, h: Int, w: Int, fn: Int, pad: Int
        var testDescription: String { "x (\(n), \(c), \(h), \(w)), FN \(fn), pad \(pad)" }
    }

    static let cases: [Case] = [
        Case(n: 1, c: 1, h: 3, w: 3, fn: 1, pad: 0),
        Case(n: 1, c: 1, h: 3, w: 3, fn: 2, pad: 1),
        Case(n: 1, c: 2, h: 4, w: 5, fn: 3, pad: 0),
        Case(n: 2, c: 3, h: 5, w: 4, fn: 2, pad: 1),
        Case(n: 1, c: 16, h: 28, w: 28, fn: 16, pad: 1),
        Case(n: 1, c: 16, h: 14, w: 14, fn: 32, pad: 1),
        Case(n: 1, c: 32, h: 14, w: 14, fn: 32, pad: 2),
        Case(n: 1, c: 64, h: 8, w: 8, fn: 64, pad: 1),
        Case(n: 1, c: 7, h: 31, w: 29, fn: 5, pad: 0),
        Case(n: 1, c: 3, h: 32, w: 32, fn: 4, pad: 1),
        Case(n: 1, c: 64, h: 9, w: 11, fn: 8, pad: 0),
        Case(n: 1, c: 5, h: 13, w: 3, fn: 64, pad: 1),
        Case(n: 100, c: 1, h: 3, w: 3, fn: 2, pad: 1),
        Case(n: 100, c: 3, h: 5, w: 6, fn: 4, pad: 0),
        Case(n: 100, c: 16, h: 7, w: 7, fn: 8, pad: 1),
    ]

    /// The definition, in Double, on raw buffers: out = Σ_c W ⋆ xpad + b, dx = Σ_f dout ⋆ W turned by 180°
    /// (padded), dW = Σ_n dout ⋆ xpad, db = Σ dout. With `magnitudes`, every operand is taken as its
    /// absolute value (and b as 0): the sums of |terms| that rounding bounds scale with.
    static func direct(_ c: Case, x: Tensor<Double>, w: Tensor<Double>, b: Tensor<Double>, dout: Tensor<Double>,
                       magnitudes: Bool = false) -> (out: [Double], dx: [Double], dW: [Double], db: [Double]) {
        let (xs, ws, ds) = magnitudes ? (abs(x).scalars, abs(w).scalars, abs(dout).scalars) : (x.scalars, w.scalars, dout.scalars)
        let oh = c.h + 2 * c.pad - 2, ow = c.w + 2 * c.pad - 2
        var out = [Double](repeating: 0, count: c.n * c.fn * oh * ow), dx = [Double](repeating: 0, count: x.count)
        var dW = [Double](repeating: 0, count: w.count), db = [Double](repeating: 0, count: c.fn)
        for n in 0..<c.n {
            for f in 0..<c.fn {
                for i in 0..<oh {
                    for j in 0..<ow {
                        let o = ((n * c.fn + f) * oh + i) * ow + j
                        var sum = magnitudes ? 0 : b.scalars[f]
                        db[f] += ds[o]
                        for ch in 0..<c.c {
                            for u in 0..<3 {
                                let y = i + u - c.pad
                                guard y >= 0 && y < c.h else { continue }
                                for v in 0..<3 {
                                    let z = j + v - c.pad
                                    guard z >= 0 && z < c.w else { continue }
                                    let xi = ((n * c.c + ch) * c.h + y) * c.w + z, wi = ((f * c.c + ch) * 3 + u) * 3 + v
                                    sum += ws[wi] * xs[xi]
                                    dx[xi] += ds[o] * ws[wi]
                                    dW[wi] += ds[o] * xs[xi]
                                }
                            }
                        }
                        out[o] = sum
                    }
                }
            }
        }
        return (out, dx, dW, db)
    }

    /// A Winograd layer on x, W, b (converted to T), its out, dx, dW and db as Double; `tile` forces
    /// F(2×2) or F(4×4) (nil: the layer's rule chooses).
    static func winograd<T: TensorScalar>(_ c: Case, _: T.Type, x: Tensor<Double>, w: Tensor<Double>, b: Tensor<Double>,
                                          dout: Tensor<Double>, runs: Int? = nil, tile: WinogradTile? = nil,
                                          algorithm: LayerAlgorithm = .winograd) -> [[Double]] {
        let conv = Convolution<T>(weight: w.map { T($0) }, bias: b.map { T($0) }, pad: c.pad, algorithm: algorithm)
        conv.winograd.runsOverride = runs
        conv.winograd.tileOverride = tile
        let out = conv.forward(x.map { T($0) })
        let dx = conv.backward(dout.map { T($0) })
        return [out, dx, conv.weight.gradient, conv.bias.gradient].map { $0.scalars.map { Double($0) } }
    }

    /// x, W, b, dout for a case: normal deviates.
    static func operands(_ c: Case, seed: UInt64) -> (Tensor<Double>, Tensor<Double>, Tensor<Double>, Tensor<Double>) {
        let oh = c.h + 2 * c.pad - 2, ow = c.w + 2 * c.pad - 2
        return (Check.random([c.n, c.c, c.h, c.w], seed: seed), Check.random([c.fn, c.c, 3, 3], seed: seed + 1),
                Check.random([c.fn], seed: seed + 2), Check.random([c.n, c.fn, oh, ow], seed: seed + 3))
    }

    /// `.automatic` on geometries where it takes Winograd for out and `.fast` for dx, dW and db.
    static let automaticCases = [Case(n: 3, c: 32, h: 9, w: 8, fn: 32, pad: 1), Case(n: 2, c: 64, h: 8, w: 8, fn: 64, pad: 1)]

    @Test(arguments: [LayerAlgorithm.winograd], cases) func equalsTheDefinitionInDouble(_ algorithm: LayerAlgorithm, _ c: Case) {
        Self.expectTheDefinition(c, algorithm)
    }

    @Test(arguments: automaticCases) func automaticEqualsTheDefinitionInDouble(_ c: Case) {
        Self.expectTheDefinition(c, .automatic)
    }

    static func expectTheDefinition(_ c: Case, _ algorithm: LayerAlgorithm) {
        let (x, w, b, dout) = Self.operands(c, seed: 101)
        let expected = Self.direct(c, x: x, w: w, b: b, dout: dout)
        let got = Self.winograd(c, Double.self, x: x, w: w, b: b, dout: dout, tile: algorithm == .winograd ? .two : nil,
                                algorithm: algorithm)
        let wanted = [expected.out, expected.dx, expected.dW, expected.db]
        for (i, name) in ["out", "dx", "dW", "db"].enumerated() {
            let (g, e) = (got[i], wanted[i])
            let error = zip(g, e).map { abs($0 - $1) }.max() ?? 0, scale = e.map { abs($0) }.max() ?? 0
            #expect(g.count == e.count && error <= 1e-10 * scale, "\(name): max error \(error), max |expected| \(scale)")
        }
    }

    /// The Float bounds. Each stage of F(2×2, 3×3) rounds once per operation, and the error of a computed
    /// sum of k terms is at most γ_k times the sum of their magnitudes, γ_k = k·u/(1 − k·u), u = 2⁻²⁴
    /// (Higham §3.1); a larger k only loosens the bound.
    /// - out: a sum over channels c and positions ξν of ±(Aᵀ)·U[ξν]·V[ξν]·(A), U = G·g·Gᵀ (4 operations
    ///   deep: 2 each way, the ½ exact), V = Bᵀ·d·B (2), the C-term GEMM (C), Aᵀ·M·A (4), + b (1): at
    ///   most C + 11 on any path. The magnitudes: the rows of |G| sum to at most 3/2 (|G||g||Gᵀ| ≤ 9/4·max|g|),
    ///   those of |Bᵀ| to 2 (|Bᵀ||d||B| ≤ 4·max|d|), those of |Aᵀ| to 3 (9 from both sides): 9·9/4·4 = 81, so
    ///   |out − exact| ≤ γ_{C+11}·(81·C·max|W|·max|x| + |b|).
    /// - dx (the transposed algorithm): ∂M = A·∂y·Aᵀ (2 deep; rows of |A| sum to 2, so ≤ 4·max|dout|), the
    ///   FN-term GEMM with U (≤ 9/4·max|W|), B·∂V·Bᵀ (4 deep) and the up to 4 overlapping tiles added (3):
    ///   FN + 9 ≤ FN + 11 deep; a position takes rows i and i + 2 of |B| from two tiles along each axis,
    ///   which sum to 4, so 16 from both: |dx − exact| ≤ γ_{FN+11}·144·FN·max|W|·max|dout| (144 = 4·9/4·16).
    /// - dW: ∂U = Σ over the P tiles of ∂M ⊙ V (P terms; ∂M, V 2 deep each, the product 1), then Gᵀ·∂U·G
    ///   (4 deep; rows of |Gᵀ| and columns of |G| sum to at most 2): with a_p = max|dout| over tile p's 2×2
    ///   and b_p = max|x| over its 4×4 input, |dW[f, c] − exact| ≤ γ_{P+11}·64·Σ_p a_p·b_p (64 = 4·4·4).
    /// These are 0.01–0.03 of max|W|·max|x| at C = 64 and far tighter at small C for out and dx, while a
    /// wrong transform entry errs by the result's own size (about √(9·C)·|W|·|x|), so they fail. dW's bound
    /// grows as P², its error as about √P: it holds Winograd's dW to Float's worst case, and the Double test
    /// above holds it to 1e-10.
    static func floatBound(terms: Int, factor: Double = 81, channels: Int, maxFilter: Double, maxInput: Double,
                           maxBias: Double) -> Double {
        let u = 0x1p-24, k = Double(terms)
        return k * u / (1 - k * u) * (factor * Double(channels) * maxFilter * maxInput + maxBias)
    }

    /// γ_{P+11}·64·Σ_p a_p·b_p for every (f, c) of a case (the dW bound above), P = N·⌈OH/2⌉·⌈OW/2⌉.
    static func filterGradientBound(_ c: Case, x: Tensor<Double>, dout: Tensor<Double>) -> [Double] {
        let oh = c.h + 2 * c.pad - 2, ow = c.w + 2 * c.pad - 2, th = (oh + 1) / 2, tw = (ow + 1) / 2
        let k = Double(c.n * th * tw + 11), gamma = k * 0x1p-24 / (1 - k * 0x1p-24)
        func tileMax(_ t: Tensor<Double>, _ plane: Int, rows: Int, columns: Int, _ r0: Int, _ c0: Int, size: Int) -> Double {
            var m = 0.0
            for r in r0..<(r0 + size) where r >= 0 && r < rows {
                for q in c0..<(c0 + size) where q >= 0 && q < columns { m = Swift.max(m, abs(t.scalars[(plane * rows + r) * columns + q])) }
            }
            return m
        }
        var bound = [Double](repeating: 0, count: c.fn * c.c)
        for n in 0..<c.n {
            for ty in 0..<th {
                for tx in 0..<tw {
                    let b = (0..<c.c).map { tileMax(x, n * c.c + $0, rows: c.h, columns: c.w, 2 * ty - c.pad, 2 * tx - c.pad, size: 4) }
                    for f in 0..<c.fn {
                        let a = tileMax(dout, n * c.fn + f, rows: oh, columns: ow, 2 * ty, 2 * tx, size: 2)
                        for ch in 0..<c.c { bound[f * c.c + ch] += 64 * a * b[ch] }
                    }
                }
            }
        }
        return bound.map { gamma * $0 }
    }

    @Test(arguments: cases)
    func floatIsWithinTheDerivedBound(_ c: Case) {
        var (x, w, b, dout) = Self.operands(c, seed: 201)
        // The Float operands, exactly, in Double: only Winograd's own rounding is measured.
        (x, w, b, dout) = (x.map { Double(Float($0)) }, w.map { Double(Float($0)) }, b.map { Double(Float($0)) },
                           dout.map { Double(Float($0)) })
        let expected = Self.direct(c, x: x, w: w, b: b, dout: dout)
        let got = Self.winograd(c, Float.self, x: x, w: w, b: b, dout: dout, tile: .two)
        let maxW = abs(w).max(), maxB = abs(b).max()
        let outBound = Self.floatBound(terms: c.c + 11, channels: c.c, maxFilter: maxW, maxInput: abs(x).max(), maxBias: maxB)
        let dxBound = Self.floatBound(terms: c.fn + 11, factor: 144, channels: c.fn, maxFilter: maxW, maxInput: abs(dout).max(),
                                      maxBias: 0)
        let outError = zip(got[0], expected.out).map { abs($0 - $1) }.max() ?? 0
        let dxError = zip(got[1], expected.dx).map { abs($0 - $1) }.max() ?? 0
        #expect(outError <= outBound, "out: max error \(outError), bound \(outBound)")
        #expect(dxError <= dxBound, "dx: max error \(dxError), bound \(dxBound)")
        let dwBound = Self.filterGradientBound(c, x: x, dout: dout)
        let dwViolation = (0..<got[2].count).first { abs(got[2][$0] - expected.dW[$0]) > dwBound[$0 / 9] }
        #expect(dwViolation == nil, "dW[\(String(describing: dwViolation))] beyond γ_{P+11}·64·Σ_p a_p·b_p")
        let sums = Self.direct(c, x: x, w: w, b: b, dout: dout, magnitudes: true)
        let oh = c.h + 2 * c.pad - 2, ow = c.w + 2 * c.pad - 2
        let k = Double(c.n * oh * ow), gamma = k * 0x1p-24 / (1 - k * 0x1p-24)
        let violation = zip(zip(got[3], expected.db), sums.db).first { abs($0.0 - $0.1) > gamma * $1 }
        #expect(violation == nil, "db: \(String(describing: violation)) beyond γ_\(Int(k))·Σ|terms|")
    }

    @Test(arguments: [cases[3], cases[6], cases[13]])
    func backwardMatchesNumericalGradient(_ c: Case) {
        let small = Case(n: Swift.min(c.n, 2), c: Swift.min(c.c, 3), h: Swift.min(c.h, 6), w: Swift.min(c.w, 7),
                         fn: Swift.min(c.fn, 3), pad: c.pad)
        let (x, w, b, weights) = Self.operands(small, seed: 301)
        let conv = Convolution(weight: w, bias: b, pad: small.pad, algorithm: .winograd)
        conv.winograd.tileOverride = .two
        let loss = { (conv.forward($0) * weights).sum() }   // L = Σ weights·forward(x), so dout = weights
        _ = conv.forward(x)
        let dx = conv.backward(weights)
        let dW = conv.weight.gradient, db = conv.bias.gradient
        #expect(Check.relativeError(dx, numericalGradient(of: loss, at: x)) < Check.tolerance)
        #expect(Check.relativeError(dW, Check.numericalGradient(of: conv.weight) { loss(x) }) < Check.tolerance)
        #expect(Check.relativeError(db, Check.numericalGradient(of: conv.bias) { loss(x) }) < Check.tolerance)
    }

    /// Same operands, same run count → the same bits, run after run and layer after layer; another run
    /// count groups the images otherwise, which may change BLAS's order of sums, so within the bound only.
    @Test func sameRunsGiveTheSameBits() {
        let c = Case(n: 100, c: 16, h: 7, w: 7, fn: 8, pad: 1)
        let (x, w, b, dout) = Self.operands(c, seed: 401)
        let first = Self.winograd(c, Float.self, x: x, w: w, b: b, dout: dout, runs: 3, tile: .two)
        for _ in 0..<3 {
            #expect(Self.winograd(c, Float.self, x: x, w: w, b: b, dout: dout, runs: 3, tile: .two) == first)
        }
        let conv = Convolution<Float>(weight: w.map { Float($0) }, bias: b.map { Float($0) }, pad: c.pad, algorithm: .winograd)
        let (xf, df) = (x.map { Float($0) }, dout.map { Float($0) })
        conv.winograd.runsOverride = 3
        conv.winograd.tileOverride = .two
        let out = conv.forward(xf).scalars, dx = conv.backward(df).scalars
        #expect(conv.forward(xf).scalars == out && conv.backward(df).scalars == dx)
    }

    /// The rules `.automatic` follows (see `WinogradConvolution.pays` and `tile`); and `.automatic` is the default.
    @Test func automaticRule() {
        typealias W = WinogradConvolution<Float>
        #expect(!W.pays(.output, inputs: 1, outputs: 16, outHeight: 28, outWidth: 28))
        #expect(!W.pays(.output, inputs: 16, outputs: 16, outHeight: 28, outWidth: 28))
        #expect(!W.pays(.output, inputs: 16, outputs: 32, outHeight: 14, outWidth: 14))
        #expect(W.pays(.output, inputs: 32, outputs: 32, outHeight: 16, outWidth: 16))
        #expect(W.pays(.output, inputs: 32, outputs: 64, outHeight: 8, outWidth: 8))
        #expect(W.pays(.output, inputs: 64, outputs: 64, outHeight: 8, outWidth: 8))
        #expect(W.pays(.gradients, inputs: 64, outputs: 64, outHeight: 8, outWidth: 8))
        #expect(W.pays(.gradients, inputs: 32, outputs: 64, outHeight: 8, outWidth: 8))
        #expect(!W.pays(.gradients, inputs: 32, outputs: 32, outHeight: 16, outWidth: 16))
        #expect(!W.pays(.gradients, inputs: 16, outputs: 16, outHeight: 28, outWidth: 28))
        #expect(W.tile(.output, inputs: 64, outputs: 64, outHeight: 8, outWidth: 8) == .four)
        #expect(W.tile(.gradients, inputs: 32, outputs: 32, outHeight: 16, outWidth: 9) == .four)
        #expect(W.tile(.output, inputs: 64, outputs: 64, outHeight: 7, outWidth: 8) == .two)
        #expect(W.tile(.gradients, inputs: 64, outputs: 64, outHeight: 8, outWidth: 4) == .two)
        let conv = Convolution<Double>(weight: .zeros([16, 16, 3, 3]), bias: .zeros([16]), pad: 1)
        #expect(conv.algorithm == .automatic)
    }
}
