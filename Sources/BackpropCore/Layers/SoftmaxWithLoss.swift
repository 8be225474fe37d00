/// §5.6.3 Softmax-with-Loss layer: y = softmax(x) row by row, L = −(1/N) Σᵢ Σ_c tᵢc · log yᵢc
/// (cross-entropy error, §4.2.2–§4.2.4), and ∂L/∂x = (y − t) / N.
///
/// Loss, computed stably: with mᵢ = maxᶜ xᵢc, log yᵢc = (xᵢc − mᵢ) − log Σ_c′ exp(xᵢc′ − mᵢ) exactly
/// (log-softmax), so L never takes log 0 and stays finite — and correct — even for logits of ±1e4,
/// where y underflows to exact zeros. The book's code instead computes −Σ t·log(y + 1e-7): it differs
/// by about 1e-7 per sample where the true class is confident (log(1 + 1e-7) instead of log 1), and where
/// y of the true class underflows to 0 it reports −log(1e-7) ≈ 16.1 instead of the true loss (2e4 for
/// logits ±1e4). The gradient (y − t)/N is the same in both.
///
/// - forward: x (N, C) scores and targets t, either (N, C) like x (one-hot or soft labels, each row
///   summing to 1) or (N,) class indices stored as numbers (see also `forward(_:labels:)`). Returns the
///   mean loss; keeps y (`output`) and t as (N, C) (`target`, one-hot for index targets).
/// - backward(dout): → dx (N, C) = dout · (y − t) / N. For index targets that is y with 1 subtracted
///   at each label.
/// - y, the one-hot targets and dx live in buffers reused from batch to batch while N stays the same
///   (a buffer still held elsewhere — say, a y you kept — is copied instead, never overwritten).
public final class SoftmaxWithLoss<Scalar: TensorScalar>: LossLayer {
    /// The last forward's softmax probabilities y (N, C).
    public var output: Tensor<Scalar>? { outputBuffer.last }
    /// The last forward's targets as (N, C): t itself, or the one-hot rows of index targets.
    public var target: Tensor<Scalar>? { givenTarget ?? oneHotBuffer.last }
    /// The last forward's mean loss.
    public private(set) var loss: Scalar?
    /// Where y, one-hot targets and dx are written, reused from batch to batch (see `ResultBuffer`).
    private var outputBuffer = ReusedTensor<Scalar>(), oneHotBuffer = ReusedTensor<Scalar>()
    private var gradientBuffer = ReusedTensor<Scalar>()
    /// t when the last forward was given (N, C) targets (nil for class indices).
    private var givenTarget: Tensor<Scalar>?

    /// A loss layer with nothing kept yet.
    public init() {}

    /// The mean cross-entropy loss of softmax(x) against targets t: (N, C) like x, or (N,) class indices.
    /// Stops on other target shapes, and on an index that is not an integer in 0..<C.
    public func forward(_ x: Tensor<Scalar>, _ t: Tensor<Scalar>) -> Scalar {
        let (n, c) = checkScores(x)
        if t.shape == x.shape {
            givenTarget = t
            return run(x, t)
        }
        precondition(t.shape == [n],
                     "SoftmaxWithLoss.forward: x has shape \(x.shape) so targets must have shape \(x.shape) "
                     + "(one-hot) or [\(n)] (class indices), got \(t.shape)")
        givenTarget = nil
        let (oneHot, bad) = Tensor.oneHot(t, classes: c, into: &oneHotBuffer)
        if let bad {
            preconditionFailure("SoftmaxWithLoss.forward: target \(bad) is \(t.scalars[bad]), "
                                + "not a class index in 0..<\(c) for x of shape \(x.shape)")
        }
        return run(x, oneHot)
    }

    /// The mean cross-entropy loss of softmax(x) for x (N, C) against N class labels in 0..<C.
    public func forward(_ x: Tensor<Scalar>, labels: [Int]) -> Scalar {
        let (n, c) = checkScores(x)
        precondition(labels.count == n,
                     "SoftmaxWithLoss.forward: x has shape \(x.shape) but \(labels.count) labels were given")
        for (i, label) in labels.enumerated() {
            precondition(label >= 0 && label < c,
                         "SoftmaxWithLoss.forward: label \(i) is \(label), not a class index in 0..<\(c) for x of shape \(x.shape)")
        }
        return forward(x, Tensor(labels.map { Scalar($0) }))
    }

    public func backward(_ dout: Scalar) -> Tensor<Scalar> {
        guard let y = output, let t = target else { preconditionFailure("SoftmaxWithLoss.backward called before forward") }
        // §5.6.3: dx = (self.y - self.t) / batch_size
        return y.minus(t, times: dout / Scalar(y.shape[0]), into: &gradientBuffer)
    }

    /// (N, C) of a valid score tensor; stops otherwise.
    private func checkScores(_ x: Tensor<Scalar>) -> (Int, Int) {
        precondition(x.rank == 2 && x.shape[0] > 0 && x.shape[1] > 0,
                     "SoftmaxWithLoss.forward: x must be non-empty scores of shape (N, C), got \(x.shape)")
        return (x.shape[0], x.shape[1])
    }

    /// §5.6.3: self.y = softmax(x); self.loss = cross_entropy_error(self.y, self.t), in one kernel.
    private func run(_ x: Tensor<Scalar>, _ t: Tensor<Scalar>) -> Scalar {
        let (_, total) = x.softmaxCrossEntropy(t, into: &outputBuffer)
        let loss = total / Scalar(x.shape[0])
        self.loss = loss
        return loss
    }
}
