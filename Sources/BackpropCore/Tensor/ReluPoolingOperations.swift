// §5.5.1 ReLU followed by §7.4.4 max pooling as one operation on a batch (N, C, H, W), and its backward:
// what a network runs for a Relu layer feeding a max Pooling layer (Networks/LayerFusion.swift). Each
// equals the two unfused operations in sequence (`relu(mask:into:)` then `maxPooled`, `maxUnpooled` then
// `zeroed(where:)`) bit for bit; the kernels are in Kernels/Pooling/ReluPoolingKernels.swift.

extension Tensor where Scalar: TensorScalar {
    /// ReLU of this batch x (N, C, H, W) then max pooling over `window`, in one pass: returns ReLU's out
    /// (x's shape, into `reluBuffer`) and the pooled out of `shape` (N, C, OH, OW, into `buffer`); sets
    /// `mask` to x ≤ 0 and `positions` to the maxima's plane offsets.
    ///
    /// Equals `let r = relu(mask: &mask, into: &reluBuffer)` then
    /// `r.maxPooled(window, positions: &positions, into: &buffer, shape: shape)`, bit for bit.
    func reluMaxPooled(_ window: SlidingWindow, mask: inout Tensor<Bool>?, reluBuffer: inout some ResultBuffer<Scalar>,
                       positions: inout [Int32], into buffer: inout some ResultBuffer<Scalar>,
                       shape: [Int]) -> (relu: Tensor, pooled: Tensor) {
        Tensor.reluMaxPooled(window, mask: &mask, reluBuffer: &reluBuffer, positions: &positions, into: &buffer,
                             shape: shape) { pass in
            withUnsafeBufferPointer { x in
                let planeSize = window.height * window.width
                parallelChunks(window.batch * window.channels, grain: Swift.max(1, poolingGrain / Swift.max(1, planeSize))) {
                    pass(x.baseAddress! + $0.lowerBound * planeSize, $0)
                }
            }
        }
    }

    /// `reluMaxPooled` of an x (N, C, H, W) that `source` hands over plane by plane: `source(pass)` must
    /// call `pass(xᵢ, planes)` once for every plane of the batch (xᵢ the first element of those planes,
    /// all of them written), in any order and on any threads, each plane once. For a convolution
    /// that writes its output image by image (`Convolution.forward(_:eachImage:)`): ReLU and pooling then
    /// read each image's planes from cache.
    static func reluMaxPooled(_ window: SlidingWindow, mask: inout Tensor<Bool>?, reluBuffer: inout some ResultBuffer<Scalar>,
                              positions: inout [Int32], into buffer: inout some ResultBuffer<Scalar>, shape: [Int],
                              source: ((UnsafePointer<Scalar>, Range<Int>) -> Void) -> Void) -> (relu: Tensor, pooled: Tensor) {
        let inputShape = [window.batch, window.channels, window.height, window.width]
        window.checkPoolable()
        let outCount = window.batch * window.channels * window.outPositions
        if positions.count != outCount { positions = [Int32](repeating: 0, count: outCount) }
        var newMask = reusable(&mask, shape: inputShape)
        var pooled = Tensor.zeros([0])
        let relu = reluBuffer.write(shape: inputShape) { relu in
            pooled = buffer.write(shape: shape) { out in
                guard outCount > 0 else { return }
                relu.withUnsafeMutableBufferPointer { r in
                    newMask.withUnsafeMutableBufferPointer { m in
                        out.withUnsafeMutableBufferPointer { y in
                            positions.withUnsafeMutableBufferPointer { p in
                                let (r, m, y, p) = (r.baseAddress!, m.baseAddress!, y.baseAddress!, p.baseAddress!)
                                source { x, planes in reluPoolingForward(x, r, m, y, p, window, planes: planes) }
                            }
                        }
                    }
                }
            }
        }
        mask = newMask
        return (relu, pooled)
    }

    /// The lean group's forward (`Network.keepsLayerState` false): max pooling of an x (N, C, H, W) that
    /// `source` hands over plane by plane (as for `reluMaxPooled(_:mask:reluBuffer:positions:into:shape:source:)`),
    /// then ReLU of the maxima — the same pooled out, bit for bit, as ReLU then max pooling, with no ReLU
    /// out or mask written. `positions` get the maxima's plane offsets, or −1 where ReLU zeroed the maximum,
    /// so that `maxUnpooled` alone equals `maxUnpooledThroughRelu` (Kernels/Pooling/ReluPoolingKernels.swift).
    static func maxPooledRelu(_ window: SlidingWindow, positions: inout [Int32], into buffer: inout some ResultBuffer<Scalar>,
                              shape: [Int], source: ((UnsafePointer<Scalar>, Range<Int>) -> Void) -> Void) -> Tensor {
        window.checkPoolable()
        let outCount = window.batch * window.channels * window.outPositions
        if positions.count != outCount { positions = [Int32](repeating: 0, count: outCount) }
        if outCount == 0 { return .zeros(shape) }
        return buffer.write(shape: shape) { out in
            out.withUnsafeMutableBufferPointer { y in
                positions.withUnsafeMutableBufferPointer { p in
                    let (y, p) = (y.baseAddress!, p.baseAddress!)
                    source { x, planes in poolingReluForward(x, y, p, window, planes: planes) }
                }
            }
        }
    }

    /// Max pooling's backward then ReLU's: this dout (N, C, OH, OW) → dx of `shape` (N, C, H, W), each
    /// element of dout added at its window's maximum (`positions` as `reluMaxPooled` set them), then +0
    /// wherever `mask` is set. Written into `buffer`.
    ///
    /// Equals `maxUnpooled(window, positions: positions, into: &scratch, shape: shape).zeroed(where: mask)`,
    /// bit for bit, without the scratch tensor between them.
    func maxUnpooledThroughRelu(_ window: SlidingWindow, positions: [Int32], mask: Tensor<Bool>,
                                into buffer: inout some ResultBuffer<Scalar>, shape: [Int]) -> Tensor {
        precondition(mask.shape == shape,
                     "Relu.backward: the mask has shape \(mask.shape) but pooling's input had shape \(shape)")
        if count == 0 { return .zeros(shape) }
        return buffer.write(shape: shape) { dx in
            dx.withUnsafeMutableBufferPointer { dx in
                withUnsafeBufferPointer { d in
                    positions.withUnsafeBufferPointer { p in
                        mask.withUnsafeBufferPointer { m in
                            poolingReluBackward(d.baseAddress!, dx.baseAddress!, p.baseAddress!, m.baseAddress!, window)
                        }
                    }
                }
            }
        }
    }
}
