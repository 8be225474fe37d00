// §7.4.3 im2col and col2im: a batch of images unrolled so that a convolution (or a pooling) becomes one
// matrix product (or one reduction along rows), and its adjoint. The loops that do the copying and
// adding live in Kernels/Im2colKernels.swift (`im2colImages`, `col2imImages`); the window geometry,
// OH = (H + 2·pad − FH)/stride + 1, is `SlidingWindow` (Tensor/SlidingWindow.swift).

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
