/// The file formats `backprop convert` reads and writes, chosen by extension.
public enum WeightFormat: String, Sendable, CaseIterable {
    /// A Python pickle of a dict of NumPy arrays (`.pkl`, `.pickle`): read only, by the restricted unpickler.
    case pickle
    /// A NumPy `.npy`: read only, when it holds a dict of arrays (`np.save(file, params)`).
    case npy
    /// A NumPy `.npz` (zip of `.npy`): read and written.
    case npz
    /// A safetensors file: a Backprop checkpoint, or any safetensors of the book's names; read and written
    /// (always as a checkpoint).
    case safetensors
    /// ONNX: written only, by the BackpropONNX target.
    case onnx

    /// The format for a path's extension (case-insensitive), or nil.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "pkl", "pickle": self = .pickle
        case "npy": self = .npy
        case "npz": self = .npz
        case "safetensors": self = .safetensors
        case "onnx": self = .onnx
        default: return nil
        }
    }

    /// Whether `backprop convert` reads this format.
    public var isReadable: Bool { self != .onnx }
    /// Whether `backprop convert` writes this format (ONNX through BackpropONNX).
    public var isWritable: Bool { self == .npz || self == .safetensors || self == .onnx }
}
