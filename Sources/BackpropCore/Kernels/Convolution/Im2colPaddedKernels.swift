// The transposed im2col and col2im of one image at stride 1 through a zero-padded copy of it: the
// stride-1 path of Convolution's image-by-image arrangement. They equal `im2colTransposedImages` and
// `col2imTransposedImages` (Kernels/Im2colTransposedKernels.swift) on one image; Im2colTests hold them to it.
// `unrollShiftedRows` is a smaller stride-1 unrolling: the kx shifts only, the ky shifts left to the products.

// MARK: - Transposed, one image through a zero-padded copy (Convolution's stride-1 path)

/// Elements of scratch `im2colTransposedPadded` and `col2imTransposedPadded` need for one image:
/// C·(H + 2·pad)·(W + 2·pad).
func paddedImageSize(_ g: SlidingWindow) -> Int {
    g.channels * (g.height + 2 * g.pad) * (g.width + 2 * g.pad)
}

/// `im2colTransposedImages` for one image at stride 1: the image is first copied into the inside of
/// `padded` (`paddedImageSize(g)` elements whose border of `pad` cells the caller has zeroed; it is
/// never written, so a scratch kept for this use is zeroed once), so that every run of a block row is
/// the plain copy of OW elements of a padded row, with no test for the border. The first C·FH·FW rows
/// of the block at `colT` are written.
func im2colTransposedPadded<T: TensorScalar>(_ x: UnsafePointer<T>, _ colT: UnsafeMutablePointer<T>,
                                             _ g: SlidingWindow, padded: UnsafeMutablePointer<T>) {
    precondition(g.stride == 1, "im2colTransposedPadded: stride must be 1, got \(g.stride)")
    if T.self == Float.self {
        im2colPaddedKernel(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                           UnsafeMutableRawPointer(colT).assumingMemoryBound(to: Float.self), g,
                           UnsafeMutableRawPointer(padded).assumingMemoryBound(to: Float.self))
    } else if T.self == Double.self {
        im2colPaddedKernel(UnsafeRawPointer(x).assumingMemoryBound(to: Double.self),
                           UnsafeMutableRawPointer(colT).assumingMemoryBound(to: Double.self), g,
                           UnsafeMutableRawPointer(padded).assumingMemoryBound(to: Double.self))
    } else {
        im2colPaddedKernel(x, colT, g, padded)
    }
}

/// The adjoint of `im2colTransposedPadded`: the first C·FH·FW rows of the block at `colT` are added
/// into the zeroed `padded` image, whose inside then overwrites the image at `x`.
func col2imTransposedPadded<T: TensorScalar>(_ colT: UnsafePointer<T>, _ x: UnsafeMutablePointer<T>,
                                             _ g: SlidingWindow, padded: UnsafeMutablePointer<T>) {
    precondition(g.stride == 1, "col2imTransposedPadded: stride must be 1, got \(g.stride)")
    if T.self == Float.self {
        col2imPaddedKernel(UnsafeRawPointer(colT).assumingMemoryBound(to: Float.self),
                           UnsafeMutableRawPointer(x).assumingMemoryBound(to: Float.self), g,
                           UnsafeMutableRawPointer(padded).assumingMemoryBound(to: Float.self))
    } else if T.self == Double.self {
        col2imPaddedKernel(UnsafeRawPointer(colT).assumingMemoryBound(to: Double.self),
                           UnsafeMutableRawPointer(x).assumingMemoryBound(to: Double.self), g,
                           UnsafeMutableRawPointer(padded).assumingMemoryBound(to: Double.self))
    } else {
        col2imPaddedKernel(colT, x, g, padded)
    }
}

/// One image's stride-1 unrolling by kx shifts only, R (C·FW, PH·OW) with PH = H + 2·pad: row (c, kx) holds
/// R[c·FW + kx, y′·OW + j] = xpad[c, y′, j + kx] for the zero-padded image xpad (C, PH, W + 2·pad). Its
/// columns ky·OW ..< ky·OW + OH·OW are then rows (c, ky, kx) of the transposed im2col, colₙᵀ, for every
/// ky: colₙᵀ[(c·FH + ky)·FW + kx, q] = R[c·FW + kx, ky·OW + q], so a product with colₙᵀ is FH products with
/// slices of R at leading dimension PH·OW, from about FH·OH/PH times fewer copies. Only the cells that
/// come from inside the image are written: the caller zeroes R's padding once and it stays zero.
func unrollShiftedRows<T: TensorScalar>(_ x: UnsafePointer<T>, _ r: UnsafeMutablePointer<T>, _ g: SlidingWindow) {
    precondition(g.stride == 1, "unrollShiftedRows: stride must be 1, got \(g.stride)")
    if T.self == Float.self {
        shiftedRowsKernel(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                          UnsafeMutableRawPointer(r).assumingMemoryBound(to: Float.self), g)
    } else if T.self == Double.self {
        shiftedRowsKernel(UnsafeRawPointer(x).assumingMemoryBound(to: Double.self),
                          UnsafeMutableRawPointer(r).assumingMemoryBound(to: Double.self), g)
    } else {
        shiftedRowsKernel(x, r, g)
    }
}

@inline(never)
private func shiftedRowsKernel<F: BinaryFloatingPoint & SIMDScalar>(_ x: UnsafePointer<F>, _ r: UnsafeMutablePointer<F>,
                                                                    _ g: SlidingWindow) {
    let h = g.height, w = g.width, pad = g.pad, outWidth = g.outWidth
    let rowLength = (h + 2 * pad) * outWidth
    var row = r
    for c in 0..<g.channels {
        for kx in 0..<g.windowWidth {
            // Columns j whose xpad column j + kx is inside the image: first ..< last.
            let first = Swift.max(0, pad - kx), last = Swift.min(outWidth, w + pad - kx)
            if last > first {
                var src = x + (c * h * w + first + kx - pad), dst = row + (pad * outWidth + first)
                for _ in 0..<h {
                    copyRun(src, dst, last - first)
                    src += w
                    dst += outWidth
                }
            }
            row += rowLength
        }
    }
}

/// dst[k] = src[k] for k in 0..<count, eight and then four lanes at a time (never past either end).
@inline(__always)
private func copyRun<F: BinaryFloatingPoint & SIMDScalar>(_ src: UnsafePointer<F>, _ dst: UnsafeMutablePointer<F>,
                                                          _ count: Int) {
    var k = 0
    while k &+ 8 <= count {
        UnsafeMutableRawPointer(dst + k).storeBytes(of: UnsafeRawPointer(src + k).loadUnaligned(as: SIMD8<F>.self),
                                                    as: SIMD8<F>.self)
        k &+= 8
    }
    if k &+ 4 <= count {
        UnsafeMutableRawPointer(dst + k).storeBytes(of: UnsafeRawPointer(src + k).loadUnaligned(as: SIMD4<F>.self),
                                                    as: SIMD4<F>.self)
        k &+= 4
    }
    while k < count {
        dst[k] = src[k]
        k &+= 1
    }
}

@inline(never)
private func im2colPaddedKernel<F: BinaryFloatingPoint & SIMDScalar>(_ x: UnsafePointer<F>, _ colT: UnsafeMutablePointer<F>,
                                                                     _ g: SlidingWindow, _ padded: UnsafeMutablePointer<F>) {
    let fh = g.windowHeight, fw = g.windowWidth, h = g.height, w = g.width, pad = g.pad
    let outHeight = g.outHeight, outWidth = g.outWidth
    let pw = w + 2 * pad, planeSize = (h + 2 * pad) * pw
    // The padded copy (x itself when pad = 0); its border is already zero.
    if pad > 0 {
        for c in 0..<g.channels {
            for r in 0..<h {
                copyRun(x + (c * h + r) * w, padded + (c * planeSize + (r + pad) * pw + pad), w)
            }
        }
    }
    let source = pad > 0 ? UnsafePointer(padded) : x
    var dst = colT
    for c in 0..<g.channels {
        let plane = source + c * planeSize
        for ky in 0..<fh {
            for kx in 0..<fw {
                var src = plane + (ky * pw + kx)
                for _ in 0..<outHeight {
                    copyRun(src, dst, outWidth)
                    src += pw
                    dst += outWidth
                }
            }
        }
    }
}

@inline(never)
private func col2imPaddedKernel<F: BinaryFloatingPoint & SIMDScalar>(_ colT: UnsafePointer<F>, _ x: UnsafeMutablePointer<F>,
                                                                     _ g: SlidingWindow, _ padded: UnsafeMutablePointer<F>) {
    let fh = g.windowHeight, fw = g.windowWidth, h = g.height, w = g.width, pad = g.pad
    let outHeight = g.outHeight, outWidth = g.outWidth
    let pw = w + 2 * pad, planeSize = (h + 2 * pad) * pw
    // Block rows are read in order (a sequential stream), each added along the padded rows it came from.
    padded.update(repeating: 0, count: g.channels * planeSize)
    var src = colT
    for c in 0..<g.channels {
        let plane = padded + c * planeSize
        for ky in 0..<fh {
            for kx in 0..<fw {
                var dst = plane + (ky * pw + kx)
                for _ in 0..<outHeight {
                    addRun(src, dst, outWidth)
                    src += outWidth
                    dst += pw
                }
            }
        }
    }
    for c in 0..<g.channels {
        for r in 0..<h {
            copyRun(padded + (c * planeSize + (r + pad) * pw + pad), x + (c * h + r) * w, w)
        }
    }
}
