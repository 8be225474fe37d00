/// A layer of a network, as in §5.4–§5.7: `forward` computes the output and keeps what `backward`
/// needs; `backward(dout)` takes ∂L/∂out and returns ∂L/∂x by the chain rule (and stores the
/// gradients of the layer's own parameters, if it has any).
///
/// Layers are classes because they keep state between forward and backward; tensors are values, and
/// no layer mutates a tensor it was given.
public protocol Layer<Scalar>: AnyObject {
    associatedtype Scalar: TensorScalar

    /// The layer's output for input `x`. `training` selects training behaviour where it differs
    /// (Dropout, BatchNormalization); other layers ignore it.
    func forward(_ x: Tensor<Scalar>, training: Bool) -> Tensor<Scalar>

    /// ∂L/∂x for the last `forward`, given ∂L/∂out (`dout`, of the output's shape).
    /// Stops if called before `forward` or with a `dout` of the wrong shape.
    func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar>
}

extension Layer {
    /// `forward(x, training: true)`, the book's default.
    public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { forward(x, training: true) }
}

/// Stops when `backward` gets a gradient whose shape differs from the forward output's.
func checkGradientShape(_ dout: [Int], _ expected: [Int], _ layer: String) {
    precondition(dout == expected,
                 "\(layer).backward: dout has shape \(dout) but the forward output had shape \(expected)")
}
