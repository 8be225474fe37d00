/// Why a network could not be exported to ONNX. Every case names the file it was for (the checkpoint
/// read, or the ONNX file to be written); `description` is one line for the CLI to print.
public enum ONNXExportError: Error, Equatable, CustomStringConvertible {
    /// A layer with no exact ONNX form in this exporter (e.g. LeakyRelu, or a layer type of your own):
    /// its position in the network (0 for the first) and its type.
    case unsupportedLayer(path: String, index: Int, layer: String)
    /// A layer that does not fit the shape its input has there (a hand-built network whose layers
    /// disagree); the reason names the layer and both shapes.
    case shapeMismatch(path: String, index: Int, reason: String)
    /// The ONNX file could not be written (missing folder, no permission, full disk); nothing was left behind.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedLayer(let path, let index, let layer):
            "\(path): layer \(index + 1) (\(layer)) has no ONNX export"
        case .shapeMismatch(let path, let index, let reason):
            "\(path): layer \(index + 1): \(reason)"
        case .cannotWrite(let path, let reason):
            "\(path): cannot write the ONNX file: \(reason)"
        }
    }
}
