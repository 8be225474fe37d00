import Backprop

/// A computed graph replayed one node at a time, as chapter 5 tells it. Going forward, the values that
/// enter the graph are known from the start and each click runs one node, in the order the layers ran
/// (the order of their outgoing edges): its outputs appear. Going back, the first click sets
/// ∂L/∂L = 1 on the output, and each further click runs one node in reverse order: the gradients on its
/// inputs appear. Every number is the one the library's layers computed for the whole graph.
struct GraphSteps {
    let graph: ComputationalGraph
    /// The nodes that compute something, in the order forward ran them.
    let order: [Int]

    init(_ graph: ComputationalGraph) {
        self.graph = graph
        var order: [Int] = []
        for edge in graph.edges where !Self.isSource(graph.nodes[edge.from].kind) && !order.contains(edge.from) {
            order.append(edge.from)
        }
        self.order = order
    }

    /// Inputs and parameters: known before anything runs.
    static func isSource(_ kind: GraphNode.Kind) -> Bool { kind == .input || kind == .parameter }

    /// Clicks of Forward: one per computing node.
    var forwardSteps: Int { order.count }
    /// Clicks of Backward: ∂L/∂L = 1, then one per computing node.
    var backwardSteps: Int { order.count + 1 }

    /// The nodes whose forward has run after `forward` clicks.
    func ranForward(_ forward: Int) -> Set<Int> { Set(order.prefix(forward)) }

    /// The nodes whose backward has run after `backward` clicks.
    func ranBackward(_ backward: Int) -> Set<Int> { Set(order.reversed().prefix(max(0, backward - 1))) }

    /// What is shown after `forward` and `backward` clicks (backward counts only once forward is done),
    /// with the node that ran last highlighted.
    func reveal(forward: Int, backward: Int) -> GraphReveal {
        let forwardDone = ranForward(forward)
        let backwardDone = ranBackward(backward)
        var forwardEdges = Set<Int>(), backwardEdges = Set<Int>()
        for (index, edge) in graph.edges.enumerated() {
            if Self.isSource(graph.nodes[edge.from].kind) || forwardDone.contains(edge.from) { forwardEdges.insert(index) }
            if backward >= 1 && graph.nodes[edge.to].kind == .output { backwardEdges.insert(index) }
            if backwardDone.contains(edge.to) { backwardEdges.insert(index) }
        }
        let highlighted: Int? = backward > 1 ? order.reversed()[backward - 2] : backward == 0 && forward > 0 ? order[forward - 1] : nil
        return GraphReveal(forwardEdges: forwardEdges, backwardEdges: backwardEdges, notes: backward == backwardSteps,
                           highlightedNode: highlighted)
    }
}
