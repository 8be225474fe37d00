import Backprop
import Foundation

/// Weights read from a file of any readable `WeightFormat`.
public struct LoadedWeights: Sendable {
    /// The file read.
    public var path: String
    /// Its format, from the extension.
    public var format: WeightFormat
    /// The arrays by name, little-endian C order.
    public var tensors: [String: StoredTensor]
    /// The architecture, when the file says it (a Backprop checkpoint).
    public var spec: NetworkSpec?
    /// The checkpoint's precision ("float32"/"float64"), when the file says it.
    public var dtype: String?

    /// "float64" if any array is, else "float32".
    public var widestDType: String { tensors.values.contains { $0.dtype == .f64 } ? "float64" : "float32" }
}

/// What `Conversion.convert` wrote.
public struct ConversionSummary: Sendable, CustomStringConvertible {
    /// The file read.
    public let input: String
    /// The file written.
    public let output: String
    /// The network (nil when an `.npz` was written from arrays whose network was not asked for).
    public let spec: NetworkSpec?
    /// The precision written ("float32", "float64", or "float32 and float64" for an `.npz` of both).
    public let dtype: String
    /// How many arrays were written.
    public let tensorCount: Int

    /// One line: "IN → OUT: network, dtype, N arrays".
    public var description: String {
        let network = spec.map { ArchitectureRecognizer.describe($0) + ", " } ?? ""
        return "\(input) → \(output): \(network)\(dtype), \(tensorCount) arrays"
    }
}

/// `backprop convert IN OUT`: reads weights in any readable format, recognises the network when the
/// output is a checkpoint, and writes the output atomically (nothing is written when anything fails).
///
/// - `.pkl`/`.npy`/`.npz`/`.safetensors` → `.safetensors`: a Backprop checkpoint (so `evaluate`,
///   `predict` and `filters` take it), the architecture from the checkpoint's metadata or from the
///   arrays (`ArchitectureRecognizer`) with the flags in `ConversionOptions`.
/// - any readable format → `.npz`: the arrays as they are (a checkpoint's network arrays only, without
///   optimizer state), `np.load(file)["W1"]`.
public enum Conversion {
    /// Reads the weights of `path`, by its extension. Throws `InteropError`, `PickleError` or
    /// `CheckpointError`, each naming the file.
    public static func load(path: String) throws -> LoadedWeights {
        guard let format = WeightFormat(path: path), format.isReadable else {
            throw InteropError.unsupportedConversion(path: path, reason: "cannot read this format (.pkl, .npy, .npz or .safetensors)")
        }
        var weights = LoadedWeights(path: path, format: format, tensors: [:])
        switch format {
        case .pickle: weights.tensors = try NumPyPickle.readArrays(path: path)
        case .npz: weights.tensors = try NPZ.read(path: path)
        case .npy:
            switch try NPY.read(path: path) {
            case .dictionary(let tensors): weights.tensors = tensors
            case .array(let tensor):
                throw InteropError.notWeights(path: path, reason: "it holds one array of shape \(tensor.shape); "
                                                  + "save the dict (np.save(file, params)) or use np.savez")
            }
        case .safetensors:
            do {
                let checkpoint = try Checkpoint.read(path: path)
                for (name, _) in checkpoint.spec.tensorShapes { weights.tensors[name] = checkpoint.file.tensors[name] }
                weights.spec = checkpoint.spec
                weights.dtype = checkpoint.dtype
            } catch CheckpointError.missingMetadata(path: _, key: "format") {
                weights.tensors = try SafetensorsFile.read(path: path).tensors  // not ours: recognise it
            }
        case .onnx: break
        }
        return weights
    }

    /// Converts `input` to `output` (formats by extension). Throws as `load`, and `InteropError` when
    /// the arrays fit no network or the flags disagree with them.
    @discardableResult
    public static func convert(input: String, output: String,
                               options: ConversionOptions = ConversionOptions()) throws -> ConversionSummary {
        guard let outputFormat = WeightFormat(path: output), outputFormat.isWritable else {
            throw InteropError.unsupportedConversion(path: output, reason: "cannot write this format (.safetensors, .npz or .onnx)")
        }
        if outputFormat == .onnx {
            throw InteropError.unsupportedConversion(path: output, reason: "ONNX export is not part of this build (BackpropONNX)")
        }
        let weights = try load(path: input)
        if let dtype = options.dtype, dtype != "float32" && dtype != "float64" {
            throw InteropError.unsupportedConversion(path: output, reason: "dtype \(dtype) is not float32 or float64")
        }
        let dtype = options.dtype ?? weights.dtype ?? weights.widestDType
        let fail = { (reason: String) in InteropError.architecture(path: input, reason: reason) }
        switch outputFormat {
        case .safetensors:
            let spec: NetworkSpec
            if let known = weights.spec {
                try ArchitectureRecognizer.check(known, against: options, fail: fail)
                spec = known
            } else {
                spec = try ArchitectureRecognizer.spec(for: weights.tensors, options: options, path: input)
            }
            let source = URL(fileURLWithPath: input).lastPathComponent
            if dtype == "float64" {
                try writeCheckpoint(Double.self, spec: spec, tensors: weights.tensors, source: source, to: output, path: input)
            } else {
                try writeCheckpoint(Float.self, spec: spec, tensors: weights.tensors, source: source, to: output, path: input)
            }
            return ConversionSummary(input: input, output: output, spec: spec, dtype: dtype, tensorCount: spec.tensorShapes.count)
        default:
            var spec = weights.spec
            if spec == nil && (options.model != nil || options.hidden != nil) {
                spec = try ArchitectureRecognizer.spec(for: weights.tensors, options: options, path: input)
            }
            var arrays = weights.tensors
            if let target = options.dtype {
                for (name, tensor) in arrays { arrays[name] = try cast(tensor, to: target, name: name, path: input) }
            }
            try NPZ.write(arrays, to: output, compressed: options.compressed)
            let kinds = Set(arrays.values.map(\.dtype))
            let written = kinds.count == 1 ? (kinds.first == .f64 ? "float64" : "float32") : "float32 and float64"
            return ConversionSummary(input: input, output: output, spec: spec, dtype: written, tensorCount: arrays.count)
        }
    }

    /// Writes a Backprop checkpoint of the network `spec` with the weights `tensors` (converted to
    /// `Scalar`), through `Checkpoint.save`: atomically, with the metadata `converted_from`.
    public static func writeCheckpoint<Scalar: TensorScalar>(_: Scalar.Type, spec: NetworkSpec, tensors: [String: StoredTensor],
                                                             source: String, to output: String, path: String) throws {
        let network = Network<Scalar>(spec: spec, seed: 0)
        func value(_ name: String) throws -> Tensor<Scalar> {
            guard let stored = tensors[name] else { throw InteropError.architecture(path: path, reason: "\(name) is missing") }
            return try stored.tensor(name: name, path: path)
        }
        for p in network.parameters { p.value = try value(p.name) }
        for bn in network.layers.compactMap({ $0 as? BatchNormalization<Scalar> }) {
            let suffix = bn.gamma.name.dropFirst("gamma".count)
            bn.runningMean = try value("running_mean\(suffix)")
            bn.runningVariance = try value("running_var\(suffix)")
        }
        try Checkpoint.save(network, metadata: ["converted_from": source], to: output)
    }

    /// `tensor` as F32 or F64 ("float32"/"float64").
    static func cast(_ tensor: StoredTensor, to dtype: String, name: String, path: String) throws -> StoredTensor {
        if dtype == "float64" { return StoredTensor(try tensor.tensor(as: Double.self, name: name, path: path)) }
        return StoredTensor(try tensor.tensor(as: Float.self, name: name, path: path))
    }
}
