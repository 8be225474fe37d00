/// What a pooling window computes (§7.3).
public enum PoolingMode: String, Sendable, Codable, CaseIterable {
    /// The largest element of the window (the book's Pooling layer).
    case max
    /// The mean of the window.
    case average
}

/// §7.4.4 Pooling layer: out[n, c, oy, ox] = max over ky < poolHeight, kx < poolWidth of
/// x̃[n, c, oy·stride + ky, ox·stride + kx], x̃ being x zero-padded by `pad` on every side; channels stay
/// separate. With `mode: .average` the mean of the window instead (not in the book).
///
/// Backward: max sends each dout to its window's first largest element (NumPy's `argmax`: ties go to the
/// first in row-major window order, a NaN wins) and adds up where windows overlap; average spreads
/// dout / (poolHeight·poolWidth) over the window. Padding cells count as zeros (as pooling over the
/// book's im2col does: with pad > 0 a max can be 0 from padding, and its gradient is dropped). Unlike
/// the book's code, OH includes the padding: OH = (H + 2·pad − poolHeight)/stride + 1, OW likewise.
///
/// - forward: x (N, C, H, W) → out (N, C, OH, OW); keeps x and, for max, where each maximum is.
/// - backward: dout (N, C, OH, OW) → dx (N, C, H, W).
/// - `algorithm: .book` runs the book's code line by line: im2col of the whole batch, one row per
///   (n, oy, ox, c) window, max and argmax along rows. `.fast` (the default; `.winograd` and `.automatic`
///   are the same here) reads the windows straight
///   from x plane by plane (Tensor/PoolingOperations.swift, Kernels/Pooling/MaxPoolingKernels.swift): on
///   (100, 30, 24, 24) Float the book's forward took ~11 ms, this one ~1.3 ms. Both give the same out and
///   dx — bit for bit for max; for average up to the rounding of the sums' order (the tests hold them so).
///
/// Stops if x is not 4-d or the window does not fit (the output would be empty).
public final class Pooling<Scalar: TensorScalar>: Layer {
    /// The window's extent (pool_h, pool_w), its step, and the zero padding on every side.
    public let poolHeight: Int, poolWidth: Int, stride: Int, pad: Int
    /// What a window computes: `.max` (the book's) or `.average`.
    public let mode: PoolingMode
    /// The book's im2col arrangement or the fast window loops (same numbers; see the type's comment).
    public let algorithm: LayerAlgorithm

    /// The last forward's input, kept for backward (its shape is dx's). Not kept (nil) after a lean
    /// group's forward (`forward(_:afterConvolution:relu:keepingState:)` with `keepingState: false`).
    public private(set) var x: Tensor<Scalar>?
    /// The last forward's input shape (x's; dx's).
    public private(set) var inputShape: [Int]?
    /// `.book`, max: the column of each row's maximum in col (the book's `arg_max`), shape (N·OH·OW·C,).
    public private(set) var argMax: Tensor<Int>?
    /// `.fast`, max: the same maxima as offsets in their (H, W) planes, in (N, C, OH, OW) order, −1 for
    /// a padding cell (and, after a lean group's forward, where ReLU zeroed the maximum). Reused from
    /// batch to batch.
    private(set) var maxPositions: [Int32] = []
    /// Whether the last forward was a lean group's: Relu → this layer run as one, keeping neither x nor
    /// ReLU's mask, with ReLU's gradient in `maxPositions` (−1 where the mask is set). Its backward is then
    /// only `backward(_:throughRelu:)` (or `imageGradient(_:throughRelu:)`).
    package private(set) var reluInPositions = false
    /// The last forward's (N, C, OH, OW), kept so that a batch of the same size builds no new array.
    private var outputShape: [Int] = []
    /// Where `.fast` writes out and dx, reused from batch to batch (see `ResultBuffer`).
    private var outputBuffer = AlternatingBuffers<Scalar>(), gradientBuffer = ReusedTensor<Scalar>()

    /// A pooling layer with a `poolHeight`×`poolWidth` window. Stops if the window is smaller than 1×1,
    /// stride < 1 or pad < 0.
    public init(poolHeight: Int, poolWidth: Int, stride: Int = 1, pad: Int = 0, mode: PoolingMode = .max,
                algorithm: LayerAlgorithm = .fast) {
        precondition(poolHeight >= 1 && poolWidth >= 1,
                     "Pooling.init: the window must be at least 1×1, got \(poolHeight)×\(poolWidth)")
        precondition(stride >= 1, "Pooling.init: stride must be at least 1, got \(stride)")
        precondition(pad >= 0, "Pooling.init: pad must be non-negative, got \(pad)")
        (self.poolHeight, self.poolWidth, self.stride, self.pad) = (poolHeight, poolWidth, stride, pad)
        self.mode = mode
        self.algorithm = algorithm
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        let g = window(over: x.shape)
        precondition(!g.isEmpty,
                     "Pooling.forward: x has shape \(x.shape) but the \(poolHeight)×\(poolWidth) window with stride \(stride) "
                     + "and pad \(pad) does not fit, so the output would be empty")
        outputShape = g.pooledShape(reusing: outputShape)
        self.x = x
        (inputShape, reluInPositions) = (x.shape, false)
        if algorithm != .book {   // the book's numbers, window by window straight from x
            return mode == .max ? x.maxPooled(g, positions: &maxPositions, into: &outputBuffer, shape: outputShape)
                                : x.averagePooled(g, into: &outputBuffer, shape: outputShape)
        }
        // §7.4.4: N, C, H, W = x.shape; out_h = int(1 + (H - self.pool_h) / self.stride) (+ 2·pad here)
        let (n, c, outH, outW) = (g.batch, g.channels, g.outHeight, g.outWidth)
        // col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        var col = im2col(x, filterHeight: poolHeight, filterWidth: poolWidth, stride: stride, pad: pad)
        // col = col.reshape(-1, self.pool_h*self.pool_w)
        col = col.reshaped([-1, poolHeight * poolWidth])
        // arg_max = np.argmax(col, axis=1); out = np.max(col, axis=1)  (average: out = np.mean(col, axis=1))
        argMax = mode == .max ? col.argmax(axis: 1) : nil
        let out = mode == .max ? col.max(axis: 1) : col.mean(axis: 1)
        // out = out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)
        return out.reshaped([n, outH, outW, c]).permuted([0, 3, 1, 2])
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let inputShape else { preconditionFailure("Pooling.backward called before forward") }
        precondition(!reluInPositions, "Pooling.backward: the last forward ran this layer with its Relu as one lean group, "
                     + "which keeps ReLU's gradient in the maxima's positions: backward(_:throughRelu:) goes through both")
        if dout.shape != outputShape { checkGradientShape(dout.shape, outputShape, "Pooling") }
        let g = window(over: inputShape)
        if algorithm != .book {
            return mode == .max ? dout.maxUnpooled(g, positions: maxPositions, into: &gradientBuffer, shape: inputShape)
                                : dout.averageUnpooled(g, into: &gradientBuffer, shape: inputShape)
        }
        // §7.4.4: dout = dout.transpose(0, 2, 3, 1)
        let d = dout.permuted([0, 2, 3, 1])
        // pool_size = self.pool_h * self.pool_w
        let poolSize = poolHeight * poolWidth
        var dmax: Tensor<Scalar>
        if let argMax {
            // dmax = np.zeros((dout.size, pool_size))
            dmax = .zeros([d.count, poolSize])
            // dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
            dmax.scatter(d.flattened(), atColumns: argMax.flattened())
        } else {
            // average: every column of the row gets dout / pool_size
            dmax = (d.reshaped([-1, 1]) / Scalar(poolSize)).broadcasted(to: [d.count, poolSize])
        }
        // dmax = dmax.reshape(dout.shape + (pool_size,))
        dmax = dmax.reshaped(d.shape + [poolSize])
        // dcol = dmax.reshape(dmax.shape[0] * dmax.shape[1] * dmax.shape[2], -1)
        let dcol = dmax.reshaped([dmax.shape[0] * dmax.shape[1] * dmax.shape[2], -1])
        // dx = col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)
        return col2im(dcol, inputShape: inputShape, filterHeight: poolHeight, filterWidth: poolWidth, stride: stride, pad: pad)
    }

    /// Whether `forward(_:afterRelu:)` may stand for a Relu layer followed by this one: max pooling, not `.book`.
    package var fusesAfterRelu: Bool { mode == .max && algorithm != .book }

    /// `relu.forward(x)` then `forward(_:)` in one pass over x, plane block by plane block, so that ReLU's
    /// out is pooled while still in cache (Tensor/ReluPoolingOperations.swift): keeps in both layers what
    /// the two calls keep (relu's `mask`; this layer's `x` — ReLU's out — and the maxima's positions) and
    /// returns the same out, bit for bit. Stops unless `fusesAfterRelu`.
    package func forward(_ x: Tensor<Scalar>, afterRelu relu: Relu<Scalar>) -> Tensor<Scalar> {
        precondition(fusesAfterRelu, "Pooling.forward(_:afterRelu:): only max pooling off the book's path fuses")
        let g = window(over: x.shape)
        precondition(!g.isEmpty,
                     "Pooling.forward: x has shape \(x.shape) but the \(poolHeight)×\(poolWidth) window with stride \(stride) "
                     + "and pad \(pad) does not fit, so the output would be empty")
        outputShape = g.pooledShape(reusing: outputShape)
        let (reluOut, out) = x.reluMaxPooled(g, mask: &relu.mask, reluBuffer: &relu.outputBuffer, positions: &maxPositions,
                                             into: &outputBuffer, shape: outputShape)
        self.x = reluOut
        (inputShape, reluInPositions) = (x.shape, false)
        return out
    }

    /// `forward(_:afterRelu:)` of `convolution.forward(x)`, with ReLU and pooling run on each image of
    /// the convolution's output right after it is written, from cache (`Convolution.forward(_:eachImage:)`):
    /// the same out and kept state, bit for bit. Stops unless `fusesAfterRelu` and
    /// `convolution.writesOutputByImage(x.shape)`.
    ///
    /// With `keepingState: false` the three run as one lean group: each image is max-pooled and ReLU is
    /// taken of the maxima (`Tensor.maxPooledRelu`; ReLU keeps order, so that is the same out), and
    /// neither ReLU's out, its mask nor this layer's x is kept (`relu.mask` and `x` become nil): ReLU's
    /// gradient is kept in the maxima's positions instead, for `backward(_:throughRelu:)`.
    package func forward(_ x: Tensor<Scalar>, afterConvolution convolution: Convolution<Scalar>, relu: Relu<Scalar>,
                         keepingState: Bool = true) -> Tensor<Scalar> {
        precondition(fusesAfterRelu, "Pooling.forward(_:afterConvolution:relu:): only max pooling off the book's path fuses")
        let shape = convolution.outputShape(for: x.shape), g = window(over: shape)
        precondition(!g.isEmpty,
                     "Pooling.forward: x has shape \(shape) but the \(poolHeight)×\(poolWidth) "
                     + "window with stride \(stride) and pad \(pad) does not fit, so the output would be empty")
        outputShape = g.pooledShape(reusing: outputShape)
        (inputShape, reluInPositions) = (shape, !keepingState)
        func planes(_ images: Range<Int>) -> Range<Int> { (images.lowerBound * g.channels)..<(images.upperBound * g.channels) }
        guard keepingState else {
            (self.x, relu.mask) = (nil, nil)
            return Tensor<Scalar>.maxPooledRelu(g, positions: &maxPositions, into: &outputBuffer, shape: outputShape) { pass in
                convolution.forward(x) { o, images in pass(o, planes(images)) }
            }
        }
        let (reluOut, out) = Tensor<Scalar>.reluMaxPooled(g, mask: &relu.mask, reluBuffer: &relu.outputBuffer,
                                                          positions: &maxPositions, into: &outputBuffer, shape: outputShape) { pass in
            convolution.forward(x) { o, images in pass(o, planes(images)) }
        }
        self.x = reluOut
        return out
    }

    /// `backward(dout)` then `relu.backward` of that in one pass (Tensor/ReluPoolingOperations.swift): dx
    /// (N, C, H, W) of relu's input, bit for bit the two calls' result. Valid after any forward
    /// (`forward(_:afterRelu:)`, relu's and this layer's own, or a lean group's, whose positions already
    /// hold ReLU's mask: unpooling alone then gives the same dx).
    package func backward(_ dout: Tensor<Scalar>, throughRelu relu: Relu<Scalar>) -> Tensor<Scalar> {
        precondition(fusesAfterRelu, "Pooling.backward(_:throughRelu:): only max pooling off the book's path fuses")
        guard let inputShape else { preconditionFailure("Pooling.backward called before forward") }
        if dout.shape != outputShape { checkGradientShape(dout.shape, outputShape, "Pooling") }
        let g = window(over: inputShape)
        if reluInPositions { return dout.maxUnpooled(g, positions: maxPositions, into: &gradientBuffer, shape: inputShape) }
        guard let mask = relu.mask else { preconditionFailure("Pooling.backward called before forward") }
        return dout.maxUnpooledThroughRelu(g, positions: maxPositions, mask: mask, into: &gradientBuffer, shape: inputShape)
    }

    /// `backward(_:throughRelu:)` image by image (`ImageGradient`), for a convolution before the Relu
    /// that reads its dout one image at a time. Stops unless `fusesAfterRelu`.
    package func imageGradient(_ dout: Tensor<Scalar>, throughRelu relu: Relu<Scalar>) -> ImageGradient<Scalar> {
        precondition(fusesAfterRelu, "Pooling.imageGradient(_:throughRelu:): only max pooling off the book's path fuses")
        guard let inputShape else { preconditionFailure("Pooling.backward called before forward") }
        if dout.shape != outputShape { checkGradientShape(dout.shape, outputShape, "Pooling") }
        let g = window(over: inputShape), positions = maxPositions
        if reluInPositions {
            return ImageGradient(shape: inputShape) { n, dx in
                dout.withUnsafeBufferPointer { d in
                    positions.withUnsafeBufferPointer { p in maxUnpoolImage(n, d.baseAddress!, dx, p.baseAddress!, g) }
                }
            }
        }
        guard let mask = relu.mask else { preconditionFailure("Pooling.backward called before forward") }
        return ImageGradient(shape: inputShape) { n, dx in
            dout.withUnsafeBufferPointer { d in
                positions.withUnsafeBufferPointer { p in
                    mask.withUnsafeBufferPointer { m in
                        poolingReluBackwardImage(n, d.baseAddress!, dx, p.baseAddress!, m.baseAddress!, g)
                    }
                }
            }
        }
    }

    /// The window's geometry over an input of `shape` (stops if that is not 4-d).
    private func window(over shape: [Int]) -> SlidingWindow {
        SlidingWindow(inputShape: shape, windowHeight: poolHeight, windowWidth: poolWidth, stride: stride, pad: pad,
                      operation: "Pooling.forward")
    }
}
