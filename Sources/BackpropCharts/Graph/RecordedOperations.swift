import BackpropCore
import BackpropTraining
import Foundation

/// A number flowing through a scalar graph (§5.4's examples): the node that produced it and its value.
public struct GraphValue: Sendable, Equatable {
    /// The producing node's index in the recorder's graph.
    public let node: Int
    /// The number itself.
    public let value: Double

    /// The value `value` produced by node `node`.
    public init(node: Int, value: Double) {
        self.node = node
        self.value = value
    }
}

/// A `MulLayer<Double>` drawn as a "×" node: forward and backward are the layer's, and the recorder
/// notes x and y on the two input edges going forward and ∂L/∂x, ∂L/∂y on them coming back (§5.4.1).
public final class RecordedMul {
    /// The real layer.
    public let layer = MulLayer<Double>()
    /// Its node in the recorder's graph.
    public let node: Int
    private let recorder: GraphRecorder
    private var inputEdges: (Int, Int)?

    /// A × node at `position` in `recorder`'s graph.
    public init(_ recorder: GraphRecorder, label: String = "×", position: GraphNode.Position? = nil) {
        self.recorder = recorder
        node = recorder.addNode(label, kind: .operation, position: position)
    }

    /// x·y, through `MulLayer.forward`.
    public func forward(_ x: GraphValue, _ y: GraphValue) -> GraphValue {
        inputEdges = (recorder.addEdge(from: x.node, to: node, forward: .scalar(x.value)),
                      recorder.addEdge(from: y.node, to: node, forward: .scalar(y.value)))
        return GraphValue(node: node, value: layer.forward(x.value, y.value))
    }

    /// (dout·y, dout·x), through `MulLayer.backward`. Stops if called before forward.
    public func backward(_ dout: Double) -> (dx: Double, dy: Double) {
        guard let inputEdges else { preconditionFailure("RecordedMul.backward called before forward") }
        let (dx, dy) = layer.backward(dout)
        recorder.setBackward(.scalar(dx), on: inputEdges.0)
        recorder.setBackward(.scalar(dy), on: inputEdges.1)
        return (dx, dy)
    }
}

/// An `AddLayer<Double>` drawn as a "+" node (§5.4.2): backward passes dout to both inputs.
public final class RecordedAdd {
    /// The real layer.
    public let layer = AddLayer<Double>()
    /// Its node in the recorder's graph.
    public let node: Int
    private let recorder: GraphRecorder
    private var inputEdges: (Int, Int)?

    /// A + node at `position` in `recorder`'s graph.
    public init(_ recorder: GraphRecorder, label: String = "+", position: GraphNode.Position? = nil) {
        self.recorder = recorder
        node = recorder.addNode(label, kind: .operation, position: position)
    }

    /// x + y, through `AddLayer.forward`.
    public func forward(_ x: GraphValue, _ y: GraphValue) -> GraphValue {
        inputEdges = (recorder.addEdge(from: x.node, to: node, forward: .scalar(x.value)),
                      recorder.addEdge(from: y.node, to: node, forward: .scalar(y.value)))
        return GraphValue(node: node, value: layer.forward(x.value, y.value))
    }

    /// (dout, dout), through `AddLayer.backward`. Stops if called before forward.
    public func backward(_ dout: Double) -> (dx: Double, dy: Double) {
        guard let inputEdges else { preconditionFailure("RecordedAdd.backward called before forward") }
        let (dx, dy) = layer.backward(dout)
        recorder.setBackward(.scalar(dx), on: inputEdges.0)
        recorder.setBackward(.scalar(dy), on: inputEdges.1)
        return (dx, dy)
    }
}

/// The one-input nodes of §5.5.2's Sigmoid graph that the library has no layer for (figure 5-19).
public enum ElementaryFunction: String, Sendable, CaseIterable {
    /// y = exp(x); ∂y/∂x = exp(x) = y (step 3 of §5.5.2).
    case exp
    /// y = 1/x; ∂y/∂x = −1/x² = −y² (step 1 of §5.5.2).
    case reciprocal = "/"

    /// y for input x.
    public func value(_ x: Double) -> Double {
        switch self {
        case .exp: Foundation.exp(x)
        case .reciprocal: 1 / x
        }
    }

    /// ∂y/∂x written through the output y, as the book does.
    public func derivative(output y: Double) -> Double {
        switch self {
        case .exp: y
        case .reciprocal: -y * y
        }
    }
}

/// An `ElementaryFunction` as a node: keeps its output for backward, as the book's layers keep theirs.
public final class RecordedFunction {
    /// What the node computes.
    public let function: ElementaryFunction
    /// Its node in the recorder's graph.
    public let node: Int
    private let recorder: GraphRecorder
    private var inputEdge: Int?
    /// The last forward's output, kept for backward.
    public private(set) var out: Double?

    /// A node for `function` at `position` in `recorder`'s graph.
    public init(_ recorder: GraphRecorder, _ function: ElementaryFunction, position: GraphNode.Position? = nil) {
        self.recorder = recorder
        self.function = function
        node = recorder.addNode(function.rawValue, kind: .operation, position: position)
    }

    /// y = f(x); keeps y for backward.
    public func forward(_ x: GraphValue) -> GraphValue {
        inputEdge = recorder.addEdge(from: x.node, to: node, forward: .scalar(x.value))
        let y = function.value(x.value)
        out = y
        return GraphValue(node: node, value: y)
    }

    /// dout · ∂y/∂x. Stops if called before forward.
    public func backward(_ dout: Double) -> Double {
        guard let inputEdge, let out else { preconditionFailure("RecordedFunction.backward called before forward") }
        let dx = dout * function.derivative(output: out)
        recorder.setBackward(.scalar(dx), on: inputEdge)
        return dx
    }
}

/// A one-input layer of the library (Relu, Sigmoid, …) run on a single number and drawn as one node.
public final class RecordedScalarLayer {
    /// The real layer.
    public let layer: any Layer<Double>
    /// Its node in the recorder's graph.
    public let node: Int
    private let recorder: GraphRecorder
    private var inputEdge: Int?

    /// A node labelled `label` for `layer` at `position` in `recorder`'s graph.
    public init(_ recorder: GraphRecorder, _ layer: any Layer<Double>, label: String, position: GraphNode.Position? = nil) {
        self.recorder = recorder
        self.layer = layer
        node = recorder.addNode(label, kind: .layer, position: position)
    }

    /// The layer's forward on the tensor [x].
    public func forward(_ x: GraphValue) -> GraphValue {
        inputEdge = recorder.addEdge(from: x.node, to: node, forward: .scalar(x.value))
        return GraphValue(node: node, value: layer.forward(Tensor([x.value]), training: true).scalars[0])
    }

    /// The layer's backward on the tensor [dout]. Stops if called before forward.
    public func backward(_ dout: Double) -> Double {
        guard let inputEdge else { preconditionFailure("RecordedScalarLayer.backward called before forward") }
        let dx = layer.backward(Tensor([dout])).scalars[0]
        recorder.setBackward(.scalar(dx), on: inputEdge)
        return dx
    }
}

extension GraphRecorder {
    /// An input node holding `value` (apple = 100), at `position`.
    public func input(_ label: String, _ value: Double, position: GraphNode.Position? = nil) -> GraphValue {
        GraphValue(node: addNode(label, kind: .input, position: position), value: value)
    }

    /// An output node fed by `value`; returns the edge, whose gradient `backward(_:on:)` notes (dL/dL = 1).
    public func output(_ label: String, _ value: GraphValue, position: GraphNode.Position? = nil) -> Int {
        let node = addNode(label, kind: .output, position: position)
        return addEdge(from: value.node, to: node, forward: .scalar(value.value))
    }
}
