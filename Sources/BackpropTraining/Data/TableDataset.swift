import BackpropCore

/// Rows of numeric features with a class each — or, for regression, a number each: a CSV table's
/// (`CSVTable`), or your own arrays. Features are kept as `Double`s, row after row, already standardised
/// when they came from a table; a batch is converted to a tensor (k, featureCount).
public struct TableDataset: LabeledDataset, Sendable {
    /// All features, row after row (count × featureCount).
    public let features: [Double]
    /// One class index per row.
    public let labels: [Int]
    /// Features per row: the width of a batch (k, featureCount).
    public let featureCount: Int
    public let classes: Int
    /// The name of each class (label k names `classNames[k]`), when known.
    public var classNames: [String]?
    /// The feature columns' names, when known.
    public var featureNames: [String]?
    /// Regression: one value per row (standardised when from a table); nil for classification.
    public let targets: [Double]?

    /// Whether the rows hold values to predict (regression) rather than classes.
    public var isRegression: Bool { targets != nil }

    /// Rows of `featureCount` features each (`features.count / featureCount` of them) with their labels in
    /// 0..<`classes`. Stops on inconsistent sizes or a label out of range.
    public init(features: [Double], labels: [Int], featureCount: Int, classes: Int, classNames: [String]? = nil,
                featureNames: [String]? = nil) {
        precondition(featureCount > 0 && features.count == labels.count * featureCount,
                     "TableDataset: \(features.count) features for \(labels.count) rows of \(featureCount)")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classes }, "TableDataset: a label is outside 0..<\(classes)")
        self.features = features
        self.labels = labels
        self.featureCount = featureCount
        self.classes = classes
        self.classNames = classNames
        self.featureNames = featureNames
        self.targets = nil
    }

    /// Rows of `featureCount` features each with one value to predict each (`targets`): a regression
    /// dataset, trained with `MeanSquaredErrorLoss`. Stops on inconsistent sizes.
    public init(features: [Double], targets: [Double], featureCount: Int, featureNames: [String]? = nil) {
        precondition(featureCount > 0 && features.count == targets.count * featureCount,
                     "TableDataset: \(features.count) features for \(targets.count) rows of \(featureCount)")
        self.features = features
        self.labels = [Int](repeating: 0, count: targets.count)
        self.featureCount = featureCount
        self.classes = 1
        self.featureNames = featureNames
        self.targets = targets
    }

    public var count: Int { labels.count }
    public var inputSize: Int { featureCount }

    /// The rows at `indices` as a tensor (k, featureCount), whatever `flatten` says.
    public func inputs<Scalar: TensorScalar>(_ indices: [Int], flatten _: Bool) -> Tensor<Scalar> {
        var values: [Scalar] = []
        values.reserveCapacity(indices.count * featureCount)
        for i in indices {
            precondition(i >= 0 && i < count, "TableDataset.inputs: row \(i) out of range 0..<\(count)")
            for j in 0..<featureCount { values.append(Scalar(features[i * featureCount + j])) }
        }
        return Tensor(shape: [indices.count, featureCount], scalars: values)
    }

    public func label(at i: Int) -> Int { labels[i] }

    /// Class indices (k,), or for regression the values (k, 1) that `MeanSquaredErrorLoss` compares with.
    public func targetTensor<Scalar: TensorScalar>(_ indices: [Int], into slot: inout Tensor<Scalar>?) {
        guard let targets else { return labelTensor(indices, into: &slot) }
        slot = Tensor(shape: [indices.count, 1], scalars: indices.map { Scalar(targets[$0]) })
    }

    /// The first `n` rows (all when n ≥ count).
    public func prefix(_ n: Int) -> TableDataset {
        let k = Swift.max(0, Swift.min(n, count))
        if let targets {
            return TableDataset(features: Array(features[0..<(k * featureCount)]), targets: Array(targets[0..<k]),
                                featureCount: featureCount, featureNames: featureNames)
        }
        return TableDataset(features: Array(features[0..<(k * featureCount)]), labels: Array(labels[0..<k]),
                            featureCount: featureCount, classes: classes, classNames: classNames, featureNames: featureNames)
    }
}

/// The mean and standard deviation of each feature column over a training split; `apply` maps a value
/// x of column j to (x − mean[j]) / std[j] (a column whose values are all equal keeps std 1). Stored in
/// checkpoints (metadata `feature_scaling`) so that evaluation standardises as training did.
public struct FeatureScaling: Codable, Sendable, Equatable {
    /// The feature columns' names, in order.
    public var columns: [String]
    /// Each feature column's mean over the training split.
    public var mean: [Double]
    /// Each feature column's standard deviation over the training split (1 where the column is constant).
    public var standardDeviation: [Double]
    /// Regression: the target's mean and standard deviation over the training split (targets are
    /// standardised alike, and predictions mapped back by `unscaleTarget`); nil for classification.
    public var targetMean: Double?, targetStandardDeviation: Double?

    /// A standardised target value in the target's own units.
    public func unscaleTarget(_ value: Double) -> Double { value * (targetStandardDeviation ?? 1) + (targetMean ?? 0) }

    /// A target value standardised.
    public func scaleTarget(_ value: Double) -> Double { (value - (targetMean ?? 0)) / (targetStandardDeviation ?? 1) }

    /// The scaling of `rows` rows of `columns.count` features each (row after row).
    public init(columns: [String], features: [Double], rows: Int) {
        let n = columns.count
        var mean = [Double](repeating: 0, count: n), variance = [Double](repeating: 0, count: n)
        for r in 0..<rows { for j in 0..<n { mean[j] += features[r * n + j] } }
        for j in 0..<n { mean[j] /= Double(Swift.max(rows, 1)) }
        for r in 0..<rows { for j in 0..<n { variance[j] += (features[r * n + j] - mean[j]) * (features[r * n + j] - mean[j]) } }
        self.columns = columns
        self.mean = mean
        self.standardDeviation = variance.map { let s = ($0 / Double(Swift.max(rows, 1))).squareRoot(); return s > 0 ? s : 1 }
    }

    /// Sets the target's statistics from the training split's `values`.
    public mutating func scaleTargets(_ values: [Double]) {
        let n = Double(Swift.max(values.count, 1))
        let mean = values.reduce(0, +) / n
        let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
        (targetMean, targetStandardDeviation) = (mean, deviation > 0 ? deviation : 1)
    }

    /// `features` (rows of `columns.count`) standardised.
    public func apply(_ features: [Double]) -> [Double] {
        features.enumerated().map { i, x in (x - mean[i % columns.count]) / standardDeviation[i % columns.count] }
    }
}
