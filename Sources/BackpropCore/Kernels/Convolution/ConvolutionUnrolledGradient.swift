/// The stride-1 backward of `ConvolutionImageByImage` through the unrolled output gradient. It equals the
/// book's §7.4.3 backward — db = Σ dout, dW = colᵀ·dout, dx = col2im(dout·col_Wᵀ) — up to the order of the
/// floating-point sums (ConvolutionTests hold it to the col2im way and to the numerical gradient).
///
/// At stride 1, backward needs neither col again nor col2im. Write the output gradient unrolled the
/// way im2col unrolls an image, but over the *input's* positions: with dout zero-padded by
/// FH − 1 − pad, row (f, ky′, kx′) of Dₙ (FN·FH·FW, H·W) holds doutₙ[f, i + pad − ky, j + pad − kx] at
/// input position (i, j), where ky = FH − 1 − ky′ and kx = FW − 1 − kx′ (the filter turned by 180°).
/// Then both gradients of §7.4.3 are products with Dₙ:
///
/// - ∂L/∂W[f, c, ky, kx] = Σ over output positions of doutₙ[f, y, x]·xₙ[c, y + ky − pad, x + kx − pad]
///   = Σᵢⱼ xₙ[c, i, j]·Dₙ[(f, ky′, kx′), (i, j)], i.e. Gᵀ = Σₙ Dₙ·xₙᵀ (FN·FH·FW, C);
/// - ∂L/∂xₙ = W̃·Dₙ (C, H·W), where W̃[c, (f, ky′, kx′)] = W[f, c, ky, kx] (`flippedWeight`) — the book's
///   dcol = dout·W followed by col2im, summed in another order: a convolution of the padded gradient
///   with the turned filters;
/// - ∂L/∂b[f] = Σₙ Σ doutₙ[f, ·], a row sum.
///
/// Dₙ is about as large as colₙᵀ (FN/C times as many rows, H·W/(OH·OW) as many columns), so this way
/// trades backward's im2col, its K = FN product and col2im for one unrolling and two products over
/// K = FN·FH·FW and H·W. It needs a padding of FH − 1 − pad ≥ 0 on both axes, i.e. a square filter
/// (FH = FW) and pad < FH; `gradientWindow` says whether it applies, `prefersUnrolledGradient` whether
/// it is taken.
///
/// With enough filters (`ConvolutionImageByImage.Scratch.shiftsRows`) Dₙ is unrolled row-shifted (`unrollShiftedRows`)
/// and both products are split into FH, one per turned filter row ky′: the same sums, grouped by ky′.
///
/// `backward` returns ∂W and ∂b to the layer through the buffers it passes (the layer stores them
/// into its parameters); the kernel never touches a `Parameter`.
final class ConvolutionUnrolledGradient<Scalar: TensorScalar> {
    /// Scratch of the unrolled-gradient backward, one slice of `GradientScratch.size` per run; laid out
    /// for `gradientWorkspaceLayout`.
    private(set) var gradientWorkspace = ScratchSpace<Scalar>(count: 0)
    private var gradientWorkspaceLayout: (scratch: GradientScratch, runs: Int)?
    /// W with each filter turned by 180° and the axes regrouped, (C, FN·FH·FW), its columns in Dₙ's row order
    /// (`GradientScratch`): the matrix that takes the unrolled gradient to dx. Rebuilt on every backward that uses it.
    private var flippedWeight = ScratchSpace<Scalar>(count: 0)

    init() {}

    /// Returns nil when this way does not apply; else the geometry of the unrolling: the window over dout
    /// (N, FN, OH, OW) padded by FH − 1 − pad, whose output positions are x's (H, W).
    static func gradientWindow(_ g: SlidingWindow, filterHeight fh: Int, filterWidth fw: Int, filters fn: Int) -> SlidingWindow? {
        guard g.stride == 1, fh == fw, g.pad < fh else { return nil }
        let gd = SlidingWindow(inputShape: [g.batch, fn, g.outHeight, g.outWidth], windowHeight: fh, windowWidth: fw,
                               stride: 1, pad: fh - 1 - g.pad, operation: "Convolution.backward")
        guard gd.outHeight == g.height, gd.outWidth == g.width else { return nil }
        return gd
    }

    /// Whether the unrolled-gradient way is the faster: only when Dₙ is no larger than colₙᵀ. Measured
    /// per layer on DeepConvNet (1 thread, `backprop bench --layers`), backward took 9.6–10.4 ms instead of
    /// 12.0–13.7 for 16 → 16 channels at 28×28, 7.5 instead of 11–12 for 32 → 32 at 14×14 with pad 2
    /// (Dₙ smaller), 8.9–9.1 instead of 9.0–10.3 for 64 → 64 at 8×8, but 5.5–5.7 instead of 4.5–5.2
    /// where the filters double the channels (Dₙ twice colₙᵀ). Measured again with both ways unrolled
    /// row-shifted (`ConvolutionImageByImage.Scratch.shiftsRows`), each forced in five alternating rounds:
    /// col2im took 13.5 ms against 9.0 at 16 → 16 and 10.0 against 7.3–8.7 at 32 → 32, the unrolled
    /// gradient 5.0 against 4.35 at 16 → 32 — the same choices.
    static func prefersUnrolledGradient(_ g: SlidingWindow, _ gd: SlidingWindow) -> Bool {
        gd.rowLength * gd.outPositions <= g.rowLength * g.outPositions
    }

    /// Where one run's scratch sits within its slice of `gradientWorkspace` (offsets in elements).
    /// Each region but the row sums after ∂b starts a cache line (`ScratchSpace.lineUp`).
    struct GradientScratch: Equatable {
        /// FN·FH·FW, H·W, C, FN, FN·(OH + 2·pad′)·(OW + 2·pad′) (0 when pad′ = 0).
        var rows: Int, positions: Int, channels: Int, filters: Int, paddedImage: Int
        /// Dₙ by blocks, as `ConvolutionImageByImage.Scratch`: row-shifted FH blocks of FN·FW rows of R, else one.
        var blocks: Int, blockRows: Int, shift: Int, rowStride: Int
        /// Dₙ: (blockRows, rowStride); R's padding stays 0 from allocation on.
        var unrolled: Int { 0 }
        /// The run's partial Gᵀ: (rows, channels), rows in the order (ky′, f, kx′) row-shifted, else (f, ky′, kx′).
        var gradient: Int { line(blockRows * rowStride) }
        /// The run's partial ∂b: (filters,), then one image's row sums (filters,).
        var biasGradient: Int { line(gradient + rows * channels) }
        var rowSums: Int { biasGradient + filters }
        /// doutₙ zero-padded by pad′: its border stays 0 from allocation on.
        var paddedGradient: Int { line(rowSums + filters) }
        /// xₙᵀ (positions, channels), for Gᵀ as an A·B product (see `prefersTransposedB`).
        var transposedInput: Int { line(paddedGradient + paddedImage) }
        /// doutₙ (FN, OH, OW), when the layers after hand dout over image by image (`ImageGradient`).
        var gradientImage: Int { line(transposedInput + positions * channels) }
        /// Elements per run, whole lines, so runs on different threads share no cache line.
        var size: Int { line(gradientImage + gradientImageSize) }
        /// FN·OH·OW: one image's dout.
        var gradientImageSize: Int

        private func line(_ elements: Int) -> Int { ScratchSpace<Scalar>.lineUp(elements) }

        init(_ gd: SlidingWindow, channels: Int) {
            rows = gd.rowLength
            positions = gd.outPositions
            self.channels = channels
            filters = gd.channels
            paddedImage = gd.pad > 0 ? paddedImageSize(gd) : 0
            gradientImageSize = gd.imageSize
            let shifted = ConvolutionImageByImage<Scalar>.Scratch.shiftsRows(gd)
            blocks = shifted ? gd.windowHeight : 1
            blockRows = rows / blocks
            shift = shifted ? gd.outWidth : 0
            rowStride = shifted ? (gd.height + 2 * gd.pad) * gd.outWidth : positions
        }
    }

    /// Writes W̃ (C, FN·FH·FW) into `flippedWeight`: W̃[c, (f, ky′, kx′)] = W[f, c, FH−1−ky′, FW−1−kx′], with
    /// (f, ky′, kx′) at column (i·FN + f)·span + j for ky′·FW + kx′ = i·span + j, span = FH·FW / blocks.
    private func packFlippedWeight(_ w: Tensor<Scalar>, blocks: Int) {
        let fn = w.shape[0], c = w.shape[1], taps = w.shape[2] * w.shape[3], span = taps / blocks
        if flippedWeight.count != c * fn * taps { flippedWeight = ScratchSpace(count: c * fn * taps) }
        w.withUnsafeBufferPointer { pw in
            flippedWeight.withUnsafeMutableBufferPointer { pf in
                for f in 0..<fn {
                    for ch in 0..<c {
                        let src = pw.baseAddress! + (f * c + ch) * taps
                        let dst = pf.baseAddress! + ch * fn * taps + f * span
                        for t in 0..<taps { dst[t / span * fn * span + t % span] = src[taps - 1 - t] }
                    }
                }
            }
        }
    }

    /// dx into `dx` (of x's shape, every element overwritten), for the last forward's input `x`, window `g`
    /// and unrolling `gd` (`gradientWindow`), with W the layer's weight value; ∂L/∂W and ∂L/∂b into
    /// `weightGradient` and `biasGradient`, the layer's buffers (replaced when their shapes are not W's and
    /// (FN,)). The batch is split into `chunks`, Gᵀ's product transposed as `transposedOverride` says (nil:
    /// as `GemmBlocking` decides). With `byImage`, dout is not read from `dout` (which may then be empty) but
    /// written image by image into the run's scratch just before that image's unrolling (`ImageGradient`).
    func backward(_ dout: Tensor<Scalar>, byImage: ImageGradient<Scalar>? = nil, x: Tensor<Scalar>, _ g: SlidingWindow, _ gd: SlidingWindow,
                  weight w: Tensor<Scalar>, runs chunks: ImageChunks, transposedOverride: Bool?,
                  into dx: inout Tensor<Scalar>, weightGradient: inout Tensor<Scalar>, biasGradient: inout Tensor<Scalar>) {
        let scratch = GradientScratch(gd, channels: g.channels)
        if !(gradientWorkspaceLayout.map { $0.scratch == scratch && $0.runs == chunks.count } ?? false) {
            gradientWorkspace = ScratchSpace(count: chunks.count * scratch.size)
            gradientWorkspaceLayout = (scratch, chunks.count)
        }
        packFlippedWeight(w, blocks: scratch.blocks)
        let transposedInput = transposedOverride
            ?? GemmBlocking.prefersTransposedB(m: scratch.blockRows, n: g.channels, k: g.height * g.width)
        x.withUnsafeBufferPointer { px in
            dout.withUnsafeBufferPointer { pd in
                flippedWeight.withUnsafeBufferPointer { pwf in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        gradientWorkspace.withUnsafeMutableBufferPointer { pws in
                            let operands = ImageOperands(x: px.baseAddress!, dout: byImage == nil ? pd.baseAddress! : px.baseAddress!,
                                                         byImage: byImage, flippedWeight: pwf.baseAddress!,
                                                         dx: pdx.baseAddress!, window: g, gradientWindow: gd, scratch: scratch,
                                                         transposedInput: transposedInput)
                            let ws = pws.baseAddress!
                            chunks.run { run, images in
                                let slice = ws + run * scratch.size
                                for n in images { Self.backwardImage(n, first: n == images.lowerBound, operands, slice: slice) }
                            }
                        }
                    }
                }
            }
        }
        sumPartialGradients(scratch, runs: chunks.count, weightShape: w.shape,
                            weightGradient: &weightGradient, biasGradient: &biasGradient)
    }

    /// What every image's step reads and writes (`backwardImage`): x, dout (or its images handed over one by
    /// one), W̃, dx, the two windows, the scratch layout, and whether xₙ is transposed first for Gᵀ's product.
    private struct ImageOperands {
        let x: UnsafePointer<Scalar>, dout: UnsafePointer<Scalar>, byImage: ImageGradient<Scalar>?
        let flippedWeight: UnsafePointer<Scalar>
        let dx: UnsafeMutablePointer<Scalar>
        let window: SlidingWindow, gradientWindow: SlidingWindow, scratch: GradientScratch
        let transposedInput: Bool
    }

    /// Image n's backward on its run's scratch `slice`: the run's partial ∂b and Gᵀ += its share (set, not
    /// added, for the run's `first` image), and ∂xₙ = W̃·Dₙ.
    @inline(__always)
    private static func backwardImage(_ n: Int, first: Bool, _ o: ImageOperands, slice: UnsafeMutablePointer<Scalar>) {
        let g = o.window, scratch = o.scratch
        let fn = scratch.filters, channels = scratch.channels, p = g.outPositions
        let hw = g.height * g.width, rows = o.gradientWindow.rowLength, blockRows = scratch.blockRows
        let unrolled = slice + scratch.unrolled, gradient = slice + scratch.gradient
        let db = slice + scratch.biasGradient, sums = slice + scratch.rowSums
        var d = o.dout + n * fn * p
        let xn = o.x + n * g.imageSize
        if let byImage = o.byImage {
            byImage.write(n, slice + scratch.gradientImage)
            d = UnsafePointer(slice + scratch.gradientImage)
        }
        // Dₙ: doutₙ unrolled over x's positions, the filter turned (R when row-shifted).
        ConvolutionImageByImage.unroll(d, 0, into: unrolled, o.gradientWindow, shifted: scratch.blocks > 1,
                                       padded: slice + scratch.paddedGradient)
        // ∂b += Σ doutₙ along each filter's row.
        Scalar.reduce(.sum, d, outer: fn, length: p, inner: 1, first ? db : sums)
        if !first {
            Scalar.applyBinary(.add, db, sums, db, Loop2D(outer: 1, inner: fn, aOuter: 0, aInner: 1, bOuter: 0, bInner: 1))
        }
        // Gᵀ += Dₙ·xₙᵀ, as A·B from a transposed copy of xₙ where that is faster.
        var xT = xn, ldb = hw
        if o.transposedInput {
            transposeMatrix(xn, rows: channels, columns: hw, into: slice + scratch.transposedInput)
            xT = UnsafePointer(slice + scratch.transposedInput)
            ldb = channels
        }
        // Gᵀ and ∂xₙ = W̃·Dₙ block by block: block i of Dₙ is R's columns i·OW ..< i·OW + H·W row-shifted.
        for block in 0..<scratch.blocks {
            blockedGemm(transposeA: false, transposeB: !o.transposedInput, m: blockRows, n: channels, k: hw,
                        alpha: 1, unrolled + block * scratch.shift, lda: scratch.rowStride, xT, ldb: ldb,
                        beta: first ? 0 : 1, gradient + block * blockRows * channels, ldc: channels)
            blockedGemm(transposeA: false, transposeB: false, m: channels, n: hw, k: blockRows,
                        alpha: 1, o.flippedWeight + block * blockRows, lda: rows,
                        unrolled + block * scratch.shift, ldb: scratch.rowStride,
                        beta: block == 0 ? 0 : 1, o.dx + n * g.imageSize, ldc: hw)
        }
    }

    /// Adds the runs' partial Gᵀ and ∂b in run order into the first run's, then turns Gᵀ back into ∂W
    /// (`weightShape`), ∂W[f, c, ky, kx] = Gᵀ[(f, ky′, kx′), c] (rows ordered as `GradientScratch` says), and
    /// copies ∂b, into the layer's buffers.
    private func sumPartialGradients(_ scratch: GradientScratch, runs: Int, weightShape: [Int],
                                     weightGradient: inout Tensor<Scalar>, biasGradient: inout Tensor<Scalar>) {
        let fn = scratch.filters, channels = scratch.channels, rows = scratch.rows, taps = weightShape[2] * weightShape[3]
        let span = taps / scratch.blocks
        if weightGradient.shape != weightShape { weightGradient = .zeros(weightShape) }
        if !(biasGradient.rank == 1 && biasGradient.shape[0] == fn) { biasGradient = .zeros([fn]) }
        gradientWorkspace.withUnsafeMutableBufferPointer { pws in
            let total = pws.baseAddress! + scratch.gradient, db = pws.baseAddress! + scratch.biasGradient
            for run in 1..<runs {
                Scalar.applyBinary(.add, total, total + run * scratch.size, total,
                                   Loop2D(outer: 1, inner: rows * channels, aOuter: 0, aInner: 1, bOuter: 0, bInner: 1))
                Scalar.applyBinary(.add, db, db + run * scratch.size, db,
                                   Loop2D(outer: 1, inner: fn, aOuter: 0, aInner: 1, bOuter: 0, bInner: 1))
            }
            weightGradient.withUnsafeMutableBufferPointer { pw in
                for f in 0..<fn {
                    for ch in 0..<channels {
                        let dst = pw.baseAddress! + (f * channels + ch) * taps
                        for t in 0..<taps {
                            let turned = taps - 1 - t
                            dst[t] = total[((turned / span * fn + f) * span + turned % span) * channels + ch]
                        }
                    }
                }
            }
            biasGradient.withUnsafeMutableBufferPointer { pb in pb.baseAddress!.update(from: db, count: fn) }
        }
    }
}
