// Pooling's backward over planes (§7.4.4), called by `poolingBackward` (Kernels/Pooling/PoolingPlanes.swift).

/// Backward over planes `planes` into dx (overwritten).
///
/// - max (argMax given): equals the book's `dmax[np.arange(n), arg_max] = dout.flatten()` followed by
///   `col2im`: each dout is added at its window's maximum (skipped for padding, −1), in output order.
///   Float planes tiled by 2×2 windows at stride 2 (`unpoolsDensely`) are written densely instead
///   (`unpoolWindows2x2Stride2`), with the same bits.
/// - average (argMax nil): equals a dmax whose row holds dout / (ph·pw) in every cell, followed by
///   `col2im`: the share is added to every cell of its window, in output order; with pad > 0 into the
///   scratch plane, whose inside is then copied to dx (the padding's share is dropped).
@inline(never)
func unpoolPlanes<F: BinaryFloatingPoint>(_ dout: UnsafePointer<F>, _ dx: UnsafeMutablePointer<F>,
                                          _ argMax: UnsafePointer<Int32>?, _ g: SlidingWindow,
                                          _ planes: Range<Int>) {
    let h = g.height, w = g.width, pad = g.pad
    let planeSize = h * w, outSize = g.outPositions
    if let argMax, F.self == Float.self, unpoolsDensely(g) {
        let dout = UnsafeRawPointer(dout).assumingMemoryBound(to: Float.self)
        let dx = UnsafeMutableRawPointer(dx).assumingMemoryBound(to: Float.self)
        for plane in planes {
            unpoolWindows2x2Stride2(dout + plane * outSize, dx + plane * planeSize, argMax + plane * outSize, g)
        }
        return
    }
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

/// Whether `unpoolWindows2x2Stride2` takes the planes of `g`: 2×2 windows at stride 2 without padding
/// that tile each row exactly (W = 2·OW, OW ≥ 4; a last odd row is left to no window).
@inline(__always)
func unpoolsDensely(_ g: SlidingWindow) -> Bool {
    g.windowHeight == 2 && g.windowWidth == 2 && g.stride == 2 && g.pad == 0 && g.width == 2 * g.outWidth
        && g.outWidth >= 4
}

/// Equals `unpoolPlanes` with argMax on one plane whose windows tile it (`unpoolsDensely`): dx (H, W) is
/// written once, densely, four windows (two rows of eight elements) at a time, with no zeroing pass and
/// no scattered stores. Each element is dout + 0 of its window where that window's argMax points at it,
/// else +0 — what adding dout to a zeroed plane gives (+0 + d, so −0 becomes +0), bit for bit. A row's
/// last group of four is shifted left to end at the row's end (rewriting the same values).
@inline(__always)
func unpoolWindows2x2Stride2(_ dout: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                             _ argMax: UnsafePointer<Int32>, _ g: SlidingWindow) {
    let w = g.width, outWidth = g.outWidth
    let offsets = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
    for oy in 0..<g.outHeight {
        var ox = 0
        while ox < outWidth {
            let start = Swift.min(ox, outWidth - 4), o = oy * outWidth + start, top = 2 * oy * w + 2 * start
            let a = UnsafeRawPointer(argMax + o).loadUnaligned(as: SIMD4<Int32>.self)
            let d = UnsafeRawPointer(dout + o).loadUnaligned(as: SIMD4<Float>.self) + 0
            // Each window's argMax and dout twice: lanes 2k and 2k + 1 are window k's two columns.
            let a2 = SIMD8<Int32>(a[0], a[0], a[1], a[1], a[2], a[2], a[3], a[3])
            let d2 = SIMD8<Float>(d[0], d[0], d[1], d[1], d[2], d[2], d[3], d[3])
            for row in [top, top + w] {
                let hit = a2 .== SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: row)) &+ offsets
                UnsafeMutableRawPointer(dx + row).storeBytes(of: SIMD8<Float>().replacing(with: d2, where: hit), as: SIMD8<Float>.self)
            }
            ox = start + 4
        }
    }
    let covered = 2 * g.outHeight * w
    (dx + covered).update(repeating: 0, count: g.height * w - covered)
}
