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
        x.withUnsafeMutableBufferPointer { px in zeroElements(px.baseAddress!, count: px.count) }
        return
    }
    col.withUnsafeBufferPointer { pc in
        x.withUnsafeMutableBufferPointer { px in
            col2imImages(pc.baseAddress!, px.baseAddress!, g, images: g.batch)
        }
    }
}

// MARK: - Raw-buffer entry points (also used by Convolution)

/// im2col of `images` consecutive images starting at `x` into the rows starting at `col`
/// (images·OH·OW rows of C·FH·FW). Parallel over images when there is enough work.
func im2colImages<T: TensorScalar>(_ x: UnsafePointer<T>, _ col: UnsafeMutablePointer<T>, _ g: SlidingWindow,
                                   images: Int) {
    let perImage = g.outPositions * g.rowLength
    if images == 0 || perImage == 0 { return }
    parallelChunks(images, grain: Swift.max(1, im2colGrain / perImage)) { range in
        let xs = x + range.lowerBound * g.imageSize, cs = col + range.lowerBound * perImage
        if T.self == Float.self {
            im2colKernel(UnsafeRawPointer(xs).assumingMemoryBound(to: Float.self),
                         UnsafeMutableRawPointer(cs).assumingMemoryBound(to: Float.self),
                         g, images: range.count, zero: 0)
        } else if T.self == Double.self {
            im2colKernel(UnsafeRawPointer(xs).assumingMemoryBound(to: Double.self),
                         UnsafeMutableRawPointer(cs).assumingMemoryBound(to: Double.self),
                         g, images: range.count, zero: 0)
        } else {
            im2colKernel(xs, cs, g, images: range.count, zero: T.zero)
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

/// Sets `count` elements to 0 with a concrete Float or Double loop (a memset).
func zeroElements<T: TensorScalar>(_ p: UnsafeMutablePointer<T>, count: Int) {
    if T.self == Float.self {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self).update(repeating: 0, count: count)
    } else if T.self == Double.self {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Double.self).update(repeating: 0, count: count)
    } else {
        p.update(repeating: .zero, count: count)
    }
}

// MARK: - Kernels

/// Where a window at horizontal offset x0 (in unpadded coordinates) meets the image: `left` padding
/// cells, then `inner` image cells starting at column x0 + left, then `right` padding cells.
@inline(__always)
private func horizontalRun(_ x0: Int, window: Int, width: Int) -> (left: Int, inner: Int, right: Int) {
    let left = Swift.min(window, Swift.max(0, -x0))
    let right = Swift.min(window - left, Swift.max(0, x0 + window - width))
    return (left, window - left - right, right)
}

/// The book's im2col on one run of images, written row by row of col: for each output position, for
/// each channel and filter row, FW elements — a contiguous run of the image row with padding zeros at
/// either end. Pure copying; called with F = Float or Double so the loops are concrete.
@inline(__always)
private func im2colKernel<F>(_ x: UnsafePointer<F>, _ col: UnsafeMutablePointer<F>, _ g: SlidingWindow,
                             images: Int, zero: F) {
    let fh = g.windowHeight, fw = g.windowWidth, h = g.height, w = g.width
    let planeSize = h * w
    var dst = col
    for i in 0..<images {
        let image = x + i * g.imageSize
        for oy in 0..<g.outHeight {
            let y0 = oy * g.stride - g.pad
            for ox in 0..<g.outWidth {
                let x0 = ox * g.stride - g.pad
                let (left, inner, _) = horizontalRun(x0, window: fw, width: w)
                for c in 0..<g.channels {
                    let plane = image + c * planeSize
                    for ky in 0..<fh {
                        let iy = y0 + ky
                        if iy < 0 || iy >= h || inner == 0 {
                            for k in 0..<fw { dst[k] = zero }
                        } else if inner == fw {
                            let src = plane + (iy * w + x0)
                            for k in 0..<fw { dst[k] = src[k] }
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
/// from the image (not from padding) is added back where im2col took it. Called with F = Float or Double.
@inline(__always)
private func col2imKernel<F: FloatingPoint>(_ col: UnsafePointer<F>, _ x: UnsafeMutablePointer<F>,
                                            _ g: SlidingWindow, images: Int) {
    let fh = g.windowHeight, fw = g.windowWidth, h = g.height, w = g.width
    let planeSize = h * w
    for i in 0..<images * g.imageSize { x[i] = 0 }
    var src = col
    for i in 0..<images {
        let image = x + i * g.imageSize
        for oy in 0..<g.outHeight {
            let y0 = oy * g.stride - g.pad
            for ox in 0..<g.outWidth {
                let x0 = ox * g.stride - g.pad
                let (left, inner, _) = horizontalRun(x0, window: fw, width: w)
                for c in 0..<g.channels {
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
