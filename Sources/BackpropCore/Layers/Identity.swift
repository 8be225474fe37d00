/// Identity layer: y = x; ∂y/∂x = 1 — the output "activation" of a regression head (§3.5: the identity
/// function for regression, softmax for classification).
///
/// - forward: x of any shape → x itself; keeps only x's shape.
/// - backward: dout of that shape → dout itself.
public final class Identity<Scalar: TensorScalar>: Layer {
    /// The last forward's input shape, kept to check dout.
    public private(set) var inputShape: [Int]?

    /// The layer (it keeps nothing).
    public init() {}

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        inputShape = x.shape
        return x
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let inputShape else { preconditionFailure("Identity.backward called before forward") }
        checkGradientShape(dout.shape, inputShape, "Identity")
        return dout
    }
}
