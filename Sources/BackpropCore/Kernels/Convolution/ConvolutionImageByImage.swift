// Kernels/Convolution — §7.4.3's Convolution layer, fast. Every kernel here equals the book's
// out = im2col(x)·W.reshape(FN, −1)ᵀ + b reshaped to (N, FN, OH, OW), and its backward db = Σ dout,
// dW = colᵀ·dout, dx = col2im(dout·col_W), up to the order of the floating-point sums
// (ConvolutionAlgorithmTests, ConvolutionTests, Im2colTests hold them to it).
//
// Symbols, as the book's §7: N batch size, C channels, H/W an image's height/width, FN filters,
// FH/FW a filter's height/width (PH/PW a pooling window's), OH/OW the output's height/width,
// K = C·FH·FW the length of one row of col.
//
// ConvolutionImageByImage       the layer's `.fast` algorithm: one image at a time, [W | b]·[colₙᵀ; 1]
// ConvolutionImageBlocks        its unrolling of one image and its products, by blocks (row-shifted at stride 1)
// ConvolutionUnrolledGradient   its stride-1 backward through dout unrolled over x's positions
// ImageChunks                   the batch split into runs of images, one per thread
// Im2colKernels                 im2col / col2im in the book's layout (N·OH·OW, K); Pooling uses them too
// Im2colTransposedKernels       the same per image, transposed: (K, OH·OW)
// Im2colPaddedKernels           the transposed ones at stride 1, through a zero-padded copy of the image
// WinogradConvolution           3×3 stride 1 by F(4×4, 3×3): the `.winograd` algorithm (and `.automatic`'s
// WinogradTransforms            choice where it pays); its own header states the plain op and symbols

/// §7.4.3's convolution arranged image by image — the `.fast` algorithm of `Convolution`. It equals the
/// book's arrangement (`Convolution` with `.book`): col = im2col(x) (N·OH·OW, C·FH·FW), out = col·col_W + b
/// reshaped to (N, FN, OH, OW), db = Σ dout, dW = colᵀ·dout, dx = col2im(dout·col_Wᵀ) — the same numbers up
/// to the order of the floating-point sums inside the products (ConvolutionAlgorithmTests hold it to that).
///
/// The same arithmetic is arranged image by image, in the (N, FN, OH·OW) layout the layer returns, so
/// the book's `reshape(N, OH, OW, -1).transpose(0, 3, 1, 2)` copies (forward and backward) disappear:
/// each image's rows of col are built transposed, colₙᵀ (C·FH·FW, OH·OW), with a row of ones appended
/// for the bias, and with [W | b] (FN, C·FH·FW + 1):
/// outₙ = [W | b]·[colₙᵀ; 1], [∂W | ∂b] = Σₙ doutₙ·[colₙᵀ; 1]ᵀ, ∂colₙᵀ = Wᵀ·doutₙ, ∂xₙ = col2im(∂colₙ),
/// each product one BLAS call with its transposes as flags. (`im2col`/`col2im` give the book's layout.)
///
/// At stride 1 with enough channels (`Scratch.shiftsRows`) the image is unrolled by its kx shifts only
/// (`unrollShiftedRows`, about FH times fewer copies) and each product is split into FH products, one per
/// filter row ky, over slices of that unrolling (`ConvolutionImageBlocks`): the same sums, grouped by ky.
///
/// One image's colₙᵀ is small enough to stay in the core's cache between being built and being
/// multiplied, so col is never built for the whole batch: forward unrolls each image just before its
/// product, and backward unrolls it again (from x, 9× smaller than col for a 3×3 filter) rather than
/// keeping a whole-batch col that would have to go out to memory and back.
///
/// At stride 1, when the filters are no more than the channels, backward takes another way to the same
/// gradients (`ConvolutionUnrolledGradient`): it unrolls doutₙ over the input's positions with the
/// filters turned by 180°, and gets ∂W and ∂x as two products with that, with no col2im.
///
/// With several threads (`Threads.count`) the batch is split into a fixed number of runs of images
/// (`ImageChunks`: one per thread) that run concurrently, each making its images' BLAS calls on its
/// own scratch and summing its own partial [∂W | ∂b]; the partials are added in run order at the end.
/// Forward output and ∂x are the same at any thread count; ∂W and ∂b differ only by that summation
/// order, which is fixed for a given thread count.
///
/// - forward: x (N, C, H, W) → out (N, FN, OH, OW), with W (FN, C, FH, FW) and b (FN,) from the layer's
///   parameters. Per-thread scratch (colₙᵀ, ∂colₙᵀ, partial [∂W | ∂b]ᵀ, padded images) lives in `workspace`
///   (and the unrolled gradient's), reused while the shapes stay the same; out and dx are written into the
///   previous step's out and dx when the caller no longer holds them.
/// - backward: dout (N, FN, OH, OW) → dx (N, C, H, W) (none for `inputGradient: false`); ∂L/∂W (FN, C, FH, FW)
///   and ∂L/∂b (FN,) go into the buffers the layer passes (its parameters' gradients), so the kernel never
///   touches a `Parameter`: `backward` sets up, `backwardImages` runs the images' steps (`backwardImage`)
///   run by run, and `sumPartialGradients` adds the runs' partials and splits [∂W | ∂b].
final class ConvolutionImageByImage<Scalar: TensorScalar> {
    /// Scratch for each run of images (`ImageChunks`), one slice of `Scratch.size` elements per run:
    /// the unrolled image with its row of ones ([colₙᵀ; 1], or row-shifted [R; 1], `unrollShiftedRows`),
    /// ∂colₙᵀ (C·FH·FW, OH·OW), the run's partial [∂W | ∂b]ᵀ by blocks, at stride 1 two zero-padded images
    /// (C, H + 2·pad, W + 2·pad), for xₙ and for ∂xₙ, doutₙᵀ (OH·OW, FN), and doutₙ and outₙ (FN, OH·OW)
    /// for the layers that hand them over image by image. Reused while the shapes stay the same.
    private(set) var workspace = ScratchSpace<Scalar>(count: 0)
    /// The geometry and run count `workspace` and `weightAndBias` were laid out for.
    private var workspaceLayout: (scratch: Scratch, runs: Int)?
    /// [W | b] by blocks (`Scratch.blocks`·FN, `Scratch.blockRows` + 1): block ky holds W_ky (FN, C·FW),
    /// W_ky[f, c·FW + kx] = W[f, c, ky, kx] row-shifted (one block, W, else), then b in block 0's last
    /// column. Rebuilt from the parameters on every forward.
    private var weightAndBias = ScratchSpace<Scalar>(count: 0)
    /// The last forward's output and the last backward's dx, kept so that the next step writes into the
    /// same memory (no fresh pages for the kernel to zero and map) once the caller has let go of them.
    /// One still held elsewhere is never changed under its holder: writing to it copies it first.
    private var outputBuffer: Tensor<Scalar>?
    private var inputGradientBuffer: Tensor<Scalar>?
    /// The last forward's output shape (N, FN, OH, OW), kept so that the next batch of the same size
    /// builds no new shape array.
    private var outputShape: [Int] = []
    /// Stands for dx in `backwardParameters`, which computes none.
    private let noInputGradient = Tensor<Scalar>(shape: [0], scalars: [])

    /// Forces the number of runs the batch is split into (nil: as `ImageChunks` decides from the
    /// thread count). For tests: results must not depend on it except through ∂W's and ∂b's summation order.
    var runsOverride: Int?
    /// Forces whether backward transposes doutₙ to make [∂W | ∂b] an A·B product (nil: as
    /// `GemmBlocking.prefersTransposedB` decides). For tests: both ways must give the same gradients up to rounding.
    var transposedGradientOverride: Bool?
    /// Forces whether backward takes the unrolled-gradient way (`ConvolutionUnrolledGradient`) when it computes dx
    /// (nil: whenever the geometry allows it). For tests: both ways must give the same gradients up to rounding.
    var unrolledGradientOverride: Bool?
    /// The stride-1 backward through the unrolled gradient, with its own scratch.
    let unrolledGradient = ConvolutionUnrolledGradient<Scalar>()
    typealias Unrolled = ConvolutionUnrolledGradient<Scalar>

    init() {}

    /// Lays `workspace` out for `runs` runs of geometry `scratch`, with each run's row of ones, and
    /// `weightAndBias` for `scratch`; keeps them when they already are.
    private func prepareWorkspace(_ scratch: Scratch, runs: Int) {
        if let layout = workspaceLayout, layout.scratch == scratch, layout.runs == runs { return }
        workspace = ScratchSpace(count: runs * scratch.size)
        weightAndBias = ScratchSpace(count: scratch.blocks * scratch.filters * (scratch.blockRows + 1))
        for r in 0..<runs {
            fillElements(workspace.base + r * scratch.size + scratch.col + scratch.blockRows * scratch.rowStride,
                         count: scratch.rowStride, with: 1)
        }
        workspaceLayout = (scratch, runs)
    }

    /// How the batch is split among threads: per image, forward makes FN·(K + 1)·OH·OW multiply-adds and
    /// backward about twice that.
    func runs(_ g: SlidingWindow, filters: Int) -> ImageChunks {
        ImageChunks(images: g.batch, workPerImage: filters * (g.rowLength + 1) * g.outPositions, chunks: runsOverride)
    }

    /// out = conv(x) for window `g` (already checked against W and b by the layer), with W and b the
    /// layer's parameter values.
    func forward(_ x: Tensor<Scalar>, _ g: SlidingWindow, weight w: Tensor<Scalar>, bias b: Tensor<Scalar>) -> Tensor<Scalar> {
        let fn = w.shape[0], p = g.outPositions
        if g.batch == 0 { return .zeros([0, fn, g.outHeight, g.outWidth]) }
        if !matchesOutput(g, filters: fn) { outputShape = [g.batch, fn, g.outHeight, g.outWidth] }
        var out = reusable(&outputBuffer, shape: outputShape)
        out.withUnsafeMutableBufferPointer { po in
            let out = po.baseAddress!
            imageProducts(x, g, weight: w, bias: b, destination: { n, _ in out + n * fn * p }, written: nil)
        }
        outputBuffer = out
        return out
    }

    /// conv(x) image by image, each image's output (FN, OH, OW) written into its run's scratch and handed
    /// to `eachImage(outₙ, n..<n + 1)` right after, while it is in cache (valid only during the call):
    /// the same numbers as `forward(_:_:weight:bias:)`'s images, with no (N, FN, OH, OW) tensor written.
    /// Runs of images call `eachImage` concurrently.
    func forward(_ x: Tensor<Scalar>, _ g: SlidingWindow, weight w: Tensor<Scalar>, bias b: Tensor<Scalar>,
                 eachImage: (UnsafePointer<Scalar>, Range<Int>) -> Void) {
        guard g.batch > 0 else { return }
        let outputImage = Scratch(g, filters: w.shape[0]).outputImage
        withoutActuallyEscaping(eachImage) { eachImage in
            imageProducts(x, g, weight: w, bias: b, destination: { _, slice in slice + outputImage }, written: eachImage)
        }
    }

    /// §7.4.3's out = col·Wᵀ + b, as outₙ = [W | b]·[colₙᵀ; 1] for each image n (`product`), into
    /// `destination(n, its run's scratch slice)`; `written(outₙ, n..<n + 1)` right after, when given.
    private func imageProducts(_ x: Tensor<Scalar>, _ g: SlidingWindow, weight w: Tensor<Scalar>, bias b: Tensor<Scalar>,
                               destination: (Int, UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Scalar>,
                               written: ((UnsafePointer<Scalar>, Range<Int>) -> Void)?) {
        let fn = w.shape[0]
        let chunks = runs(g, filters: fn)
        let scratch = Scratch(g, filters: fn)
        prepareWorkspace(scratch, runs: chunks.count)
        Self.packWeightAndBias(w, b, scratch, into: weightAndBias.base)
        x.withUnsafeBufferPointer { px in
            let (x, wb, ws) = (px.baseAddress!, UnsafePointer(weightAndBias.base), workspace.base)
            chunks.run { run, images in
                let slice = ws + run * scratch.size
                for n in images {
                    Self.unroll(x, n, into: slice + scratch.col, g, shifted: scratch.blocks > 1,
                                padded: slice + scratch.paddedInput)
                    let out = destination(n, slice)
                    Self.product(wb, slice + scratch.col, into: out, scratch)
                    written?(out, n..<(n + 1))
                }
            }
        }
    }

    /// Whether `outputShape` is already (N, FN, OH, OW) of window `g`.
    private func matchesOutput(_ g: SlidingWindow, filters fn: Int) -> Bool {
        outputShape.count == 4 && outputShape[0] == g.batch && outputShape[1] == fn
            && outputShape[2] == g.outHeight && outputShape[3] == g.outWidth
    }

    /// dx (nil when `inputGradient` is false) for the last forward, whose input was `x` and window `g`,
    /// with W and b the layer's parameter values. ∂L/∂W (FN, C, FH, FW) and ∂L/∂b (FN,) go into
    /// `weightGradient` and `biasGradient`, the layer's buffers (replaced when their shapes are not those).
    ///
    /// With `byImage`, dout is not read from `dout` (which may then be empty) but written image by image
    /// into the run's scratch just before that image's products or unrolling (`ImageGradient`), both ways.
    func backward(_ dout: Tensor<Scalar>, byImage: ImageGradient<Scalar>? = nil, x: Tensor<Scalar>, _ g: SlidingWindow,
                  weight w: Tensor<Scalar>, bias b: Tensor<Scalar>, inputGradient: Bool,
                  weightGradient: inout Tensor<Scalar>, biasGradient: inout Tensor<Scalar>) -> Tensor<Scalar>? {
        let fn = w.shape[0], k = g.rowLength, doutShape = byImage?.shape ?? dout.shape
        if !(matchesOutput(g, filters: fn) && doutShape == outputShape) {
            checkGradientShape(doutShape, [g.batch, fn, g.outHeight, g.outWidth], "Convolution")
        }
        precondition(w.rank == 4 && w.shape[1] * w.shape[2] * w.shape[3] == k && b.rank == 1 && b.shape[0] == fn,
                     "Convolution.backward: W has shape \(w.shape) and b has shape \(b.shape), "
                     + "which no longer match the last forward")
        if g.batch == 0 {
            weightGradient = .zeros(w.shape)
            biasGradient = .zeros([fn])
            return .zeros(x.shape)
        }
        if takesUnrolledGradient(g, weightShape: w.shape, inputGradient: inputGradient),
           let gd = Unrolled.gradientWindow(g, filterHeight: w.shape[2], filterWidth: w.shape[3], filters: fn) {
            var dx = reusable(&inputGradientBuffer, shape: x.shape)
            unrolledGradient.backward(dout, byImage: byImage, x: x, g, gd, weight: w, runs: runs(g, filters: fn),
                                      transposedOverride: transposedGradientOverride, into: &dx,
                                      weightGradient: &weightGradient, biasGradient: &biasGradient)
            inputGradientBuffer = dx
            return dx
        }
        let chunks = runs(g, filters: fn)
        let scratch = Scratch(g, filters: fn)
        prepareWorkspace(scratch, runs: chunks.count)
        var dx = inputGradient ? reusable(&inputGradientBuffer, shape: x.shape) : noInputGradient
        backwardImages(dout, byImage: byImage, x: x, g, weight: w, runs: chunks, scratch, inputGradient: inputGradient, into: &dx)
        sumPartialGradients(scratch, runs: chunks.count, weightShape: w.shape,
                            weightGradient: &weightGradient, biasGradient: &biasGradient)
        if inputGradient { inputGradientBuffer = dx }
        return inputGradient ? dx : nil
    }

    /// Whether backward takes the unrolled-gradient way (`ConvolutionUnrolledGradient`), which reads dout
    /// whole: only with dx, where the geometry allows it and it is preferred.
    private func takesUnrolledGradient(_ g: SlidingWindow, weightShape: [Int], inputGradient: Bool) -> Bool {
        guard inputGradient,
              let gd = Unrolled.gradientWindow(g, filterHeight: weightShape[2], filterWidth: weightShape[3], filters: weightShape[0])
        else { return false }
        return unrolledGradientOverride ?? Unrolled.prefersUnrolledGradient(g, gd)
    }

    /// Whether `backward` reads dout one image at a time (and so takes `byImage`) for window `g`: both ways
    /// do (the per-image products and the unrolled gradient), for any batch but an empty one.
    func readsGradientByImage(_ g: SlidingWindow) -> Bool {
        g.batch > 0
    }

    /// What every image's backward step reads and writes (`backwardImage`): x, dout (or its images handed
    /// over one by one) and W, dx (nil when no input gradient is computed), the window, the scratch layout
    /// and the way of the [∂W | ∂b] product.
    private struct BackwardOperands {
        let x: UnsafePointer<Scalar>, dout: UnsafePointer<Scalar>, byImage: ImageGradient<Scalar>?, weight: UnsafePointer<Scalar>
        let dx: UnsafeMutablePointer<Scalar>?
        let window: SlidingWindow, filters: Int, scratch: Scratch
        /// Whether doutₙᵀ is stored first so that the [∂W | ∂b]ᵀ product is A·B (`prefersTransposedB`).
        let transposedGradient: Bool
    }

    /// Runs `backwardImage` over the batch, its runs (`chunks`) concurrently, each on its slice of
    /// `workspace`: every run's partial [∂W | ∂b]ᵀ, and ∂xₙ into `dx` when `inputGradient`.
    private func backwardImages(_ dout: Tensor<Scalar>, byImage: ImageGradient<Scalar>?, x: Tensor<Scalar>, _ g: SlidingWindow,
                                weight w: Tensor<Scalar>,
                                runs chunks: ImageChunks, _ scratch: Scratch, inputGradient: Bool,
                                into dx: inout Tensor<Scalar>) {
        let fn = w.shape[0]
        let transposedGradient = transposedGradientOverride
            ?? GemmBlocking.prefersTransposedB(m: scratch.blockRows + 1, n: fn, k: g.outPositions)
        x.withUnsafeBufferPointer { px in
            dout.withUnsafeBufferPointer { pd in
                w.withUnsafeBufferPointer { pw in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        workspace.withUnsafeMutableBufferPointer { pws in
                            let operands = BackwardOperands(x: px.baseAddress!, dout: byImage == nil ? pd.baseAddress! : px.baseAddress!,
                                                            byImage: byImage, weight: pw.baseAddress!,
                                                            dx: inputGradient ? pdx.baseAddress : nil, window: g, filters: fn,
                                                            scratch: scratch, transposedGradient: transposedGradient)
                            let ws = pws.baseAddress!
                            chunks.run { run, images in
                                let slice = ws + run * scratch.size
                                for n in images {
                                    Self.backwardImage(n, first: n == images.lowerBound, operands, slice: slice)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Image n's backward on its run's scratch `slice`: [∂W | ∂b]ᵀ of the run += [colₙᵀ; 1]·doutₙᵀ (set,
    /// not added, for the run's `first` image), then ∂xₙ = col2im(Wᵀ·doutₙ) when there is a dx.
    @inline(__always)
    private static func backwardImage(_ n: Int, first: Bool, _ o: BackwardOperands, slice: UnsafeMutablePointer<Scalar>) {
        let g = o.window, scratch = o.scratch, fn = o.filters, k = g.rowLength, p = g.outPositions
        let col = slice + scratch.col, dcol = slice + scratch.dcol, gradient = slice + scratch.gradient
        var d = o.dout + n * fn * p          // doutₙ: (FN, OH·OW)
        if let byImage = o.byImage {
            byImage.write(n, slice + scratch.gradientImage)
            d = UnsafePointer(slice + scratch.gradientImage)
        }
        // [colₙᵀ; 1] again (R at stride 1), as forward built it.
        unroll(o.x, n, into: col, g, shifted: scratch.blocks > 1, padded: slice + scratch.paddedInput)
        // [dW | db] += doutₙ·[colₙᵀ; 1]ᵀ — the book's dW = doutᵀ·col and db = Σ dout, image by image (this
        // run's images into its partial), computed transposed, [dW | db]ᵀ += [colₙᵀ; 1]·doutₙᵀ, block by block
        // of `Scratch` (∂W_kyᵀ += R_ky·doutₙᵀ at stride 1): OpenBLAS runs the long side as rows faster (10–30 %
        // on these shapes). With `transposedGradient`, doutₙᵀ is stored first so the product is A·B, which
        // OpenBLAS's small kernels take (`prefersTransposedB`).
        var doutT = d
        if o.transposedGradient {
            let dT = slice + scratch.transposedGradient
            transposeMatrix(d, rows: fn, columns: p, into: dT)
            doutT = UnsafePointer(dT)
        }
        gradientProduct(col, doutT, transposed: o.transposedGradient, first: first, into: gradient, scratch)
        // dcolₙᵀ = Wᵀ·doutₙ (the book's dcol = dout·W), then dx = col2im(dcol).
        guard let dx = o.dx else { return }
        blockedGemm(transposeA: true, transposeB: false, m: k, n: p, k: fn,
                    alpha: 1, o.weight, lda: k, d, ldb: p,
                    beta: 0, dcol, ldc: p)
        if g.stride == 1 {
            col2imTransposedPadded(dcol, dx + n * g.imageSize, g, padded: slice + scratch.paddedGradient)
        } else {
            col2imTransposedImages(dcol, dx + n * g.imageSize, g, images: 1, blockRows: k, parallel: false)
        }
    }

    /// Adds the runs' partial [∂W | ∂b]ᵀ in run order into the first run's, then splits the total into
    /// ∂W (`weightShape`) and ∂b (FN,) in the layer's buffers.
    private func sumPartialGradients(_ scratch: Scratch, runs: Int, weightShape: [Int],
                                     weightGradient: inout Tensor<Scalar>, biasGradient: inout Tensor<Scalar>) {
        let fn = scratch.filters, size = fn * (scratch.blockRows + 1) * scratch.blocks
        if weightGradient.shape != weightShape { weightGradient = .zeros(weightShape) }
        if !(biasGradient.rank == 1 && biasGradient.shape[0] == fn) { biasGradient = .zeros([fn]) }
        workspace.withUnsafeMutableBufferPointer { pws in
            let total = pws.baseAddress! + scratch.gradient
            for run in 1..<runs {
                Scalar.applyBinary(.add, total, total + run * scratch.size, total,
                                   Loop2D(outer: 1, inner: size, aOuter: 0, aInner: 1, bOuter: 0, bInner: 1))
            }
            weightGradient.withUnsafeMutableBufferPointer { pw in
                biasGradient.withUnsafeMutableBufferPointer { pb in
                    Self.unpackGradients(total, scratch, channels: weightShape[1], weight: pw.baseAddress!, bias: pb.baseAddress!)
                }
            }
        }
    }
}
