import Backprop
import Foundation

/// Collects the nodes and initializers of one ONNX graph as the layers are added, input first, and
/// follows the value that flows between them: its name in the graph (`current`) and its shape per
/// example (`shape`, the batch axis N left out: (784,) or (1, 28, 28) at the input).
///
/// Tensors are stored as initializers in `raw_data`, little-endian, so every weight is the network's
/// own bits. Names: parameters keep the checkpoint's (`W1`, `b1`, `gamma1`, `running_mean1`, …); a
/// layer's nodes are named `<Layer><k>/<Op>` (e.g. `Affine2/Gemm`), and each node's output value
/// after its node.
struct ONNXGraphBuilder<Scalar: ONNXElement> {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    /// The name of the value the next layer takes.
    private(set) var current: String
    /// That value's shape without the batch axis.
    var shape: [Int]
    /// How many layers of each kind have been added, for the `<Layer><k>` names.
    private var layerCounts: [String: Int] = [:]
    private var usedNames: Set<String>

    /// A graph whose input value is `input`, of shape (N, `shape`…).
    init(input: String, shape: [Int]) {
        current = input
        self.shape = shape
        usedNames = [input]
    }

    /// The prefix for the nodes of the next layer of `kind`: "Affine1", "Affine2", …
    mutating func layerName(_ kind: String) -> String {
        let k = (layerCounts[kind] ?? 0) + 1
        layerCounts[kind] = k
        return "\(kind)\(k)"
    }

    /// Adds an initializer holding `tensor` (its shape and bits) under `name` and returns the name.
    @discardableResult
    mutating func initializer(_ name: String, _ tensor: Tensor<Scalar>) -> String {
        initializer(name, dims: tensor.shape, dataType: Scalar.onnxDataType, raw: Scalar.littleEndianBytes(tensor.scalars))
    }

    /// Adds a 0-d initializer holding `value` (e.g. batch norm's ε) and returns its name.
    mutating func scalar(_ name: String, _ value: Scalar) -> String {
        initializer(name, dims: [], dataType: Scalar.onnxDataType, raw: Scalar.littleEndianBytes([value]))
    }

    /// Adds a 1-d int64 initializer (a shape or pads operand) and returns its name.
    mutating func int64s(_ name: String, _ values: [Int]) -> String {
        let raw = values.map { Int64($0).littleEndian }.withUnsafeBytes { Data($0) }
        return initializer(name, dims: [values.count], dataType: .int64, raw: raw)
    }

    private mutating func initializer(_ name: String, dims: [Int], dataType: Onnx_TensorProto.DataType, raw: Data) -> String {
        precondition(usedNames.insert(name).inserted, "ONNXGraphBuilder: the name \(name) is used twice")
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = Int32(dataType.rawValue)
        t.rawData = raw
        initializers.append(t)
        return name
    }

    /// Adds node `name` computing `op` of `inputs` (the flowing value when nil) and makes its output,
    /// a value also called `name`, the flowing one. The caller updates `shape`.
    mutating func apply(_ op: String, name: String, inputs: [String]? = nil, attributes: [Onnx_AttributeProto] = []) {
        precondition(usedNames.insert(name).inserted, "ONNXGraphBuilder: the name \(name) is used twice")
        var node = Onnx_NodeProto()
        node.name = name
        node.opType = op
        node.input = inputs ?? [current]
        node.output = [name]
        node.attribute = attributes
        nodes.append(node)
        current = name
    }

    /// Renames the flowing value (the last node's output) to `name`, e.g. "logits". Stops if the value
    /// is the graph input itself (a network with no node).
    mutating func renameCurrent(to name: String) {
        precondition(nodes.last?.output == [current], "ONNXGraphBuilder: nothing computes \(current)")
        precondition(usedNames.insert(name).inserted, "ONNXGraphBuilder: the name \(name) is used twice")
        nodes[nodes.count - 1].output = [name]
        current = name
    }

    /// An int attribute.
    static func attribute(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    /// An ints attribute.
    static func attribute(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = values.map(Int64.init)
        return a
    }

    /// A value of element type `Scalar` and shape (N, dims…) with N symbolic, named `batch`.
    static func valueInfo(_ name: String, dims: [Int], batch: String) -> Onnx_ValueInfoProto {
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Scalar.onnxDataType.rawValue)
        var batchDim = Onnx_TensorShapeProto.Dimension()
        batchDim.dimParam = batch
        tensor.shape.dim = [batchDim] + dims.map { extent in
            var d = Onnx_TensorShapeProto.Dimension()
            d.dimValue = Int64(extent)
            return d
        }
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensor
        return info
    }
}
