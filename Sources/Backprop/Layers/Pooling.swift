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
/// - backward: dout (N, C, OH, OW) → dx (N, C, H, W), written into the previous backward's dx when the
///   caller no longer holds it.
///
/// Windows are read straight from x, plane by plane (parallel over N·C when large), in loops compiled
/// once for Float and once for Double — no im2col of the whole input, which copies x (for 2×2 stride 2,
/// once more in another order) before reducing it: on (100, 30, 24, 24) Float, the book's
/// im2col + max + argmax + transpose forward took ~11 ms against ~1.3 ms here (max, forward).
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
    /// The last backward's dx, kept so the next backward writes into the same memory (no fresh pages)
    /// once the caller has let go of it; one still held elsewhere is copied on write, never changed.
    private var inputGradient: Tensor<Scalar>?
    /// Where the output is written: buffers reused from batch to batch (see `AlternatingBuffers`).
    private var outputs = AlternatingBuffers<Scalar>()
    /// The last forward's output shape (N, C, OH, OW), kept so that the next batch of the same size
    /// builds no new shape array.
    private var outputShape: [Int] = []

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
        precondition((g.height + 2 * pad) * (g.width + 2 * pad) <= Int(Int32.max),
                     "Pooling.forward: x has shape \(x.shape); padded planes of more than 2³¹ − 1 elements are not supported")
        inputShape = x.shape
        window = g
        if !matchesOutput(g) { outputShape = [g.batch, g.channels, g.outHeight, g.outWidth] }
        let outCount = g.batch * g.channels * g.outHeight * g.outWidth
        if mode == .max && argMax.count != outCount { argMax = [Int32](repeating: 0, count: outCount) }
        if outCount == 0 { return .zeros(outputShape) }
        var out = outputs.take(shape: outputShape)
        x.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { y in
                if mode == .max {
                    argMax.withUnsafeMutableBufferPointer { pa in
                        poolingForward(px.baseAddress!, y.baseAddress!, pa.baseAddress!, g)
                    }
                } else {
                    poolingForward(px.baseAddress!, y.baseAddress!, nil, g)
                }
            }
        }
        outputs.keep(out)
        return out
    }

    /// Whether `outputShape` is already (N, C, OH, OW) of window `g`.
    private func matchesOutput(_ g: SlidingWindow) -> Bool {
        outputShape.count == 4 && outputShape[0] == g.batch && outputShape[1] == g.channels
            && outputShape[2] == g.outHeight && outputShape[3] == g.outWidth
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let inputShape, let g = window else { preconditionFailure("Pooling.backward called before forward") }
        if !(matchesOutput(g) && dout.shape == outputShape) {
            checkGradientShape(dout.shape, [g.batch, g.channels, g.outHeight, g.outWidth], "Pooling")
        }
        if dout.count == 0 { return .zeros(inputShape) }
        // Written into the last backward's dx when its shape fits and the caller has let go of it.
        var dx = reusable(&inputGradient, shape: inputShape)
        dx.withUnsafeMutableBufferPointer { dx in
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
        inputGradient = dx
        return dx
    }
}

// MARK: - Kernels
//
// Each (N, C) plane is pooled on its own, so planes run in parallel. With pad > 0 the plane is first
// copied into a zeroed (H + 2·pad, W + 2·pad) scratch plane, so every window lies inside the plane the
// loops read; max-pooling indices into the scratch plane are then mapped back (−1 for padding).
//
// Max pooling's "is this larger?" is unpredictable on real data, so branches on it mispredict half the
// time. 2×2 windows at stride 2 (SimpleConvNet's) are taken eight at a time with vector compares and
// blends; other 2×2 and 3×3 windows are written out in full, so the compiler turns each comparison
// into a conditional move (a loop over the window, which it compiles to branches, is about 4× slower
// on random data). Planes holding a NaN (or an infinity) take a separate loop with NumPy's NaN rule
// (a NaN beats everything and the first NaN wins), so the fast loops need only `>`.
//
// The kernels are generic only so that one text serves Float and Double; every call passes a concrete
// type, so each is compiled once per type.

/// Elements of input per parallel chunk of planes.
private let poolingGrain = 1 << 15

/// Pooling forward over every plane: max (with `argMax`) or average (`argMax` nil).
private func poolingForward<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                             _ argMax: UnsafeMutablePointer<Int32>?, _ g: SlidingWindow) {
    let planeSize = g.height * g.width
    parallelChunks(g.batch * g.channels, grain: Swift.max(1, poolingGrain / Swift.max(1, planeSize))) { planes in
        if T.self == Float.self {
            poolPlanes(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                       UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self), argMax, g, planes)
        } else if T.self == Double.self {
            poolPlanes(UnsafeRawPointer(x).assumingMemoryBound(to: Double.self),
                       UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self), argMax, g, planes)
        } else {
            poolPlanes(x, y, argMax, g, planes)
        }
    }
}

/// Pooling backward over every plane into dx (overwritten): max (with `argMax`) or average.
private func poolingBackward<T: TensorScalar>(_ dout: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                              _ argMax: UnsafePointer<Int32>?, _ g: SlidingWindow) {
    let planeSize = g.height * g.width
    parallelChunks(g.batch * g.channels, grain: Swift.max(1, poolingGrain / Swift.max(1, planeSize))) { planes in
        if T.self == Float.self {
            unpoolPlanes(UnsafeRawPointer(dout).assumingMemoryBound(to: Float.self),
                         UnsafeMutableRawPointer(dx).assumingMemoryBound(to: Float.self), argMax, g, planes)
        } else if T.self == Double.self {
            unpoolPlanes(UnsafeRawPointer(dout).assumingMemoryBound(to: Double.self),
                         UnsafeMutableRawPointer(dx).assumingMemoryBound(to: Double.self), argMax, g, planes)
        } else {
            unpoolPlanes(dout, dx, argMax, g, planes)
        }
    }
}

/// The window shape and output extent over a plane whose rows are `pitch` elements apart, every
/// window inside it.
private struct PlaneWindows {
    var pitch: Int, poolHeight: Int, poolWidth: Int, stride: Int, outHeight: Int, outWidth: Int

    /// The book's SimpleConvNet pooling, taken eight windows at a time.
    var isTwoByTwoStrideTwo: Bool { poolHeight == 2 && poolWidth == 2 && stride == 2 }
}

/// Windows per vector in the 2×2 stride-2 loops.
private let vectorWidth = 8

extension UnsafePointer {
    /// This pointer as Float/Double, for a generic kernel that has checked `Pointee.self` (no conversion).
    fileprivate var floats: UnsafePointer<Float> { UnsafeRawPointer(self).assumingMemoryBound(to: Float.self) }
    fileprivate var doubles: UnsafePointer<Double> { UnsafeRawPointer(self).assumingMemoryBound(to: Double.self) }
}

extension UnsafeMutablePointer {
    fileprivate var floats: UnsafeMutablePointer<Float> { UnsafeMutableRawPointer(self).assumingMemoryBound(to: Float.self) }
    fileprivate var doubles: UnsafeMutablePointer<Double> { UnsafeMutableRawPointer(self).assumingMemoryBound(to: Double.self) }
}

// The 2×2 stride-2 loops on vectors. The max loops are written once for Float and once for Double
// (their lane masks and index vectors differ in width per type). Eight windows of an output row
// read 16 consecutive elements of each of their two image rows; a row's last group of eight is
// shifted left to end at the row's end (recomputing a few windows) instead of running past it.

@inline(__always)
private func maxWindows2x2Stride2(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                  _ argMax: UnsafeMutablePointer<Int32>, _ p: PlaneWindows) {
    let pitch = p.pitch, outWidth = p.outWidth
    let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
    var o = 0
    for oy in 0..<p.outHeight {
        let r0 = 2 * oy * pitch, r1 = r0 + pitch
        var ox = 0
        while ox < outWidth {
            let start = Swift.min(ox, outWidth - vectorWidth)
            let i0 = r0 + 2 * start, i1 = r1 + 2 * start
            let top = UnsafeRawPointer(x + i0).loadUnaligned(as: SIMD16<Float>.self)
            let bottom = UnsafeRawPointer(x + i1).loadUnaligned(as: SIMD16<Float>.self)
            let first = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: i0)) &+ lanes
            let second = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: i1)) &+ lanes
            var best = top.evenHalf, index = first
            var v = top.oddHalf, m = v .> best
            best.replace(with: v, where: m); index.replace(with: first &+ 1, where: m)
            v = bottom.evenHalf; m = v .> best
            best.replace(with: v, where: m); index.replace(with: second, where: m)
            v = bottom.oddHalf; m = v .> best
            best.replace(with: v, where: m); index.replace(with: second &+ 1, where: m)
            UnsafeMutableRawPointer(y + o + start).storeBytes(of: best, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(argMax + o + start).storeBytes(of: index, as: SIMD8<Int32>.self)
            ox = start + vectorWidth
        }
        o += outWidth
    }
}

@inline(__always)
private func maxWindows2x2Stride2(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>,
                                  _ argMax: UnsafeMutablePointer<Int32>, _ p: PlaneWindows) {
    let pitch = p.pitch, outWidth = p.outWidth
    let lanes = SIMD8<Int64>(0, 2, 4, 6, 8, 10, 12, 14)
    var o = 0
    for oy in 0..<p.outHeight {
        let r0 = 2 * oy * pitch, r1 = r0 + pitch
        var ox = 0
        while ox < outWidth {
            let start = Swift.min(ox, outWidth - vectorWidth)
            let i0 = r0 + 2 * start, i1 = r1 + 2 * start
            let top = UnsafeRawPointer(x + i0).loadUnaligned(as: SIMD16<Double>.self)
            let bottom = UnsafeRawPointer(x + i1).loadUnaligned(as: SIMD16<Double>.self)
            let first = SIMD8<Int64>(repeating: Int64(i0)) &+ lanes
            let second = SIMD8<Int64>(repeating: Int64(i1)) &+ lanes
            var best = top.evenHalf, index = first
            var v = top.oddHalf, m = v .> best
            best.replace(with: v, where: m); index.replace(with: first &+ 1, where: m)
            v = bottom.evenHalf; m = v .> best
            best.replace(with: v, where: m); index.replace(with: second, where: m)
            v = bottom.oddHalf; m = v .> best
            best.replace(with: v, where: m); index.replace(with: second &+ 1, where: m)
            UnsafeMutableRawPointer(y + o + start).storeBytes(of: best, as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(argMax + o + start)
                .storeBytes(of: SIMD8<Int32>(truncatingIfNeeded: index), as: SIMD8<Int32>.self)
            ox = start + vectorWidth
        }
        o += outWidth
    }
}

/// Average of each 2×2 stride-2 window (one definition for both types: it has no masks, and each call
/// site passes concrete Float or Double pointers, so it is specialised and inlined there).
@inline(__always)
private func averageWindows2x2Stride2<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                                       _ p: PlaneWindows) {
    let pitch = p.pitch, outWidth = p.outWidth
    var o = 0
    for oy in 0..<p.outHeight {
        let r0 = 2 * oy * pitch, r1 = r0 + pitch
        var ox = 0
        while ox < outWidth {
            let start = Swift.min(ox, outWidth - vectorWidth)
            let top = UnsafeRawPointer(x + r0 + 2 * start).loadUnaligned(as: SIMD16<T>.self)
            let bottom = UnsafeRawPointer(x + r1 + 2 * start).loadUnaligned(as: SIMD16<T>.self)
            // Summed in row-major window order, as the general loop.
            let mean = (top.evenHalf + top.oddHalf + bottom.evenHalf + bottom.oddHalf) / 4
            UnsafeMutableRawPointer(y + o + start).storeBytes(of: mean, as: SIMD8<T>.self)
            ox = start + vectorWidth
        }
        o += outWidth
    }
}

/// Forward over planes `planes`: y (and argMax, for max) for each.
@inline(never)
private func poolPlanes<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
                                                _ argMax: UnsafeMutablePointer<Int32>?, _ g: SlidingWindow,
                                                _ planes: Range<Int>) {
    let h = g.height, w = g.width, pad = g.pad
    let paddedWidth = w + 2 * pad, paddedSize = (h + 2 * pad) * paddedWidth
    let planeSize = h * w, outSize = g.outPositions
    let windows = PlaneWindows(pitch: paddedWidth, poolHeight: g.windowHeight, poolWidth: g.windowWidth,
                               stride: g.stride, outHeight: g.outHeight, outWidth: g.outWidth)
    // The scratch plane only with padding (pad 0, as the book's networks, allocates nothing).
    let padded = pad > 0 ? UnsafeMutablePointer<F>.allocate(capacity: paddedSize) : nil
    defer { padded?.deallocate() }
    padded?.update(repeating: 0, count: paddedSize)   // the border stays 0
    for plane in planes {
        var xp = x + plane * planeSize
        if pad > 0 {
            let scratch = padded!
            for r in 0..<h { (scratch + ((r + pad) * paddedWidth + pad)).update(from: xp + r * w, count: w) }
            xp = UnsafePointer(scratch)
        }
        let yp = y + plane * outSize
        guard let argMax else {
            if windows.isTwoByTwoStrideTwo && windows.outWidth >= vectorWidth {
                if F.self == Float.self {
                    averageWindows2x2Stride2(xp.floats, yp.floats, windows)
                    continue
                } else if F.self == Double.self {
                    averageWindows2x2Stride2(xp.doubles, yp.doubles, windows)
                    continue
                }
            }
            averageWindows(xp, yp, windows)
            continue
        }
        let ap = argMax + plane * outSize
        if containsNonFinite(xp, pad > 0 ? paddedSize : planeSize) {
            maxWindowsWithNaN(xp, yp, ap, windows)
        } else if windows.isTwoByTwoStrideTwo && windows.outWidth >= vectorWidth && F.self == Float.self {
            maxWindows2x2Stride2(xp.floats, yp.floats, ap, windows)
        } else if windows.isTwoByTwoStrideTwo && windows.outWidth >= vectorWidth && F.self == Double.self {
            maxWindows2x2Stride2(xp.doubles, yp.doubles, ap, windows)
        } else if windows.poolHeight == 2 && windows.poolWidth == 2 {
            maxWindows2x2(xp, yp, ap, windows)
        } else if windows.poolHeight == 3 && windows.poolWidth == 3 {
            maxWindows3x3(xp, yp, ap, windows)
        } else {
            maxWindows(xp, yp, ap, windows)
        }
        if pad > 0 {
            // Scratch-plane offsets back to offsets in x's plane; −1 for the padding.
            for o in 0..<outSize {
                let i = Int(ap[o])
                let iy = i / paddedWidth - pad, ix = i % paddedWidth - pad
                ap[o] = iy >= 0 && iy < h && ix >= 0 && ix < w ? Int32(truncatingIfNeeded: iy * w + ix) : -1
            }
        }
    }
}

/// Whether any of n elements is NaN or infinite (x − x is NaN exactly then): eight independent
/// accumulators, so the pass over a plane already in cache runs at full speed. Infinities only send the
/// plane to the exact loop, which handles them as well.
@inline(__always)
private func containsNonFinite<F: BinaryFloatingPoint>(_ p: UnsafePointer<F>, _ n: Int) -> Bool {
    var a0: F = 0, a1: F = 0, a2: F = 0, a3: F = 0, a4: F = 0, a5: F = 0, a6: F = 0, a7: F = 0
    var i = 0
    while i + 8 <= n {
        a0 += p[i] - p[i]; a1 += p[i + 1] - p[i + 1]; a2 += p[i + 2] - p[i + 2]; a3 += p[i + 3] - p[i + 3]
        a4 += p[i + 4] - p[i + 4]; a5 += p[i + 5] - p[i + 5]; a6 += p[i + 6] - p[i + 6]; a7 += p[i + 7] - p[i + 7]
        i += 8
    }
    while i < n { a0 += p[i] - p[i]; i += 1 }
    return !((a0 + a1 + a2 + a3) + (a4 + a5 + a6 + a7)).isFinite
}

/// If v > best, v and its offset become the best so far (written so it compiles to conditional moves).
@inline(__always)
private func keepLarger<F: BinaryFloatingPoint>(_ best: inout F, _ index: inout Int, _ v: F, _ i: Int) {
    if v > best { best = v; index = i }
}

@inline(__always)
private func maxWindows2x2<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
                                                   _ argMax: UnsafeMutablePointer<Int32>, _ p: PlaneWindows) {
    let pitch = p.pitch, stride = p.stride, outWidth = p.outWidth
    var o = 0
    for oy in 0..<p.outHeight {
        let rowStart = oy * stride * pitch
        for ox in 0..<outWidth {
            let r0 = rowStart + ox * stride, r1 = r0 + pitch
            var best = x[r0], index = r0
            keepLarger(&best, &index, x[r0 + 1], r0 + 1)
            keepLarger(&best, &index, x[r1], r1)
            keepLarger(&best, &index, x[r1 + 1], r1 + 1)
            y[o] = best
            argMax[o] = Int32(truncatingIfNeeded: index)
            o += 1
        }
    }
}

@inline(__always)
private func maxWindows3x3<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
                                                   _ argMax: UnsafeMutablePointer<Int32>, _ p: PlaneWindows) {
    let pitch = p.pitch, stride = p.stride, outWidth = p.outWidth
    var o = 0
    for oy in 0..<p.outHeight {
        let rowStart = oy * stride * pitch
        for ox in 0..<outWidth {
            let r0 = rowStart + ox * stride, r1 = r0 + pitch, r2 = r1 + pitch
            var best = x[r0], index = r0
            keepLarger(&best, &index, x[r0 + 1], r0 + 1)
            keepLarger(&best, &index, x[r0 + 2], r0 + 2)
            keepLarger(&best, &index, x[r1], r1)
            keepLarger(&best, &index, x[r1 + 1], r1 + 1)
            keepLarger(&best, &index, x[r1 + 2], r1 + 2)
            keepLarger(&best, &index, x[r2], r2)
            keepLarger(&best, &index, x[r2 + 1], r2 + 1)
            keepLarger(&best, &index, x[r2 + 2], r2 + 2)
            y[o] = best
            argMax[o] = Int32(truncatingIfNeeded: index)
            o += 1
        }
    }
}

/// Any window size: the first maximum in row-major window order.
@inline(__always)
private func maxWindows<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
                                                _ argMax: UnsafeMutablePointer<Int32>, _ p: PlaneWindows) {
    let pitch = p.pitch, stride = p.stride, ph = p.poolHeight, pw = p.poolWidth
    var o = 0
    for oy in 0..<p.outHeight {
        for ox in 0..<p.outWidth {
            let start = oy * stride * pitch + ox * stride
            var best = x[start], index = start
            for ky in 0..<ph {
                let row = start + ky * pitch
                for kx in 0..<pw { keepLarger(&best, &index, x[row + kx], row + kx) }
            }
            y[o] = best
            argMax[o] = Int32(truncatingIfNeeded: index)
            o += 1
        }
    }
}

/// Any window size with NumPy's NaN rule: a NaN beats everything and the first NaN wins.
@inline(__always)
private func maxWindowsWithNaN<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
                                                       _ argMax: UnsafeMutablePointer<Int32>, _ p: PlaneWindows) {
    let pitch = p.pitch, stride = p.stride, ph = p.poolHeight, pw = p.poolWidth
    var o = 0
    for oy in 0..<p.outHeight {
        for ox in 0..<p.outWidth {
            let start = oy * stride * pitch + ox * stride
            var best = x[start], index = start
            for ky in 0..<ph {
                let row = start + ky * pitch
                for kx in 0..<pw {
                    let v = x[row + kx]
                    if v > best || (v.isNaN && !best.isNaN) { best = v; index = row + kx }
                }
            }
            y[o] = best
            argMax[o] = Int32(truncatingIfNeeded: index)
            o += 1
        }
    }
}

/// Average pooling: out = (Σ window) / (ph·pw), padding included as zeros.
@inline(__always)
private func averageWindows<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
                                                    _ p: PlaneWindows) {
    let pitch = p.pitch, stride = p.stride, ph = p.poolHeight, pw = p.poolWidth
    let cells = F(ph * pw)
    var o = 0
    for oy in 0..<p.outHeight {
        for ox in 0..<p.outWidth {
            let start = oy * stride * pitch + ox * stride
            var sum: F = 0
            for ky in 0..<ph {
                let row = start + ky * pitch
                for kx in 0..<pw { sum += x[row + kx] }
            }
            y[o] = sum / cells
            o += 1
        }
    }
}

/// Backward over planes `planes` into dx (overwritten).
///
/// - max: each dout is added at its window's maximum (skipped for padding), as the book's
///   `dmax[arange, arg_max] = dout` followed by col2im.
/// - average: dout / (ph·pw) is added to every cell of its window; with pad > 0 into the scratch plane,
///   whose inside is then copied to dx (the padding's share is dropped).
@inline(never)
private func unpoolPlanes<F: BinaryFloatingPoint>(_ dout: UnsafePointer<F>, _ dx: UnsafeMutablePointer<F>,
                                                  _ argMax: UnsafePointer<Int32>?, _ g: SlidingWindow,
                                                  _ planes: Range<Int>) {
    let h = g.height, w = g.width, pad = g.pad
    let planeSize = h * w, outSize = g.outPositions
    if let argMax {
        for plane in planes {
            let dxp = dx + plane * planeSize
            dxp.update(repeating: 0, count: planeSize)
            let dp = dout + plane * outSize, ap = argMax + plane * outSize
            for o in 0..<outSize {
                let index = Int(ap[o])
                if index >= 0 { dxp[index] += dp[o] }
            }
        }
        return
    }
    let paddedWidth = w + 2 * pad, paddedSize = (h + 2 * pad) * paddedWidth
    let pitch = paddedWidth, stride = g.stride, ph = g.windowHeight, pw = g.windowWidth
    let cells = F(ph * pw)
    // The scratch plane only with padding (pad 0, as the book's networks, allocates nothing).
    let padded = pad > 0 ? UnsafeMutablePointer<F>.allocate(capacity: paddedSize) : nil
    defer { padded?.deallocate() }
    for plane in planes {
        let dxp = dx + plane * planeSize
        let target = padded ?? dxp
        target.update(repeating: 0, count: pad > 0 ? paddedSize : planeSize)
        let dp = dout + plane * outSize
        var o = 0
        if ph == 2 && pw == 2 {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    let r0 = oy * stride * pitch + ox * stride, r1 = r0 + pitch
                    let share = dp[o] / cells
                    target[r0] += share; target[r0 + 1] += share
                    target[r1] += share; target[r1 + 1] += share
                    o += 1
                }
            }
        } else {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    let start = oy * stride * pitch + ox * stride
                    let share = dp[o] / cells
                    for ky in 0..<ph {
                        let row = start + ky * pitch
                        for kx in 0..<pw { target[row + kx] += share }
                    }
                    o += 1
                }
            }
        }
        if pad > 0 {
            for r in 0..<h { (dxp + r * w).update(from: padded! + ((r + pad) * paddedWidth + pad), count: w) }
        }
    }
}
