// The loops behind §7.4.3's `im2col` and `col2im` (Tensor/Im2col.swift), in the book's layout: col of
// shape (N·OH·OW, C·FH·FW), one row per window position. Also used by Pooling.
//
// im2col only copies elements; col2im adds them. Both run on raw buffers: the loops are compiled once
// for Float and once for Double (one `T.self` test per call picks the loop), so generic code never
// touches single elements. Other element types fall back to the same loop, unspecialised.

/// Elements of col (or of images) per parallel chunk: below this, a second thread costs more than it saves.
let im2colGrain = 1 << 15

// MARK: - Raw-buffer entry points (the book's layout)

/// im2col of `images` consecutive images starting at `x` into the rows starting at `col`
/// (images·OH·OW rows of C·FH·FW). Parallel over images when there is enough work.
func im2colImages<T: TensorScalar>(_ x: UnsafePointer<T>, _ col: UnsafeMutablePointer<T>, _ g: SlidingWindow,
                                   images: Int) {
    let perImage = g.outPositions * g.rowLength
    if images == 0 || perImage == 0 { return }
    let xEnd = x + images * g.imageSize
    parallelChunks(images, grain: Swift.max(1, im2colGrain / perImage)) { range in
        let xs = x + range.lowerBound * g.imageSize, cs = col + range.lowerBound * perImage
        let csEnd = cs + range.count * perImage
        if T.self == Float.self {
            im2colKernel(UnsafeRawPointer(xs).assumingMemoryBound(to: Float.self),
                         UnsafeRawPointer(xEnd).assumingMemoryBound(to: Float.self),
                         UnsafeMutableRawPointer(cs).assumingMemoryBound(to: Float.self),
                         UnsafeMutableRawPointer(csEnd).assumingMemoryBound(to: Float.self),
                         g, images: range.count, zero: 0)
        } else if T.self == Double.self {
            im2colKernel(UnsafeRawPointer(xs).assumingMemoryBound(to: Double.self),
                         UnsafeRawPointer(xEnd).assumingMemoryBound(to: Double.self),
                         UnsafeMutableRawPointer(cs).assumingMemoryBound(to: Double.self),
                         UnsafeMutableRawPointer(csEnd).assumingMemoryBound(to: Double.self),
                         g, images: range.count, zero: 0)
        } else {
            im2colKernel(xs, xEnd, cs, csEnd, g, images: range.count, zero: T.zero)
        }
    }
}

/// col2im of the rows starting at `col` (images·OH·OW rows) into `images` consecutive images starting
/// at `x`, which are overwritten. Parallel over images (each writes only its own image).
func col2imImages<T: TensorScalar>(_ col: UnsafePointer<T>, _ x: UnsafeMutablePointer<T>, _ g: SlidingWindow,
                                   images: Int) {
    let perImage = g.outPositions * g.rowLength
    if images == 0 || g.imageSize == 0 { return }
    parallelChunks(images, grain: Swift.max(1, im2colGrain / Swift.max(perImage, g.imageSize))) { range in
        let cs = col + range.lowerBound * perImage, xs = x + range.lowerBound * g.imageSize
        if T.self == Float.self {
            col2imKernel(UnsafeRawPointer(cs).assumingMemoryBound(to: Float.self),
                         UnsafeMutableRawPointer(xs).assumingMemoryBound(to: Float.self), g, images: range.count)
        } else if T.self == Double.self {
            col2imKernel(UnsafeRawPointer(cs).assumingMemoryBound(to: Double.self),
                         UnsafeMutableRawPointer(xs).assumingMemoryBound(to: Double.self), g, images: range.count)
        } else {
            col2imKernel(cs, xs, g, images: range.count)
        }
    }
}

/// Sets `count` elements to `value` with a concrete Float or Double loop.
func fillElements<T: TensorScalar>(_ p: UnsafeMutablePointer<T>, count: Int, with value: T) {
    if T.self == Float.self {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
            .update(repeating: unsafeBitCast(value, to: Float.self), count: count)
    } else if T.self == Double.self {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Double.self)
            .update(repeating: unsafeBitCast(value, to: Double.self), count: count)
    } else {
        p.update(repeating: value, count: count)
    }
}

// MARK: - Kernels
//
// The kernels are generic only so that one text serves Float and Double: every call above passes a
// concrete type, so each is compiled (specialised) once per type. They take the geometry by value and
// copy it to locals first, so the loops keep it in registers.

/// Where a window at horizontal offset x0 (in unpadded coordinates) meets the image: `left` padding
/// cells, then `inner` image cells starting at column x0 + left, then `right` padding cells.
@inline(__always)
private func horizontalRun(_ x0: Int, window: Int, width: Int) -> (left: Int, inner: Int, right: Int) {
    let left = Swift.min(window, Swift.max(0, -x0))
    let right = Swift.min(window - left, Swift.max(0, x0 + window - width))
    return (left, window - left - right, right)
}

/// The widest run copied as one fixed-size block (8 elements: one or two vector registers).
let blockElements = 8

/// The book's im2col on one run of images, written row by row of col: for each output position, for
/// each channel and filter row, FW elements — a contiguous run of the image row with padding zeros at
/// either end. Pure copying.
///
/// A run of FW ≤ 8 image elements is copied as one fixed block of 8 (a single vector load and store)
/// when the read stays before `xEnd` and the write before `colEnd`: the lanes past FW land where the
/// following runs are written next, so they are overwritten before anyone reads them. `colEnd` is the
/// end of this call's own rows, so a parallel neighbour's rows are never touched.
@inline(never)
private func im2colKernel<F>(_ x: UnsafePointer<F>, _ xEnd: UnsafePointer<F>,
                             _ col: UnsafeMutablePointer<F>, _ colEnd: UnsafeMutablePointer<F>,
                             _ g: SlidingWindow, images: Int, zero: F) {
    let fh = g.windowHeight, fw = g.windowWidth, h = g.height, w = g.width
    let channels = g.channels, stride = g.stride, pad = g.pad
    let outHeight = g.outHeight, outWidth = g.outWidth, imageSize = g.imageSize
    let planeSize = h * w
    let blockBytes = blockElements * MemoryLayout<F>.stride
    let useBlocks = fw <= blockElements
    var dst = col
    for i in 0..<images {
        let image = x + i * imageSize
        for oy in 0..<outHeight {
            let y0 = oy * stride - pad
            for ox in 0..<outWidth {
                let x0 = ox * stride - pad
                let (left, inner, _) = horizontalRun(x0, window: fw, width: w)
                for c in 0..<channels {
                    let plane = image + c * planeSize
                    for ky in 0..<fh {
                        let iy = y0 + ky
                        if iy < 0 || iy >= h || inner == 0 {
                            for k in 0..<fw { dst[k] = zero }
                        } else if inner == fw {
                            let src = plane + (iy * w + x0)
                            if useBlocks && xEnd - src >= blockElements && colEnd - dst >= blockElements {
                                UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: blockBytes)
                            } else {
                                for k in 0..<fw { dst[k] = src[k] }
                            }
                        } else {
                            let src = plane + (iy * w + x0 + left)
                            for k in 0..<left { dst[k] = zero }
                            for k in 0..<inner { dst[left + k] = src[k] }
                            for k in (left + inner)..<fw { dst[k] = zero }
                        }
                        dst += fw
                    }
                }
            }
        }
    }
}

/// The book's col2im on one run of images: the images are zeroed, then every element of col that came
/// from the image (not from padding) is added back where im2col took it.
@inline(never)
private func col2imKernel<F: FloatingPoint>(_ col: UnsafePointer<F>, _ x: UnsafeMutablePointer<F>,
                                            _ g: SlidingWindow, images: Int) {
    let fh = g.windowHeight, fw = g.windowWidth, h = g.height, w = g.width
    let channels = g.channels, stride = g.stride, pad = g.pad
    let outHeight = g.outHeight, outWidth = g.outWidth, imageSize = g.imageSize
    let planeSize = h * w
    x.update(repeating: 0, count: images * imageSize)
    var src = col
    for i in 0..<images {
        let image = x + i * imageSize
        for oy in 0..<outHeight {
            let y0 = oy * stride - pad
            for ox in 0..<outWidth {
                let x0 = ox * stride - pad
                let (left, inner, _) = horizontalRun(x0, window: fw, width: w)
                for c in 0..<channels {
                    let plane = image + c * planeSize
                    for ky in 0..<fh {
                        let iy = y0 + ky
                        if iy >= 0 && iy < h && inner > 0 {
                            let dst = plane + (iy * w + x0 + left)
                            let run = src + left
                            for k in 0..<inner { dst[k] += run[k] }
                        }
                        src += fw
                    }
                }
            }
        }
    }
}
