import ArgumentParser
import Backprop
import BackpropInterop
import BackpropONNX
import Foundation

/// `backprop convert IN OUT`: the book's pickles, NumPy `.npy`/`.npz` and checkpoints into one another,
/// formats by extension (see `Conversion`).
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert weights between the book's pickles, NumPy .npy/.npz and Backprop checkpoints (.safetensors).",
        discussion: """
        Formats by extension. .pkl (the book's sample_weight.pkl, params.pkl, deep_convnet_params.pkl, read \
        safely: nothing in the file is run), .npy (a dict saved by np.save), .npz and .safetensors convert to \
        a .safetensors checkpoint that evaluate, predict and filters take; any of them converts to .npz \
        (np.load(file)["W1"]). The network is recognised from the arrays' names and shapes (784-50-100-10 MLP, \
        any W1..Wn/b1..bn MLP, SimpleConvNet, DeepConvNet); what shapes cannot tell comes from the flags: \
        the book's ch. 3 net needs --activation sigmoid. --model and --hidden, when given, must agree with \
        the shapes. Examples:
          backprop convert ../shared/book-weights/ch03_sample_weight.pkl ch03.safetensors --activation sigmoid
          backprop convert ../shared/book-weights/ch08_deep_convnet_params.pkl deep.safetensors
          backprop convert net.safetensors net.npz
          backprop convert net.npz net.safetensors --model mlp --hidden 100,100
          backprop convert net.safetensors net.onnx    # opset 13: logits and probabilities, batch symbolic
        An .onnx output takes any input above (a non-checkpoint input is converted to a temporary checkpoint \
        first); --dtype float32 writes float32 ONNX from a float64 checkpoint (onnxruntime's CPU Conv has no \
        double).
        """
    )

    @Argument(help: "The weights to read: .pkl, .npy, .npz or .safetensors.")
    var input: String

    @Argument(help: "The file to write: .safetensors (a checkpoint), .npz or .onnx.")
    var output: String

    @Option(help: "Hidden activation of an MLP: relu, sigmoid (default relu; the book's ch. 3 net is sigmoid and must say so).")
    var activation: Activation?

    @Option(help: ArgumentHelp("Network the arrays must be: \(NetworkSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")) "
                + "(default: what the shapes say)."))
    var model: NetworkSpec.Kind?

    @Option(help: "Hidden sizes the arrays must have, comma-separated (default: what the shapes say).")
    var hidden: String?

    @Option(help: "Dropout ratio after each hidden activation of an MLP (deep-cnn has the book's 0.5).")
    var dropout: Double?

    @Option(help: "Precision of the output: float32, float64 (default: the input's; float64 if any array is).")
    var dtype: DType?

    @Flag(help: "Deflate the members of an .npz output (np.savez_compressed) instead of storing them (np.savez).")
    var compress = false

    func validate() throws {
        guard let inputFormat = WeightFormat(path: input), inputFormat.isReadable else {
            throw ValidationError("\(input): cannot read this format; give a .pkl, .npy, .npz or .safetensors file")
        }
        guard let outputFormat = WeightFormat(path: output), outputFormat.isWritable else {
            throw ValidationError("\(output): cannot write this format; give a .safetensors, .npz or .onnx file")
        }
        if let hidden, parsedHidden(hidden) == nil {
            throw ValidationError("--hidden must be sizes separated by commas, e.g. 100,100; got \(hidden)")
        }
        if let dropout, !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
    }

    func run() throws {
        let options = ConversionOptions(activation: activation, model: model,
                                        hidden: hidden.flatMap(parsedHidden), dropout: dropout, dtype: dtype?.rawValue,
                                        compressed: compress)
        // Before anything is read or converted: an output that could never be written.
        try checkOutputPaths([("", output)])
        try reportingErrors {
            do {
                if WeightFormat(path: output) == .onnx {
                    try exportONNX(options)
                } else {
                    print(try Conversion.convert(input: input, output: output, options: options))
                }
            } catch let error as ONNXExportError {
                printError("backprop: " + oneLine("\(error)"))
                throw ExitCode(ExitStatus.badData)
            } catch let error as PickleError {
                printError("backprop: " + oneLine("\(error)"))
                throw ExitCode(ExitStatus.badData)
            } catch let error as InteropError {
                printError("backprop: " + oneLine("\(error)"))
                throw ExitCode(ExitStatus.badData)
            }
        }
    }

    /// Writes `output` as ONNX from a checkpoint: `input` itself when it is one, else `input` converted to
    /// a temporary checkpoint (removed afterwards).
    private func exportONNX(_ options: ConversionOptions) throws {
        var checkpoint = input
        var temporary: String?
        if WeightFormat(path: input) != .safetensors {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-convert-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            temporary = folder.path
            checkpoint = folder.appendingPathComponent("converted.safetensors").path
            _ = try Conversion.convert(input: input, output: checkpoint, options: options)
        }
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
        let contents = try Checkpoint.read(path: checkpoint)
        try ONNXExport.write(contents, to: output, precision: dtype == .float32 ? .float32 : .checkpoint)
        print("\(output): ONNX (opset 13) of the \(contents.spec.kind.rawValue) network in \(input)")
    }

    private func parsedHidden(_ text: String) -> [Int]? {
        let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
        return sizes.map { $0! }
    }
}
