/// §5.6.2 Affine (fully connected) layer: out = x·W + b.
///
/// Backward (§5.6.2, figure 5-25 and its batch form):
/// ∂L/∂x = ∂L/∂out · Wᵀ, ∂L/∂W = xᵀ · ∂L/∂out, ∂L/∂b = Σ over the batch of ∂L/∂out.
///
/// - W: (in, out), the parameter `weight` named "W" (weight decay applies); b: (out,), the parameter
///   `bias` named "b" (no decay).
/// - forward: x of any rank ≥ 1 with N = shape[0] is flattened to (N, in) — the book's
///   `x.reshape(x.shape[0], -1)`, so a 4-D image batch (N, C, H, W) needs in = C·H·W — and gives out (N, out).
///   Keeps the flattened x and x's original shape.
/// - backward: dout (N, out) → dx of x's original shape; writes ∂L/∂W into `weight.gradient` and
///   ∂L/∂b into `bias.gradient`. The transposes are BLAS flags, never copies.
public final class Affine<Scalar: TensorScalar>: Layer {
    /// W, of shape (in, out).
    public let weight: Parameter<Scalar>
    /// b, of shape (out,).
    public let bias: Parameter<Scalar>

    /// The last forward's input flattened to (N, in), kept for backward.
    public private(set) var x: Tensor<Scalar>?
    /// The last forward's input shape before flattening; dx gets this shape back.
    public private(set) var originalShape: [Int]?

    /// An Affine layer over the given W (in, out) and b (out,). Stops if the shapes disagree.
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>) {
        precondition(weight.rank == 2,
                     "Affine.init: W must be 2-d (in, out), got shape \(weight.shape) (b has shape \(bias.shape))")
        precondition(bias.shape == [weight.shape[1]],
                     "Affine.init: W has shape \(weight.shape) so b must have shape [\(weight.shape[1])], got \(bias.shape)")
        self.weight = Parameter(name: "W", value: weight, decays: true)
        self.bias = Parameter(name: "b", value: bias, decays: false)
    }

    /// [weight, bias].
    public var parameters: [Parameter<Scalar>] { [weight, bias] }

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        let w = weight.value, b = bias.value
        precondition(x.rank >= 1, "Affine.forward: x must have a batch axis, got shape \(x.shape)")
        precondition(w.rank == 2 && b.shape == [w.shape[1]],
                     "Affine.forward: W has shape \(w.shape) and b has shape \(b.shape); they no longer agree")
        let n = x.shape[0]
        let features = x.shape.dropFirst().reduce(1, *)
        precondition(features == w.shape[0],
                     "Affine.forward: x has shape \(x.shape) (\(features) features per example) but W has shape \(w.shape)")
        let flat = x.reshaped([n, features])
        self.x = flat
        originalShape = x.shape
        // §5.6.2: out = x·W + b — b is copied into every row, then the product is accumulated onto it.
        var out = b.broadcasted(to: [n, w.shape[1]])
        matmul(flat, w, beta: 1, into: &out)
        return out
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let originalShape else { preconditionFailure("Affine.backward called before forward") }
        backwardParameters(dout)
        return matmul(dout, weight.value, transposeB: true).reshaped(originalShape)   // §5.6.2: dx = dout·Wᵀ
    }

    /// dW and db only (no dx), for a network's first layer.
    public func backwardParameters(_ dout: Tensor<Scalar>) {
        guard let x else { preconditionFailure("Affine.backward called before forward") }
        let w = weight.value
        checkGradientShape(dout.shape, [x.shape[0], w.shape[1]], "Affine")
        // §5.6.2: dW = xᵀ·dout, db = Σ_N dout
        if weight.gradient.shape != w.shape { weight.gradient = .zeros(w.shape) }
        matmul(x, dout, transposeA: true, into: &weight.gradient)
        bias.gradient = dout.sum(axis: 0)
    }
}
