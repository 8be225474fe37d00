import Backprop
@testable import BackpropONNX
import Foundation
import SwiftProtobuf
import Testing

/// The exported graph read back with SwiftProtobuf: its interface, its nodes layer by layer, its
/// initializers' bits; atomic writing; and the errors for what cannot be exported.
@Suite("ONNX export: graph, files and errors")
struct ONNXGraphTests {
    /// A checkpoint of an untrained network of `spec` (no dataset needed), in `directory`.
    func checkpoint<Scalar: TensorScalar>(_ spec: NetworkSpec, as _: Scalar.Type, in directory: String) throws -> CheckpointContents {
        let network = Network<Scalar>(spec: spec, seed: 3)
        var generator = SeededGenerator(seed: 5)
        for bn in network.layers.compactMap({ $0 as? BatchNormalization<Scalar> }) {
            bn.runningMean = .randomNormal(bn.runningMean.shape, standardDeviation: 0.1, using: &generator)
            bn.runningVariance = .randomUniform(bn.runningVariance.shape, low: 0.5, high: 2, using: &generator)
        }
        let path = "\(directory)/net.safetensors"
        try Checkpoint.save(network, to: path)
        return try Checkpoint.read(path: path)
    }

    func decode(_ path: String) throws -> Onnx_ModelProto {
        try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static let mlp = NetworkSpec(kind: .mlp, inputSize: 784, hiddenSizes: [30, 20], outputSize: 10, activation: .sigmoid,
                                 batchNorm: true, dropoutRatio: 0.25)
    static let deep = NetworkSpec(kind: .deepCNN, inputSize: 784, hiddenSizes: [50], outputSize: 10, dropoutRatio: 0.5,
                                  inputShape: [1, 28, 28])

    @Test func mlpGraphIsTheLayersInOrder() throws {
        let directory = try ONNXHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let contents = try checkpoint(Self.mlp, as: Float.self, in: directory)
        try ONNXExport.write(contents, to: "\(directory)/net.onnx")
        let model = try decode("\(directory)/net.onnx")
        #expect(model.irVersion == 7)
        #expect(model.opsetImport.map { [$0.domain: $0.version] } == [["": 13]])
        let graph = model.graph
        let bn = ["Sub", "Add", "Sqrt", "Div", "Mul", "Add"]
        #expect(graph.node.map(\.opType) == ["Gemm"] + bn + ["Sigmoid", "Mul", "Gemm"] + bn + ["Sigmoid", "Mul", "Gemm", "Softmax"])
        #expect(graph.input.map(\.name) == ["images"])
        #expect(graph.output.map(\.name) == ["logits", "probabilities"])
        let dims = graph.input[0].type.tensorType.shape.dim
        #expect(dims.map(\.dimParam) == ["N", ""] && dims.map(\.dimValue) == [0, 784])
        #expect(graph.output[1].type.tensorType.shape.dim.map(\.dimValue) == [0, 10])
        #expect(graph.input[0].type.tensorType.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue))
        // Book dropout at inference: × (1 − 0.25); ε of batch norm: 1e-6, in float32.
        let scale = try #require(graph.initializer.first { $0.name == "Dropout1/scale" })
        #expect(scale.dims.isEmpty && scale.rawData == Data(withUnsafeBytes(of: Float(0.75).bitPattern.littleEndian) { Array($0) }))
        let epsilon = try #require(graph.initializer.first { $0.name == "BatchNormalization2/epsilon" })
        #expect(epsilon.rawData == Data(withUnsafeBytes(of: Float(1e-6).bitPattern.littleEndian) { Array($0) }))
        let metadata = Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })
        #expect(metadata["backprop.dtype"] == "float32")
        #expect(try JSONDecoder().decode(NetworkSpec.self, from: Data(metadata["backprop.spec"]!.utf8)) == Self.mlp)
    }

    @Test(arguments: ["float32", "float64"])
    func everyCheckpointTensorIsAnInitializerWithItsBits(dtype: String) throws {
        let directory = try ONNXHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for spec in [Self.mlp, Self.deep] {
            let contents = dtype == "float32" ? try checkpoint(spec, as: Float.self, in: directory)
                                              : try checkpoint(spec, as: Double.self, in: directory)
            try ONNXExport.write(contents, to: "\(directory)/net.onnx")
            let initializers = Dictionary(uniqueKeysWithValues: try decode("\(directory)/net.onnx").graph.initializer.map { ($0.name, $0) })
            let type: Onnx_TensorProto.DataType = dtype == "float32" ? .float : .double
            for (name, shape) in spec.tensorShapes {
                let stored = try #require(contents.file.tensors[name])
                let exported = try #require(initializers[name], "\(name) is not an initializer")
                #expect(exported.dims == shape.map(Int64.init), "\(name)")
                #expect(exported.dataType == Int32(type.rawValue), "\(name)")
                #expect(exported.rawData == Data(stored.bytes), "\(name): bits differ")
            }
        }
    }

    @Test func deepConvNetGraph() throws {
        let directory = try ONNXHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ONNXExport.write(try checkpoint(Self.deep, as: Float.self, in: directory), to: "\(directory)/net.onnx")
        let graph = try decode("\(directory)/net.onnx").graph
        let stage = ["Conv", "Relu", "Conv", "Relu", "MaxPool"]
        #expect(graph.node.map(\.opType) == stage + stage + stage + ["Flatten", "Gemm", "Relu", "Mul", "Gemm", "Mul", "Softmax"])
        let pads = graph.node.filter { $0.opType == "Conv" }.map { $0.attribute.first { $0.name == "pads" }!.ints }
        #expect(pads == [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [2, 2, 2, 2], [1, 1, 1, 1], [1, 1, 1, 1]])
        #expect(graph.input[0].type.tensorType.shape.dim.map(\.dimValue) == [0, 1, 28, 28])
        // The last Dropout scales the logits, as the book's DeepConvNet.predict does.
        #expect(graph.node.last!.input == ["logits"] && graph.node[graph.node.count - 2].opType == "Mul")
    }

    @Test func float32PrecisionRoundsAFloat64Checkpoint() throws {
        let directory = try ONNXHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let contents = try checkpoint(Self.mlp, as: Double.self, in: directory)
        try ONNXExport.write(contents, to: "\(directory)/net.onnx", precision: .float32)
        let model = try decode("\(directory)/net.onnx")
        #expect(model.graph.input[0].type.tensorType.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue))
        let w1 = try #require(model.graph.initializer.first { $0.name == "W1" })
        let rounded: Tensor<Float> = try contents.file.tensors["W1"]!.tensor(name: "W1", path: contents.path)
        #expect(w1.rawData == Data(StoredTensor(rounded).bytes))
        #expect(Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })["backprop.dtype"] == "float64")
    }

    @Test func writeReplacesAtomicallyAndLeavesNothingOnFailure() throws {
        let directory = try ONNXHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let contents = try checkpoint(Self.mlp, as: Float.self, in: directory)
        let target = "\(directory)/net.onnx"
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        try ONNXExport.write(contents, to: target)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data(try ONNXExport.serializedModel(contents)))

        // A folder where the file should go, and a folder that does not exist: refused, nothing left.
        try FileManager.default.createDirectory(atPath: "\(directory)/taken.onnx", withIntermediateDirectories: false)
        for path in ["\(directory)/taken.onnx", "\(directory)/missing/net.onnx"] {
            #expect {
                try ONNXExport.write(contents, to: path)
            } throws: { error in
                guard case .cannotWrite(let p, _) = error as? ONNXExportError else { return false }
                return p == path && !"\(error)".contains("\n")
            }
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(left == ["net.onnx", "net.safetensors", "taken.onnx"])
    }

    @Test func layersWithoutAnExactONNXFormAreRefused() throws {
        let leaky = Network<Float>(layers: [Affine(weight: .ones([4, 3]), bias: .zeros([3])), LeakyRelu()],
                                   lossLayer: SoftmaxWithLoss())
        #expect(throws: ONNXExportError.unsupportedLayer(path: "hand-built", index: 1, layer: "LeakyRelu<Float>")) {
            try ONNXExport.modelProto(of: leaky, inputShape: [4], name: "leaky", path: "hand-built")
        }
        #expect("\(ONNXExportError.unsupportedLayer(path: "a.safetensors", index: 1, layer: "LeakyRelu<Float>"))"
                == "a.safetensors: layer 2 (LeakyRelu<Float>) has no ONNX export")
        let conv = Network<Float>(layers: [Convolution(weight: .ones([2, 1, 3, 3]), bias: .zeros([2]))], lossLayer: SoftmaxWithLoss())
        #expect {
            try ONNXExport.modelProto(of: conv, inputShape: [784], name: "conv", path: "hand-built")
        } throws: { error in
            guard case .shapeMismatch(_, 0, let reason) = error as? ONNXExportError else { return false }
            return reason.contains("(C, H, W)")
        }
    }
}
