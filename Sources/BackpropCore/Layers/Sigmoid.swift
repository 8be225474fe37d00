/// §5.5.2 Sigmoid layer: y = 1 / (1 + exp(−x)); ∂y/∂x = y(1 − y).
///
/// - forward: x of any shape → y of the same shape, finite for every finite x (x = ±1000 gives exactly
///   0 and 1, with no overflow warning and no NaN); keeps `out` (y).
/// - backward: dout of that shape → dout · (1 − y) · y.
public final class Sigmoid<Scalar: TensorScalar>: Layer {
    /// The last forward's output y, kept for backward.
    public private(set) var out: Tensor<Scalar>?

    /// A layer with no output kept yet.
    public init() {}

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        let y = x.applying(.sigmoid)
        out = y
        return y
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let out else { preconditionFailure("Sigmoid.backward called before forward") }
        checkGradientShape(dout.shape, out.shape, "Sigmoid")
        return dout * (1 - out) * out   // §5.5.2: dx = dout · y(1 − y)
    }
}
