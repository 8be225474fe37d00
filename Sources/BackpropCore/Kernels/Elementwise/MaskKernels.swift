import Foundation

// The mask kernels behind ReLU, LeakyReLU and Dropout: one pass each, compiled once per type.

/// §5.5.1 in one pass: mask = x ≤ 0, y = x where the mask is clear, 0 where it is set.
@inline(__always)
func reluForwardKernel<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                        _ mask: UnsafeMutablePointer<Bool>, _ n: Int) {
    for i in 0..<n {
        let v = x[i]
        let m = v <= 0
        mask[i] = m
        y[i] = m ? 0 : v
    }
}

/// dx = 0 where the mask is set, dout elsewhere (ReLU's backward; also LeakyReLU's mask).
@inline(__always)
func maskedZeroKernel<T: TensorScalar>(_ dout: UnsafePointer<T>, _ mask: UnsafePointer<Bool>,
                                       _ dx: UnsafeMutablePointer<T>, _ n: Int) {
    let bytes = UnsafeRawPointer(mask).assumingMemoryBound(to: UInt8.self)
    for i in 0..<n { dx[i] = bytes[i] != 0 ? 0 : dout[i] }
}


/// Equals `dout.zeroed(where: mask)`: dx[i] = mask[i] ? +0 : dout[i], for Float and Double on the
/// elements' bit patterns (`maskedBitsKernel`), for other types through `maskedZero`.
@inline(__always)
func zeroWhereMasked<T: TensorScalar>(_ dout: UnsafePointer<T>, _ mask: UnsafePointer<Bool>,
                                      _ dx: UnsafeMutablePointer<T>, _ n: Int) {
    maskedBits(dout, mask, dx, n, keepWhereSet: false) { T.maskedZero($0, mask: $1, $2, count: $3) }
}

/// Equals `x.kept(where: mask)`: out[i] = mask[i] ? x[i] : +0 (Dropout's `x * mask`), as bit patterns.
@inline(__always)
func keepWhereMasked<T: TensorScalar>(_ x: UnsafePointer<T>, _ mask: UnsafePointer<Bool>,
                                      _ out: UnsafeMutablePointer<T>, _ n: Int) {
    maskedBits(x, mask, out, n, keepWhereSet: true) { x, mask, out, n in
        for i in 0..<n { out[i] = mask[i] ? x[i] : 0 }
    }
}

@inline(__always)
private func maskedBits<T: TensorScalar>(_ x: UnsafePointer<T>, _ mask: UnsafePointer<Bool>,
                                         _ out: UnsafeMutablePointer<T>, _ n: Int, keepWhereSet: Bool,
                                         otherwise: (UnsafePointer<T>, UnsafePointer<Bool>, UnsafeMutablePointer<T>, Int) -> Void) {
    let bytes = UnsafeRawPointer(mask).assumingMemoryBound(to: UInt8.self)
    if T.self == Float.self {
        maskedBitsKernel(UnsafeRawPointer(x).assumingMemoryBound(to: UInt32.self), bytes,
                         UnsafeMutableRawPointer(out).assumingMemoryBound(to: UInt32.self), n, keepWhereSet: keepWhereSet)
    } else if T.self == Double.self {
        maskedBitsKernel(UnsafeRawPointer(x).assumingMemoryBound(to: UInt64.self), bytes,
                         UnsafeMutableRawPointer(out).assumingMemoryBound(to: UInt64.self), n, keepWhereSet: keepWhereSet)
    } else {
        otherwise(x, mask, out, n)
    }
}

/// out = x where the mask byte says keep, +0 elsewhere, on the elements' bit patterns: the byte becomes
/// an all-ones (keep) or all-zeros (drop) word that is ANDed in, so the loop has no branch and
/// vectorises (a select on the Bool compiles to a branch per element, mispredicted half the time on
/// real activations). Compiled once for Float's and once for Double's width, each way round.
@inline(never)
private func maskedBitsKernel<Bits: FixedWidthInteger & UnsignedInteger>(
    _ x: UnsafePointer<Bits>, _ mask: UnsafePointer<UInt8>, _ out: UnsafeMutablePointer<Bits>, _ count: Int,
    keepWhereSet: Bool
) {
    if keepWhereSet {
        for i in 0..<count { out[i] = x[i] & (0 &- Bits(truncatingIfNeeded: mask[i])) }   // mask 1 → all ones
    } else {
        for i in 0..<count { out[i] = x[i] & (Bits(truncatingIfNeeded: mask[i]) &- 1) }   // mask 0 → all ones
    }
}
