/// §6.3 Batch Normalization: each feature is normalised over the batch, then scaled and shifted.
///
/// Forward (§6.3.1, in training mode), over the M values of each feature:
/// μ = (1/M) Σ x, σ² = (1/M) Σ (x − μ)² (biased, as the book), x̂ = (x − μ) / √(σ² + ε), y = γ·x̂ + β.
/// The running statistics follow each training batch: running ← m·running + (1 − m)·batch, with
/// momentum m (0.9) and the biased σ²; they start at 0. In inference (`training: false`) μ and σ² are the
/// running ones.
///
/// Backward (the book's computational graph, `__backward` in its code):
/// dβ = Σ dout, dγ = Σ x̂·dout, dx̂ = γ·dout, dxc = dx̂/std, dstd = −Σ(dx̂·xc)/std², dvar = 0.5·dstd/std,
/// dxc += (2/M)·xc·dvar, dμ = Σ dxc, dx = dxc − dμ/M — with xc = x − μ, std = √(σ² + ε) and the sums over M.
/// After an inference forward μ and σ² are constants, and dx = γ·dout/std.
///
/// Shapes:
/// - x (N, D): features are the D columns, M = N; featureCount = D.
/// - x (N, C, H, W), default: flattened to (N, C·H·W) and normalised per C·H·W feature with M = N — the
///   book's behaviour; featureCount = C·H·W.
/// - x (N, C, H, W) with `perChannel: true` (PyTorch's BatchNorm2d): normalised per channel C over
///   M = N·H·W values; featureCount = C. (2-d input is the same in both modes.)
/// - y and dx have x's shape. γ (`gamma`, named "gamma", ones), β (`beta`, "beta", zeros), `runningMean`
///   and `runningVariance` all have shape (featureCount,). γ and β get no weight decay.
/// - forward keeps `xc`, `xn` (x̂), `std`, M and the input shape, as the book's `__forward`.
///
/// Data-parallel training (`Trainer` with a `GradientReducer`) sets `scope` to `.global`: the sums over
/// the batch in training — μ, σ², and backward's Σ(dx̂·xc) and Σ dxc — are then taken over the global
/// batch, M counts its values, and every rank keeps the same running statistics. That is four small
/// reductions per step (featureCount numbers each), inherent to normalising over examples held by
/// different processes. dγ and dβ stay this rank's partial sums: the trainer sums them with the rest
/// of the gradients.
public final class BatchNormalization<Scalar: TensorScalar>: Layer {
    /// The number of normalised features: D, C·H·W, or C with `perChannel`.
    public let featureCount: Int
    /// m in running ← m·running + (1 − m)·batch.
    public let momentum: Double
    /// ε in √(σ² + ε); 1e-6 by default, the book's `10e-7`.
    public let epsilon: Double
    /// Whether 4-d input is normalised per channel (PyTorch) instead of per C·H·W feature (the book).
    public let perChannel: Bool

    /// γ, of shape (featureCount,).
    public let gamma: Parameter<Scalar>
    /// β, of shape (featureCount,).
    public let beta: Parameter<Scalar>
    /// The running mean of the training batches, (featureCount,); used in inference.
    public var runningMean: Tensor<Scalar>
    /// The running (biased) variance of the training batches, (featureCount,); used in inference.
    public var runningVariance: Tensor<Scalar>
    /// Whose examples the batch statistics are taken over: `.local` (the book), or `.global` in
    /// data-parallel training.
    public var scope: BatchScope = .local

    /// What the last forward kept for backward, as the book's `self.xc`, `self.xn`, `self.std`
    /// (xc = x − μ, x̂, √(σ² + ε), each in the layout's view) and `self.batch_size` (M, in `layout`).
    public private(set) var xc: Tensor<Scalar>?, xn: Tensor<Scalar>?, std: Tensor<Scalar>?
    /// The last forward's input shape (dx gets it back), its layout, and whether it was a training pass.
    private var inputShape: [Int] = [], layout: BatchNormalizationLayout?, trained = false
    /// M of the last training forward: this process's values per feature, or the global batch's.
    private var batchCount = 0

    /// A batch-normalisation layer over `featureCount` features (see the shapes above), γ = 1, β = 0.
    public init(featureCount: Int, momentum: Double = 0.9, epsilon: Double = 1e-6, perChannel: Bool = false) {
        precondition(featureCount > 0, "BatchNormalization.init: featureCount must be positive, got \(featureCount)")
        precondition(momentum >= 0 && momentum <= 1, "BatchNormalization.init: momentum must be in [0, 1], got \(momentum)")
        precondition(epsilon >= 0, "BatchNormalization.init: epsilon must be non-negative, got \(epsilon)")
        self.featureCount = featureCount
        self.momentum = momentum
        self.epsilon = epsilon
        self.perChannel = perChannel
        gamma = Parameter(name: "gamma", value: .ones([featureCount]), decays: false)
        beta = Parameter(name: "beta", value: .zeros([featureCount]), decays: false)
        runningMean = .zeros([featureCount])
        runningVariance = .zeros([featureCount])
    }

    /// [gamma, beta].
    public var parameters: [Parameter<Scalar>] { [gamma, beta] }

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        let layout = BatchNormalizationLayout(shape: x.shape, featureCount: featureCount, perChannel: perChannel)
        let f = [featureCount]
        for (name, t) in [("gamma", gamma.value), ("beta", beta.value),
                          ("runningMean", runningMean), ("runningVariance", runningVariance)] {
            precondition(t.shape == f, "BatchNormalization.forward: \(name) has shape \(t.shape), expected \(f)")
        }
        let v = x.reshaped(layout.view)
        let eps = Scalar(epsilon)
        let xc: Tensor<Scalar>, std: Tensor<Scalar>
        if training {
            precondition(layout.count > 0, "BatchNormalization.forward: empty batch of shape \(x.shape) in training")
            let (sumX, count) = scope.sum(layout.sumOverBatch(v), count: layout.count)
            batchCount = count
            let m = Scalar(count)
            let mu = sumX / m                                        // §6.3.1: mu = x.mean(axis=0)
            xc = v - mu                                              // xc = x - mu
            let variance = scope.sum(layout.sumOverBatch(xc.squared())) / m   // var = np.mean(xc**2, axis=0)
            std = sqrt(variance + eps)                               // std = np.sqrt(var + 10e-7)
            let keep = Scalar(momentum), blend = Scalar(1 - momentum)
            // self.running_mean = self.momentum * self.running_mean + (1-self.momentum) * mu, and var likewise
            runningMean = keep * runningMean + blend * mu.reshaped(f)
            runningVariance = keep * runningVariance + blend * variance.reshaped(f)
        } else {
            xc = v - runningMean.reshaped(layout.stat)                // xc = x - self.running_mean
            std = sqrt(runningVariance.reshaped(layout.stat) + eps)
        }
        let xn = xc / std                                             // xn = xc / std
        (self.xc, self.xn, self.std, inputShape, self.layout, trained) = (xc, xn, std, x.shape, layout, training)
        let out = gamma.value.reshaped(layout.stat) * xn + beta.value.reshaped(layout.stat)   // out = self.gamma * xn + self.beta
        return out.reshaped(x.shape)
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let xc, let xn, let std, let layout else { preconditionFailure("BatchNormalization.backward called before forward") }
        checkGradientShape(dout.shape, inputShape, "BatchNormalization")
        let d = dout.reshaped(layout.view)
        // §6.3: the book's __backward
        let dbeta = layout.sumOverBatch(d)                            // dbeta = dout.sum(axis=0)
        let dgamma = layout.sumOverBatch(xn * d)                      // dgamma = np.sum(self.xn * dout, axis=0)
        let dxn = gamma.value.reshaped(layout.stat) * d               // dxn = self.gamma * dout
        var dxc = dxn / std                                           // dxc = dxn / self.std
        if trained {
            let m = Scalar(batchCount)
            // dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
            let dstd = -scope.sum(layout.sumOverBatch(dxn * xc)) / (std * std)
            let dvar = 0.5 * dstd / std                               // dvar = 0.5 * dstd / self.std
            dxc += xc * (dvar * (2 / m))                              // dxc += (2.0 / self.batch_size) * self.xc * dvar
            let dmu = scope.sum(layout.sumOverBatch(dxc))             // dmu = np.sum(dxc, axis=0)
            dxc -= dmu / m                                            // dx = dxc - dmu / self.batch_size
        }
        gamma.gradient = dgamma.reshaped([featureCount])              // self.dgamma = dgamma
        beta.gradient = dbeta.reshaped([featureCount])                // self.dbeta = dbeta
        return dxc.reshaped(inputShape)
    }
}
