import BackpropCore

/// The examples of a dataset at given indices, in that order, without copying any pixels: the book's
/// `x_train[:300]` and, with a permutation, `shuffle_dataset` followed by slicing into validation and
/// training parts (§6.5.3, `ch06/hyperparameter_optimization.py`).
public struct DatasetSubset: LabeledDataset {
    /// The dataset the examples come from.
    public let base: any LabeledDataset
    /// Example k of the subset is example `indices[k]` of `base`.
    public let indices: [Int]

    /// The examples of `base` at `indices`. Stops if an index is outside `0..<base.count`.
    public init(_ base: any LabeledDataset, indices: [Int]) {
        if let bad = indices.first(where: { $0 < 0 || $0 >= base.count }) {
            preconditionFailure("DatasetSubset: index \(bad) outside 0..<\(base.count)")
        }
        self.base = base
        self.indices = indices
    }

    /// The first `n` examples of `base` (all of them when n ≥ base.count).
    public init(_ base: any LabeledDataset, first n: Int) {
        self.init(base, indices: Array(0..<Swift.max(0, Swift.min(n, base.count))))
    }

    public var count: Int { indices.count }
    public var classes: Int { base.classes }
    public var inputSize: Int { base.inputSize }

    public func inputs<Scalar: TensorScalar>(_ which: [Int], flatten: Bool) -> Tensor<Scalar> {
        base.inputs(which.map { indices[$0] }, flatten: flatten)
    }

    public func inputs<Scalar: TensorScalar>(_ which: [Int], flatten: Bool, into slot: inout Tensor<Scalar>?) {
        base.inputs(which.map { indices[$0] }, flatten: flatten, into: &slot)
    }

    public func label(at i: Int) -> Int { base.label(at: indices[i]) }

    public func targetTensor<Scalar: TensorScalar>(_ which: [Int], into slot: inout Tensor<Scalar>?) {
        base.targetTensor(which.map { indices[$0] }, into: &slot)
    }
}
