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
/// each image's rows of col are kept transposed, colₙᵀ (C·FH·FW, OH·OW), with a row of ones appended for
/// the bias, and with [W | b] (FN, C·FH·FW + 1):
/// outₙ = [W | b]·[colₙᵀ; 1], [∂W | ∂b] = Σₙ doutₙ·[colₙᵀ; 1]ᵀ, ∂colₙᵀ = Wᵀ·doutₙ, ∂xₙ = col2im(∂colₙ),
/// each product one BLAS call with its transposes as flags. (`im2col`/`col2im` give the book's layout.)
///
/// - W: (FN, C, FH, FW), the parameter `weight` named "W" (weight decay applies); b: (FN,), the parameter
///   `bias` named "b" (no decay).
/// - forward: x (N, C, H, W) → out (N, FN, OH, OW), OH = (H + 2·pad − FH)/stride + 1, OW likewise.
///   Keeps x (a reference, not a copy) and col. col lives in a buffer that is reused while the shapes stay
///   the same; a batch whose col would exceed `columnBudget` elements is unrolled a run of images at a
///   time (so inference over a whole test set does not build one enormous col), and backward then
///   unrolls again rather than keeping it.
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
    /// [colₙᵀ; 1] for the images of the last forward (all of them when `colHoldsBatch`, else the last
    /// run), shape (images, C·FH·FW + 1, OH·OW); reused from batch to batch.
    private(set) var col = Tensor<Scalar>(shape: [0, 0, 0], scalars: [])
    /// Whether `col` holds the whole last batch, so backward can use it as it is.
    private var colHoldsBatch = false
    /// ∂L/∂colₙᵀ of one image, (C·FH·FW, OH·OW); reused.
    private(set) var dcol = Tensor<Scalar>(shape: [0, 0], scalars: [])
    /// [W | b] (FN, C·FH·FW + 1), rebuilt from the parameters on every forward and backward.
    private var weightAndBias = Tensor<Scalar>(shape: [0, 0], scalars: [])
    /// [∂W | ∂b] (FN, C·FH·FW + 1), summed over the batch in backward.
    private var weightAndBiasGradient = Tensor<Scalar>(shape: [0, 0], scalars: [])

    /// The largest col (in elements) built at once: 2²⁵, 128 MiB of Float. Larger batches are unrolled
    /// a run of images at a time. Settable for tests.
    var columnBudget = 1 << 25

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
        precondition(w.rank == 4 && b.shape == [w.shape[0]],
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

    /// Images unrolled at once: all of them unless col would exceed `columnBudget`.
    private func imagesPerRun(_ g: SlidingWindow) -> Int {
        Swift.min(g.batch, Swift.max(1, columnBudget / ((g.rowLength + 1) * g.outPositions)))
    }

    /// Makes `col` (images, C·FH·FW + 1, OH·OW) with its rows of ones, keeping it when it already is.
    private func prepareColumns(_ images: Int, _ g: SlidingWindow) {
        let shape = [images, g.rowLength + 1, g.outPositions]
        if col.shape == shape { return }
        col = Tensor(shape: shape) { c in
            let rows = g.rowLength, positions = g.outPositions
            for i in 0..<images {
                fillElements(c.baseAddress! + (i * (rows + 1) + rows) * positions, count: positions, with: 1)
            }
        }
    }

    /// Writes [W | b] into `weightAndBias`.
    private func packWeightAndBias(_ w: Tensor<Scalar>, _ b: Tensor<Scalar>, _ k: Int) {
        let fn = w.shape[0]
        if weightAndBias.shape != [fn, k + 1] { weightAndBias = .zeros([fn, k + 1]) }
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
        colHoldsBatch = false
        if g.batch == 0 { return .zeros([0, fn, g.outHeight, g.outWidth]) }
        let run = imagesPerRun(g)
        prepareColumns(run, g)
        packWeightAndBias(w, b, k)
        // §7.4.3: out = col·Wᵀ + b, as outₙ = [W | b]·[colₙᵀ; 1] for each image n.
        var out = Tensor<Scalar>(shape: [g.batch, fn, g.outHeight, g.outWidth]) { _ in }
        x.withUnsafeBufferPointer { px in
            weightAndBias.withUnsafeBufferPointer { pwb in
                out.withUnsafeMutableBufferPointer { po in
                    col.withUnsafeMutableBufferPointer { pc in
                        var start = 0
                        while start < g.batch {
                            let count = Swift.min(run, g.batch - start)
                            im2colTransposedImages(px.baseAddress! + start * g.imageSize, pc.baseAddress!, g,
                                                   images: count, blockRows: k + 1)
                            for i in 0..<count {
                                Scalar.gemm(transposeA: false, transposeB: false, m: fn, n: p, k: k + 1,
                                            alpha: 1, pwb.baseAddress!, lda: k + 1,
                                            pc.baseAddress! + i * (k + 1) * p, ldb: p,
                                            beta: 0, po.baseAddress! + (start + i) * fn * p, ldc: p)
                            }
                            start += count
                        }
                    }
                }
            }
        }
        colHoldsBatch = run == g.batch
        return out
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
        checkGradientShape(dout.shape, [g.batch, fn, g.outHeight, g.outWidth], "Convolution")
        precondition(w.rank == 4 && w.shape[1] * w.shape[2] * w.shape[3] == k && bias.value.shape == [fn],
                     "Convolution.backward: W has shape \(w.shape) and b has shape \(bias.value.shape), "
                     + "which no longer match the last forward")
        if g.batch == 0 {
            weight.gradient = .zeros(w.shape)
            bias.gradient = .zeros([fn])
            return .zeros(x.shape)
        }
        let run = imagesPerRun(g)
        if !colHoldsBatch { prepareColumns(run, g) }
        if dcol.shape != [k, p] { dcol = Tensor(shape: [k, p]) { _ in } }
        if weightAndBiasGradient.shape != [fn, k + 1] { weightAndBiasGradient = .zeros([fn, k + 1]) }
        var dx = Tensor<Scalar>(shape: inputGradient ? x.shape : [0]) { _ in }
        x.withUnsafeBufferPointer { px in
            dout.withUnsafeBufferPointer { pd in
                w.withUnsafeBufferPointer { pw in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        weightAndBiasGradient.withUnsafeMutableBufferPointer { pg in
                            col.withUnsafeMutableBufferPointer { pc in
                                dcol.withUnsafeMutableBufferPointer { pdc in
                                    var start = 0
                                    while start < g.batch {
                                        let count = Swift.min(run, g.batch - start)
                                        if !colHoldsBatch {
                                            im2colTransposedImages(px.baseAddress! + start * g.imageSize, pc.baseAddress!,
                                                                   g, images: count, blockRows: k + 1)
                                        }
                                        for i in 0..<count {
                                            let n = start + i
                                            let d = pd.baseAddress! + n * fn * p          // doutₙ: (FN, OH·OW)
                                            let c = pc.baseAddress! + i * (k + 1) * p     // [colₙᵀ; 1]: (K + 1, OH·OW)
                                            // [dW | db] += doutₙ·[colₙᵀ; 1]ᵀ — the book's dW = doutᵀ·col and
                                            // db = Σ dout, image by image.
                                            Scalar.gemm(transposeA: false, transposeB: true, m: fn, n: k + 1, k: p,
                                                        alpha: 1, d, lda: p, c, ldb: p,
                                                        beta: n == 0 ? 0 : 1, pg.baseAddress!, ldc: k + 1)
                                            // dcolₙᵀ = Wᵀ·doutₙ (the book's dcol = dout·W), then dx = col2im(dcol).
                                            guard inputGradient else { continue }
                                            Scalar.gemm(transposeA: true, transposeB: false, m: k, n: p, k: fn,
                                                        alpha: 1, pw.baseAddress!, lda: k, d, ldb: p,
                                                        beta: 0, pdc.baseAddress!, ldc: p)
                                            col2imTransposedImages(pdc.baseAddress!, pdx.baseAddress! + n * g.imageSize,
                                                                   g, images: 1, blockRows: k)
                                        }
                                        start += count
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Split [dW | db].
        if weight.gradient.shape != w.shape { weight.gradient = .zeros(w.shape) }
        if bias.gradient.shape != [fn] { bias.gradient = .zeros([fn]) }
        weightAndBiasGradient.withUnsafeBufferPointer { pg in
            weight.gradient.withUnsafeMutableBufferPointer { pw in
                bias.gradient.withUnsafeMutableBufferPointer { pb in
                    for f in 0..<fn {
                        (pw.baseAddress! + f * k).update(from: pg.baseAddress! + f * (k + 1), count: k)
                        pb[f] = pg[f * (k + 1) + k]
                    }
                }
            }
        }
        return inputGradient ? dx : nil
    }
}
