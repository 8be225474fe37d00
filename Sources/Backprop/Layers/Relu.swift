/// §5.5.1 ReLU layer: y = x (x > 0), 0 (x ≤ 0); ∂y/∂x = 1 (x > 0), 0 (x ≤ 0).
///
/// - forward: x of any shape → y of the same shape; keeps `mask` (true where x ≤ 0).
/// - backward: dout of that shape → dout with the masked elements set to 0. Unlike the book's NumPy
///   code (`dout[self.mask] = 0`), the caller's `dout` is left untouched: a new tensor is returned.
public final class Relu<Scalar: TensorScalar>: Layer {
    /// true where the last forward's input was ≤ 0, kept for backward.
    public private(set) var mask: Tensor<Bool>?

    public init() {}

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        // The book's `mask = (x <= 0); out = x.copy(); out[mask] = 0`, fused into one pass.
        var mask = Tensor<Bool>(shape: x.shape) { _ in }
        let y = Tensor<Scalar>(shape: x.shape) { y in
            x.withUnsafeBufferPointer { x in
                mask.withUnsafeMutableBufferPointer { m in
                    Scalar.reluForward(x.baseAddress!, y.baseAddress!, mask: m.baseAddress!, count: x.count)
                }
            }
        }
        self.mask = mask
        return y
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let mask else { preconditionFailure("Relu.backward called before forward") }
        checkGradientShape(dout.shape, mask.shape, "Relu")
        // dx = dout with dx[mask] = 0, written to a new tensor: the caller's dout is left as it was.
        return Tensor(shape: dout.shape) { dx in
            dout.withUnsafeBufferPointer { d in
                mask.withUnsafeBufferPointer { m in
                    Scalar.maskedZero(d.baseAddress!, mask: m.baseAddress!, dx.baseAddress!, count: d.count)
                }
            }
        }
    }
}
