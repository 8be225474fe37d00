/// What a pooling window computes (§7.3).
public enum PoolingMode: String, Sendable, Codable, CaseIterable {
    /// The largest element of the window (the book's Pooling layer).
    case max
    /// The mean of the window.
    case average
}

/// §7.4.4 Pooling layer: each (N, C) plane is reduced window by window, a `poolHeight`×`poolWidth`
/// window moved by `stride` over the plane zero-padded by `pad` on every side; channels stay separate.
///
/// - max (§7.4.4): out = max of the window; backward sends each dout to the window's first largest
///   element (NumPy's `argmax`: ties go to the first in row-major window order) and adds up where
///   windows overlap — the book's `dmax[arange, arg_max] = dout` followed by col2im.
/// - average: out = (Σ window) / (poolHeight·poolWidth); backward spreads dout / (poolHeight·poolWidth)
///   over the window.
///
/// Padding cells count as zeros in the window in both modes, as pooling over the book's im2col does
/// (so with pad > 0 a max can be 0 from padding, and its gradient is dropped). Unlike the book's code,
/// OH includes the padding: OH = (H + 2·pad − poolHeight)/stride + 1, OW likewise — im2col's extent.
///
/// - forward: x (N, C, H, W) → out (N, C, OH, OW). Keeps x's shape and, for max, the position of each
///   window's maximum within its plane (−1 where that is a padding cell).
/// - backward: dout (N, C, OH, OW) → dx (N, C, H, W).
///
/// Windows are read straight from x, plane by plane (parallel over N·C when large), in loops compiled
/// once for Float and once for Double — no im2col of the whole input, which would copy
/// poolHeight·poolWidth/stride² times x's size before reducing it.
/// Stops if x is not 4-d or the window does not fit (the output would be empty).
public final class Pooling<Scalar: TensorScalar>: Layer {
    public let poolHeight: Int
    public let poolWidth: Int
    public let stride: Int
    public let pad: Int
    public let mode: PoolingMode

    /// The last forward's input shape, kept for backward.
    public private(set) var inputShape: [Int]?
    /// The last forward's window geometry.
    private var window: SlidingWindow?
    /// Max mode: for each output element, the index within its (H, W) plane of the window's maximum,
    /// or −1 for a padding cell (the book's `arg_max`, as a plane offset). Reused from batch to batch.
    private(set) var argMax: [Int32] = []

    /// A pooling layer with a `poolHeight`×`poolWidth` window. Stops if the window is smaller than 1×1,
    /// stride < 1 or pad < 0.
    public init(poolHeight: Int, poolWidth: Int, stride: Int = 1, pad: Int = 0, mode: PoolingMode = .max) {
        precondition(poolHeight >= 1 && poolWidth >= 1,
                     "Pooling.init: the window must be at least 1×1, got \(poolHeight)×\(poolWidth)")
        precondition(stride >= 1, "Pooling.init: stride must be at least 1, got \(stride)")
        precondition(pad >= 0, "Pooling.init: pad must be non-negative, got \(pad)")
        self.poolHeight = poolHeight
        self.poolWidth = poolWidth
        self.stride = stride
        self.pad = pad
        self.mode = mode
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        let g = SlidingWindow(inputShape: x.shape, windowHeight: poolHeight, windowWidth: poolWidth,
                              stride: stride, pad: pad, operation: "Pooling.forward")
        precondition(!g.isEmpty,
                     "Pooling.forward: x has shape \(x.shape) but the \(poolHeight)×\(poolWidth) window with stride \(stride) "
                     + "and pad \(pad) does not fit, so the output would be empty")
        precondition(g.height * g.width <= Int(Int32.max),
                     "Pooling.forward: x has shape \(x.shape); planes of more than 2³¹ − 1 elements are not supported")
        inputShape = x.shape
        window = g
        let outShape = [g.batch, g.channels, g.outHeight, g.outWidth]
        let outCount = outShape.reduce(1, *)
        if mode == .max && argMax.count != outCount { argMax = [Int32](repeating: 0, count: outCount) }
        if outCount == 0 { return .zeros(outShape) }
        return Tensor(shape: outShape) { y in
            x.withUnsafeBufferPointer { px in
                if mode == .max {
                    argMax.withUnsafeMutableBufferPointer { pa in
                        poolingForward(px.baseAddress!, y.baseAddress!, pa.baseAddress!, g)
                    }
                } else {
                    poolingForward(px.baseAddress!, y.baseAddress!, nil, g)
                }
            }
        }
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let inputShape, let g = window else { preconditionFailure("Pooling.backward called before forward") }
        checkGradientShape(dout.shape, [g.batch, g.channels, g.outHeight, g.outWidth], "Pooling")
        if dout.count == 0 { return .zeros(inputShape) }
        return Tensor(shape: inputShape) { dx in
            dout.withUnsafeBufferPointer { pd in
                if mode == .max {
                    argMax.withUnsafeBufferPointer { pa in
                        poolingBackward(pd.baseAddress!, dx.baseAddress!, pa.baseAddress!, g)
                    }
                } else {
                    poolingBackward(pd.baseAddress!, dx.baseAddress!, nil, g)
                }
            }
        }
    }
}

// MARK: - Kernels

/// Elements of input per parallel chunk of planes.
private let poolingGrain = 1 << 15

/// Pooling forward over every plane: max (with `argMax`) or average (`argMax` nil).
private func poolingForward<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                             _ argMax: UnsafeMutablePointer<Int32>?, _ g: SlidingWindow) {
    let planeSize = g.height * g.width
    parallelChunks(g.batch * g.channels, grain: Swift.max(1, poolingGrain / Swift.max(1, planeSize))) { planes in
        if T.self == Float.self {
            let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
            let yf = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
            if let argMax { maxPoolKernel(xf, yf, argMax, g, planes) } else { averagePoolKernel(xf, yf, g, planes) }
        } else if T.self == Double.self {
            let xd = UnsafeRawPointer(x).assumingMemoryBound(to: Double.self)
            let yd = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self)
            if let argMax { maxPoolKernel(xd, yd, argMax, g, planes) } else { averagePoolKernel(xd, yd, g, planes) }
        } else {
            if let argMax { maxPoolKernel(x, y, argMax, g, planes) } else { averagePoolKernel(x, y, g, planes) }
        }
    }
}

/// Pooling backward over every plane into dx (overwritten): max (with `argMax`) or average.
private func poolingBackward<T: TensorScalar>(_ dout: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                              _ argMax: UnsafePointer<Int32>?, _ g: SlidingWindow) {
    let planeSize = g.height * g.width
    parallelChunks(g.batch * g.channels, grain: Swift.max(1, poolingGrain / Swift.max(1, planeSize))) { planes in
        if T.self == Float.self {
            let df = UnsafeRawPointer(dout).assumingMemoryBound(to: Float.self)
            let xf = UnsafeMutableRawPointer(dx).assumingMemoryBound(to: Float.self)
            if let argMax { maxPoolBackwardKernel(df, xf, argMax, g, planes) } else { averagePoolBackwardKernel(df, xf, g, planes) }
        } else if T.self == Double.self {
            let dd = UnsafeRawPointer(dout).assumingMemoryBound(to: Double.self)
            let xd = UnsafeMutableRawPointer(dx).assumingMemoryBound(to: Double.self)
            if let argMax { maxPoolBackwardKernel(dd, xd, argMax, g, planes) } else { averagePoolBackwardKernel(dd, xd, g, planes) }
        } else {
            if let argMax { maxPoolBackwardKernel(dout, dx, argMax, g, planes) } else { averagePoolBackwardKernel(dout, dx, g, planes) }
        }
    }
}

/// The rows (or columns) of a window starting at `start` that fall inside an axis of `extent`: window
/// offsets lower..<upper.
@inline(__always)
private func insideRange(_ start: Int, window: Int, extent: Int) -> Range<Int> {
    let lower = Swift.max(0, -start)
    let upper = Swift.max(lower, Swift.min(window, extent - start))
    return lower..<upper
}

/// §7.4.4 max pooling of planes `planes`: out = first maximum of each window in row-major order
/// (padding cells are 0), its plane offset (−1 for padding) into `argMax`. A NaN wins, as NumPy's max.
@inline(__always)
private func maxPoolKernel<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
                                                   _ argMax: UnsafeMutablePointer<Int32>, _ g: SlidingWindow,
                                                   _ planes: Range<Int>) {
    let h = g.height, w = g.width, ph = g.windowHeight, pw = g.windowWidth
    let planeSize = h * w, outSize = g.outPositions
    for plane in planes {
        let xp = x + plane * planeSize
        var o = plane * outSize
        for oy in 0..<g.outHeight {
            let y0 = oy * g.stride - g.pad
            let rowsInside = y0 >= 0 && y0 + ph <= h
            for ox in 0..<g.outWidth {
                let x0 = ox * g.stride - g.pad
                var index = y0 * w + x0
                var best: F
                if rowsInside && x0 >= 0 && x0 + pw <= w {
                    best = xp[index]
                    for ky in 0..<ph {
                        let row = (y0 + ky) * w + x0
                        for kx in 0..<pw {
                            let v = xp[row + kx]
                            if v > best || (v.isNaN && !best.isNaN) { best = v; index = row + kx }
                        }
                    }
                } else {
                    // The window overlaps the padding: every cell in order, padding as 0 at index −1.
                    best = 0
                    var first = true
                    for ky in 0..<ph {
                        let iy = y0 + ky
                        for kx in 0..<pw {
                            let ix = x0 + kx
                            let inside = iy >= 0 && iy < h && ix >= 0 && ix < w
                            let v: F = inside ? xp[iy * w + ix] : 0
                            if first || v > best || (v.isNaN && !best.isNaN) {
                                best = v
                                index = inside ? iy * w + ix : -1
                                first = false
                            }
                        }
                    }
                }
                y[o] = best
                argMax[o] = Int32(truncatingIfNeeded: index)
                o += 1
            }
        }
    }
}

/// Average pooling of planes `planes`: out = (sum of the window's cells inside the image) / (ph·pw).
@inline(__always)
private func averagePoolKernel<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
                                                       _ g: SlidingWindow, _ planes: Range<Int>) {
    let h = g.height, w = g.width, ph = g.windowHeight, pw = g.windowWidth
    let planeSize = h * w, outSize = g.outPositions
    let cells = F(ph * pw)
    for plane in planes {
        let xp = x + plane * planeSize
        var o = plane * outSize
        for oy in 0..<g.outHeight {
            let y0 = oy * g.stride - g.pad
            let rows = insideRange(y0, window: ph, extent: h)
            for ox in 0..<g.outWidth {
                let x0 = ox * g.stride - g.pad
                let columns = insideRange(x0, window: pw, extent: w)
                var sum: F = 0
                for ky in rows {
                    let row = (y0 + ky) * w + x0
                    for kx in columns { sum += xp[row + kx] }
                }
                y[o] = sum / cells
                o += 1
            }
        }
    }
}

/// Max pooling backward: dx zeroed, then each dout added at its window's maximum (dropped for padding).
@inline(__always)
private func maxPoolBackwardKernel<F: BinaryFloatingPoint>(_ dout: UnsafePointer<F>, _ dx: UnsafeMutablePointer<F>,
                                                           _ argMax: UnsafePointer<Int32>, _ g: SlidingWindow,
                                                           _ planes: Range<Int>) {
    let planeSize = g.height * g.width, outSize = g.outPositions
    for plane in planes {
        let dxp = dx + plane * planeSize
        for i in 0..<planeSize { dxp[i] = 0 }
        let base = plane * outSize
        for o in base..<(base + outSize) {
            let index = Int(argMax[o])
            if index >= 0 { dxp[index] += dout[o] }
        }
    }
}

/// Average pooling backward: dx zeroed, then dout / (ph·pw) added to every window cell inside the image.
@inline(__always)
private func averagePoolBackwardKernel<F: BinaryFloatingPoint>(_ dout: UnsafePointer<F>, _ dx: UnsafeMutablePointer<F>,
                                                               _ g: SlidingWindow, _ planes: Range<Int>) {
    let h = g.height, w = g.width, ph = g.windowHeight, pw = g.windowWidth
    let planeSize = h * w, outSize = g.outPositions
    let cells = F(ph * pw)
    for plane in planes {
        let dxp = dx + plane * planeSize
        for i in 0..<planeSize { dxp[i] = 0 }
        var o = plane * outSize
        for oy in 0..<g.outHeight {
            let y0 = oy * g.stride - g.pad
            let rows = insideRange(y0, window: ph, extent: h)
            for ox in 0..<g.outWidth {
                let x0 = ox * g.stride - g.pad
                let columns = insideRange(x0, window: pw, extent: w)
                let share = dout[o] / cells
                for ky in rows {
                    let row = (y0 + ky) * w + x0
                    for kx in columns { dxp[row + kx] += share }
                }
                o += 1
            }
        }
    }
}
