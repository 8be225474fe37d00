// Average pooling's window loops over one plane, called by `poolPlanes` (Kernels/Pooling/PoolingPlanes.swift):
// for every window in row-major order, the sum of its elements in row-major window order divided by
// ph·pw — the mean of each row of the book's col (`np.mean(col, axis=1)`), padding counted as zeros.

/// Equals `averageWindows` for 2×2 windows at stride 2 on a plane with at least eight windows per row,
/// bit for bit (the same sum order), eight windows at a time. One definition for both types: it has no
/// masks, and each call site passes concrete Float or Double pointers, so it is specialised and inlined there.
@inline(__always)
func averageWindows2x2Stride2<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                               _ p: PlaneWindows) {
    let pitch = p.pitch, outWidth = p.outWidth
    var o = 0
    for oy in 0..<p.outHeight {
        let r0 = 2 * oy * pitch, r1 = r0 + pitch
        var ox = 0
        while ox < outWidth {
            let start = Swift.min(ox, outWidth - poolingVectorWidth)
            let top = UnsafeRawPointer(x + r0 + 2 * start).loadUnaligned(as: SIMD16<T>.self)
            let bottom = UnsafeRawPointer(x + r1 + 2 * start).loadUnaligned(as: SIMD16<T>.self)
            // Summed in row-major window order, as the general loop.
            let mean = (top.evenHalf + top.oddHalf + bottom.evenHalf + bottom.oddHalf) / 4
            UnsafeMutableRawPointer(y + o + start).storeBytes(of: mean, as: SIMD8<T>.self)
            ox = start + poolingVectorWidth
        }
        o += outWidth
    }
}

/// Equals the book's col reduced by a mean along rows, `np.mean(col, axis=1)`, over the plane's windows:
/// out = (Σ window, in row-major window order) / (ph·pw), padding included as zeros.
@inline(__always)
func averageWindows<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, _ y: UnsafeMutablePointer<F>,
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
