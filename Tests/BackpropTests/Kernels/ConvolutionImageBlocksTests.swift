import Testing
@testable import BackpropCore

/// The row-shifted unrolling (`unrollShiftedRows`) and the block products of the `.fast` convolution
/// (`ConvolutionImageBlocks`) against their plain definitions: R's cells against the padded image, its
/// slices against the book's im2col, and the layer's out, ∂W, ∂b and ∂x (both backward ways) against the
/// convolution summed term by term in Double (Float within the γₙ bound of an n-term sum of products, in any order).
struct ConvolutionImageBlocksTests {
    typealias Check = LayerGradientCheck
    typealias Case = ConvolutionTests.Case

    /// Stride-1 geometries that unroll row-shifted (C·FW ≥ 16): 3×3 pad 1 with FN > C and FN < C, a 2×3
    /// filter with pad 0, a 3×1 filter whose pad 2 leaves columns wholly in the padding, 5×5 pad 2 on an
    /// image that is not square.
    static let cases: [Case] = [
        Case(x: [3, 8, 6, 5], w: [9, 8, 3, 3], stride: 1, pad: 1),
        Case(x: [2, 16, 5, 6], w: [4, 16, 3, 3], stride: 1, pad: 1),
        Case(x: [2, 6, 7, 6], w: [4, 6, 2, 3], stride: 1, pad: 0),
        Case(x: [2, 16, 5, 4], w: [3, 16, 3, 1], stride: 1, pad: 2),
        Case(x: [1, 4, 7, 6], w: [6, 4, 5, 5], stride: 1, pad: 2),
    ]

    static func window(_ c: Case) -> SlidingWindow {
        SlidingWindow(inputShape: c.x, windowHeight: c.w[2], windowWidth: c.w[3], stride: 1, pad: c.pad, operation: "test")
    }

    /// The cells of R, unrolled image after image into one buffer (as the layer's scratch, whose padding is
    /// written only once), that differ from R[c·FW + kx, y′·OW + j] = xpad[c, y′, j + kx], and the cells of
    /// the book's colₙᵀ that differ from R[c·FW + kx, ky·OW + q].
    static func mismatches<T: TensorScalar>(_ x: Tensor<T>, _ g: SlidingWindow) -> (definition: Int, col: Int) {
        let (fh, fw, ow, pad) = (g.windowHeight, g.windowWidth, g.outWidth, g.pad)
        let length = (g.height + 2 * pad) * ow, p = g.outPositions
        let book = im2col(x, filterHeight: fh, filterWidth: fw, stride: 1, pad: pad)
        var r = [T](repeating: 0, count: g.channels * fw * length)
        var counts = (definition: 0, col: 0)
        for n in 0..<g.batch {
            x.withUnsafeBufferPointer { px in
                r.withUnsafeMutableBufferPointer { unrollShiftedRows(px.baseAddress! + n * g.imageSize, $0.baseAddress!, g) }
            }
            for c in 0..<g.channels {
                for kx in 0..<fw {
                    for cell in 0..<length {
                        let iy = cell / ow - pad, ix = cell % ow + kx - pad
                        let inside = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width
                        if r[(c * fw + kx) * length + cell] != (inside ? x[n, c, iy, ix] : 0) { counts.definition += 1 }
                    }
                    for ky in 0..<fh {
                        for q in 0..<p where book[n * p + q, (c * fh + ky) * fw + kx] != r[(c * fw + kx) * length + ky * ow + q] {
                            counts.col += 1
                        }
                    }
                }
            }
        }
        return counts
    }

    @Test(arguments: cases)
    func shiftedRowsAreTheirDefinitionAndHoldColTransposed(_ c: Case) {
        let g = Self.window(c), x = Check.random(c.x, seed: 81)
        #expect(ConvolutionImageByImage<Double>.Scratch(g, filters: c.w[0]).blocks == c.w[2], "not row-shifted")
        let double = Self.mismatches(x, g), float = Self.mismatches(x.map(Float.init), g)
        #expect(double.definition == 0 && double.col == 0 && float.definition == 0 && float.col == 0)
    }

    /// out, ∂W, ∂b and ∂x summed term by term in Double, each with the sum of its terms' magnitudes and its
    /// number of terms: out[n, f, y, x] = b[f] + Σ W[f, c, ky, kx]·xpad[n, c, y + ky, x + kx] (K + 1 terms),
    /// ∂W[f, c, ky, kx] = Σ dout[n, f, y, x]·xpad[n, c, y + ky, x + kx] and ∂b[f] = Σ dout[n, f, ·] (N·OH·OW),
    /// ∂xpad[n, c, y + ky, x + kx] = Σ dout[n, f, y, x]·W[f, c, ky, kx] (at most FN·FH·FW terms).
    static func reference(_ x: Tensor<Double>, _ w: Tensor<Double>, _ b: Tensor<Double>, _ dout: Tensor<Double>,
                          _ g: SlidingWindow) -> [(value: [Double], magnitude: [Double], terms: Int)] {
        let (fn, fh, fw, oh, ow) = (w.shape[0], g.windowHeight, g.windowWidth, g.outHeight, g.outWidth)
        let outputs = g.batch * fn * oh * ow
        var out = (value: [Double](repeating: 0, count: outputs), magnitude: [Double](repeating: 0, count: outputs))
        var dw = (value: [Double](repeating: 0, count: w.count), magnitude: [Double](repeating: 0, count: w.count))
        var db = (value: [Double](repeating: 0, count: fn), magnitude: [Double](repeating: 0, count: fn))
        var dx = (value: [Double](repeating: 0, count: x.count), magnitude: [Double](repeating: 0, count: x.count))
        for n in 0..<g.batch {
            for f in 0..<fn {
                for y in 0..<oh {
                    for xo in 0..<ow {
                        let o = ((n * fn + f) * oh + y) * ow + xo, d = dout[n, f, y, xo]
                        out.value[o] += b[f]
                        out.magnitude[o] += abs(b[f])
                        db.value[f] += d
                        db.magnitude[f] += abs(d)
                        for c in 0..<g.channels {
                            for ky in 0..<fh {
                                for kx in 0..<fw {
                                    let iy = y + ky - g.pad, ix = xo + kx - g.pad
                                    guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                                    let v = x[n, c, iy, ix], k = ((f * g.channels + c) * fh + ky) * fw + kx
                                    let i = ((n * g.channels + c) * g.height + iy) * g.width + ix
                                    dx.value[i] += d * w[f, c, ky, kx]
                                    dx.magnitude[i] += abs(d * w[f, c, ky, kx])
                                    out.value[o] += w[f, c, ky, kx] * v
                                    out.magnitude[o] += abs(w[f, c, ky, kx] * v)
                                    dw.value[k] += d * v
                                    dw.magnitude[k] += abs(d * v)
                                }
                            }
                        }
                    }
                }
            }
        }
        let positions = g.batch * oh * ow
        return [(out.value, out.magnitude, g.rowLength + 1), (dw.value, dw.magnitude, positions), (db.value, db.magnitude, positions),
                (dx.value, dx.magnitude, fn * fh * fw)]
    }

    /// The `.fast` layer's out, ∂W, ∂b and ∂x over `runs` runs of images, backward through the unrolled gradient
    /// (where it applies) when `unrolled`, else through col2im's way (the one with the block products for ∂W).
    static func fast<T: TensorScalar>(_ x: Tensor<T>, _ w: Tensor<T>, _ b: Tensor<T>, _ dout: Tensor<T>, pad: Int,
                                      runs: Int, unrolled: Bool) -> [[T]] {
        let conv = Convolution(weight: w, bias: b, stride: 1, pad: pad, algorithm: .fast)
        conv.imageByImage.runsOverride = runs
        conv.imageByImage.unrolledGradientOverride = unrolled
        let out = conv.forward(x)
        let dx = conv.backward(dout)
        return [out.scalars, conv.weight.gradient.scalars, conv.bias.gradient.scalars, dx.scalars]
    }

    /// The first case's unrolled gradient unrolls dout row-shifted too (FN·FW = 27), so that the test below runs it.
    @Test func theUnrolledGradientIsRowShiftedInTheFirstCase() throws {
        let c = Self.cases[0], g = Self.window(c)
        let gd = try #require(ConvolutionUnrolledGradient<Double>.gradientWindow(g, filterHeight: 3, filterWidth: 3, filters: c.w[0]))
        #expect(ConvolutionUnrolledGradient<Double>.GradientScratch(gd, channels: g.channels).blocks == 3)
    }

    @Test(arguments: cases)
    func blockProductsAreTheConvolution(_ c: Case) {
        let g = Self.window(c)
        // Values exact in Float, so that Float and Double start from the same numbers.
        let (x, w, b) = (Check.random(c.x, seed: 82).map { Double(Float($0)) }, Check.random(c.w, seed: 83).map { Double(Float($0)) },
                         Check.random([c.w[0]], seed: 84).map { Double(Float($0)) })
        let dout = Check.random([g.batch, c.w[0], g.outHeight, g.outWidth], seed: 85).map { Double(Float($0)) }
        let expected = Self.reference(x, w, b, dout, g)
        let u = Double(Float.ulpOfOne) / 2
        for (runs, unrolled) in [(1, false), (2, false), (2, true)] {
            let double = Self.fast(x, w, b, dout, pad: c.pad, runs: runs, unrolled: unrolled)
            let float = Self.fast(x.map(Float.init), w.map(Float.init), b.map(Float.init), dout.map(Float.init), pad: c.pad,
                                  runs: runs, unrolled: unrolled)
            for (name, (e, (d, f))) in zip(["out", "dW", "db", "dx"], zip(expected, zip(double, float))) {
                let scale = e.magnitude.max() ?? 0
                let doubleError = zip(d, e.value).map { abs($0 - $1) }.max() ?? 0
                #expect(doubleError <= 1e-10 * scale, "\(name) in Double, runs \(runs), unrolled \(unrolled)")
                // γₙ = n·u / (1 − n·u) bounds an n-term sum of products in any order, relative to Σ|terms|.
                let gamma = Double(e.terms) * u / (1 - Double(e.terms) * u)
                let outside = zip(f, zip(e.value, e.magnitude)).filter { abs(Double($0) - $1.0) > gamma * $1.1 + 1e-12 * scale }
                #expect(d.count == e.value.count && f.count == e.value.count && outside.isEmpty,
                        "\(name) in Float, runs \(runs), unrolled \(unrolled)")
            }
        }
    }
}
