// ReLU (§5.5.1) followed by max pooling (§7.4.4), fused: the drivers behind `reluMaxPooled` and
// `maxUnpooledThroughRelu` (Tensor/ReluPoolingOperations.swift), used when a network runs a Relu layer
// straight into a max Pooling layer (Networks/LayerFusion.swift).
//
// Unfused, the (N, C, H, W) batch between the two layers crosses memory four times per step: ReLU writes
// its out, pooling reads it back; pooling's backward writes its dx, ReLU's backward reads it back. Here
// both passes run over a block of a few planes (`fusedPlaneBlock` elements, small enough to stay in the
// first-level cache) before moving on, so the second pass reads what the first has just written from
// cache. The forward's kernels are the unfused ones (`reluForward`, `poolPlanes`) on the same elements
// in the same order. The backward needs no pass of its own for ReLU's mask: pooling's dx is +0 but at
// each window's maximum, so `unpoolPlanesThroughMask` adds dout there only where the mask is clear —
// which leaves +0 exactly where `zeroWhereMasked` would have written it. Every number — ReLU's out and
// mask, the maxima and their positions, dx — is bit for bit the unfused sequence's (ReluPoolingKernelTests).

/// Elements of the batch per block of planes that both passes run over before the next block (16 KB of
/// Float: ReLU's out, or pooling's dx, is still in the first-level cache when the second pass reads it).
private let fusedPlaneBlock = 1 << 12

/// Calls `body` with consecutive blocks of `planes`, each of at most `fusedPlaneBlock` elements (but at
/// least one plane).
@inline(__always)
private func forEachBlock(of planes: Range<Int>, planeSize: Int, _ body: (Range<Int>) -> Void) {
    let step = Swift.max(1, fusedPlaneBlock / Swift.max(1, planeSize))
    var start = planes.lowerBound
    while start < planes.upperBound {
        let end = Swift.min(planes.upperBound, start + step)
        body(start..<end)
        start = end
    }
}

/// ReLU then max pooling over `planes` of a batch (N, C, H, W), on the calling thread (x the first
/// element of those planes; relu, mask, y and argMax the whole batch's): relu and mask get ReLU's out and
/// mask (x ≤ 0), y (N, C, OH, OW) the maxima of ReLU's out and argMax their plane offsets — exactly what
/// `reluForward` over x and then `poolingForward` over relu would write on those planes.
func reluPoolingForward<T: TensorScalar>(_ x: UnsafePointer<T>, _ relu: UnsafeMutablePointer<T>,
                                         _ mask: UnsafeMutablePointer<Bool>, _ y: UnsafeMutablePointer<T>,
                                         _ argMax: UnsafeMutablePointer<Int32>, _ g: SlidingWindow, planes: Range<Int>) {
    let planeSize = g.height * g.width
    forEachBlock(of: planes, planeSize: planeSize) { block in
        let start = block.lowerBound * planeSize
        T.reluForward(x + (block.lowerBound - planes.lowerBound) * planeSize, relu + start, mask: mask + start,
                      count: block.count * planeSize)
        poolPlanesOfType(UnsafePointer(relu), y, argMax, g, block)
    }
}

/// Max pooling's backward then ReLU's over every plane: dx (N, C, H, W, overwritten) gets each dout
/// (N, C, OH, OW) added at its window's maximum (`argMax`), then +0 wherever `mask` is set — exactly what
/// `poolingBackward` into a scratch tensor and then `zeroWhereMasked` over it would write.
func poolingReluBackward<T: TensorScalar>(_ dout: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                          _ argMax: UnsafePointer<Int32>, _ mask: UnsafePointer<Bool>,
                                          _ g: SlidingWindow) {
    let planeSize = g.height * g.width
    parallelChunks(g.batch * g.channels, grain: Swift.max(1, poolingGrain / Swift.max(1, planeSize))) { planes in
        unpoolPlanesThroughMask(dout, dx, argMax, mask, planeSize: planeSize, outSize: g.outPositions, planes)
    }
}

/// Equals `unpoolPlanes` with argMax (each dout added at its window's maximum, −1 skipped, in output
/// order, over a zeroed plane) followed by `zeroWhereMasked` over the planes: an addition is skipped where
/// `mask` is set, as the mask would have turned that element into +0 anyway (every other element is
/// already +0, and +0 + (−0) is +0). Compiled for Float and Double (`@_specialize`).
@_specialize(where T == Float)
@_specialize(where T == Double)
private func unpoolPlanesThroughMask<T: TensorScalar>(_ dout: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                                      _ argMax: UnsafePointer<Int32>, _ mask: UnsafePointer<Bool>,
                                                      planeSize: Int, outSize: Int, _ planes: Range<Int>) {
    let bytes = UnsafeRawPointer(mask).assumingMemoryBound(to: UInt8.self)
    for plane in planes {
        let dxp = dx + plane * planeSize, mp = bytes + plane * planeSize
        dxp.update(repeating: 0, count: planeSize)
        let dp = dout + plane * outSize, ap = argMax + plane * outSize
        for o in 0..<outSize {
            let index = Int(ap[o])
            if index >= 0 && mp[index] == 0 { dxp[index] += dp[o] }
        }
    }
}

/// `poolingReluBackward` for image n alone, into that image's dx (C, H, W): the same kernels on the same
/// elements, so bit for bit its block of the whole batch's dx (the image-by-image hand-over of
/// `ImageGradient`).
func poolingReluBackwardImage<T: TensorScalar>(_ n: Int, _ dout: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                               _ argMax: UnsafePointer<Int32>, _ mask: UnsafePointer<Bool>,
                                               _ g: SlidingWindow) {
    let planeSize = g.height * g.width, first = n * g.channels
    unpoolPlanesThroughMask(dout + first * g.outPositions, dx, argMax + first * g.outPositions, mask + first * planeSize,
                            planeSize: planeSize, outSize: g.outPositions, 0..<g.channels)
}

/// The lean group's forward (`Tensor.maxPooledRelu`): max pooling over `planes` (x the first element of
/// those planes; y and argMax the whole batch's), then ReLU of the maxima. ReLU keeps order and max
/// pooling only compares, so relu(max of a window) is the max of ReLU's out over it — the same bits,
/// NaN and −0 included — and where that max is > 0 (or NaN) it sits at the same position. Where ReLU
/// zeroes a maximum, argMax gets −1 instead: ReLU's mask is set there, so its gradient is dropped, and
/// unpooling alone (`unpoolPlanes`, which skips −1) gives `unpoolPlanesThroughMask`'s dx bit for bit,
/// with no ReLU out or mask kept (LayerFusionTests, ReluPoolingKernelTests).
func poolingReluForward<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                         _ argMax: UnsafeMutablePointer<Int32>, _ g: SlidingWindow, planes: Range<Int>) {
    let first = planes.lowerBound * g.outPositions
    poolPlanesOfType(x, y + first, argMax + first, g, 0..<planes.count)
    zeroNonPositiveMaxima(y + first, argMax + first, count: planes.count * g.outPositions)
}

/// ReLU of each maximum (y ≤ 0 becomes +0, as `reluForward`), with its position set to −1 where it does.
/// About half the maxima of a trained layer are ≤ 0, at random, so Float takes eight at a time with
/// vector compares and selects rather than a branch per element.
@_specialize(where T == Float)
@_specialize(where T == Double)
private func zeroNonPositiveMaxima<T: TensorScalar>(_ y: UnsafeMutablePointer<T>, _ argMax: UnsafeMutablePointer<Int32>,
                                                    count: Int) {
    var o = 0
    if T.self == Float.self {
        let y = UnsafeMutableRawPointer(y)
        while o + 8 <= count {
            var v = y.loadUnaligned(fromByteOffset: 4 * o, as: SIMD8<Float>.self)
            var a = UnsafeRawPointer(argMax + o).loadUnaligned(as: SIMD8<Int32>.self)
            let zeroed = v .<= 0
            v.replace(with: 0, where: zeroed)
            a.replace(with: -1, where: zeroed)
            y.storeBytes(of: v, toByteOffset: 4 * o, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(argMax + o).storeBytes(of: a, as: SIMD8<Int32>.self)
            o += 8
        }
    }
    while o < count {
        if y[o] <= 0 {
            y[o] = 0
            argMax[o] = -1
        }
        o += 1
    }
}

/// Max pooling's backward for image n alone, into that image's dx (C, H, W): `unpoolPlanes` over its
/// planes, bit for bit its block of the whole batch's. After a lean group's forward, whose positions hold
/// ReLU's mask (`poolingReluForward`), this is the group's whole backward, handed over image by image.
func maxUnpoolImage<T: TensorScalar>(_ n: Int, _ dout: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                     _ argMax: UnsafePointer<Int32>, _ g: SlidingWindow) {
    let first = n * g.channels * g.outPositions
    unpoolPlanesOfType(dout + first, dx, argMax + first, g, 0..<g.channels)
}
