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
/// - forward keeps xc, x̂, std, M and the input shape.
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

    /// How an input is viewed for normalisation.
    private struct Layout {
        /// The shape x is reshaped to: (N, F) or, per channel, (N, C, H, W).
        var view: [Int]
        /// The axes of `view` the statistics are taken over.
        var axes: [Int]
        /// The shape of μ, σ², γ, β broadcast against `view`: (1, F) or (1, C, 1, 1).
        var stat: [Int]
        /// M, the number of values per feature.
        var count: Int
    }

    /// What forward keeps for backward.
    private struct Cache {
        var inputShape: [Int]
        var layout: Layout
        var xc: Tensor<Scalar>
        var xn: Tensor<Scalar>
        var std: Tensor<Scalar>
        var training: Bool
    }
    private var cache: Cache?

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

    private func layout(for shape: [Int]) -> Layout {
        precondition(shape.count == 2 || shape.count == 4,
                     "BatchNormalization.forward: x must be (N, D) or (N, C, H, W), got shape \(shape)")
        let n = shape[0]
        let layout: Layout
        if shape.count == 4 && perChannel {
            layout = Layout(view: shape, axes: [0, 2, 3], stat: [1, shape[1], 1, 1], count: n * shape[2] * shape[3])
        } else {
            let f = shape.dropFirst().reduce(1, *)
            layout = Layout(view: [n, f], axes: [0], stat: [1, f], count: n)
        }
        let features = layout.stat.reduce(1, *)
        precondition(features == featureCount,
                     "BatchNormalization.forward: x has shape \(shape), which has \(features) "
                     + "\(perChannel && shape.count == 4 ? "channels" : "features") but featureCount is \(featureCount)")
        return layout
    }

    /// Σ over the layout's statistic axes, keeping them as extent 1: view → stat.
    private func sumOverBatch(_ t: Tensor<Scalar>, _ layout: Layout) -> Tensor<Scalar> {
        layout.axes.reduce(t) { $0.sum(axis: $1, keepDims: true) }
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        let layout = layout(for: x.shape)
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
            let m = Scalar(layout.count)
            let mu = sumOverBatch(v, layout) / m                      // §6.3.1: μ_B = (1/m) Σ xᵢ
            xc = v - mu
            let variance = sumOverBatch(xc.squared(), layout) / m     // §6.3.1: σ²_B = (1/m) Σ (xᵢ − μ_B)²
            std = sqrt(variance + eps)
            let keep = Scalar(momentum), blend = Scalar(1 - momentum)
            runningMean = keep * runningMean + blend * mu.reshaped(f)
            runningVariance = keep * runningVariance + blend * variance.reshaped(f)
        } else {
            xc = v - runningMean.reshaped(layout.stat)
            std = sqrt(runningVariance.reshaped(layout.stat) + eps)
        }
        let xn = xc / std                                             // §6.3.1: x̂ = (x − μ) / √(σ² + ε)
        cache = Cache(inputShape: x.shape, layout: layout, xc: xc, xn: xn, std: std, training: training)
        let out = gamma.value.reshaped(layout.stat) * xn + beta.value.reshaped(layout.stat)   // y = γx̂ + β
        return out.reshaped(x.shape)
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let cache else { preconditionFailure("BatchNormalization.backward called before forward") }
        checkGradientShape(dout.shape, cache.inputShape, "BatchNormalization")
        let layout = cache.layout
        let d = dout.reshaped(layout.view)
        let xc = cache.xc, std = cache.std
        // §6.3: the book's __backward
        let dbeta = sumOverBatch(d, layout)
        let dgamma = sumOverBatch(cache.xn * d, layout)
        let dxn = gamma.value.reshaped(layout.stat) * d
        var dxc = dxn / std
        if cache.training {
            let m = Scalar(layout.count)
            let dstd = -sumOverBatch(dxn * xc, layout) / (std * std)
            let dvar = 0.5 * dstd / std
            dxc += xc * (dvar * (2 / m))
            let dmu = sumOverBatch(dxc, layout)
            dxc -= dmu / m
        }
        gamma.gradient = dgamma.reshaped([featureCount])
        beta.gradient = dbeta.reshaped([featureCount])
        return dxc.reshaped(cache.inputShape)
    }
}
