import BackpropCore
import BackpropTraining

/// Builds a `ComputationalGraph` while real layers run: nodes are added up front, and the wrappers
/// (`RecordingLayer`, `RecordedMul`, `RecordedAdd`, …) note on each edge what crossed it forward and
/// backward. The layers themselves are untouched; code that does not wrap them records nothing and pays
/// nothing.
///
///     let recorder = GraphRecorder(title: "my net")
///     let layers = recorder.recordChain(net.layers)      // run these instead of net.layers
///     var y = x
///     for layer in layers { y = layer.forward(y) }
///     var dout = Tensor<Float>.ones(y.shape)
///     for layer in layers.reversed() { dout = layer.backward(dout) }
///     let graph = recorder.graph                          // shapes, means, stds and gradient norms
public final class GraphRecorder {
    /// The graph so far.
    public private(set) var graph: ComputationalGraph
    /// Record only the shapes of tensors (no mean, standard deviation or norm).
    public var shapeOnly: Bool
    /// Show the first dimension of every tensor as the batch size N.
    public var symbolicBatch: Bool

    /// An empty recorder.
    public init(title: String, shapeOnly: Bool = false, symbolicBatch: Bool = false) {
        graph = ComputationalGraph(title: title)
        self.shapeOnly = shapeOnly
        self.symbolicBatch = symbolicBatch
    }

    /// Adds a node (see `ComputationalGraph.addNode`) and returns its index.
    @discardableResult
    public func addNode(_ label: String, kind: GraphNode.Kind, details: [String] = [],
                        position: GraphNode.Position? = nil) -> Int {
        graph.addNode(label, kind: kind, details: details, position: position)
    }

    /// Adds an edge (see `ComputationalGraph.addEdge`) and returns its index.
    @discardableResult
    public func addEdge(from: Int, to: Int, name: String? = nil, forward: EdgeValue? = nil) -> Int {
        graph.addEdge(from: from, to: to, name: name, forward: forward)
    }

    /// Notes the forward value of edge `edge`.
    public func setForward(_ value: EdgeValue, on edge: Int) {
        graph.edges[edge].forward = value
    }

    /// Notes the gradient that came back along edge `edge`.
    public func setBackward(_ value: EdgeValue, on edge: Int) {
        graph.edges[edge].backward = value
    }

    /// Appends a line under the picture.
    public func addNote(_ line: String) {
        graph.notes.append(line)
    }

    /// `tensor` as an edge value, following `shapeOnly` and `symbolicBatch`.
    public func value<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>) -> EdgeValue {
        .tensor(TensorSummary(tensor, shapeOnly: shapeOnly, symbolicBatch: symbolicBatch))
    }

    /// Wraps `layers` as a chain: an input node labelled `inputLabel`, then one layer node per layer
    /// (labelled as the book's `OrderedDict` keys: Affine1, Relu1, Conv1, Pool1, …, or `labels` when
    /// given), joined by edges. Run the returned wrappers in place of the layers; each notes its input
    /// and output on the edges around it. The index of the last node is `graph.nodes.count - 1` right
    /// after the call.
    public func recordChain<Scalar: TensorScalar>(_ layers: [any Layer<Scalar>], inputLabel: String = "x",
                                                  labels: [String]? = nil) -> [RecordingLayer<Scalar>] {
        precondition(labels == nil || labels!.count == layers.count,
                     "GraphRecorder.recordChain: \(labels?.count ?? 0) labels for \(layers.count) layers")
        let names = labels ?? LayerNames.bookNames(layers)
        var previous = addNode(inputLabel, kind: .input)
        var wrappers: [RecordingLayer<Scalar>] = []
        var previousWrapper: RecordingLayer<Scalar>?
        for (layer, name) in zip(layers, names) {
            let node = addNode(name, kind: .layer, details: LayerNames.details(layer))
            let edge = addEdge(from: previous, to: node)
            previousWrapper?.outputEdge = edge
            let wrapper = RecordingLayer(layer, recorder: self, node: node, inputEdge: edge)
            wrappers.append(wrapper)
            previousWrapper = wrapper
            previous = node
        }
        return wrappers
    }
}

/// A layer run through a `GraphRecorder`: calls the real layer's `forward` and `backward` and notes
/// the tensors on its input edge (x forward, ∂L/∂x backward) and output edge (out forward, ∂L/∂out
/// backward). Shapes in and out are the wrapped layer's.
public final class RecordingLayer<Scalar: TensorScalar>: Layer {
    /// The real layer.
    public let layer: any Layer<Scalar>
    /// Its node in the recorder's graph.
    public let node: Int
    /// The edge into the layer, and the edge out of it (nil until something follows it).
    public internal(set) var inputEdge: Int
    /// The edge out of the layer; nil until something follows it, and while nil its output is not recorded.
    public var outputEdge: Int?
    private let recorder: GraphRecorder

    /// Wraps `layer`, recording on `recorder`'s edges `inputEdge` and `outputEdge`.
    public init(_ layer: any Layer<Scalar>, recorder: GraphRecorder, node: Int, inputEdge: Int, outputEdge: Int? = nil) {
        self.layer = layer
        self.recorder = recorder
        self.node = node
        self.inputEdge = inputEdge
        self.outputEdge = outputEdge
    }

    /// The real layer's parameters.
    public var parameters: [Parameter<Scalar>] { layer.parameters }

    /// The real layer's forward; notes x on the input edge and the output on the output edge.
    public func forward(_ x: Tensor<Scalar>, training: Bool) -> Tensor<Scalar> {
        recorder.setForward(recorder.value(x), on: inputEdge)
        let y = layer.forward(x, training: training)
        if let outputEdge { recorder.setForward(recorder.value(y), on: outputEdge) }
        return y
    }

    /// The real layer's backward; notes dout on the output edge and ∂L/∂x on the input edge.
    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        if let outputEdge { recorder.setBackward(recorder.value(dout), on: outputEdge) }
        let dx = layer.backward(dout)
        recorder.setBackward(recorder.value(dx), on: inputEdge)
        return dx
    }

    /// The real layer's parameter-only backward: ∂L/∂x is not computed, so the input edge gets no gradient.
    public func backwardParameters(_ dout: Tensor<Scalar>) {
        if let outputEdge { recorder.setBackward(recorder.value(dout), on: outputEdge) }
        layer.backwardParameters(dout)
    }
}
