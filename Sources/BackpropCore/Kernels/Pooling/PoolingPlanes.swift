// Kernels/Pooling — §7.4.4's Pooling layer, fast. Every kernel here equals the book's
// im2col(x) → max (or mean) of each row → reshape to (N, C, OH, OW), and its backward (dout scattered
// to each window's argmax, or spread evenly over the window, then col2im), bit for bit
// (PoolingKernelTests, PoolingAlgorithmTests).
//
// Symbols, as the book's §7: N batch size, C channels, H/W an image's height/width, FN filters,
// FH/FW a filter's height/width (PH/PW a pooling window's), OH/OW the output's height/width,
// K = C·FH·FW the length of one row of col.
//
// PoolingPlanes           the drivers: (N, C) planes among threads, padding, the choice of window loop
// MaxPoolingKernels       max and argmax of each window (2×2 stride 2 on vectors, 2×2 and 3×3 unrolled)
// AveragePoolingKernels   the mean of each window
// UnpoolingKernels        the backward of both

// §7.4.4 pooling, plane by plane: the drivers behind `maxPooled`, `averagePooled`, `maxUnpooled` and
// `averageUnpooled` (Tensor/PoolingOperations.swift). They split the (N, C) planes among threads, pad a
// plane into scratch when needed and pick the window loop (Kernels/Pooling/MaxPoolingKernels.swift,
// AveragePoolingKernels.swift, UnpoolingKernels.swift).
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
// (a NaN beats everything and the first NaN wins), so the fast loops need only `>`: the 2×2 stride-2
// vector loop sums what it reads and hands such a plane back, the others are checked before
// (`containsNonFinite`). Unpooling's 2×2 stride-2 windows that tile a plane write it densely
// (`unpoolWindows2x2Stride2`), other windows scatter into a zeroed plane.
//
// The kernels are generic only so that one text serves Float and Double; every call passes a concrete
// type, so each is compiled once per type.

/// Elements of input per parallel chunk of planes.
let poolingGrain = 1 << 15

/// Pooling forward over every plane: max (with `argMax`) or average (`argMax` nil).
///
/// Equals the book's `Pooling.forward` (`im2col` of the batch, `reshape(-1, ph·pw)`, `max` (or mean)
/// and `argmax` along rows, `reshape(N, OH, OW, C).transpose(0, 3, 1, 2)`), with each argmax given as
/// the offset of the maximum in its (H, W) plane (−1 for a padding cell) instead of a column of col.
func poolingForward<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                     _ argMax: UnsafeMutablePointer<Int32>?, _ g: SlidingWindow) {
    let planeSize = g.height * g.width
    parallelChunks(g.batch * g.channels, grain: Swift.max(1, poolingGrain / Swift.max(1, planeSize))) { planes in
        poolPlanesOfType(x, y, argMax, g, planes)
    }
}

/// Pooling backward over every plane into dx (overwritten): max (with `argMax`) or average.
///
/// Equals the book's `Pooling.backward` (dout scattered into dmax at arg_max, or spread evenly over the
/// window for average, then `col2im`); see `unpoolPlanes`.
func poolingBackward<T: TensorScalar>(_ dout: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                      _ argMax: UnsafePointer<Int32>?, _ g: SlidingWindow) {
    let planeSize = g.height * g.width
    parallelChunks(g.batch * g.channels, grain: Swift.max(1, poolingGrain / Swift.max(1, planeSize))) { planes in
        unpoolPlanesOfType(dout, dx, argMax, g, planes)
    }
}

/// `poolPlanes` over `planes`, called with Float or Double itself when T is one (so that each is
/// compiled for the concrete type).
@inline(__always)
func poolPlanesOfType<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                       _ argMax: UnsafeMutablePointer<Int32>?, _ g: SlidingWindow, _ planes: Range<Int>) {
    if T.self == Float.self {
        poolPlanes(x.floats, y.floats, argMax, g, planes)
    } else if T.self == Double.self {
        poolPlanes(x.doubles, y.doubles, argMax, g, planes)
    } else {
        poolPlanes(x, y, argMax, g, planes)
    }
}

/// `unpoolPlanes` over `planes`, called with Float or Double itself when T is one.
@inline(__always)
func unpoolPlanesOfType<T: TensorScalar>(_ dout: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                         _ argMax: UnsafePointer<Int32>?, _ g: SlidingWindow, _ planes: Range<Int>) {
    if T.self == Float.self {
        unpoolPlanes(dout.floats, dx.floats, argMax, g, planes)
    } else if T.self == Double.self {
        unpoolPlanes(dout.doubles, dx.doubles, argMax, g, planes)
    } else {
        unpoolPlanes(dout, dx, argMax, g, planes)
    }
}

/// The window shape and output extent over a plane whose rows are `pitch` elements apart, every
/// window inside it.
struct PlaneWindows {
    var pitch: Int, poolHeight: Int, poolWidth: Int, stride: Int, outHeight: Int, outWidth: Int

    /// The book's SimpleConvNet pooling, taken eight windows at a time.
    var isTwoByTwoStrideTwo: Bool { poolHeight == 2 && poolWidth == 2 && stride == 2 }
}

/// Windows per vector in the 2×2 stride-2 loops.
let poolingVectorWidth = 8

extension UnsafePointer {
    /// This pointer as Float/Double, for a generic kernel that has checked `Pointee.self` (no conversion).
    fileprivate var floats: UnsafePointer<Float> { UnsafeRawPointer(self).assumingMemoryBound(to: Float.self) }
    fileprivate var doubles: UnsafePointer<Double> { UnsafeRawPointer(self).assumingMemoryBound(to: Double.self) }
}

extension UnsafeMutablePointer {
    fileprivate var floats: UnsafeMutablePointer<Float> { UnsafeMutableRawPointer(self).assumingMemoryBound(to: Float.self) }
    fileprivate var doubles: UnsafeMutablePointer<Double> { UnsafeMutableRawPointer(self).assumingMemoryBound(to: Double.self) }
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
            if windows.isTwoByTwoStrideTwo && windows.outWidth >= poolingVectorWidth {
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
        if windows.isTwoByTwoStrideTwo && windows.outWidth >= poolingVectorWidth && (F.self == Float.self || F.self == Double.self) {
            // The vector loop checks the elements it reads itself, and hands a plane with a NaN back.
            let finite = F.self == Float.self ? maxWindows2x2Stride2(xp.floats, yp.floats, ap, windows)
                                              : maxWindows2x2Stride2(xp.doubles, yp.doubles, ap, windows)
            if !finite { maxWindowsWithNaN(xp, yp, ap, windows) }
        } else if containsNonFinite(xp, pad > 0 ? paddedSize : planeSize) {
            maxWindowsWithNaN(xp, yp, ap, windows)
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
