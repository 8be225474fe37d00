// How `ConvolutionImageByImage` unrolls one image and splits its products into blocks. Every block product
// here sums to the plain one, outₙ = [W | b]·[colₙᵀ; 1] and [∂W | ∂b]ᵀ += [colₙᵀ; 1]·doutₙᵀ (colₙᵀ the
// transposed im2col of image n, the book's col rows of that image), up to the order of the floating-point
// sums (ConvolutionAlgorithmTests hold the layer to the book's, Im2colTests `unrollShiftedRows` to im2col).

extension ConvolutionImageByImage {
    /// Where one run's scratch sits within its slice of `workspace` (offsets in elements), and how the image
    /// is unrolled: colₙᵀ is taken as `blocks` blocks of `blockRows` rows, block i's columns starting at
    /// i·`shift` in rows `rowStride` long. Row-shifted (`shiftsRows`) that is R (`unrollShiftedRows`): FH
    /// blocks of C·FW rows, shift OW, rows PH·OW long; else colₙᵀ itself, one block of C·FH·FW rows of OH·OW.
    /// Each region starts a cache line (`ScratchSpace.lineUp`), as the workspace itself does.
    struct Scratch: Equatable {
        /// C·FH·FW, OH·OW, FN, and C·(H + 2·pad)·(W + 2·pad) (stride 1), else 0.
        var rows: Int, positions: Int, filters: Int, paddedImage: Int
        var blocks: Int, blockRows: Int, shift: Int, rowStride: Int
        /// The unrolled image with a row of ones: (blockRows + 1, rowStride); R's padding stays 0 from allocation on.
        var col: Int { 0 }
        /// ∂colₙᵀ: (rows, positions).
        var dcol: Int { line((blockRows + 1) * rowStride) }
        /// The run's partial [∂W | ∂b]ᵀ by blocks: (blocks·(blockRows + 1), filters), ∂b the last row of block 0.
        var gradient: Int { line(dcol + rows * positions) }
        /// One zero-padded image xₙ for the stride-1 im2col when rows are not shifted: its border stays 0.
        var paddedInput: Int { line(gradient + blocks * (blockRows + 1) * filters) }
        /// One zero-padded ∂xₙ for the stride-1 col2im (zeroed by col2im itself).
        var paddedGradient: Int { line(paddedInput + paddedImage) }
        /// doutₙᵀ: (positions, filters), for the [∂W | ∂b] product as A·B (see `backward`).
        var transposedGradient: Int { line(paddedGradient + paddedImage) }
        /// doutₙ (filters, positions), when the layers after hand dout over image by image (`ImageGradient`).
        var gradientImage: Int { line(transposedGradient + positions * filters) }
        /// outₙ (filters, positions), when the layers after read the output image by image
        /// (`forward(_:_:weight:bias:eachImage:)`).
        var outputImage: Int { line(gradientImage + positions * filters) }
        /// Elements per run, whole lines, so runs on different threads share no cache line.
        var size: Int { line(outputImage + positions * filters) }

        private func line(_ elements: Int) -> Int { ScratchSpace<Scalar>.lineUp(elements) }

        init(_ g: SlidingWindow, filters: Int) {
            rows = g.rowLength
            positions = g.outPositions
            self.filters = filters
            paddedImage = g.stride == 1 ? paddedImageSize(g) : 0
            let shifted = Scratch.shiftsRows(g)
            blocks = shifted ? g.windowHeight : 1
            blockRows = rows / blocks
            shift = shifted ? g.outWidth : 0
            rowStride = shifted ? (g.height + 2 * g.pad) * g.outWidth : positions
        }

        /// Whether image n is unrolled row-shifted (`unrollShiftedRows`): at stride 1 with C·FW ≥ 16, so that
        /// each block product runs over at least 16 rows. Measured on DeepConvNet (1 thread, `bench --layers`)
        /// forward took 4.8 instead of 6.3 ms for 16 → 16 channels at 28×28, 2.2 instead of 2.8 for 16 → 32 at
        /// 14×14, 2.1 instead of 2.4 for 32 → 64 at 8×8, the same for 32 → 32 at 14×14 (pad 2) and 64 → 64; but
        /// with one channel (C·FW = 3 or 5) 1.46 instead of 1.35 ms for 3×3 and 2.6 instead of 2.3 for 5×5.
        static func shiftsRows(_ g: SlidingWindow) -> Bool {
            g.stride == 1 && g.channels * g.windowWidth >= 16
        }
    }

    /// Image n unrolled into `col`: R when `shifted`, else colₙᵀ (a row of ones after it is left as it is),
    /// with `padded` a padded image for the stride-1 im2col.
    @inline(__always)
    static func unroll(_ x: UnsafePointer<Scalar>, _ n: Int, into col: UnsafeMutablePointer<Scalar>, _ g: SlidingWindow,
                       shifted: Bool, padded: UnsafeMutablePointer<Scalar>) {
        if shifted {
            unrollShiftedRows(x + n * g.imageSize, col, g)
        } else if g.stride == 1 {
            im2colTransposedPadded(x + n * g.imageSize, col, g, padded: padded)
        } else {
            im2colTransposedImages(x + n * g.imageSize, col, g, images: 1, blockRows: g.rowLength + 1, parallel: false)
        }
    }

    /// Writes [W | b] by the blocks of `scratch` into `p` (`weightAndBias`: (blocks·FN, blockRows + 1), laid
    /// out with the workspace and zeroed then, so the columns no block writes stay 0).
    static func packWeightAndBias(_ w: Tensor<Scalar>, _ b: Tensor<Scalar>, _ scratch: Scratch,
                                  into p: UnsafeMutablePointer<Scalar>) {
        let fn = w.shape[0], channels = w.shape[1], k = scratch.rows, width = scratch.blockRows + 1
        let span = scratch.blockRows / channels   // W[f, c, ky, 0..<FW] row-shifted, W[f, c] else
        w.withUnsafeBufferPointer { pw in
            b.withUnsafeBufferPointer { pb in
                for i in 0..<scratch.blocks * fn * channels {   // (block, f, c)
                    let (block, f, c) = (i / (fn * channels), i / channels % fn, i % channels)
                    (p + (block * fn + f) * width + c * span)
                        .update(from: pw.baseAddress! + f * k + c * (k / channels) + block * span, count: span)
                }
                for f in 0..<fn { p[f * width + width - 1] = pb[f] }
            }
        }
    }

    /// outₙ = [W | b]·[colₙᵀ; 1] from the unrolled image `col`, as a sum of a product per block of `scratch`:
    /// block 0 with the row of ones and b, the others over their blockRows only, each slice read at leading
    /// dimension `rowStride` (row-shifted: the sum over ky of W_ky·R[:, ky·OW ..< ky·OW + OH·OW]).
    @inline(__always)
    static func product(_ wb: UnsafePointer<Scalar>, _ col: UnsafePointer<Scalar>, into out: UnsafeMutablePointer<Scalar>,
                        _ scratch: Scratch) {
        let fn = scratch.filters, width = scratch.blockRows + 1
        for block in 0..<scratch.blocks {
            blockedGemm(transposeA: false, transposeB: false, m: fn, n: scratch.positions, k: block == 0 ? width : width - 1,
                        alpha: 1, wb + block * fn * width, lda: width, col + block * scratch.shift, ldb: scratch.rowStride,
                        beta: block == 0 ? 0 : 1, out, ldc: scratch.positions)
        }
    }

    /// [∂W | ∂b]ᵀ by blocks (`gradient`) = (`first`) or += [colₙᵀ; 1]·doutₙᵀ from the unrolled image `col`, one
    /// product per block (row-shifted: ∂W_kyᵀ += R_ky·doutₙᵀ), with doutₙ (FN, OH·OW) or, `transposed`, doutₙᵀ.
    @inline(__always)
    static func gradientProduct(_ col: UnsafePointer<Scalar>, _ dout: UnsafePointer<Scalar>, transposed: Bool, first: Bool,
                                into gradient: UnsafeMutablePointer<Scalar>, _ scratch: Scratch) {
        let fn = scratch.filters, width = scratch.blockRows + 1
        for block in 0..<scratch.blocks {
            blockedGemm(transposeA: false, transposeB: !transposed, m: block == 0 ? width : width - 1, n: fn, k: scratch.positions,
                        alpha: 1, col + block * scratch.shift, lda: scratch.rowStride, dout, ldb: transposed ? fn : scratch.positions,
                        beta: first ? 0 : 1, gradient + block * width * fn, ldc: fn)
        }
    }

    /// ∂W (FN, C·FH·FW) and ∂b (FN,) out of [∂W | ∂b]ᵀ by the blocks of `scratch` (`total`): row c·span + j of
    /// block i is ∂W[:, c, i·span + j] (flattened over FH·FW), the last row of block 0 is ∂b.
    static func unpackGradients(_ total: UnsafePointer<Scalar>, _ scratch: Scratch, channels: Int,
                                weight dw: UnsafeMutablePointer<Scalar>, bias db: UnsafeMutablePointer<Scalar>) {
        let fn = scratch.filters, k = scratch.rows, width = scratch.blockRows + 1, span = scratch.blockRows / channels
        for i in 0..<scratch.blocks * fn * channels {   // (block, f, c)
            let (block, f, c) = (i / (fn * channels), i / channels % fn, i % channels)
            for j in 0..<span { dw[f * k + c * (k / channels) + block * span + j] = total[(block * width + c * span + j) * fn + f] }
        }
        db.update(from: total + (width - 1) * fn, count: fn)
    }
}
