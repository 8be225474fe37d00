// §7.4.3 im2col and col2im: a batch of images unrolled so that a convolution (or a pooling) becomes one
// matrix product (or one reduction along rows).
//
// im2col only copies elements; col2im adds them. Both run on raw buffers: the loops are compiled once
// for Float and once for Double (one `T.self` test per call picks the loop), so generic code never
// touches single elements. Other element types fall back to the same loop, unspecialised.

/// The sizes of a window (a convolution's filter, §7.4.3, or a pooling window, §7.4.4) sliding over a
/// batch of images (N, C, H, W) with the given stride, after zero-padding by `pad` on every side.
///
/// OH = (H + 2·pad − FH) / stride + 1 and OW likewise (integer division, as the book); both are 0
/// when the window does not fit in the padded image.
struct SlidingWindow: Equatable, Sendable {
    /// N, C, H, W of the input.
    var batch: Int, channels: Int, height: Int, width: Int
    /// FH, FW: the window's extent.
    var windowHeight: Int, windowWidth: Int
    var stride: Int, pad: Int
    /// OH, OW: the number of window positions along each axis.
    var outHeight: Int, outWidth: Int

    /// The window over an input of `inputShape` (N, C, H, W). Stops, naming `operation`, on a shape of
    /// another rank, a window smaller than 1×1, a stride below 1 or a negative pad.
    init(inputShape: [Int], windowHeight: Int, windowWidth: Int, stride: Int, pad: Int, operation: String) {
        precondition(inputShape.count == 4,
                     "\(operation): input must be 4-d (N, C, H, W), got shape \(inputShape)")
        precondition(windowHeight >= 1 && windowWidth >= 1,
                     "\(operation): window must be at least 1×1, got \(windowHeight)×\(windowWidth)")
        precondition(stride >= 1, "\(operation): stride must be at least 1, got \(stride)")
        precondition(pad >= 0, "\(operation): pad must be non-negative, got \(pad)")
        batch = inputShape[0]; channels = inputShape[1]; height = inputShape[2]; width = inputShape[3]
        self.windowHeight = windowHeight
        self.windowWidth = windowWidth
        self.stride = stride
        self.pad = pad
        let spanH = height + 2 * pad - windowHeight, spanW = width + 2 * pad - windowWidth
        outHeight = spanH < 0 ? 0 : spanH / stride + 1
        outWidth = spanW < 0 ? 0 : spanW / stride + 1
    }

    /// C·H·W: elements per input image.
    var imageSize: Int { channels * height * width }
    /// OH·OW: window positions per image (rows of col per image).
    var outPositions: Int { outHeight * outWidth }
    /// C·FH·FW: the length of one row of col.
    var rowLength: Int { channels * windowHeight * windowWidth }
    /// (N·OH·OW, C·FH·FW): the shape of col.
    var colShape: [Int] { [batch * outPositions, rowLength] }
    /// Whether the window never fits (no output positions).
    var isEmpty: Bool { outHeight == 0 || outWidth == 0 }
}

/// Elements of col (or of images) per parallel chunk: below this, a second thread costs more than it saves.
private let im2colGrain = 1 << 15

// MARK: - Public API

/// §7.4.3 im2col: the batch `x` (N, C, H, W) unrolled for a filter of `filterHeight`×`filterWidth`
/// moved by `stride` over `x` zero-padded by `pad` on every side.
///
/// - Returns col of shape (N·OH·OW, C·FH·FW), OH = (H + 2·pad − FH)/stride + 1 (OW likewise): row
///   (n·OH + oy)·OW + ox holds the window at output position (oy, ox) of image n, ordered (c, ky, kx)
///   — exactly the book's `im2col`, so a filter (FN, C, FH, FW) reshaped to (FN, C·FH·FW) lines up
///   with the rows. Padding cells are 0. No rows (0) when the filter does not fit.
/// - Stops if x is not 4-d, the filter is smaller than 1×1, stride < 1 or pad < 0.
public func im2col<T: TensorScalar>(_ x: Tensor<T>, filterHeight: Int, filterWidth: Int,
                                    stride: Int = 1, pad: Int = 0) -> Tensor<T> {
    var col = Tensor<T>(shape: [0, 0], scalars: [])
    im2col(x, filterHeight: filterHeight, filterWidth: filterWidth, stride: stride, pad: pad, into: &col)
    return col
}

/// `im2col` written into `col`, which is reused as it is when it already has the shape
/// (N·OH·OW, C·FH·FW) (and not shared) and replaced otherwise: repeated calls on batches of one shape
/// allocate nothing. Every element of `col` is overwritten.
public func im2col<T: TensorScalar>(_ x: Tensor<T>, filterHeight: Int, filterWidth: Int,
                                    stride: Int = 1, pad: Int = 0, into col: inout Tensor<T>) {
    let g = SlidingWindow(inputShape: x.shape, windowHeight: filterHeight, windowWidth: filterWidth,
                          stride: stride, pad: pad, operation: "im2col")
    let shape = g.colShape
    if col.shape != shape { col = Tensor(shape: shape) { _ in } }
    if col.count == 0 { return }
    x.withUnsafeBufferPointer { px in
        col.withUnsafeMutableBufferPointer { pc in
            im2colImages(px.baseAddress!, pc.baseAddress!, g, images: g.batch)
        }
    }
}

/// §7.4.3 col2im, the adjoint of `im2col`: each element of `col` (N·OH·OW, C·FH·FW) is added to the
/// input position it was copied from, and elements that came from padding are dropped.
///
/// - Returns x of `inputShape` (N, C, H, W); a pixel covered by several windows gets the sum of their
///   values (the book's `img[...] += col[...]`), so ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩. This turns ∂L/∂col
///   into ∂L/∂x.
/// - Stops if col's shape is not im2col's for these arguments, or on the same arguments im2col rejects.
public func col2im<T: TensorScalar>(_ col: Tensor<T>, inputShape: [Int], filterHeight: Int, filterWidth: Int,
                                    stride: Int = 1, pad: Int = 0) -> Tensor<T> {
    var x = Tensor<T>(shape: [0], scalars: [])
    col2im(col, inputShape: inputShape, filterHeight: filterHeight, filterWidth: filterWidth,
           stride: stride, pad: pad, into: &x)
    return x
}

/// `col2im` written into `x`, which is reused as it is when it already has `inputShape` (and is not
/// shared) and replaced otherwise. Every element of `x` is overwritten (not accumulated onto).
public func col2im<T: TensorScalar>(_ col: Tensor<T>, inputShape: [Int], filterHeight: Int, filterWidth: Int,
                                    stride: Int = 1, pad: Int = 0, into x: inout Tensor<T>) {
    precondition(inputShape.allSatisfy { $0 >= 0 }, "col2im: negative extent in input shape \(inputShape)")
    let g = SlidingWindow(inputShape: inputShape, windowHeight: filterHeight, windowWidth: filterWidth,
                          stride: stride, pad: pad, operation: "col2im")
    precondition(col.shape == g.colShape,
                 "col2im: col has shape \(col.shape) but input shape \(inputShape) with a \(filterHeight)×\(filterWidth) "
                 + "filter, stride \(stride), pad \(pad) needs \(g.colShape)")
    if x.shape != inputShape { x = Tensor(shape: inputShape) { _ in } }
    if x.count == 0 { return }
    if col.count == 0 {
        // No window fits: nothing reaches x.
        x.withUnsafeMutableBufferPointer { px in fillElements(px.baseAddress!, count: px.count, with: 0) }
        return
    }
    col.withUnsafeBufferPointer { pc in
        x.withUnsafeMutableBufferPointer { px in
            col2imImages(pc.baseAddress!, px.baseAddress!, g, images: g.batch)
        }
    }
}

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
private let blockElements = 8

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
private func addRun<F: BinaryFloatingPoint & SIMDScalar>(_ src: UnsafePointer<F>, _ dst: UnsafeMutablePointer<F>,
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
