/// NumPy's broadcasting rule: align shapes at the right; each pair of extents must be equal or one of
/// them 1. Stops with both shapes named when they cannot be broadcast.
public func broadcastShape(_ a: [Int], _ b: [Int], operation: String) -> [Int] {
    let rank = Swift.max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        if da == db || db == 1 {
            out[i] = da
        } else if da == 1 {
            out[i] = db
        } else {
            preconditionFailure("\(operation): shapes \(a) and \(b) cannot be broadcast together")
        }
    }
    return out
}

/// Row-major strides of a contiguous tensor of `shape`.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = s
        s *= shape[i]
    }
    return strides
}

/// Strides that read a contiguous tensor of `shape` as if it had the (broadcast) shape `target`:
/// 0 along axes it is broadcast over.
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = contiguousStrides(shape)
    let pad = target.count - shape.count
    return (0..<target.count).map { i in
        i < pad || shape[i - pad] == 1 ? 0 : own[i - pad]
    }
}

/// A walk over an output shape with two strided inputs, with axes of extent 1 dropped and adjacent
/// axes merged where both inputs allow it, so the kernel's inner loop is as long as possible.
struct BroadcastPlan {
    var dims: [Int] = []
    var aStrides: [Int] = []
    var bStrides: [Int] = []

    init(shape: [Int], aStrides: [Int], bStrides: [Int]) {
        for i in 0..<shape.count where shape[i] != 1 {
            if let last = dims.indices.last,
               self.aStrides[last] == aStrides[i] * shape[i], self.bStrides[last] == bStrides[i] * shape[i] {
                dims[last] *= shape[i]
                self.aStrides[last] = aStrides[i]
                self.bStrides[last] = bStrides[i]
            } else {
                dims.append(shape[i])
                self.aStrides.append(aStrides[i])
                self.bStrides.append(bStrides[i])
            }
        }
    }

    /// Calls `body(aOffset, bOffset, outOffset, loop)` for each 2-d block of the walk, in row-major order.
    func forEachBlock(_ body: (Int, Int, Int, Loop2D) -> Void) {
        let r = dims.count
        if r == 0 {
            body(0, 0, 0, Loop2D(outer: 1, inner: 1, aOuter: 0, aInner: 0, bOuter: 0, bInner: 0))
            return
        }
        if dims.contains(0) { return }
        let inner = dims[r - 1]
        let outer = r >= 2 ? dims[r - 2] : 1
        let loop = Loop2D(outer: outer, inner: inner,
                          aOuter: r >= 2 ? aStrides[r - 2] : 0, aInner: aStrides[r - 1],
                          bOuter: r >= 2 ? bStrides[r - 2] : 0, bInner: bStrides[r - 1])
        let blockSize = outer * inner
        let rest = Array(dims.dropLast(2))
        var index = [Int](repeating: 0, count: rest.count)
        var aOffset = 0, bOffset = 0, outOffset = 0
        while true {
            body(aOffset, bOffset, outOffset, loop)
            outOffset += blockSize
            // Odometer over the remaining (outer) axes.
            var axis = rest.count - 1
            while axis >= 0 {
                index[axis] += 1
                aOffset += aStrides[axis]
                bOffset += bStrides[axis]
                if index[axis] < rest[axis] { break }
                aOffset -= aStrides[axis] * rest[axis]
                bOffset -= bStrides[axis] * rest[axis]
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }
}

/// Copies a strided view of `src` into contiguous `dst`, element by element of `elementSize` bytes.
/// Used for transposition and broadcasting of tensors of any element type.
func stridedCopy(from src: UnsafeRawPointer, to dst: UnsafeMutableRawPointer, shape: [Int], strides: [Int],
                 elementSize: Int) {
    let plan = BroadcastPlan(shape: shape, aStrides: strides, bStrides: strides)
    switch elementSize {
    case 1: stridedCopy(src, dst, plan, UInt8.self)
    case 2: stridedCopy(src, dst, plan, UInt16.self)
    case 4: stridedCopy(src, dst, plan, UInt32.self)
    case 8: stridedCopy(src, dst, plan, UInt64.self)
    default:
        plan.forEachBlock { aOffset, _, outOffset, l in
            for i in 0..<l.outer {
                for j in 0..<l.inner {
                    (dst + (outOffset + i * l.inner + j) * elementSize).copyMemory(
                        from: src + (aOffset + i * l.aOuter + j * l.aInner) * elementSize, byteCount: elementSize)
                }
            }
        }
    }
}

@inline(__always)
private func stridedCopy<W>(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, _ plan: BroadcastPlan,
                            _: W.Type) {
    let s = src.assumingMemoryBound(to: W.self)
    let d = dst.assumingMemoryBound(to: W.self)
    plan.forEachBlock { aOffset, _, outOffset, l in
        for i in 0..<l.outer {
            let ps = s + aOffset + i * l.aOuter, pd = d + outOffset + i * l.inner
            let stride = l.aInner
            if stride == 1 {
                pd.update(from: ps, count: l.inner)
            } else {
                for j in 0..<l.inner { pd[j] = ps[j * stride] }
            }
        }
    }
}

extension Tensor {
    /// This tensor repeated along broadcast axes to `shape` (NumPy's `broadcast_to`, materialised).
    /// Stops if the shapes are not compatible.
    public func broadcasted(to shape: [Int]) -> Tensor {
        if shape == self.shape { return self }
        let out = broadcastShape(self.shape, shape, operation: "broadcasted(to:)")
        precondition(out == shape, "broadcasted(to:): shape \(self.shape) cannot be broadcast to \(shape)")
        let strides = broadcastStrides(self.shape, to: shape)
        return Tensor(shape: shape) { dst in
            scalars.withUnsafeBytes { src in
                stridedCopy(from: src.baseAddress!, to: UnsafeMutableRawPointer(dst.baseAddress!), shape: shape,
                            strides: strides, elementSize: MemoryLayout<Scalar>.stride)
            }
        }
    }
}
