/// §5.5.1 ReLU layer: y = x (x > 0), 0 (x ≤ 0); ∂y/∂x = 1 (x > 0), 0 (x ≤ 0).
///
/// - forward: x of any shape → y of the same shape; keeps `mask` (true where x ≤ 0).
/// - backward: dout of that shape → dout with the masked elements set to 0. Unlike the book's NumPy
///   code (`dout[self.mask] = 0`), the caller's `dout` is left untouched: another tensor is returned
///   (written into the previous backward's result when the caller no longer holds it).
///
/// Both passes split large tensors among threads (`parallelChunks`); each element is computed alone,
/// so the result does not depend on the thread count.
public final class Relu<Scalar: TensorScalar>: Layer {
    /// true where the last forward's input was ≤ 0, kept for backward.
    public private(set) var mask: Tensor<Bool>?
    /// Where y and dx are written: buffers reused from batch to batch while the shape stays the same
    /// (a tensor still held elsewhere is copied on write, never changed).
    private var outputs = AlternatingBuffers<Scalar>()
    private var inputGradient: Tensor<Scalar>?

    public init() {}

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        // The book's `mask = (x <= 0); out = x.copy(); out[mask] = 0`, fused into one pass.
        var mask = reusable(&self.mask, shape: x.shape)
        var y = outputs.take(shape: x.shape)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                mask.withUnsafeMutableBufferPointer { m in
                    guard y.count > 0 else { return }
                    let (x, y, m, count) = (x.baseAddress!, y.baseAddress!, m.baseAddress!, y.count)
                    parallelChunks(count) { r in
                        Scalar.reluForward(x + r.lowerBound, y + r.lowerBound, mask: m + r.lowerBound, count: r.count)
                    }
                }
            }
        }
        self.mask = mask
        outputs.keep(y)
        return y
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let mask else { preconditionFailure("Relu.backward called before forward") }
        checkGradientShape(dout.shape, mask.shape, "Relu")
        // dx = dout with dx[mask] = 0, written to another tensor: the caller's dout is left as it was.
        var dx = reusable(&inputGradient, shape: dout.shape)
        if dx.count == 0 { return dx }
        dx.withUnsafeMutableBufferPointer { dx in
            dout.withUnsafeBufferPointer { d in
                mask.withUnsafeBufferPointer { m in
                    let (d, m, dx, count) = (d.baseAddress!, m.baseAddress!, dx.baseAddress!, dx.count)
                    parallelChunks(count) { r in
                        let (d, m, dx, n) = (d + r.lowerBound, m + r.lowerBound, dx + r.lowerBound, r.count)
                        let bytes = UnsafeRawPointer(m).assumingMemoryBound(to: UInt8.self)
                        if Scalar.self == Float.self {
                            reluBackwardKernel(UnsafeRawPointer(d).assumingMemoryBound(to: UInt32.self), bytes,
                                               UnsafeMutableRawPointer(dx).assumingMemoryBound(to: UInt32.self), n)
                        } else if Scalar.self == Double.self {
                            reluBackwardKernel(UnsafeRawPointer(d).assumingMemoryBound(to: UInt64.self), bytes,
                                               UnsafeMutableRawPointer(dx).assumingMemoryBound(to: UInt64.self), n)
                        } else {
                            Scalar.maskedZero(d, mask: m, dx, count: n)
                        }
                    }
                }
            }
        }
        inputGradient = dx
        return dx
    }
}

/// dx = dout where the mask byte is 0, +0 where it is 1, on the elements' bit patterns: the byte
/// becomes an all-ones (keep) or all-zeros (drop) word that is ANDed in, so the loop has no branch and
/// vectorises (a select on the Bool compiles to a branch per element, mispredicted half the time on
/// real activations). Compiled once for Float's and once for Double's width.
@inline(never)
private func reluBackwardKernel<Bits: FixedWidthInteger & UnsignedInteger>(
    _ dout: UnsafePointer<Bits>, _ mask: UnsafePointer<UInt8>, _ dx: UnsafeMutablePointer<Bits>, _ count: Int
) {
    for i in 0..<count {
        let keep = Bits(truncatingIfNeeded: mask[i]) &- 1     // mask 0 → all ones, mask 1 → 0
        dx[i] = dout[i] & keep
    }
}
