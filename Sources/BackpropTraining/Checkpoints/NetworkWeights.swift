import BackpropCore

/// Weights only: a network's tensors saved and loaded by name, for networks you build from layers
/// yourself (the architecture is your code, as with PyTorch's `state_dict`).
///
/// The file is safetensors, the tensors under their parameter names (`W1`, `b1`, `gamma1`, …) and a
/// BatchNormalization's running statistics as `running_mean1`, `running_var1`, as in a `Checkpoint`;
/// `__metadata__` holds `format` ("backprop-weights-1") and `dtype`. Networks built from a
/// `NetworkSpec` (the book's) can also use `Checkpoint.save`, which adds the architecture and a
/// training run's state; `loadWeights(from:)` reads those checkpoints too.
///
///     try network.saveWeights(to: "net.safetensors")
///     let copy = makeNetwork()                       // the same layers, any weights
///     try copy.loadWeights(from: "net.safetensors")   // now predicts exactly as `network`
extension Network {
    /// The `format` entry of a weights file's metadata.
    public static var weightsFormat: String { "backprop-weights-1" }

    /// Every tensor the network saves, by name: parameters in order, then running statistics.
    var namedTensors: [(name: String, tensor: Tensor<Scalar>)] {
        var result = parameters.map { (name: $0.name, tensor: $0.value) }
        for bn in layers.compactMap({ $0 as? BatchNormalization<Scalar> }) {
            let suffix = bn.gamma.name.dropFirst("gamma".count)
            result.append(("running_mean\(suffix)", bn.runningMean))
            result.append(("running_var\(suffix)", bn.runningVariance))
        }
        return result
    }

    /// Writes the network's parameters and running statistics to `path` (atomically), in its own
    /// precision. `metadata` adds entries of your own; `format` and `dtype` take precedence.
    public func saveWeights(to path: String, metadata: [String: String] = [:]) throws {
        var file = SafetensorsFile(metadata: metadata)
        for (name, tensor) in namedTensors { file.tensors[name] = StoredTensor(tensor) }
        file.metadata["format"] = Self.weightsFormat
        file.metadata["dtype"] = Scalar.dtypeName
        try file.write(to: path)
    }

    /// Replaces the network's parameters and running statistics with those saved at `path` by
    /// `saveWeights(to:)` or `Checkpoint.save` (converted if saved in the other precision).
    ///
    /// The file must fit the network exactly: every tensor present with the same shape
    /// (`CheckpointError.missingTensor`, `.shapeMismatch`) and none the network lacks
    /// (`.unexpectedTensor`; a checkpoint's `optimizer/…` entries are skipped). Everything is checked
    /// before anything changes: on an error the network is as it was.
    public func loadWeights(from path: String) throws {
        let file = try SafetensorsFile.read(path: path)
        let wanted = namedTensors
        let names = Set(wanted.map(\.name))
        if let extra = file.tensors.keys.sorted().first(where: { !names.contains($0) && !$0.hasPrefix("optimizer/") }) {
            throw CheckpointError.unexpectedTensor(path: path, name: extra)
        }
        var loaded: [String: Tensor<Scalar>] = [:]
        for (name, current) in wanted {
            guard let stored = file.tensors[name] else { throw CheckpointError.missingTensor(path: path, name: name) }
            guard stored.shape == current.shape else {
                throw CheckpointError.shapeMismatch(path: path, name: name, expected: current.shape, found: stored.shape)
            }
            loaded[name] = try stored.tensor(name: name, path: path)
        }
        for p in parameters { p.value = loaded[p.name]! }
        for bn in layers.compactMap({ $0 as? BatchNormalization<Scalar> }) {
            let suffix = bn.gamma.name.dropFirst("gamma".count)
            bn.runningMean = loaded["running_mean\(suffix)"]!
            bn.runningVariance = loaded["running_var\(suffix)"]!
        }
    }
}
