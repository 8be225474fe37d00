/// §7.4.3 Convolution layer through im2col: out[n, f] = Σ_c W[f, c] ⋆ x[n, c] + b[f] (a cross-correlation,
/// as the book), the filter moved by `stride` over x zero-padded by `pad` on every side.
///
/// With col = im2col(x) (N·OH·OW, C·FH·FW) and W viewed as (FN, C·FH·FW) — the book's
/// `col_W = W.reshape(FN, -1).T` — forward is out = col·Wᵀ + b, and backward (§7.4.3's `backward`):
/// ∂L/∂b = Σ over rows of dout, ∂L/∂W = doutᵀ·col, ∂L/∂col = dout·W, ∂L/∂x = col2im(∂L/∂col),
/// with dout viewed as (N·OH·OW, FN).
///
/// The same arithmetic is arranged image by image, in the (N, FN, OH·OW) layout the layer returns, so
/// the book's `reshape(N, OH, OW, -1).transpose(0, 3, 1, 2)` copies (forward and backward) disappear:
/// each image's rows of col are built transposed, colₙᵀ (C·FH·FW, OH·OW), with a row of ones appended
/// for the bias, and with [W | b] (FN, C·FH·FW + 1):
/// outₙ = [W | b]·[colₙᵀ; 1], [∂W | ∂b] = Σₙ doutₙ·[colₙᵀ; 1]ᵀ, ∂colₙᵀ = Wᵀ·doutₙ, ∂xₙ = col2im(∂colₙ),
/// each product one BLAS call with its transposes as flags. (`im2col`/`col2im` give the book's layout.)
///
/// One image's colₙᵀ is small enough to stay in the core's cache between being built and being
/// multiplied, so col is never built for the whole batch: forward unrolls each image just before its
/// product, and backward unrolls it again (from x, 9× smaller than col for a 3×3 filter) rather than
/// keeping a whole-batch col that would have to go out to memory and back.
///
/// At stride 1, when the filters are no more than the channels, backward takes another way to the same
/// gradients (`backpropagateUnrolledGradient`): it unrolls doutₙ over the input's positions with the
/// filters turned by 180°, and gets ∂W and ∂x as two products with that, with no col2im.
///
/// With several threads (`Threads.count`) the batch is split into a fixed number of runs of images
/// (`ImageChunks`: one per thread) that run concurrently, each making its images' BLAS calls on its
/// own scratch and summing its own partial [∂W | ∂b]; the partials are added in run order at the end.
/// Forward output and ∂x are the same at any thread count; ∂W and ∂b differ only by that summation
/// order, which is fixed for a given thread count.
///
/// - W: (FN, C, FH, FW), the parameter `weight` named "W" (weight decay applies); b: (FN,), the parameter
///   `bias` named "b" (no decay).
/// - forward: x (N, C, H, W) → out (N, FN, OH, OW), OH = (H + 2·pad − FH)/stride + 1, OW likewise.
///   Keeps x (a reference, not a copy). Per-thread scratch (colₙᵀ, ∂colₙᵀ, partial [∂W | ∂b]ᵀ, padded
///   images) lives in `workspace` (and `gradientWorkspace`), reused while the shapes stay the same; out and dx are written into the
///   previous step's out and dx when the caller no longer holds them.
/// - backward: dout (N, FN, OH, OW) → dx (N, C, H, W); writes ∂L/∂W into `weight.gradient` (FN, C, FH, FW)
///   and ∂L/∂b into `bias.gradient` (FN,).
/// - Stops with both shapes named if x's channels differ from W's C, or if the filter does not fit in the
///   padded input (the output would be empty).
public final class Convolution<Scalar: TensorScalar>: Layer {
    /// W, of shape (FN, C, FH, FW).
    public let weight: Parameter<Scalar>
    /// b, of shape (FN,).
    public let bias: Parameter<Scalar>
    /// How far the filter moves between output positions (§7.2.4).
    public let stride: Int
    /// Zeros added on every side of each image (§7.2.3).
    public let pad: Int

    /// The last forward's input, kept for backward.
    public private(set) var x: Tensor<Scalar>?
    /// The last forward's window geometry.
    private var window: SlidingWindow?
    /// Scratch for each run of images (`ImageChunks`), one slice of `Scratch.size` elements per run:
    /// [colₙᵀ; 1] (C·FH·FW + 1, OH·OW) with its row of ones, ∂colₙᵀ (C·FH·FW, OH·OW), the run's
    /// partial [∂W | ∂b]ᵀ (C·FH·FW + 1, FN), at stride 1 two zero-padded images (C, H + 2·pad, W + 2·pad),
    /// for xₙ and for ∂xₙ, and doutₙᵀ (OH·OW, FN). Reused from batch to batch while the shapes stay the same.
    private(set) var workspace = Tensor<Scalar>(shape: [0], scalars: [])
    /// The geometry and run count `workspace` was laid out for.
    private var workspaceLayout: (scratch: Scratch, runs: Int)?
    /// [W | b] (FN, C·FH·FW + 1), rebuilt from the parameters on every forward and backward.
    private var weightAndBias = Tensor<Scalar>(shape: [0, 0], scalars: [])
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
    /// Forces whether backward takes the unrolled-gradient way (`GradientScratch`) when it computes dx
    /// (nil: whenever the geometry allows it). For tests: both ways must give the same gradients up to rounding.
    var unrolledGradientOverride: Bool?

    /// Scratch of the unrolled-gradient backward, one slice of `GradientScratch.size` per run; laid out
    /// for `gradientWorkspaceLayout`.
    private(set) var gradientWorkspace = Tensor<Scalar>(shape: [0], scalars: [])
    private var gradientWorkspaceLayout: (scratch: GradientScratch, runs: Int)?
    /// W with each filter turned by 180° and the axes regrouped, (C, FN·FH·FW): the matrix that takes the
    /// unrolled gradient to dx. Rebuilt on every backward that uses it.
    private var flippedWeight = Tensor<Scalar>(shape: [0, 0], scalars: [])

    /// A convolution with filters W (FN, C, FH, FW) and biases b (FN,). Stops if the shapes disagree,
    /// stride < 1 or pad < 0.
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>, stride: Int = 1, pad: Int = 0) {
        precondition(weight.rank == 4 && weight.shape.allSatisfy { $0 > 0 },
                     "Convolution.init: W must be 4-d (FN, C, FH, FW) with no empty axis, got shape \(weight.shape) "
                     + "(b has shape \(bias.shape))")
        precondition(bias.shape == [weight.shape[0]],
                     "Convolution.init: W has shape \(weight.shape) so b must have shape [\(weight.shape[0])], got \(bias.shape)")
        precondition(stride >= 1, "Convolution.init: stride must be at least 1, got \(stride)")
        precondition(pad >= 0, "Convolution.init: pad must be non-negative, got \(pad)")
        self.weight = Parameter(name: "W", value: weight, decays: true)
        self.bias = Parameter(name: "b", value: bias, decays: false)
        self.stride = stride
        self.pad = pad
    }

    /// [weight, bias].
    public var parameters: [Parameter<Scalar>] { [weight, bias] }

    /// The window geometry for x, after checking x against W and b.
    private func geometry(of x: Tensor<Scalar>) -> SlidingWindow {
        let w = weight.value, b = bias.value
        precondition(w.rank == 4 && b.rank == 1 && b.shape[0] == w.shape[0],
                     "Convolution.forward: W has shape \(w.shape) and b has shape \(b.shape); they no longer agree")
        precondition(x.rank == 4, "Convolution.forward: x must be 4-d (N, C, H, W), got shape \(x.shape) (W has shape \(w.shape))")
        precondition(x.shape[1] == w.shape[1],
                     "Convolution.forward: x has shape \(x.shape) (\(x.shape[1]) channels) but W has shape \(w.shape) "
                     + "(\(w.shape[1]) channels)")
        let g = SlidingWindow(inputShape: x.shape, windowHeight: w.shape[2], windowWidth: w.shape[3],
                              stride: stride, pad: pad, operation: "Convolution.forward")
        precondition(!g.isEmpty,
                     "Convolution.forward: x has shape \(x.shape) but W has shape \(w.shape): with stride \(stride) and pad \(pad) "
                     + "the \(w.shape[2])×\(w.shape[3]) filter does not fit, so the output would be empty")
        return g
    }

    /// Where one run's scratch sits within its slice of `workspace` (offsets in elements).
    struct Scratch: Equatable {
        /// C·FH·FW, OH·OW, FN, and C·(H + 2·pad)·(W + 2·pad) (stride 1), else 0.
        var rows: Int, positions: Int, filters: Int, paddedImage: Int
        /// [colₙᵀ; 1]: (rows + 1, positions).
        var col: Int { 0 }
        /// ∂colₙᵀ: (rows, positions).
        var dcol: Int { (rows + 1) * positions }
        /// The run's partial [∂W | ∂b]ᵀ: (rows + 1, filters).
        var gradient: Int { dcol + rows * positions }
        /// One zero-padded image xₙ for the stride-1 im2col: its border stays 0 from allocation on.
        var paddedInput: Int { gradient + filters * (rows + 1) }
        /// One zero-padded ∂xₙ for the stride-1 col2im (zeroed by col2im itself).
        var paddedGradient: Int { paddedInput + paddedImage }
        /// doutₙᵀ: (positions, filters), for the [∂W | ∂b] product as A·B (see `backpropagate`).
        var transposedGradient: Int { paddedGradient + paddedImage }
        /// Elements per run, rounded up to 64 bytes so runs on different threads share no cache line.
        var size: Int { (transposedGradient + positions * filters + 15) / 16 * 16 }

        init(_ g: SlidingWindow, filters: Int) {
            rows = g.rowLength
            positions = g.outPositions
            self.filters = filters
            paddedImage = g.stride == 1 ? paddedImageSize(g) : 0
        }
    }

    /// [colₙᵀ; 1] of image n into its block at `col` (rows + 1 rows, the last the ones left as they are).
    @inline(__always)
    private static func unroll(_ x: UnsafePointer<Scalar>, _ n: Int, into col: UnsafeMutablePointer<Scalar>,
                               _ g: SlidingWindow, padded: UnsafeMutablePointer<Scalar>) {
        if g.stride == 1 {
            im2colTransposedPadded(x + n * g.imageSize, col, g, padded: padded)
        } else {
            im2colTransposedImages(x + n * g.imageSize, col, g, images: 1, blockRows: g.rowLength + 1, parallel: false)
        }
    }

    /// Lays `workspace` out for `runs` runs of geometry `scratch`, with each run's row of ones; keeps it
    /// when it already is.
    private func prepareWorkspace(_ scratch: Scratch, runs: Int) {
        if let layout = workspaceLayout, layout.scratch == scratch, layout.runs == runs { return }
        workspace = Tensor(shape: [runs * scratch.size]) { w in
            fillElements(w.baseAddress!, count: w.count, with: 0)
            for r in 0..<runs {
                fillElements(w.baseAddress! + r * scratch.size + scratch.col + scratch.rows * scratch.positions,
                             count: scratch.positions, with: 1)
            }
        }
        workspaceLayout = (scratch, runs)
    }

    /// How the batch is split among threads: per image, forward makes FN·(K + 1)·OH·OW multiply-adds and
    /// backward about twice that.
    private func runs(_ g: SlidingWindow, filters: Int) -> ImageChunks {
        ImageChunks(images: g.batch, workPerImage: filters * (g.rowLength + 1) * g.outPositions, chunks: runsOverride)
    }

    /// Writes [W | b] into `weightAndBias`.
    private func packWeightAndBias(_ w: Tensor<Scalar>, _ b: Tensor<Scalar>, _ k: Int) {
        let fn = w.shape[0]
        if !(weightAndBias.rank == 2 && weightAndBias.shape[0] == fn && weightAndBias.shape[1] == k + 1) {
            weightAndBias = .zeros([fn, k + 1])
        }
        w.withUnsafeBufferPointer { pw in
            b.withUnsafeBufferPointer { pb in
                weightAndBias.withUnsafeMutableBufferPointer { p in
                    for f in 0..<fn {
                        (p.baseAddress! + f * (k + 1)).update(from: pw.baseAddress! + f * k, count: k)
                        p[f * (k + 1) + k] = pb[f]
                    }
                }
            }
        }
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        let g = geometry(of: x)
        let w = weight.value, b = bias.value
        let fn = w.shape[0], k = g.rowLength, p = g.outPositions
        self.x = x
        window = g
        if g.batch == 0 { return .zeros([0, fn, g.outHeight, g.outWidth]) }
        let chunks = runs(g, filters: fn)
        let scratch = Scratch(g, filters: fn)
        prepareWorkspace(scratch, runs: chunks.count)
        packWeightAndBias(w, b, k)
        // §7.4.3: out = col·Wᵀ + b, as outₙ = [W | b]·[colₙᵀ; 1] for each image n.
        if !matchesOutput(g, filters: fn) { outputShape = [g.batch, fn, g.outHeight, g.outWidth] }
        var out = reusable(&outputBuffer, shape: outputShape)
        x.withUnsafeBufferPointer { px in
            weightAndBias.withUnsafeBufferPointer { pwb in
                out.withUnsafeMutableBufferPointer { po in
                    workspace.withUnsafeMutableBufferPointer { pws in
                        let (x, wb, out, ws) = (px.baseAddress!, pwb.baseAddress!, po.baseAddress!, pws.baseAddress!)
                        chunks.run { run, images in
                            let col = ws + run * scratch.size + scratch.col
                            let padded = ws + run * scratch.size + scratch.paddedInput
                            for n in images {
                                Self.unroll(x, n, into: col, g, padded: padded)
                                blockedGemm(transposeA: false, transposeB: false, m: fn, n: p, k: k + 1,
                                            alpha: 1, wb, lda: k + 1, col, ldb: p,
                                            beta: 0, out + n * fn * p, ldc: p)
                            }
                        }
                    }
                }
            }
        }
        outputBuffer = out
        return out
    }

    /// Whether `outputShape` is already (N, FN, OH, OW) of window `g`.
    private func matchesOutput(_ g: SlidingWindow, filters fn: Int) -> Bool {
        outputShape.count == 4 && outputShape[0] == g.batch && outputShape[1] == fn
            && outputShape[2] == g.outHeight && outputShape[3] == g.outWidth
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        backpropagate(dout, inputGradient: true)!
    }

    /// dW and db only (no dcol GEMM, no col2im), for a network's first layer.
    public func backwardParameters(_ dout: Tensor<Scalar>) {
        _ = backpropagate(dout, inputGradient: false)
    }

    private func backpropagate(_ dout: Tensor<Scalar>, inputGradient: Bool) -> Tensor<Scalar>? {
        guard let x, let g = window else { preconditionFailure("Convolution.backward called before forward") }
        let w = weight.value
        let fn = w.shape[0], k = g.rowLength, p = g.outPositions
        if !(matchesOutput(g, filters: fn) && dout.shape == outputShape) {
            checkGradientShape(dout.shape, [g.batch, fn, g.outHeight, g.outWidth], "Convolution")
        }
        precondition(w.rank == 4 && w.shape[1] * w.shape[2] * w.shape[3] == k && bias.value.rank == 1 && bias.value.shape[0] == fn,
                     "Convolution.backward: W has shape \(w.shape) and b has shape \(bias.value.shape), "
                     + "which no longer match the last forward")
        if g.batch == 0 {
            weight.gradient = .zeros(w.shape)
            bias.gradient = .zeros([fn])
            return .zeros(x.shape)
        }
        if inputGradient, let gd = Self.gradientWindow(g, filterHeight: w.shape[2], filterWidth: w.shape[3], filters: fn),
           unrolledGradientOverride ?? Self.prefersUnrolledGradient(g, gd) {
            return backpropagateUnrolledGradient(dout, x: x, g, gd)
        }
        let chunks = runs(g, filters: fn)
        let scratch = Scratch(g, filters: fn)
        prepareWorkspace(scratch, runs: chunks.count)
        let transposedGradient = transposedGradientOverride ?? GemmBlocking.prefersTransposedB(m: k + 1, n: fn, k: p)
        var dx = inputGradient ? reusable(&inputGradientBuffer, shape: x.shape) : noInputGradient
        x.withUnsafeBufferPointer { px in
            dout.withUnsafeBufferPointer { pd in
                w.withUnsafeBufferPointer { pw in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        workspace.withUnsafeMutableBufferPointer { pws in
                            let (x, dout, w, ws) = (px.baseAddress!, pd.baseAddress!, pw.baseAddress!, pws.baseAddress!)
                            let dx = pdx.baseAddress
                            chunks.run { run, images in
                                let slice = ws + run * scratch.size
                                let col = slice + scratch.col, dcol = slice + scratch.dcol
                                let gradient = slice + scratch.gradient, padded = slice + scratch.paddedInput
                                for n in images {
                                    let d = dout + n * fn * p          // doutₙ: (FN, OH·OW)
                                    // [colₙᵀ; 1] (K + 1, OH·OW) again, as forward built it.
                                    Self.unroll(x, n, into: col, g, padded: padded)
                                    // [dW | db] += doutₙ·[colₙᵀ; 1]ᵀ — the book's dW = doutᵀ·col and
                                    // db = Σ dout, image by image (this run's images into its partial),
                                    // computed transposed, [dW | db]ᵀ += [colₙᵀ; 1]·doutₙᵀ: OpenBLAS runs
                                    // the long K + 1 side as rows faster (10–30 % on these shapes).
                                    // With `transposedGradient`, doutₙᵀ is stored first so the product is
                                    // A·B, which OpenBLAS's small kernels take (`prefersTransposedB`).
                                    var doutT = UnsafePointer(d)
                                    if transposedGradient {
                                        let dT = slice + scratch.transposedGradient
                                        transposeMatrix(d, rows: fn, columns: p, into: dT)
                                        doutT = UnsafePointer(dT)
                                    }
                                    blockedGemm(transposeA: false, transposeB: !transposedGradient, m: k + 1, n: fn, k: p,
                                                alpha: 1, col, lda: p, doutT, ldb: transposedGradient ? fn : p,
                                                beta: n == images.lowerBound ? 0 : 1, gradient, ldc: fn)
                                    // dcolₙᵀ = Wᵀ·doutₙ (the book's dcol = dout·W), then dx = col2im(dcol).
                                    guard inputGradient, let dx else { continue }
                                    blockedGemm(transposeA: true, transposeB: false, m: k, n: p, k: fn,
                                                alpha: 1, w, lda: k, d, ldb: p,
                                                beta: 0, dcol, ldc: p)
                                    if g.stride == 1 {
                                        col2imTransposedPadded(dcol, dx + n * g.imageSize, g,
                                                               padded: slice + scratch.paddedGradient)
                                    } else {
                                        col2imTransposedImages(dcol, dx + n * g.imageSize, g, images: 1, blockRows: k,
                                                               parallel: false)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Add the runs' partials in run order, then split [dW | db].
        if weight.gradient.shape != w.shape { weight.gradient = .zeros(w.shape) }
        if !(bias.gradient.rank == 1 && bias.gradient.shape[0] == fn) { bias.gradient = .zeros([fn]) }
        workspace.withUnsafeMutableBufferPointer { pws in
            let total = pws.baseAddress! + scratch.gradient
            for run in 1..<chunks.count {
                Scalar.applyBinary(.add, total, total + run * scratch.size, total,
                                   Loop2D(outer: 1, inner: fn * (k + 1), aOuter: 0, aInner: 1, bOuter: 0, bInner: 1))
            }
            weight.gradient.withUnsafeMutableBufferPointer { pw in
                bias.gradient.withUnsafeMutableBufferPointer { pb in
                    // [dW | db]ᵀ (K + 1, FN): its first K rows transposed are dW, its last row is db.
                    transposeMatrix(UnsafePointer(total), rows: k, columns: fn, into: pw.baseAddress!)
                    pb.baseAddress!.update(from: total + k * fn, count: fn)
                }
            }
        }
        if inputGradient { inputGradientBuffer = dx }
        return inputGradient ? dx : nil
    }

    // MARK: - Backward through the unrolled gradient (stride 1)

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
    /// where the filters double the channels (Dₙ twice colₙᵀ).
    static func prefersUnrolledGradient(_ g: SlidingWindow, _ gd: SlidingWindow) -> Bool {
        gd.rowLength * gd.outPositions <= g.rowLength * g.outPositions
    }

    /// Where one run's scratch sits within its slice of `gradientWorkspace` (offsets in elements).
    struct GradientScratch: Equatable {
        /// FN·FH·FW, H·W, C, FN, FN·(OH + 2·pad′)·(OW + 2·pad′) (0 when pad′ = 0).
        var rows: Int, positions: Int, channels: Int, filters: Int, paddedImage: Int
        /// Dₙ: (rows, positions).
        var unrolled: Int { 0 }
        /// The run's partial Gᵀ: (rows, channels).
        var gradient: Int { rows * positions }
        /// The run's partial ∂b: (filters,), then one image's row sums (filters,).
        var biasGradient: Int { gradient + rows * channels }
        var rowSums: Int { biasGradient + filters }
        /// doutₙ zero-padded by pad′: its border stays 0 from allocation on.
        var paddedGradient: Int { rowSums + filters }
        /// xₙᵀ (positions, channels), for Gᵀ as an A·B product (see `prefersTransposedB`).
        var transposedInput: Int { paddedGradient + paddedImage }
        /// Elements per run, rounded up to 64 bytes so runs on different threads share no cache line.
        var size: Int { (transposedInput + positions * channels + 15) / 16 * 16 }

        init(_ gd: SlidingWindow, channels: Int) {
            rows = gd.rowLength
            positions = gd.outPositions
            self.channels = channels
            filters = gd.channels
            paddedImage = gd.pad > 0 ? paddedImageSize(gd) : 0
        }
    }

    /// Writes W̃ (C, FN·FH·FW) into `flippedWeight`: W̃[c, (f·FH + ky′)·FW + kx′] = W[f, c, FH−1−ky′, FW−1−kx′].
    private func packFlippedWeight(_ w: Tensor<Scalar>) {
        let fn = w.shape[0], c = w.shape[1], taps = w.shape[2] * w.shape[3]
        if flippedWeight.shape != [c, fn * taps] { flippedWeight = .zeros([c, fn * taps]) }
        w.withUnsafeBufferPointer { pw in
            flippedWeight.withUnsafeMutableBufferPointer { pf in
                for f in 0..<fn {
                    for ch in 0..<c {
                        let src = pw.baseAddress! + (f * c + ch) * taps
                        let dst = pf.baseAddress! + ch * fn * taps + f * taps
                        for t in 0..<taps { dst[t] = src[taps - 1 - t] }
                    }
                }
            }
        }
    }

    private func backpropagateUnrolledGradient(_ dout: Tensor<Scalar>, x: Tensor<Scalar>, _ g: SlidingWindow,
                                               _ gd: SlidingWindow) -> Tensor<Scalar> {
        let w = weight.value
        let fn = w.shape[0], channels = g.channels, p = g.outPositions
        let hw = g.height * g.width, rows = gd.rowLength, taps = w.shape[2] * w.shape[3]
        let chunks = runs(g, filters: fn)
        let scratch = GradientScratch(gd, channels: channels)
        if !(gradientWorkspaceLayout.map { $0.scratch == scratch && $0.runs == chunks.count } ?? false) {
            gradientWorkspace = .zeros([chunks.count * scratch.size])
            gradientWorkspaceLayout = (scratch, chunks.count)
        }
        packFlippedWeight(w)
        let transposedInput = transposedGradientOverride ?? GemmBlocking.prefersTransposedB(m: rows, n: channels, k: hw)
        var dx = reusable(&inputGradientBuffer, shape: x.shape)
        x.withUnsafeBufferPointer { px in
            dout.withUnsafeBufferPointer { pd in
                flippedWeight.withUnsafeBufferPointer { pwf in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        gradientWorkspace.withUnsafeMutableBufferPointer { pws in
                            let (x, dout, wf, dx, ws) = (px.baseAddress!, pd.baseAddress!, pwf.baseAddress!,
                                                         pdx.baseAddress!, pws.baseAddress!)
                            chunks.run { run, images in
                                let slice = ws + run * scratch.size
                                let unrolled = slice + scratch.unrolled, gradient = slice + scratch.gradient
                                let db = slice + scratch.biasGradient, sums = slice + scratch.rowSums
                                for n in images {
                                    let d = dout + n * fn * p, xn = x + n * g.imageSize
                                    let first = n == images.lowerBound
                                    // Dₙ: doutₙ unrolled over x's positions, the filter turned.
                                    im2colTransposedPadded(d, unrolled, gd, padded: slice + scratch.paddedGradient)
                                    // ∂b += Σ doutₙ along each filter's row.
                                    Scalar.reduce(.sum, d, outer: fn, length: p, inner: 1, first ? db : sums)
                                    if !first {
                                        Scalar.applyBinary(.add, db, sums, db,
                                                           Loop2D(outer: 1, inner: fn, aOuter: 0, aInner: 1, bOuter: 0, bInner: 1))
                                    }
                                    // Gᵀ += Dₙ·xₙᵀ, as A·B from a transposed copy of xₙ where that is faster.
                                    var xT = xn, ldb = hw
                                    if transposedInput {
                                        transposeMatrix(xn, rows: channels, columns: hw, into: slice + scratch.transposedInput)
                                        xT = UnsafePointer(slice + scratch.transposedInput)
                                        ldb = channels
                                    }
                                    blockedGemm(transposeA: false, transposeB: !transposedInput, m: rows, n: channels, k: hw,
                                                alpha: 1, unrolled, lda: hw, xT, ldb: ldb,
                                                beta: first ? 0 : 1, gradient, ldc: channels)
                                    // ∂xₙ = W̃·Dₙ.
                                    blockedGemm(transposeA: false, transposeB: false, m: channels, n: hw, k: rows,
                                                alpha: 1, wf, lda: rows, unrolled, ldb: hw,
                                                beta: 0, dx + n * g.imageSize, ldc: hw)
                                }
                            }
                        }
                    }
                }
            }
        }
        // Add the runs' partials in run order, then turn Gᵀ back into ∂W: ∂W[f, c, ky, kx] = Gᵀ[(f, ky′, kx′), c].
        if weight.gradient.shape != w.shape { weight.gradient = .zeros(w.shape) }
        if !(bias.gradient.rank == 1 && bias.gradient.shape[0] == fn) { bias.gradient = .zeros([fn]) }
        gradientWorkspace.withUnsafeMutableBufferPointer { pws in
            let total = pws.baseAddress! + scratch.gradient, db = pws.baseAddress! + scratch.biasGradient
            for run in 1..<chunks.count {
                Scalar.applyBinary(.add, total, total + run * scratch.size, total,
                                   Loop2D(outer: 1, inner: rows * channels, aOuter: 0, aInner: 1, bOuter: 0, bInner: 1))
                Scalar.applyBinary(.add, db, db + run * scratch.size, db,
                                   Loop2D(outer: 1, inner: fn, aOuter: 0, aInner: 1, bOuter: 0, bInner: 1))
            }
            weight.gradient.withUnsafeMutableBufferPointer { pw in
                for f in 0..<fn {
                    for ch in 0..<channels {
                        let dst = pw.baseAddress! + (f * channels + ch) * taps
                        for t in 0..<taps { dst[t] = total[(f * taps + taps - 1 - t) * channels + ch] }
                    }
                }
            }
            bias.gradient.withUnsafeMutableBufferPointer { pb in pb.baseAddress!.update(from: db, count: fn) }
        }
        inputGradientBuffer = dx
        return dx
    }
}
