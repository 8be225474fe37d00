/// Which numbers of a `ComputationalGraph` a drawing shows, for drawing a graph part-way through its
/// forward and backward passes (`backprop lab` steps through them one node at a time): the layout is
/// the whole graph's, so nothing moves as values appear.
public struct GraphReveal: Sendable, Equatable {
    /// The edges (indices in `edges`) whose forward value is written.
    public var forwardEdges: Set<Int>
    /// The edges whose gradient is written.
    public var backwardEdges: Set<Int>
    /// Whether the notes under the picture are written (they may give the gradients away).
    public var notes: Bool
    /// A node drawn highlighted (the one that ran last, or the one the reader picked).
    public var highlightedNode: Int?

    /// Shows the given edges' values and gradients.
    public init(forwardEdges: Set<Int>, backwardEdges: Set<Int>, notes: Bool, highlightedNode: Int? = nil) {
        self.forwardEdges = forwardEdges
        self.backwardEdges = backwardEdges
        self.notes = notes
        self.highlightedNode = highlightedNode
    }

    /// Everything in `graph`, as `GraphSVG.render(_:)` draws it.
    public static func all(_ graph: ComputationalGraph) -> GraphReveal {
        GraphReveal(forwardEdges: Set(graph.edges.indices), backwardEdges: Set(graph.edges.indices), notes: true)
    }
}
