// §7.4.4 pooling as named operations on a batch (N, C, H, W): the fast path of `Pooling`. Each equals
// the book's im2col form (`Pooling(algorithm: .book)`, and the tests hold it to that), reads the windows
// straight from the batch plane by plane (Kernels/Pooling/PoolingPlanes.swift and the window loops beside it),
// split among threads over the (N, C) planes when large, and writes into a reused buffer.

extension SlidingWindow {
    /// (N, C, OH, OW), pooling's output shape: `last` itself when it already is that, so that a batch of
    /// the same size builds no new array.
    func pooledShape(reusing last: [Int]) -> [Int] {
        if last.count == 4 && last[0] == batch && last[1] == channels && last[2] == outHeight && last[3] == outWidth {
            return last
        }
        return [batch, channels, outHeight, outWidth]
    }

    /// Stops unless a padded plane's offsets fit in Int32, as the maxima's positions are (the window
    /// fitting is the caller's check).
    func checkPoolable() {
        precondition((height + 2 * pad) * (width + 2 * pad) <= Int(Int32.max),
                     "Pooling.forward: x has shape \([batch, channels, height, width]); padded planes of more than 2³¹ − 1 "
                     + "elements are not supported")
    }
}

extension Tensor where Scalar: TensorScalar {
    /// Max pooling of this batch x (N, C, H, W) over `window`: out of `shape` (N, C, OH, OW) holds each
    /// window's largest element, and `positions` (resized when needed, else overwritten) the offset in its
    /// (H, W) plane of that element, −1 for a padding cell. Ties go to the first element in row-major
    /// window order; a NaN wins (the first NaN), as NumPy.
    ///
    /// Equals the book's forward, `col = im2col(x).reshape(-1, ph·pw)`, `out = max(col, axis=1)`
    /// reshaped (N, OH, OW, C) and transposed to (N, C, OH, OW), with positions its `argmax(col, axis=1)`
    /// turned into plane offsets. Written into `buffer`.
    func maxPooled(_ window: SlidingWindow, positions: inout [Int32], into buffer: inout some ResultBuffer<Scalar>,
                   shape: [Int]) -> Tensor {
        window.checkPoolable()
        let outCount = window.batch * window.channels * window.outPositions
        if positions.count != outCount { positions = [Int32](repeating: 0, count: outCount) }
        if outCount == 0 { return .zeros(shape) }
        return buffer.write(shape: shape) { out in
            withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    positions.withUnsafeMutableBufferPointer { p in
                        poolingForward(x.baseAddress!, y.baseAddress!, p.baseAddress!, window)
                    }
                }
            }
        }
    }

    /// Average pooling of this batch x (N, C, H, W) over `window`: out of `shape` (N, C, OH, OW) holds
    /// each window's sum (in row-major window order, padding cells as zeros) divided by FH·FW.
    ///
    /// Equals `mean(im2col(x).reshape(-1, ph·pw), axis=1)` reshaped (N, OH, OW, C) and transposed to
    /// (N, C, OH, OW), up to the order of the sums. Written into `buffer`.
    func averagePooled(_ window: SlidingWindow, into buffer: inout some ResultBuffer<Scalar>, shape: [Int]) -> Tensor {
        window.checkPoolable()
        if window.batch * window.channels * window.outPositions == 0 { return .zeros(shape) }
        return buffer.write(shape: shape) { out in
            withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in poolingForward(x.baseAddress!, y.baseAddress!, nil, window) }
            }
        }
    }

    /// Max pooling's backward: this dout (N, C, OH, OW) → dx of `shape` (N, C, H, W), each element of
    /// dout added at its window's maximum, `positions` as `maxPooled` set them (nothing for −1).
    ///
    /// Equals the book's backward: dout transposed to (N, OH, OW, C), `dmax[arange, arg_max] = dout`,
    /// reshaped to col's shape and `col2im`. Written into `buffer`.
    func maxUnpooled(_ window: SlidingWindow, positions: [Int32], into buffer: inout some ResultBuffer<Scalar>,
                     shape: [Int]) -> Tensor {
        if count == 0 { return .zeros(shape) }
        return buffer.write(shape: shape) { dx in
            dx.withUnsafeMutableBufferPointer { dx in
                withUnsafeBufferPointer { d in
                    positions.withUnsafeBufferPointer { p in
                        poolingBackward(d.baseAddress!, dx.baseAddress!, p.baseAddress!, window)
                    }
                }
            }
        }
    }

    /// Average pooling's backward: this dout (N, C, OH, OW) → dx of `shape` (N, C, H, W), each element
    /// of dout divided by FH·FW and added to every cell of its window (the padding's share dropped).
    ///
    /// Equals a dmax whose row i holds dout[i] / (ph·pw) in every column, reshaped to col's shape and
    /// `col2im`. Written into `buffer`.
    func averageUnpooled(_ window: SlidingWindow, into buffer: inout some ResultBuffer<Scalar>, shape: [Int]) -> Tensor {
        if count == 0 { return .zeros(shape) }
        return buffer.write(shape: shape) { dx in
            dx.withUnsafeMutableBufferPointer { dx in
                withUnsafeBufferPointer { d in poolingBackward(d.baseAddress!, dx.baseAddress!, nil, window) }
            }
        }
    }
}
