/// §7.4.3 Convolution layer through im2col: out[n, f] = Σ_c W[f, c] ⋆ x[n, c] + b[f] (a cross-correlation,
/// as the book), the filter moved by `stride` over x zero-padded by `pad` on every side.
///
/// With col = im2col(x) (N·OH·OW, C·FH·FW) and W viewed as (FN, C·FH·FW) — the book's
/// `col_W = W.reshape(FN, -1).T` — forward is out = col·Wᵀ + b, and backward (§7.4.3's `backward`):
/// ∂L/∂b = Σ over rows of dout, ∂L/∂W = doutᵀ·col, ∂L/∂col = dout·W, ∂L/∂x = col2im(∂L/∂col),
/// with dout viewed as (N·OH·OW, FN).
///
/// The products run per image, in the (N, FN, OH·OW) layout the layer returns: out[n] = W·col[n]ᵀ,
/// ∂W = Σ_n dout[n]·col[n], ∂col[n] = dout[n]ᵀ·W, with every transpose a BLAS flag. That is the book's
/// arithmetic without its `reshape(N, OH, OW, -1).transpose(0, 3, 1, 2)` copies in forward and backward.
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
    /// im2col of the last forward's input (all of it when `colHoldsBatch`, else the last run of images);
    /// the buffer is reused from batch to batch.
    private(set) var col = Tensor<Scalar>(shape: [0, 0], scalars: [])
    /// Whether `col` holds the whole last batch, so backward can use it as it is.
    private var colHoldsBatch = false
    /// ∂L/∂col for a run of images, reused from batch to batch.
    private(set) var dcol = Tensor<Scalar>(shape: [0, 0], scalars: [])

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
        Swift.min(g.batch, Swift.max(1, columnBudget / (g.outPositions * g.rowLength)))
    }

    /// Makes `buffer` (rows, columns), keeping it when it already is.
    private static func prepare(_ buffer: inout Tensor<Scalar>, _ rows: Int, _ columns: Int) {
        if buffer.shape != [rows, columns] { buffer = Tensor(shape: [rows, columns]) { _ in } }
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
        Self.prepare(&col, run * p, k)
        // §7.4.3: out = col·Wᵀ + b, image by image in the (FN, OH·OW) layout: b is copied into every
        // row, then W·col[n]ᵀ is accumulated onto it.
        var out = b.reshaped([1, fn, 1]).broadcasted(to: [g.batch, fn, p])
        x.withUnsafeBufferPointer { px in
            w.withUnsafeBufferPointer { pw in
                out.withUnsafeMutableBufferPointer { po in
                    col.withUnsafeMutableBufferPointer { pc in
                        var start = 0
                        while start < g.batch {
                            let count = Swift.min(run, g.batch - start)
                            im2colImages(px.baseAddress! + start * g.imageSize, pc.baseAddress!, g, images: count)
                            for i in 0..<count {
                                Scalar.gemm(transposeA: false, transposeB: true, m: fn, n: p, k: k,
                                            alpha: 1, pw.baseAddress!, lda: k,
                                            pc.baseAddress! + i * p * k, ldb: k,
                                            beta: 1, po.baseAddress! + (start + i) * fn * p, ldc: p)
                            }
                            start += count
                        }
                    }
                }
            }
        }
        colHoldsBatch = run == g.batch
        return out.reshaped([g.batch, fn, g.outHeight, g.outWidth])
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let x, let g = window else { preconditionFailure("Convolution.backward called before forward") }
        let w = weight.value
        let fn = w.shape[0], k = g.rowLength, p = g.outPositions
        checkGradientShape(dout.shape, [g.batch, fn, g.outHeight, g.outWidth], "Convolution")
        precondition(w.shape[1] * w.shape[2] * w.shape[3] == k,
                     "Convolution.backward: W has shape \(w.shape), which no longer matches the last forward")
        // §7.4.3: db = Σ over every image and output position of dout.
        bias.gradient = dout.reshaped([g.batch, fn, p]).sum(axis: 2).sum(axis: 0)
        if weight.gradient.shape != w.shape || g.batch == 0 { weight.gradient = .zeros(w.shape) }
        if g.batch == 0 { return .zeros(x.shape) }
        let run = imagesPerRun(g)
        if !colHoldsBatch { Self.prepare(&col, run * p, k) }
        Self.prepare(&dcol, run * p, k)
        var dx = Tensor<Scalar>(shape: x.shape) { _ in }
        x.withUnsafeBufferPointer { px in
            dout.withUnsafeBufferPointer { pd in
                w.withUnsafeBufferPointer { pw in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        weight.gradient.withUnsafeMutableBufferPointer { pg in
                            col.withUnsafeMutableBufferPointer { pc in
                                dcol.withUnsafeMutableBufferPointer { pdc in
                                    var start = 0
                                    while start < g.batch {
                                        let count = Swift.min(run, g.batch - start)
                                        if !colHoldsBatch {
                                            im2colImages(px.baseAddress! + start * g.imageSize, pc.baseAddress!, g,
                                                         images: count)
                                        }
                                        for i in 0..<count {
                                            let d = pd.baseAddress! + (start + i) * fn * p   // dout[n]: (FN, OH·OW)
                                            let c = pc.baseAddress! + i * p * k               // col[n]: (OH·OW, C·FH·FW)
                                            // dW = doutᵀ·col, summed image by image.
                                            Scalar.gemm(transposeA: false, transposeB: false, m: fn, n: k, k: p,
                                                        alpha: 1, d, lda: p, c, ldb: k,
                                                        beta: start + i == 0 ? 0 : 1, pg.baseAddress!, ldc: k)
                                            // dcol = dout·W.
                                            Scalar.gemm(transposeA: true, transposeB: false, m: p, n: k, k: fn,
                                                        alpha: 1, d, lda: p, pw.baseAddress!, ldb: k,
                                                        beta: 0, pdc.baseAddress! + i * p * k, ldc: k)
                                        }
                                        // dx = col2im(dcol).
                                        col2imImages(pdc.baseAddress!, pdx.baseAddress! + start * g.imageSize, g,
                                                     images: count)
                                        start += count
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
