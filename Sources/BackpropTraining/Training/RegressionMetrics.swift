import BackpropCore

/// How well a regression network predicts a `TableDataset`'s targets, in the target's own units.
public struct RegressionMetrics: Sendable, Equatable {
    /// Root mean squared error: √(mean (prediction − target)²).
    public var rmse: Double
    /// Coefficient of determination: 1 − Σ(prediction − target)² / Σ(target − mean target)².
    public var r2: Double

    /// The metrics of `network` (one output, inference mode) on `set`, predictions and targets mapped back
    /// to the target's units by `scaling`, `chunkSize` rows per forward pass.
    public init<Scalar: TensorScalar>(_ network: Network<Scalar>, on set: TableDataset, scaling: FeatureScaling, chunkSize: Int = 100) {
        precondition(set.isRegression && set.count > 0, "RegressionMetrics: needs a non-empty regression dataset")
        var predictions: [Double] = []
        for start in stride(from: 0, to: set.count, by: chunkSize) {
            let indices = Array(start..<Swift.min(start + chunkSize, set.count))
            let x: Tensor<Scalar> = set.inputs(indices, flatten: true)
            predictions += network.predict(x, training: false).scalars.map { scaling.unscaleTarget(Double($0)) }
        }
        let targets = (set.targets ?? []).map(scaling.unscaleTarget)
        var sum = 0.0, residual = 0.0, total = 0.0
        for value in targets { sum += value }
        let mean = sum / Double(targets.count)
        for (prediction, value) in zip(predictions, targets) {
            residual += (prediction - value) * (prediction - value)
            total += (value - mean) * (value - mean)
        }
        rmse = (residual / Double(targets.count)).squareRoot()
        r2 = total > 0 ? 1 - residual / total : .nan
    }
}
