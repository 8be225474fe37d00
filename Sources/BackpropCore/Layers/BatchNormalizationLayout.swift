/// How `BatchNormalization` views its input: which axes the statistics are taken over, and the shape
/// μ, σ², γ and β take to broadcast against it.
struct BatchNormalizationLayout {
    /// The shape x is reshaped to: (N, F) or, per channel, (N, C, H, W).
    let view: [Int]
    /// The axes of `view` the statistics are taken over.
    let axes: [Int]
    /// The shape of μ, σ², γ, β broadcast against `view`: (1, F) or (1, C, 1, 1).
    let stat: [Int]
    /// M, the number of values per feature.
    let count: Int

    /// The layout of an input of `shape` for a layer of `featureCount` features. Stops, naming the shape,
    /// when x is not (N, D) or (N, C, H, W) or has another number of features.
    init(shape: [Int], featureCount: Int, perChannel: Bool) {
        precondition(shape.count == 2 || shape.count == 4,
                     "BatchNormalization.forward: x must be (N, D) or (N, C, H, W), got shape \(shape)")
        let n = shape[0]
        if shape.count == 4 && perChannel {
            (view, axes, stat, count) = (shape, [0, 2, 3], [1, shape[1], 1, 1], n * shape[2] * shape[3])
        } else {
            let f = shape.dropFirst().reduce(1, *)
            (view, axes, stat, count) = ([n, f], [0], [1, f], n)
        }
        let features = stat.reduce(1, *)
        precondition(features == featureCount,
                     "BatchNormalization.forward: x has shape \(shape), which has \(features) "
                     + "\(perChannel && shape.count == 4 ? "channels" : "features") but featureCount is \(featureCount)")
    }

    /// Σ over the statistic axes, keeping them as extent 1: view → stat (the book's `np.sum(…, axis=0)`).
    func sumOverBatch<Scalar: TensorScalar>(_ t: Tensor<Scalar>) -> Tensor<Scalar> {
        axes.reduce(t) { $0.sum(axis: $1, keepDims: true) }
    }
}
