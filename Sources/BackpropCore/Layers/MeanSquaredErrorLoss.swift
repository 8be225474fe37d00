/// Identity output with the §4.2.1 mean squared error, averaged over the batch:
/// L = (1/N) · 0.5 · Σᵢ Σₖ (yᵢₖ − tᵢₖ)² with y = x, and ∂L/∂x = (y − t) / N.
///
/// The book's `mean_squared_error` is 0.5·Σ(y − t)² for one sample (0.0975 for its §4.2.1 example);
/// for a batch this divides by the batch size N = x.shape[0], as `SoftmaxWithLoss` does, so the loss
/// does not grow with the batch. A 1-d x (N,) is a batch of N single outputs.
///
/// - forward: x and t of the same shape, rank ≥ 1 → the mean loss; keeps y (= x, `output`), t and y − t.
/// - backward(dout): → dx of x's shape = dout · (y − t) / N.
public final class MeanSquaredErrorLoss<Scalar: TensorScalar>: LossLayer {
    /// The last forward's output y, which is x (identity output).
    public private(set) var output: Tensor<Scalar>?
    /// The last forward's targets.
    public private(set) var target: Tensor<Scalar>?
    /// The last forward's mean loss.
    public private(set) var loss: Scalar?
    private var difference: Tensor<Scalar>?

    /// A loss layer with nothing kept yet.
    public init() {}

    public func forward(_ x: Tensor<Scalar>, _ t: Tensor<Scalar>) -> Scalar {
        precondition(x.rank >= 1 && x.shape[0] > 0,
                     "MeanSquaredErrorLoss.forward: x needs a non-empty batch axis, got shape \(x.shape)")
        precondition(t.shape == x.shape,
                     "MeanSquaredErrorLoss.forward: targets have shape \(t.shape) but x has shape \(x.shape)")
        let diff = x - t
        let loss = 0.5 * diff.squared().sum() / Scalar(x.shape[0])   // §4.2.1: 0.5·Σ(y − t)², per sample
        output = x
        target = t
        difference = diff
        self.loss = loss
        return loss
    }

    public func backward(_ dout: Scalar) -> Tensor<Scalar> {
        guard let difference else { preconditionFailure("MeanSquaredErrorLoss.backward called before forward") }
        return difference * (dout / Scalar(difference.shape[0]))   // dx = (y − t) / N
    }
}
