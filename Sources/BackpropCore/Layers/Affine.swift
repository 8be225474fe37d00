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
/// - The products are `Tensor.matmul` (Tensor/MatMulMethods.swift): one BLAS call each, shared among
///   threads when large; out, dx and the gradients are written into memory reused batch to batch.
public final class Affine<Scalar: TensorScalar>: Layer {
    /// W, of shape (in, out).
    public let weight: Parameter<Scalar>
    /// b, of shape (out,).
    public let bias: Parameter<Scalar>

    /// The last forward's input flattened to (N, in), kept for backward.
    public private(set) var x: Tensor<Scalar>?
    /// The last forward's input shape before flattening; dx gets this shape back.
    public private(set) var originalShape: [Int]?
    /// Where out and dx are written, reused from batch to batch (see `ResultBuffer`).
    private var outputBuffer = ReusedTensor<Scalar>(), gradientBuffer = ReusedTensor<Scalar>()

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
        let features = x.shape.dropFirst().reduce(1, *)
        precondition(features == weight.value.shape[0],
                     "Affine.forward: x has shape \(x.shape) (\(features) features per example) but W has shape \(weight.value.shape)")
        // §5.6.2: self.original_x_shape = x.shape; x = x.reshape(x.shape[0], -1); self.x = x
        originalShape = x.shape
        let flat = x.flattenedToRows(reusingShapeOf: self.x)
        self.x = flat
        // out = np.dot(self.x, self.W) + self.b
        return flat.matmul(weight.value, plus: bias.value, into: &outputBuffer)
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let originalShape else { preconditionFailure("Affine.backward called before forward") }
        backwardParameters(dout)
        // §5.6.2: dx = np.dot(dout, self.W.T); dx = dx.reshape(*self.original_x_shape)
        return dout.matmul(weight.value, transposeOther: true, into: &gradientBuffer, shape: originalShape)
    }

    /// dW and db only (no dx), for a network's first layer.
    public func backwardParameters(_ dout: Tensor<Scalar>) {
        guard let x else { preconditionFailure("Affine.backward called before forward") }
        if !(dout.rank == 2 && dout.shape[0] == x.shape[0] && dout.shape[1] == weight.value.shape[1]) {
            checkGradientShape(dout.shape, [x.shape[0], weight.value.shape[1]], "Affine")
        }
        // §5.6.2: self.dW = np.dot(self.x.T, dout); self.db = np.sum(dout, axis=0)
        x.matmul(dout, transposeSelf: true, into: &weight.gradient)
        dout.sumOfRows(into: &bias.gradient)
    }
}
