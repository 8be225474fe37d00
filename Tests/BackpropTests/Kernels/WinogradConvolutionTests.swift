import Testing
@testable import BackpropCore
@testable import BackpropTraining

/// `Convolution(algorithm: .winograd)` (F(4×4, 3×3), `WinogradConvolution`) against the convolution's
/// definition computed directly in Double: out, dx, dW and db over channels 1…64, sizes 3…32 (odd and
/// even), pad 0, 1 and 2, batches of 1 and 100, and outputs that end in every kind of partial tile;
/// several runs; a numerical gradient check; run-after-run determinism. (In Float: WinogradFloatBoundTests.)
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

    /// F(4×4)'s edges: output sides 1, 2, 3 and 0 mod 4 (OH × OW in the comments), and TW = ⌈OW/4⌉ = 1…8
    /// tiles per row, laid out as TW′ = 2, 2, 4, 4, 6, 6, 8, 8 (an odd row gets a tile past the plane), so
    /// that the transforms' steps of four tiles (two pairs) stay in one row or span two (TW′ 2, 6), end half
    /// full, and cut their last tiles at the plane's edge.
    static let edgeCases: [Case] = [
        Case(n: 1, c: 6, h: 3, w: 4, fn: 5, pad: 1),     // 3×4, TW 1
        Case(n: 1, c: 1, h: 5, w: 5, fn: 1, pad: 1),     // 5×5, TW 2
        Case(n: 2, c: 3, h: 3, w: 8, fn: 2, pad: 0),     // 1×6, TW 2
        Case(n: 1, c: 2, h: 5, w: 12, fn: 3, pad: 0),    // 3×10, TW 3
        Case(n: 1, c: 3, h: 6, w: 16, fn: 2, pad: 1),    // 6×16, TW 4
        Case(n: 3, c: 5, h: 10, w: 17, fn: 4, pad: 0),   // 8×15, TW 4, the last tile partial
        Case(n: 2, c: 2, h: 7, w: 17, fn: 3, pad: 1),    // 7×17, TW 5: a tail tile of one column
        Case(n: 1, c: 4, h: 9, w: 20, fn: 2, pad: 0),    // 7×18, TW 5
        Case(n: 1, c: 3, h: 6, w: 24, fn: 2, pad: 0),    // 4×22, TW 6
        Case(n: 1, c: 2, h: 10, w: 28, fn: 3, pad: 1),   // 10×28, TW 7
        Case(n: 1, c: 2, h: 9, w: 32, fn: 2, pad: 1),    // 9×32, TW 8
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

    /// A Winograd layer on x, W, b (converted to T), its out, dx, dW and db as Double.
    static func winograd<T: TensorScalar>(_ c: Case, _: T.Type, x: Tensor<Double>, w: Tensor<Double>, b: Tensor<Double>,
                                          dout: Tensor<Double>, runs: Int? = nil,
                                          algorithm: LayerAlgorithm = .winograd) -> [[Double]] {
        let conv = Convolution<T>(weight: w.map { T($0) }, bias: b.map { T($0) }, pad: c.pad, algorithm: algorithm)
        conv.winograd.runsOverride = runs
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

    @Test(arguments: [LayerAlgorithm.winograd], cases + edgeCases)
    func equalsTheDefinitionInDouble(_ algorithm: LayerAlgorithm, _ c: Case) {
        Self.expectTheDefinition(c, algorithm)
    }

    @Test(arguments: automaticCases) func automaticEqualsTheDefinitionInDouble(_ c: Case) {
        Self.expectTheDefinition(c, .automatic)
    }

    /// The same with the batch split into 3 runs (`runsOverride`), each with its own scratch, whose ∂U and
    /// ∂b are summed in run order; the batch-100 case also cuts each run into several groups of images.
    @Test(arguments: [Case(n: 7, c: 4, h: 9, w: 17, fn: 3, pad: 1), Case(n: 100, c: 3, h: 6, w: 6, fn: 4, pad: 1)])
    func severalRunsEqualTheDefinitionInDouble(_ c: Case) {
        Self.expectTheDefinition(c, .winograd, runs: 3)
    }

    /// out, dx, dW and db (with `runs` runs) within 1e-10 of the largest expected value.
    static func expectTheDefinition(_ c: Case, _ algorithm: LayerAlgorithm, runs: Int? = nil) {
        let (x, w, b, dout) = Self.operands(c, seed: 101)
        let expected = Self.direct(c, x: x, w: w, b: b, dout: dout)
        let got = Self.winograd(c, Double.self, x: x, w: w, b: b, dout: dout, runs: runs, algorithm: algorithm)
        let wanted = [expected.out, expected.dx, expected.dW, expected.db]
        for (i, name) in ["out", "dx", "dW", "db"].enumerated() {
            let (g, e) = (got[i], wanted[i])
            let error = zip(g, e).map { abs($0 - $1) }.max() ?? 0, scale = e.map { abs($0) }.max() ?? 0
            #expect(g.count == e.count && error <= 1e-10 * scale, "\(name): max error \(error), max |expected| \(scale)")
        }
    }

    @Test(arguments: [cases[3], cases[6], cases[13]])
    func backwardMatchesNumericalGradient(_ c: Case) {
        let small = Case(n: Swift.min(c.n, 2), c: Swift.min(c.c, 3), h: Swift.min(c.h, 6), w: Swift.min(c.w, 7),
                         fn: Swift.min(c.fn, 3), pad: c.pad)
        let (x, w, b, weights) = Self.operands(small, seed: 301)
        let conv = Convolution(weight: w, bias: b, pad: small.pad, algorithm: .winograd)
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
        let first = Self.winograd(c, Float.self, x: x, w: w, b: b, dout: dout, runs: 3)
        for _ in 0..<3 {
            #expect(Self.winograd(c, Float.self, x: x, w: w, b: b, dout: dout, runs: 3) == first)
        }
        let conv = Convolution<Float>(weight: w.map { Float($0) }, bias: b.map { Float($0) }, pad: c.pad, algorithm: .winograd)
        let (xf, df) = (x.map { Float($0) }, dout.map { Float($0) })
        conv.winograd.runsOverride = 3
        let out = conv.forward(xf).scalars, dx = conv.backward(df).scalars
        #expect(conv.forward(xf).scalars == out && conv.backward(df).scalars == dx)
    }

    /// Backward keeps the forward's U only while W has the same bits: with W changed in between, dx is
    /// the one of the new W (dx depends on W and dout only), bit for bit as a layer that ran forward with it.
    @Test func backwardTransformsAChangedWeightAgain() {
        let c = Case(n: 2, c: 8, h: 8, w: 8, fn: 8, pad: 1)
        let (x, w, b, dout) = Self.operands(c, seed: 501)
        let other = Check.random([c.fn, c.c, 3, 3], seed: 601)
        let changed = Convolution(weight: w, bias: b, pad: c.pad, algorithm: .winograd)
        _ = changed.forward(x)
        changed.weight.value = other
        let fresh = Convolution(weight: other, bias: b, pad: c.pad, algorithm: .winograd)
        _ = fresh.forward(x)
        let dx = fresh.backward(dout).scalars
        let afterChange = changed.backward(dout).scalars == dx, again = fresh.backward(dout).scalars == dx
        #expect(afterChange, "backward after W changed used the forward's U")
        #expect(again, "backward again with U kept gave other bits")
    }

    /// The rule `.automatic` follows (see `WinogradConvolution.pays`); and `.automatic` is the default.
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
        let conv = Convolution<Double>(weight: .zeros([16, 16, 3, 3]), bias: .zeros([16]), pad: 1)
        #expect(conv.algorithm == .automatic)
    }
}
