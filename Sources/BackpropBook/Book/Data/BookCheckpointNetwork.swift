import BackpropCharts
import BackpropCore
import BackpropTraining

/// A checkpoint's network in the precision it was saved in, for the ch. 8 experiments that load one
/// (`network.load_params("deep_convnet_params.pkl")`).
public enum CheckpointNetwork {
    case float32(Network<Float>)
    case float64(Network<Double>)

    /// Reads and rebuilds the checkpoint at `path`, and checks that it fits `data` (input size and
    /// number of classes). Throws a `CheckpointError` naming the file otherwise.
    public init(path: String, fitting data: any LabeledDataset) throws {
        let saved = try Checkpoint.read(path: path)
        guard data.inputSize == saved.spec.inputSize, data.classes == saved.spec.outputSize else {
            throw CheckpointError.badMetadata(path: path, key: "spec",
                                              reason: "the network takes \(saved.spec.inputSize) inputs and "
                                                  + "\(saved.spec.outputSize) classes, the data has \(data.inputSize) and \(data.classes)")
        }
        self = saved.dtype == "float64" ? .float64(try saved.makeNetwork()) : .float32(try saved.makeNetwork())
    }

    /// "float32" or "float64".
    public var dtype: String {
        switch self {
        case .float32: "float32"
        case .float64: "float64"
        }
    }

    /// Whether the network takes images (N, C, H, W) rather than rows.
    public var isConvolutional: Bool {
        switch self {
        case .float32(let n): n.spec?.kind.isConvolutional ?? false
        case .float64(let n): n.spec?.kind.isConvolutional ?? false
        }
    }
}

/// The predicted class of every example of `set`, in order, in chunks of `chunkSize` (inference mode):
/// the book's loop over `network.predict(tx, train_flg=False)` and `np.argmax(y, axis=1)`. `prepare`
/// may change each chunk's inputs first (half-float rounding).
public func predictions<Scalar: TensorScalar>(_ network: Network<Scalar>, on set: any LabeledDataset, flatten: Bool,
                                              chunkSize: Int = 100,
                                              prepare: (Tensor<Scalar>) -> Tensor<Scalar> = { $0 }) -> [Int] {
    precondition(chunkSize > 0, "predictions: chunkSize must be positive, got \(chunkSize)")
    var result: [Int] = []
    result.reserveCapacity(set.count)
    for start in stride(from: 0, to: set.count, by: chunkSize) {
        let indices = Array(start..<Swift.min(start + chunkSize, set.count))
        let x: Tensor<Scalar> = prepare(set.inputs(indices, flatten: flatten))
        result += network.predict(x, training: false).argmax(axis: 1).scalars
    }
    return result
}
