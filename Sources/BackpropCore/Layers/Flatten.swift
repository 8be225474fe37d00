/// Flatten layer: each example's axes are joined into one, the book's `x.reshape(x.shape[0], -1)` as a
/// layer of its own (Affine already does this to its input; Flatten makes it explicit in a network).
///
/// - forward: x (N, …) → (N, product of the other extents); a 1-d x (N,) becomes (N, 1). Never copies;
///   keeps x's shape.
/// - backward: dout (N, features) → dout reshaped to x's shape.
public final class Flatten<Scalar: TensorScalar>: Layer {
    /// The last forward's input shape, kept for backward.
    public private(set) var inputShape: [Int]?

    /// A layer with no input shape kept yet.
    public init() {}

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        precondition(x.rank >= 1, "Flatten.forward: x must have a batch axis, got shape \(x.shape)")
        inputShape = x.shape
        // Explicit extents rather than -1, so an empty batch (0, …) flattens too.
        return x.reshaped([x.shape[0], x.shape.dropFirst().reduce(1, *)])
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let inputShape else { preconditionFailure("Flatten.backward called before forward") }
        checkGradientShape(dout.shape, [inputShape[0], inputShape.dropFirst().reduce(1, *)], "Flatten")
        return dout.reshaped(inputShape)
    }
}
