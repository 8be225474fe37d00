/// A trainable tensor and the gradient of the loss with respect to it — the entries of the book's
/// `params` and `grads` dictionaries, kept together.
///
/// Layers own their parameters and write `gradient` in `backward`; optimizers read `gradient` and update
/// `value` in place; checkpoints save `value` under `name`. A network names each parameter as the book
/// does (`W1`, `b1`, `gamma1`, …) when it is built.
public final class Parameter<Scalar: TensorScalar> {
    /// The name in the book's `params` dictionary, e.g. "W1"; unique within a network.
    public var name: String
    /// The current value.
    public var value: Tensor<Scalar>
    /// ∂L/∂value from the last backward pass; same shape as `value`.
    public var gradient: Tensor<Scalar>
    /// Whether L2 weight decay applies to it (weights yes; biases and batch-norm γ, β no, as the book).
    public let decays: Bool

    /// A parameter with a zero gradient of the value's shape.
    public init(name: String, value: Tensor<Scalar>, decays: Bool) {
        self.name = name
        self.value = value
        self.gradient = .zeros(value.shape)
        self.decays = decays
    }
}
