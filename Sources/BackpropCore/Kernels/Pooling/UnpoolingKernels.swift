// Pooling's backward over planes (§7.4.4), called by `poolingBackward` (Kernels/Pooling/PoolingPlanes.swift).

/// Backward over planes `planes` into dx (overwritten).
///
/// - max (argMax given): equals the book's `dmax[np.arange(n), arg_max] = dout.flatten()` followed by
///   `col2im`: each dout is added at its window's maximum (skipped for padding, −1), in output order.
/// - average (argMax nil): equals a dmax whose row holds dout / (ph·pw) in every cell, followed by
///   `col2im`: the share is added to every cell of its window, in output order; with pad > 0 into the
///   scratch plane, whose inside is then copied to dx (the padding's share is dropped).
@inline(never)
func unpoolPlanes<F: BinaryFloatingPoint>(_ dout: UnsafePointer<F>, _ dx: UnsafeMutablePointer<F>,
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
