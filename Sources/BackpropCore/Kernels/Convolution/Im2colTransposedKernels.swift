// im2col and col2im with each image's rows transposed, (C·FH·FW, OH·OW) per image: the layout of
// Convolution's image-by-image arrangement (Kernels/Convolution/ConvolutionImageByImage.swift). Each equals the
// book's im2col (col2im) of one image followed (preceded) by a transpose; Im2colTests hold them to it.

// MARK: - Transposed, image by image (Convolution's layout)

/// im2col with each image's rows transposed: image n gets a block of `blockRows` rows of OH·OW
/// elements starting at `colT + n·blockRows·OH·OW`, whose row (c·FH + ky)·FW + kx holds, for every
/// output position, the element the book's col has in column (c, ky, kx) — i.e. block n is the book's
/// col rows of image n, transposed: (C·FH·FW, OH·OW). Rows from C·FH·FW to `blockRows` are left as
/// they are (Convolution keeps a row of ones there for the bias).
///
/// In this layout the image row under a filter row is one contiguous run per output row (stride 1),
/// so copies are long, and W·block is a plain matrix product giving the (FN, OH·OW) output of one image.
/// Parallel over images when there is enough work, unless `parallel` is false (a caller that already
/// runs on one of several threads).
func im2colTransposedImages<T: TensorScalar>(_ x: UnsafePointer<T>, _ colT: UnsafeMutablePointer<T>,
                                             _ g: SlidingWindow, images: Int, blockRows: Int,
                                             parallel: Bool = true) {
    let perImage = blockRows * g.outPositions
    if images == 0 || g.outPositions == 0 || g.rowLength == 0 { return }
    let xEnd = x + images * g.imageSize
    let grain = parallel ? Swift.max(1, im2colGrain / perImage) : Int.max
    parallelChunks(images, grain: grain) { range in
        let xs = x + range.lowerBound * g.imageSize, cs = colT + range.lowerBound * perImage
        if T.self == Float.self {
            im2colTransposedKernel(UnsafeRawPointer(xs).assumingMemoryBound(to: Float.self),
                                   UnsafeRawPointer(xEnd).assumingMemoryBound(to: Float.self),
                                   UnsafeMutableRawPointer(cs).assumingMemoryBound(to: Float.self),
                                   g, images: range.count, blockRows: blockRows, zero: 0)
        } else if T.self == Double.self {
            im2colTransposedKernel(UnsafeRawPointer(xs).assumingMemoryBound(to: Double.self),
                                   UnsafeRawPointer(xEnd).assumingMemoryBound(to: Double.self),
                                   UnsafeMutableRawPointer(cs).assumingMemoryBound(to: Double.self),
                                   g, images: range.count, blockRows: blockRows, zero: 0)
        } else {
            im2colTransposedKernel(xs, xEnd, cs, g, images: range.count, blockRows: blockRows, zero: T.zero)
        }
    }
}

/// The adjoint of `im2colTransposedImages` (col2im from blocks of `blockRows` rows, of which the first
/// C·FH·FW are read): `images` consecutive images starting at `x` are overwritten. Parallel as
/// `im2colTransposedImages`.
func col2imTransposedImages<T: TensorScalar>(_ colT: UnsafePointer<T>, _ x: UnsafeMutablePointer<T>,
                                             _ g: SlidingWindow, images: Int, blockRows: Int,
                                             parallel: Bool = true) {
    let perImage = blockRows * g.outPositions
    if images == 0 || g.imageSize == 0 { return }
    let grain = parallel ? Swift.max(1, im2colGrain / Swift.max(perImage, g.imageSize)) : Int.max
    parallelChunks(images, grain: grain) { range in
        let cs = colT + range.lowerBound * perImage, xs = x + range.lowerBound * g.imageSize
        if T.self == Float.self {
            col2imTransposedKernel(UnsafeRawPointer(cs).assumingMemoryBound(to: Float.self),
                                   UnsafeMutableRawPointer(xs).assumingMemoryBound(to: Float.self),
                                   g, images: range.count, blockRows: blockRows)
        } else if T.self == Double.self {
            col2imTransposedKernel(UnsafeRawPointer(cs).assumingMemoryBound(to: Double.self),
                                   UnsafeMutableRawPointer(xs).assumingMemoryBound(to: Double.self),
                                   g, images: range.count, blockRows: blockRows)
        } else {
            col2imTransposedKernel(cs, xs, g, images: range.count, blockRows: blockRows)
        }
    }
}

// MARK: - Kernels

/// The output columns ox whose window column ox·stride + kx − pad falls inside an image row of `width`.
@inline(__always)
private func insideColumns(kx: Int, stride: Int, pad: Int, width: Int, outWidth: Int) -> Range<Int> {
    let lower = Swift.max(0, (pad - kx + stride - 1) / stride)
    let span = width - 1 + pad - kx          // the last window column inside the row, in padded units
    let upper = span < 0 ? 0 : Swift.min(outWidth, span / stride + 1)
    return lower..<Swift.max(lower, upper)
}

/// `im2colTransposedImages` on one run of images: for each filter element (c, ky, kx), for each output
/// row, the image row's run under it (OW elements at stride 1, gathered otherwise), with padding zeros at
/// either end. A contiguous run is copied in blocks of 8, the last block running past the run into
/// elements written next; never past the block's C·FH·FW rows or past `xEnd` when reading.
@inline(never)
private func im2colTransposedKernel<F>(_ x: UnsafePointer<F>, _ xEnd: UnsafePointer<F>,
                                       _ colT: UnsafeMutablePointer<F>, _ g: SlidingWindow,
                                       images: Int, blockRows: Int, zero: F) {
    let fh = g.windowHeight, fw = g.windowWidth, h = g.height, w = g.width
    let channels = g.channels, stride = g.stride, pad = g.pad
    let outHeight = g.outHeight, outWidth = g.outWidth, imageSize = g.imageSize
    let planeSize = h * w, positions = outHeight * outWidth, rows = g.rowLength
    let blockBytes = blockElements * MemoryLayout<F>.stride
    for i in 0..<images {
        let image = x + i * imageSize
        let block = colT + i * blockRows * positions
        let blockEnd = block + rows * positions
        for c in 0..<channels {
            let plane = image + c * planeSize
            for ky in 0..<fh {
                for kx in 0..<fw {
                    let row = block + ((c * fh + ky) * fw + kx) * positions
                    let inside = insideColumns(kx: kx, stride: stride, pad: pad, width: w, outWidth: outWidth)
                    let lower = inside.lowerBound, upper = inside.upperBound, count = upper - lower
                    for oy in 0..<outHeight {
                        let iy = oy * stride + ky - pad
                        let d = row + oy * outWidth
                        if iy < 0 || iy >= h || count == 0 {
                            for k in 0..<outWidth { d[k] = zero }
                            continue
                        }
                        for k in 0..<lower { d[k] = zero }
                        let src = plane + (iy * w + lower * stride + kx - pad)
                        let dst = d + lower
                        if stride == 1 {
                            if xEnd - src >= count + blockElements && blockEnd - dst >= count + blockElements {
                                var k = 0
                                while k < count {
                                    UnsafeMutableRawPointer(dst + k).copyMemory(from: src + k, byteCount: blockBytes)
                                    k += blockElements
                                }
                            } else {
                                for k in 0..<count { dst[k] = src[k] }
                            }
                        } else {
                            for k in 0..<count { dst[k] = src[k * stride] }
                        }
                        for k in upper..<outWidth { d[k] = zero }
                    }
                }
            }
        }
    }
}

/// dst[k] += src[k] for k in 0..<count, eight and then four lanes at a time. (The compiler's own
/// vectorisation of the plain loop leaves most of a run as short as OW = 28 to a scalar remainder.)
@inline(__always)
func addRun<F: BinaryFloatingPoint & SIMDScalar>(_ src: UnsafePointer<F>, _ dst: UnsafeMutablePointer<F>,
                                                         _ count: Int) {
    var k = 0
    while k + 8 <= count {
        let sum = UnsafeRawPointer(dst + k).loadUnaligned(as: SIMD8<F>.self)
            + UnsafeRawPointer(src + k).loadUnaligned(as: SIMD8<F>.self)
        UnsafeMutableRawPointer(dst + k).storeBytes(of: sum, as: SIMD8<F>.self)
        k += 8
    }
    if k + 4 <= count {
        let sum = UnsafeRawPointer(dst + k).loadUnaligned(as: SIMD4<F>.self)
            + UnsafeRawPointer(src + k).loadUnaligned(as: SIMD4<F>.self)
        UnsafeMutableRawPointer(dst + k).storeBytes(of: sum, as: SIMD4<F>.self)
        k += 4
    }
    while k < count {
        dst[k] += src[k]
        k += 1
    }
}

/// `col2imTransposedImages` on one run of images: zero the images, then add each block row back along
/// the image rows it came from (a contiguous add of OW elements at stride 1).
@inline(never)
private func col2imTransposedKernel<F: BinaryFloatingPoint & SIMDScalar>(_ colT: UnsafePointer<F>, _ x: UnsafeMutablePointer<F>,
                                                      _ g: SlidingWindow, images: Int, blockRows: Int) {
    let fh = g.windowHeight, fw = g.windowWidth, h = g.height, w = g.width
    let channels = g.channels, stride = g.stride, pad = g.pad
    let outHeight = g.outHeight, outWidth = g.outWidth, imageSize = g.imageSize
    let planeSize = h * w, positions = outHeight * outWidth
    x.update(repeating: 0, count: images * imageSize)
    for i in 0..<images {
        let image = x + i * imageSize
        let block = colT + i * blockRows * positions
        for c in 0..<channels {
            let plane = image + c * planeSize
            for ky in 0..<fh {
                for kx in 0..<fw {
                    let row = block + ((c * fh + ky) * fw + kx) * positions
                    let inside = insideColumns(kx: kx, stride: stride, pad: pad, width: w, outWidth: outWidth)
                    let lower = inside.lowerBound, count = inside.count
                    if count == 0 { continue }
                    for oy in 0..<outHeight {
                        let iy = oy * stride + ky - pad
                        if iy < 0 || iy >= h { continue }
                        let dst = plane + (iy * w + lower * stride + kx - pad)
                        let src = row + (oy * outWidth + lower)
                        if stride == 1 {
                            addRun(src, dst, count)
                        } else {
                            for k in 0..<count { dst[k * stride] += src[k] }
                        }
                    }
                }
            }
        }
    }
}
