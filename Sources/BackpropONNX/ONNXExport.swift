import Backprop
import Foundation
import SwiftProtobuf

/// Exports a checkpoint's network to ONNX (opset 13, IR version 7), for onnxruntime or any ONNX runtime.
///
///     let contents = try Checkpoint.read(path: "net.safetensors")
///     try ONNXExport.write(contents, to: "net.onnx")
///
/// The graph is the network's inference forward (`Network.predict(x, training: false)`), node for node:
/// - input `images`: (N, 784) for two-layer and mlp, (N, 1, 28, 28) for cnn and deep-cnn (in general
///   (N, inputSize) or (N, C, H, W) from the spec), N symbolic; pixels scaled to [0, 1] (byte / 255), as
///   `backprop` feeds them.
/// - outputs `logits` (N, classes), the scores before the loss layer, and `probabilities` (N, classes),
///   their softmax over the classes.
/// - Affine → Gemm (after a Flatten when the value is an image), Convolution → Conv, max Pooling →
///   MaxPool, ReLU → Relu, Sigmoid → Sigmoid.
/// - BatchNormalization → Sub, Add, Sqrt, Div, Mul, Add with the running statistics: (x − running_mean)
///   / √(running_var + ε) · γ + β over the flattened features, ε = 1e-6, in the Swift layer's order.
/// - the book's Dropout → Mul by 1 − ratio (its inference scaling; DeepConvNet's scales the logits too);
///   inverted dropout → nothing.
///
/// Initializers keep the checkpoint's names (`W1`, `b1`, `gamma1`, `beta1`, `running_mean1`,
/// `running_var1`, …) and, with `Precision.checkpoint`, its exact bits. `metadata_props` hold
/// `backprop.spec` (the architecture, JSON), `backprop.dtype` (the precision it was trained in) and,
/// when the checkpoint has them, `class_names`.
public enum ONNXExport {
    /// The element type of the exported graph.
    public enum Precision: String, Sendable, CaseIterable {
        /// The checkpoint's own: float32 → ONNX `float`, float64 → `double`, every tensor bit-identical.
        /// (onnxruntime's CPU provider has no `double` Conv: a float64 cnn or deep-cnn then needs `.float32`.)
        case checkpoint
        /// ONNX `float` whatever the checkpoint holds: float64 weights rounded to the nearest float32, as
        /// `makeNetwork(as: Float.self)` does.
        case float32
    }

    /// The ONNX opset the graph uses.
    public static let opsetVersion: Int64 = 13
    /// The IR version written, the one that goes with opset 13.
    public static let irVersion: Int64 = 7

    /// Writes `contents`' network as an ONNX model to `path`, in the checkpoint's precision, atomically
    /// (a temporary file in the same folder, renamed into place: `path` is never left half-written).
    /// Throws `ONNXExportError` (or `CheckpointError` from rebuilding the network).
    public static func write(_ contents: CheckpointContents, to path: String) throws {
        try write(contents, to: path, precision: .checkpoint)
    }

    /// Writes `contents`' network as an ONNX model to `path` in `precision`, atomically (see above).
    public static func write(_ contents: CheckpointContents, to path: String, precision: Precision) throws {
        let bytes = try serializedModel(contents, precision: precision)
        do {
            try writeAtomically(bytes, to: path)
        } catch {
            throw ONNXExportError.cannotWrite(path: path, reason: error.reason)
        }
    }

    /// The ONNX model of `contents`' network, serialized (the bytes `write` puts in the file).
    public static func serializedModel(_ contents: CheckpointContents, precision: Precision = .checkpoint) throws -> [UInt8] {
        let model = try modelProto(contents, precision: precision)
        let bytes: [UInt8] = try model.serializedBytes()
        return bytes
    }

    /// The ONNX model of `contents`' network.
    static func modelProto(_ contents: CheckpointContents, precision: Precision) throws -> Onnx_ModelProto {
        let spec = contents.spec
        let input = spec.kind.isConvolutional ? spec.imageShape : [spec.inputSize]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata = ["backprop.spec": String(decoding: try encoder.encode(spec), as: UTF8.self),
                        "backprop.dtype": contents.dtype]
        metadata["class_names"] = contents.file.metadata["class_names"]
        let doc = "Backprop \(spec.kind.rawValue) network (\(spec.summary)), trained in \(contents.dtype); "
            + "input: pixels / 255; outputs: logits and their softmax."
        if precision == .checkpoint && contents.dtype == "float64" {
            return try modelProto(of: try contents.makeNetwork(as: Double.self), inputShape: input, name: "backprop-\(spec.kind.rawValue)",
                                  doc: doc, metadata: metadata, path: contents.path)
        }
        return try modelProto(of: try contents.makeNetwork(as: Float.self), inputShape: input, name: "backprop-\(spec.kind.rawValue)",
                              doc: doc, metadata: metadata, path: contents.path)
    }

    /// The ONNX model of any network built of the layers `LayerExport` knows, taking (N, `inputShape`…);
    /// `path` names the source in errors.
    static func modelProto<Scalar: ONNXElement>(of network: Network<Scalar>, inputShape: [Int], name: String, doc: String = "",
                                                metadata: [String: String] = [:], path: String) throws -> Onnx_ModelProto {
        let inputName = "images", batch = "N"
        var builder = ONNXGraphBuilder<Scalar>(input: inputName, shape: inputShape)
        for (index, layer) in network.layers.enumerated() {
            try builder.add(layer, index: index, path: path)
        }
        guard builder.shape.count == 1, !builder.nodes.isEmpty else {
            throw ONNXExportError.shapeMismatch(path: path, index: max(network.layers.count - 1, 0),
                                                reason: "the network ends in values of shape \(builder.shape) per example, "
                                                    + "not class scores")
        }
        let classes = builder.shape
        builder.renameCurrent(to: "logits")
        builder.apply("Softmax", name: "probabilities", attributes: [ONNXGraphBuilder<Scalar>.attribute("axis", 1)])

        var graph = Onnx_GraphProto()
        graph.name = name
        graph.docString = doc
        graph.node = builder.nodes
        graph.initializer = builder.initializers
        graph.input = [ONNXGraphBuilder<Scalar>.valueInfo(inputName, dims: inputShape, batch: batch)]
        graph.output = [ONNXGraphBuilder<Scalar>.valueInfo("logits", dims: classes, batch: batch),
                        ONNXGraphBuilder<Scalar>.valueInfo("probabilities", dims: classes, batch: batch)]

        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = opsetVersion
        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        model.opsetImport = [opset]
        model.producerName = "Backprop"
        model.docString = doc
        model.graph = graph
        model.metadataProps = metadata.sorted { $0.key < $1.key }.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return model
    }
}

extension NetworkSpec {
    /// "784-50-10, relu, batch norm, dropout 0.5": the sizes and the options that change the graph.
    var summary: String {
        var parts = [([kind.isConvolutional ? imageShape.map(String.init).joined(separator: "×") : "\(inputSize)"]
                      + hiddenSizes.map(String.init) + ["\(outputSize)"]).joined(separator: "-")]
        parts.append(activation.rawValue)
        if batchNorm { parts.append("batch norm") }
        if let r = dropoutRatio { parts.append("\(invertedDropout == true ? "inverted " : "")dropout \(r)") }
        return parts.joined(separator: ", ")
    }
}
