import BackpropCore

/// Examples with class labels that a `Trainer` can draw batches from: image sets read from IDX files,
/// or synthetic points.
public protocol LabeledDataset: Sendable {
    /// Number of examples.
    var count: Int { get }
    /// Number of classes; labels are in 0..<classes.
    var classes: Int { get }
    /// Features per example when flattened (784 for 28×28 images).
    var inputSize: Int { get }
    /// The examples at `indices` as a tensor: (k, inputSize) when `flatten`, else the natural shape
    /// (e.g. (k, 1, 28, 28) for images).
    func inputs<Scalar: TensorScalar>(_ indices: [Int], flatten: Bool) -> Tensor<Scalar>
    /// The class index of example i.
    func label(at i: Int) -> Int
    /// `inputs(indices, flatten:)` written into `slot`'s tensor when it has the right shape (see
    /// `reusable`), else into a new one that is left in `slot`.
    func inputs<Scalar: TensorScalar>(_ indices: [Int], flatten: Bool, into slot: inout Tensor<Scalar>?)
    /// What the loss layer compares the network's output with, for the examples at `indices`: the class
    /// indices (k,) (`labelTensor`, the default), or a regression dataset's values (k, 1).
    func targetTensor<Scalar: TensorScalar>(_ indices: [Int], into slot: inout Tensor<Scalar>?)
}

extension LabeledDataset {
    public func inputs<Scalar: TensorScalar>(_ indices: [Int], flatten: Bool, into slot: inout Tensor<Scalar>?) {
        slot = inputs(indices, flatten: flatten)
    }

    public func targetTensor<Scalar: TensorScalar>(_ indices: [Int], into slot: inout Tensor<Scalar>?) {
        labelTensor(indices, into: &slot)
    }

    /// `labelTensor(indices)` written into `slot`'s tensor when it has k elements, else into a new one
    /// left in `slot`.
    public func labelTensor<Scalar: TensorScalar>(_ indices: [Int], into slot: inout Tensor<Scalar>?) {
        var t = reusable(&slot, if: { $0.count == 1 && $0[0] == indices.count }, else: { [indices.count] })
        t.withUnsafeMutableBufferPointer { p in
            for (k, i) in indices.enumerated() { p[k] = Scalar(label(at: i)) }
        }
        slot = t
    }

    /// The labels at `indices` as class indices stored as numbers, (k,) — the form `Network.loss` takes.
    public func labelTensor<Scalar: TensorScalar>(_ indices: [Int], as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        Tensor(integers: indices.map { label(at: $0) })
    }
}

extension ImageSet: LabeledDataset {
    public var inputSize: Int { imageSize }
    public func inputs<Scalar: TensorScalar>(_ indices: [Int], flatten: Bool) -> Tensor<Scalar> {
        images(indices, flatten: flatten, normalize: true)
    }
    public func inputs<Scalar: TensorScalar>(_ indices: [Int], flatten: Bool, into slot: inout Tensor<Scalar>?) {
        let k = indices.count
        var x = reusable(&slot, if: { s in
            flatten ? s.count == 2 && s[0] == k && s[1] == imageSize
                    : s.count == 4 && s[0] == k && s[1] == channels && s[2] == rows && s[3] == columns
        }, else: { flatten ? [k, imageSize] : [k, channels, rows, columns] })
        x.withUnsafeMutableBufferPointer { out in writeImages(indices, normalize: true, to: out) }
        slot = x
    }
    public func label(at i: Int) -> Int { Int(labels[i]) }
}

extension SpiralDataset: LabeledDataset {
    public var count: Int { labels.count }
    public var inputSize: Int { 2 }
    public func inputs<Scalar: TensorScalar>(_ indices: [Int], flatten: Bool) -> Tensor<Scalar> {
        points.gatheringRows(indices).map { Scalar($0) }
    }
    public func label(at i: Int) -> Int { labels[i] }
}
