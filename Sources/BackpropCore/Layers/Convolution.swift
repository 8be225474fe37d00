/// §7.4.3 Convolution layer: out[n, f] = Σ_c W[f, c] ⋆ x[n, c] + b[f] (a cross-correlation, as the
/// book), the filter moved by `stride` over x zero-padded by `pad` on every side.
///
/// Through im2col (§7.4.3), with col = im2col(x) (N·OH·OW, C·FH·FW) and col_W = W.reshape(FN, −1)ᵀ:
///   out = col·col_W + b, reshaped (N, OH, OW, FN) and transposed to (N, FN, OH, OW);
///   with dout transposed to (N, OH, OW, FN) and reshaped (N·OH·OW, FN):
///   db = Σ over rows of dout, dW = colᵀ·dout (back to (FN, C, FH, FW)), dcol = dout·col_Wᵀ,
///   dx = col2im(dcol).
///
/// `algorithm` picks how that is computed: `.book` runs the book's code line by line (below); `.fast`
/// runs `ConvolutionImageByImage` (Kernels/), the same formulas image by image in the (N, FN, OH·OW)
/// layout, with no reshape/transpose copies and no whole-batch col; `.winograd` computes out, and dx, dW
/// and db, of a 3×3 stride-1 filter by Winograd's F(4×4, 3×3) (`WinogradConvolution`);
/// `.automatic` (the default) takes `.winograd` for the forward and for the backward each where
/// `WinogradConvolution.pays` says so for the geometry, else `.fast`. All give the same numbers up to the rounding of the
/// sums (ConvolutionAlgorithmTests, WinogradConvolutionTests).
///
/// - W: (FN, C, FH, FW), the parameter `weight` named "W" (weight decay applies); b: (FN,), the parameter
///   `bias` named "b" (no decay).
/// - forward: x (N, C, H, W) → out (N, FN, OH, OW), OH = (H + 2·pad − FH)/stride + 1, OW likewise.
///   Keeps x (a reference, not a copy); `.book` also keeps col and col_W.
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
    /// The book's arrangement or the fast kernel.
    public let algorithm: LayerAlgorithm

    /// The last forward's input, kept for backward.
    public private(set) var x: Tensor<Scalar>?
    /// `.book`: the last forward's im2col(x) (N·OH·OW, C·FH·FW) and col_W = W.reshape(FN, −1)ᵀ (C·FH·FW, FN).
    public private(set) var col: Tensor<Scalar>?, colW: Tensor<Scalar>?
    /// The last forward's window geometry (OH, OW, …).
    private var window: SlidingWindow?
    /// `.fast`: the per-image arrangement, with its scratch and result buffers.
    let imageByImage = ConvolutionImageByImage<Scalar>()
    /// `.winograd` and `.automatic`: F(4×4, 3×3), with its scratch and result buffers.
    let winograd = WinogradConvolution<Scalar>()

    /// A convolution with filters W (FN, C, FH, FW) and biases b (FN,). Stops if the shapes disagree,
    /// stride < 1 or pad < 0.
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>, stride: Int = 1, pad: Int = 0,
                algorithm: LayerAlgorithm = .automatic) {
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
        self.algorithm = algorithm
    }

    /// [weight, bias].
    public var parameters: [Parameter<Scalar>] { [weight, bias] }

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        let g = window(over: x)
        self.x = x
        window = g
        if usesWinograd(.output, g) {
            return winograd.forward(x, g, weight: weight.value, bias: bias.value)
        }
        guard algorithm == .book else { return imageByImage.forward(x, g, weight: weight.value, bias: bias.value) }
        let fn = weight.value.shape[0]
        // §7.4.3: col = im2col(x, FH, FW, self.stride, self.pad)
        let col = im2col(x, filterHeight: g.windowHeight, filterWidth: g.windowWidth, stride: stride, pad: pad)
        // col_W = self.W.reshape(FN, -1).T
        let colW = weight.value.reshaped([fn, -1]).transposed()
        // out = np.dot(col, col_W) + self.b
        let out = col.matmul(colW) + bias.value
        // self.x = x; self.col = col; self.col_W = col_W
        self.col = col
        self.colW = colW
        // out = out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)   (FN for -1: N may be 0)
        return out.reshaped([g.batch, g.outHeight, g.outWidth, fn]).permuted([0, 3, 1, 2])
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        backpropagate(dout, inputGradient: true)!
    }

    /// out's shape (N, FN, OH, OW) for an x of `inputShape` (stops as `forward` on one that does not fit).
    package func outputShape(for inputShape: [Int]) -> [Int] {
        let g = window(over: Tensor<Scalar>.zeros([0] + inputShape.dropFirst()))
        return [inputShape[0], weight.value.shape[0], g.outHeight, g.outWidth]
    }

    /// Whether `forward(_:eachImage:)` may run for an x of `inputShape`: the output is written image by
    /// image (or group by group), off the book's path.
    package func writesOutputByImage(_ inputShape: [Int]) -> Bool {
        algorithm != .book && inputShape.first.map { $0 > 0 } == true
    }

    /// `forward(x)` for the layers after it, which read the output image by image (a Relu, or a Relu and a
    /// max Pooling; Networks/LayerFusion.swift): `eachImage(outᵢ, images)` right after the output of `images`
    /// is written, outᵢ their (images.count, FN, OH, OW) block, read from cache and valid only during the
    /// call (runs of images call it concurrently). No whole out is written: `.fast` writes each image,
    /// Winograd each group of images, into its run's scratch. Keeps x as `forward` does. Stops unless
    /// `writesOutputByImage`.
    package func forward(_ x: Tensor<Scalar>, eachImage: (UnsafePointer<Scalar>, Range<Int>) -> Void) {
        precondition(writesOutputByImage(x.shape), "Convolution.forward(_:eachImage:): the book's path writes its output whole")
        let g = window(over: x)
        self.x = x
        window = g
        withoutActuallyEscaping(eachImage) { eachImage in
            if usesWinograd(.output, g) {
                winograd.forward(x, g, weight: weight.value, bias: bias.value, eachImage: eachImage)
            } else {
                imageByImage.forward(x, g, weight: weight.value, bias: bias.value, eachImage: eachImage)
            }
        }
    }

    /// dW and db only (no dcol GEMM, no col2im), for a network's first layer.
    public func backwardParameters(_ dout: Tensor<Scalar>) {
        _ = backpropagate(dout, inputGradient: false)
    }

    /// Whether `backward(byImage:inputGradient:)` may take the layers' dout image by image: the backward
    /// of the last forward reads dout one image at a time (Winograd's, and both ways of `.fast`'s). False
    /// before a forward, on the book's path and for an empty batch.
    package var readsGradientByImage: Bool {
        guard let g = window, algorithm != .book else { return false }
        return usesWinograd(.gradients, g) || imageByImage.readsGradientByImage(g)
    }

    /// `backward(dout)` (or `backwardParameters(dout)` without `inputGradient`) with dout handed over image
    /// by image by the layers after this one (`ImageGradient`): the same gradients, bit for bit. Stops
    /// unless `readsGradientByImage`.
    package func backward(byImage dout: ImageGradient<Scalar>, inputGradient: Bool) -> Tensor<Scalar>? {
        precondition(readsGradientByImage,
                     "Convolution.backward(byImage:): no forward off the book's path with a non-empty batch to take dout for")
        return backpropagate(Tensor<Scalar>.zeros([0]), byImage: dout, inputGradient: inputGradient)
    }

    private func backpropagate(_ dout: Tensor<Scalar>, byImage: ImageGradient<Scalar>? = nil,
                               inputGradient: Bool) -> Tensor<Scalar>? {
        guard let x, let g = window else { preconditionFailure("Convolution.backward called before forward") }
        if usesWinograd(.gradients, g) {
            checkGradientShape(byImage?.shape ?? dout.shape, [g.batch, weight.value.shape[0], g.outHeight, g.outWidth],
                               "Convolution")
            return winograd.backward(dout, byImage: byImage, x: x, g, weight: weight.value, inputGradient: inputGradient,
                                     weightGradient: &weight.gradient, biasGradient: &bias.gradient)
        }
        guard algorithm == .book else {
            // The same formulas image by image: the kernel returns dx and leaves dW and db in the buffers
            // it is given, which are the parameters' own (self.dW, self.db).
            return imageByImage.backward(dout, byImage: byImage, x: x, g, weight: weight.value, bias: bias.value,
                                         inputGradient: inputGradient,
                                         weightGradient: &weight.gradient, biasGradient: &bias.gradient)
        }
        guard let col, let colW else { preconditionFailure("Convolution.backward called before forward") }
        let (fn, c, fh, fw) = (weight.value.shape[0], g.channels, g.windowHeight, g.windowWidth)
        checkGradientShape(dout.shape, [g.batch, fn, g.outHeight, g.outWidth], "Convolution")
        // §7.4.3: dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        let dout = dout.permuted([0, 2, 3, 1]).reshaped([-1, fn])
        // self.db = np.sum(dout, axis=0)
        bias.gradient = dout.sum(axis: 0)
        // self.dW = np.dot(self.col.T, dout); self.dW = self.dW.transpose(1, 0).reshape(FN, C, FH, FW)
        weight.gradient = col.matmul(dout, transposeSelf: true).transposed().reshaped([fn, c, fh, fw])
        guard inputGradient else { return nil }
        // dcol = np.dot(dout, self.col_W.T)
        let dcol = dout.matmul(colW, transposeOther: true)
        // dx = col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)
        return col2im(dcol, inputShape: x.shape, filterHeight: fh, filterWidth: fw, stride: stride, pad: pad)
    }

    /// Whether the forward (`.output`) or the backward (`.gradients`) over window `g` goes through
    /// Winograd: 3×3 at stride 1, and `.winograd`, or `.automatic` where `WinogradConvolution.pays`.
    private func usesWinograd(_ product: WinogradConvolution<Scalar>.Product, _ g: SlidingWindow) -> Bool {
        guard g.windowHeight == 3 && g.windowWidth == 3 && g.stride == 1 && g.batch > 0 else { return false }
        switch algorithm {
        case .book, .fast: return false
        case .winograd: return true
        case .automatic: return WinogradConvolution<Scalar>.pays(product, inputs: g.channels, outputs: weight.value.shape[0],
                                                                 outHeight: g.outHeight, outWidth: g.outWidth)
        }
    }

    /// Multiply-adds of one image's products for an input of `inputShape` (N, C, H, W), as the layer computes
    /// them: each of forward, weight gradient and input gradient FN·C·FH·FW·OH·OW, or 36·FN·C per 4×4 tile
    /// through Winograd (tiles as laid out: `WinogradTransforms.tilesPerPlane`). `direct` counts every product
    /// the im2col way. For `backprop bench`'s speed-of-light line.
    package func multiplications(inputShape: [Int], direct: Bool = false) -> (forward: Int, weightGradient: Int, inputGradient: Int) {
        let g = window(over: Tensor<Scalar>.zeros([0] + inputShape.dropFirst()))
        let (fn, c) = (weight.value.shape[0], g.channels)
        let im2col = fn * g.rowLength * g.outPositions
        var one = g
        one.batch = 1
        let winograd = WinogradTransforms.positions * fn * c * WinogradTransforms.tilesPerPlane(height: g.outHeight, width: g.outWidth)
        let forward = !direct && usesWinograd(.output, one), backward = !direct && usesWinograd(.gradients, one)
        return (forward ? winograd : im2col, backward ? winograd : im2col, backward ? winograd : im2col)
    }

    /// The window geometry for x, after checking x against W and b.
    private func window(over x: Tensor<Scalar>) -> SlidingWindow {
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
}
