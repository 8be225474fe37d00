import Backprop
import Foundation

/// The answer to `GET /api/graph`: one of chapter 5's graphs after `forward` and `backward` clicks —
/// the picture (drawn by `GraphSVG`, as `backprop graph --out x.svg` draws it, with only what has run
/// written), every edge's numbers so far, and each node's rule and arithmetic.
struct GraphView: Encodable {
    struct Edge: Encodable {
        var from: Int, to: Int
        var forward: String?, backward: String?
        /// The numbers of a scalar edge, for programs reading the JSON.
        var forwardValue: Double?, backwardValue: Double?
    }

    var graph: String
    var title: String
    var inputs: [LabExample.Input]
    var forward: Int, backward: Int
    var forwardSteps: Int, backwardSteps: Int
    var checkable: Bool
    var svg: String
    var edges: [Edge]
    var nodes: [NodeExplanation]
    /// What the last click did, in words.
    var status: String
    /// A network's whole pass as `backprop graph --sample` prints it (`GraphText`); nil for §5's graphs.
    var text: String?
    /// A network's layers' output histograms, by node index, for the layers that ran forward.
    var histograms: [String: String]?

    /// Builds the view from the query: graph, forward, backward, and the example's inputs.
    init(query: [String: String]) throws {
        let example = try LabExample.named(query["graph"])
        let values = try example.values(from: query)
        try self.init(example.graph(values), name: example.name, checkable: example.checkable, query: query,
                      inputs: example.inputs.map { .init(name: $0.name, value: values[$0.name]!, node: $0.node) })
    }

    /// A network's graph (`NetworkGraph.pass`), stepped layer by layer as the query's forward and backward say.
    init(network: ComputationalGraph, histograms: [String: String], query: [String: String]) throws {
        try self.init(network, name: "network", checkable: false, query: query, inputs: [])
        text = GraphText.render(network)
        let ran = GraphSteps(network).ranForward(forward)
        self.histograms = histograms.filter { Int($0.key).map(ran.contains) ?? false }
    }

    private init(_ full: ComputationalGraph, name: String, checkable: Bool, query: [String: String],
                 inputs: [LabExample.Input]) throws {
        let steps = GraphSteps(full)
        forward = try Self.count("forward", query, max: steps.forwardSteps)
        backward = forward == steps.forwardSteps ? try Self.count("backward", query, max: steps.backwardSteps) : 0
        let reveal = steps.reveal(forward: forward, backward: backward)
        graph = name
        title = full.title
        self.inputs = inputs
        (forwardSteps, backwardSteps) = (steps.forwardSteps, steps.backwardSteps)
        self.checkable = checkable
        svg = GraphSVG.render(full, reveal: reveal)
        edges = full.edges.enumerated().map { index, edge in
            let f = reveal.forwardEdges.contains(index) ? edge.forward : nil
            let b = reveal.backwardEdges.contains(index) ? edge.backward : nil
            return Edge(from: edge.from, to: edge.to, forward: f.map(NodeExplanation.text), backward: b.map(NodeExplanation.text),
                        forwardValue: f?.scalar, backwardValue: b?.scalar)
        }
        let ranForward = steps.ranForward(forward), ranBackward = steps.ranBackward(backward)
        nodes = full.nodes.indices.map {
            NodeExplanation(node: $0, in: full, ranForward: ranForward.contains($0), ranBackward: ranBackward.contains($0))
        }
        status = Self.status(steps, forward: forward, backward: backward, nodes: nodes, reveal: reveal)
    }

    /// A click count from the query: a whole number, 0 when absent, at most `max` (larger counts are clamped).
    static func count(_ name: String, _ query: [String: String], max: Int) throws -> Int {
        guard let text = query[name] else { return 0 }
        guard let value = Int(text), value >= 0 else { throw LabRequestError.badNumber(name, text) }
        return min(value, max)
    }

    private static func status(_ steps: GraphSteps, forward: Int, backward: Int, nodes: [NodeExplanation],
                               reveal: GraphReveal) -> String {
        if backward == 1 { return "backward starts at the output: ∂L/∂L = 1" }
        if let node = reveal.highlightedNode {
            let lines = backward > 1 ? nodes[node].backward : nodes[node].forward
            return "\(nodes[node].label): " + lines.joined(separator: "; ")
        }
        return forward == 0 ? "the inputs are set: press Forward to run the first node" : ""
    }
}
