import BackpropCore
import BackpropTraining

/// A computational graph as chapter 5 draws them (§5.1–§5.4, figures 5-16 to 5-30): nodes (layers, or
/// the elementary operations of the book's worked examples) joined by edges, each edge carrying the value
/// that went forward along it and the derivative ∂L/∂(that value) that came back.
///
/// `GraphRecorder` and `RecordingLayer` fill one in while real layers run; `BookGraphs` and
/// `NetworkGraph` build the book's figures and a network's layer chain; `GraphSVG`, `GraphDOT` and
/// `GraphText` draw it.
public struct ComputationalGraph: Sendable, Equatable {
    /// A caption, e.g. "buy-apple (§5.4.1, figure 5-16)".
    public var title: String
    /// The nodes, in the order added; edges refer to them by index.
    public var nodes: [GraphNode] = []
    /// The edges, in the order added (the order `GraphText` lists them).
    public var edges: [GraphEdge] = []
    /// Lines written under the picture (e.g. the Sigmoid's simplification to y(1 − y)).
    public var notes: [String] = []

    /// An empty graph with a caption.
    public init(title: String) {
        self.title = title
    }

    /// Adds a node and returns its index in `nodes`.
    @discardableResult
    public mutating func addNode(_ label: String, kind: GraphNode.Kind, details: [String] = [],
                                 position: GraphNode.Position? = nil) -> Int {
        nodes.append(GraphNode(label: label, kind: kind, details: details, position: position))
        return nodes.count - 1
    }

    /// Adds an edge from node `from` to node `to` (indices in `nodes`) and returns its index in `edges`.
    /// Stops if either node does not exist.
    @discardableResult
    public mutating func addEdge(from: Int, to: Int, name: String? = nil, forward: EdgeValue? = nil,
                                 backward: EdgeValue? = nil) -> Int {
        precondition(nodes.indices.contains(from) && nodes.indices.contains(to),
                     "ComputationalGraph.addEdge: nodes \(from) → \(to) but the graph has \(nodes.count) nodes")
        edges.append(GraphEdge(from: from, to: to, name: name, forward: forward, backward: backward))
        return edges.count - 1
    }

    /// The index of the first node labelled `label`, if any.
    public func nodeIndex(_ label: String) -> Int? {
        nodes.firstIndex { $0.label == label }
    }

    /// The first edge from the node labelled `from` to the node labelled `to`, if any.
    public func edge(from: String, to: String) -> GraphEdge? {
        edges.first { nodes[$0.from].label == from && nodes[$0.to].label == to }
    }

    /// The edges that end at node `index`, in the order they were added.
    public func inputs(of index: Int) -> [GraphEdge] {
        edges.filter { $0.to == index }
    }
}

/// One node of a `ComputationalGraph`.
public struct GraphNode: Sendable, Equatable {
    /// What a node stands for; the renderers draw each kind differently.
    public enum Kind: String, Sendable, CaseIterable {
        /// A value entering the graph (apple, x, the image batch), drawn without a box.
        case input
        /// An elementary operation of §5 (×, +, exp, /), drawn as a circle.
        case operation
        /// A layer (Affine1, Relu1, …), drawn as a box.
        case layer
        /// A trainable parameter of the layer it feeds (W1, b1, …), drawn beside that layer.
        case parameter
        /// A value leaving the graph (price, y, the loss L), drawn without a box.
        case output
    }

    /// Where a node sits in the picture: `column` counts from the left, `row` from the top. Nodes
    /// without one are placed automatically (a column after their inputs).
    public struct Position: Sendable, Equatable {
        /// The column, counted from 0 at the left.
        public var column: Int
        /// The row, counted from 0 at the top.
        public var row: Int
        /// The cell at `column` from the left and `row` from the top.
        public init(column: Int, row: Int) {
            self.column = column
            self.row = row
        }
    }

    /// "×", "exp", "Affine1", "W1", "apple", …
    public var label: String
    /// What the node stands for, which decides how it is drawn.
    public var kind: Kind
    /// Further lines: a parameter's shape and count, a layer's settings.
    public var details: [String]
    /// Where the node sits; nil places it automatically (a column after its inputs).
    public var position: Position?
}

/// One edge of a `ComputationalGraph`: what went forward along it, and ∂L/∂(that value) coming back.
public struct GraphEdge: Sendable, Equatable {
    /// The index in `nodes` of the node the edge leaves.
    public var from: Int
    /// The index in `nodes` of the node the edge enters.
    public var to: Int
    /// The value's name when the figure gives one (X, W, X·W in figure 5-25).
    public var name: String?
    /// The forward value; nil until a forward pass reached this edge.
    public var forward: EdgeValue?
    /// The derivative of the output with respect to the forward value; nil until backward reached it
    /// (and for values whose gradient nothing computes, such as a network's input).
    public var backward: EdgeValue?
}

/// What crosses an edge: a number (§5.4's examples), or a tensor described by its shape and summary.
public enum EdgeValue: Sendable, Equatable {
    case scalar(Double)
    case tensor(TensorSummary)

    /// The number of a scalar edge (nil for a tensor).
    public var scalar: Double? {
        if case .scalar(let value) = self { return value }
        return nil
    }

    /// The summary of a tensor edge (nil for a scalar).
    public var tensor: TensorSummary? {
        if case .tensor(let summary) = self { return summary }
        return nil
    }
}

/// A tensor on an edge: its shape, and (when real data went through) its mean, standard deviation and
/// Euclidean norm, computed in Double.
public struct TensorSummary: Sendable, Equatable {
    /// The shape; with `symbolicBatch`, the first entry stands for any batch size N.
    public var shape: [Int]
    /// Whether `shape[0]` stands for any batch size and is written "N" rather than as its number.
    public var symbolicBatch: Bool
    /// The mean of the elements; nil when only the shape was recorded.
    public var mean: Double?
    /// The standard deviation of the elements; nil when only the shape was recorded.
    public var standardDeviation: Double?
    /// √(Σ x²): shown for gradients, where it says how much signal still comes back (§6.2).
    public var norm: Double?

    /// A summary with the given fields.
    public init(shape: [Int], symbolicBatch: Bool = false, mean: Double? = nil, standardDeviation: Double? = nil,
                norm: Double? = nil) {
        self.shape = shape
        self.symbolicBatch = symbolicBatch
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.norm = norm
    }

    /// The shape and, unless `shapeOnly`, the mean, population standard deviation and norm of `tensor`.
    public init<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, shapeOnly: Bool = false, symbolicBatch: Bool = false) {
        self.init(shape: tensor.shape, symbolicBatch: symbolicBatch)
        guard !shapeOnly, tensor.count > 0 else { return }
        var sum = 0.0, squares = 0.0
        for value in tensor.scalars {
            let v = Double(value)
            sum += v
            squares += v * v
        }
        let n = Double(tensor.count)
        let mean = sum / n
        var deviations = 0.0
        for value in tensor.scalars {
            let d = Double(value) - mean
            deviations += d * d
        }
        self.mean = mean
        self.standardDeviation = (deviations / n).squareRoot()
        self.norm = squares.squareRoot()
    }

    /// "(N, 784)" or "(100, 784)"; "()" for a rank-0 tensor, "(3,)" for rank 1 as NumPy writes it.
    public var shapeText: String {
        var parts = shape.map(String.init)
        if symbolicBatch, !parts.isEmpty { parts[0] = "N" }
        return parts.count == 1 ? "(\(parts[0]),)" : "(\(parts.joined(separator: ", ")))"
    }
}
