// Max pooling's window loops over one plane (§7.4.4), called by `poolPlanes` (Kernels/Pooling/PoolingPlanes.swift).
// Each writes, for every window of the plane in row-major order, the window's first largest element
// (row-major window order, as NumPy's argmax) into y and its offset in the plane into argMax: together
// the book's `np.max(col, axis=1)` and `np.argmax(col, axis=1)` over this plane's rows of col, with the
// argmax as a plane offset instead of a column of col. All but `maxWindowsWithNaN` assume no NaN.

// The 2×2 stride-2 loops on vectors. The max loops are written once for Float and once for Double
// (their lane masks and index vectors differ in width per type). Eight windows of an output row
// read 16 consecutive elements of each of their two image rows; a row's last group of eight is
// shifted left to end at the row's end (recomputing a few windows) instead of running past it.

/// Equals `maxWindows` for 2×2 windows at stride 2 (Float), on a plane with at least eight windows per
/// row: `>` on vectors, ties kept by the earlier element, so the same first maximum. Returns whether the
/// sum of the elements it read is finite: false when a NaN or an infinity is among them (or the sum
/// leaves Float's range), and then the caller pools the plane again with `maxWindowsWithNaN`. So the
/// plane needs no pass of its own for `containsNonFinite`.
@inline(__always)
func maxWindows2x2Stride2(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                          _ argMax: UnsafeMutablePointer<Int32>, _ p: PlaneWindows) -> Bool {
    let pitch = p.pitch, outWidth = p.outWidth
    let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
    var o = 0, sum = SIMD16<Float>()
    for oy in 0..<p.outHeight {
        let r0 = 2 * oy * pitch, r1 = r0 + pitch
        var ox = 0
        while ox < outWidth {
            let start = Swift.min(ox, outWidth - poolingVectorWidth)
            let i0 = r0 + 2 * start, i1 = r1 + 2 * start
            let top = UnsafeRawPointer(x + i0).loadUnaligned(as: SIMD16<Float>.self)
            let bottom = UnsafeRawPointer(x + i1).loadUnaligned(as: SIMD16<Float>.self)
            sum += top + bottom
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
            ox = start + poolingVectorWidth
        }
        o += outWidth
    }
    return sum.sum().isFinite
}

/// Equals `maxWindows` for 2×2 windows at stride 2 (Double), on a plane with at least eight windows per
/// row (as the Float loop, with 64-bit lane indices), with the same check of its elements' sum.
@inline(__always)
func maxWindows2x2Stride2(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>,
                          _ argMax: UnsafeMutablePointer<Int32>, _ p: PlaneWindows) -> Bool {
    let pitch = p.pitch, outWidth = p.outWidth
    let lanes = SIMD8<Int64>(0, 2, 4, 6, 8, 10, 12, 14)
    var o = 0, sum = SIMD16<Double>()
    for oy in 0..<p.outHeight {
        let r0 = 2 * oy * pitch, r1 = r0 + pitch
        var ox = 0
        while ox < outWidth {
            let start = Swift.min(ox, outWidth - poolingVectorWidth)
            let i0 = r0 + 2 * start, i1 = r1 + 2 * start
            let top = UnsafeRawPointer(x + i0).loadUnaligned(as: SIMD16<Double>.self)
            let bottom = UnsafeRawPointer(x + i1).loadUnaligned(as: SIMD16<Double>.self)
            sum += top + bottom
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
            ox = start + poolingVectorWidth
        }
        o += outWidth
    }
    return sum.sum().isFinite
}

/// Equals `!(0..<n).allSatisfy { p[$0].isFinite }`: whether any of n elements is NaN or infinite
/// (x − x is NaN exactly then, and a NaN stays in a sum). Float on vectors of eight accumulators,
/// Double on eight scalar ones, so the pass over a plane already in cache runs at full speed.
/// Infinities only send the plane to the exact loop, which handles them as well.
@inline(__always)
func containsNonFinite<F: BinaryFloatingPoint>(_ p: UnsafePointer<F>, _ n: Int) -> Bool {
    var i = 0, vectors = false
    if F.self == Float.self {
        let raw = UnsafeRawPointer(p)
        var a = SIMD8<Float>(), b = SIMD8<Float>()
        while i + 16 <= n {
            let u = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            let v = raw.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
            a += u - u
            b += v - v
            i += 16
        }
        vectors = !(a + b).sum().isFinite
    }
    var a0: F = 0, a1: F = 0, a2: F = 0, a3: F = 0, a4: F = 0, a5: F = 0, a6: F = 0, a7: F = 0
    while i + 8 <= n {
        a0 += p[i] - p[i]; a1 += p[i + 1] - p[i + 1]; a2 += p[i + 2] - p[i + 2]; a3 += p[i + 3] - p[i + 3]
        a4 += p[i + 4] - p[i + 4]; a5 += p[i + 5] - p[i + 5]; a6 += p[i + 6] - p[i + 6]; a7 += p[i + 7] - p[i + 7]
        i += 8
    }
    while i < n { a0 += p[i] - p[i]; i += 1 }
    return vectors || !((a0 + a1 + a2 + a3) + (a4 + a5 + a6 + a7)).isFinite
}

/// If v > best, v and its offset become the best so far (written so it compiles to conditional moves).
@inline(__always)
func keepLarger<F: BinaryFloatingPoint>(_ best: inout F, _ index: inout Int, _ v: F, _ i: Int) {
    if v > best { best = v; index = i }
}

/// Equals `maxWindows` for 2×2 windows (any stride), written out so each comparison is a conditional move.
@inline(__always)
func maxWindows2x2<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
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

/// Equals `maxWindows` for 3×3 windows (any stride), written out so each comparison is a conditional move.
@inline(__always)
func maxWindows3x3<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
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

/// Equals, on a plane without NaN, the book's `np.max(col, axis=1)` into y and `np.argmax(col, axis=1)`
/// into argMax (as plane offsets) over the plane's windows: any window size, the first maximum in
/// row-major window order.
@inline(__always)
func maxWindows<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
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

/// Equals the book's `np.max(col, axis=1)` and `np.argmax(col, axis=1)` on any plane, NaN included: any
/// window size with NumPy's NaN rule (a NaN beats everything and the first NaN wins; y gets that NaN).
@inline(__always)
func maxWindowsWithNaN<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
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
