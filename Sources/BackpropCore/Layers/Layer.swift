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

    /// ∂L/∂x for the last `forward`, given ∂L/∂out (`dout`, of the output's shape); layers with
    /// parameters also store ∂L/∂parameter in each parameter's `gradient`.
    /// Stops if called before `forward` or with a `dout` of the wrong shape.
    func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar>

    /// The layer's trainable parameters (empty for layers without any), in a fixed order.
    var parameters: [Parameter<Scalar>] { get }

    /// `backward` without ∂L/∂x: only the parameters' gradients. A network calls it on its first layer,
    /// whose input gradient nothing uses (it saves Affine a GEMM, and Convolution a GEMM and col2im).
    func backwardParameters(_ dout: Tensor<Scalar>)
}

/// A loss at the end of a network (§5.6.3): `forward(x, t)` gives the mean loss over the batch and
/// `backward()` gives ∂L/∂x.
///
/// Targets `t` follow the book: either the same shape as `x` (one-hot labels, or regression targets),
/// or shape (N,) holding class indices as numbers.
public protocol LossLayer<Scalar>: AnyObject {
    associatedtype Scalar: TensorScalar

    /// The mean loss over the batch for scores `x` (N, C) and targets `t`; keeps what backward needs.
    func forward(_ x: Tensor<Scalar>, _ t: Tensor<Scalar>) -> Scalar

    /// ∂L/∂x for the last forward, scaled by `dout` (1 by default, as the book).
    func backward(_ dout: Scalar) -> Tensor<Scalar>

    /// The last forward's output before the loss (softmax probabilities, or the identity's values).
    var output: Tensor<Scalar>? { get }
}

extension LossLayer {
    /// ∂L/∂x for the last forward (dout = 1).
    public func backward() -> Tensor<Scalar> { backward(1) }
}

extension Layer {
    /// The full `backward`, result dropped: right for any layer; faster ones override it.
    public func backwardParameters(_ dout: Tensor<Scalar>) { _ = backward(dout) }

    /// No parameters, for layers that have none.
    public var parameters: [Parameter<Scalar>] { [] }

    /// `forward(x, training: true)`, the book's default.
    public func forward(_ x: Tensor<Scalar>) -> Tensor<Scalar> { forward(x, training: true) }
}

/// Stops when `backward` gets a gradient whose shape differs from the forward output's.
func checkGradientShape(_ dout: [Int], _ expected: [Int], _ layer: String) {
    precondition(dout == expected,
                 "\(layer).backward: dout has shape \(dout) but the forward output had shape \(expected)")
}
