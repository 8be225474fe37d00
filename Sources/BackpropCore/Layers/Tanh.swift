/// Tanh activation: y = tanh(x); ∂y/∂x = 1 − y² (the same pattern as §5.5.2's sigmoid, whose
/// derivative is also written in terms of its output).
///
/// - forward: x of any shape → y of the same shape; keeps `out` (y).
/// - backward: dout of that shape → dout · (1 − y²).
public final class Tanh<Scalar: TensorScalar>: Layer {
    /// The last forward's output y, kept for backward.
    public private(set) var out: Tensor<Scalar>?

    /// A layer with no output kept yet.
    public init() {}

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        let y = tanh(x)
        out = y
        return y
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let out else { preconditionFailure("Tanh.backward called before forward") }
        checkGradientShape(dout.shape, out.shape, "Tanh")
        return dout * (1 - out.squared())   // dx = dout · (1 − y²)
    }
}
