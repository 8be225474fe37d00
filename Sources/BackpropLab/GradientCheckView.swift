import Backprop

/// The answer to `GET /api/check`: for each input of a scalar graph, the gradient backprop gave (the
/// library's layers, backward) beside the numerical one (§4.3.2's central difference `numericalDiff`,
/// each side a whole forward pass through the same layers with the input moved by ±h), as §5.7.3 checks.
struct GradientCheckView: Encodable {
    struct Row: Encodable {
        var input: String
        var value: Double
        var backprop: Double
        var numerical: Double
        var difference: Double
    }

    var graph: String
    var rows: [Row]

    init(query: [String: String]) throws {
        let example = try LabExample.named(query["graph"])
        guard example.checkable else { throw LabRequestError.busy("the check applies to the scalar graphs, not \(example.name)") }
        let values = try example.values(from: query)
        let computed = example.graph(values)
        let dout = values["dout"] ?? 1
        graph = example.name
        rows = example.inputs.compactMap { input in
            guard let label = input.node, let node = computed.nodeIndex(label) else { return nil }
            let backprop = computed.edges.filter { $0.from == node }.compactMap { $0.backward?.scalar }.reduce(0, +)
            let numerical = dout * numericalDiff({ moved in
                var changed = values
                changed[input.name] = moved
                return Self.output(of: example.graph(changed))
            }, values[input.name]!)
            return Row(input: input.name, value: values[input.name]!, backprop: backprop, numerical: numerical,
                       difference: abs(backprop - numerical))
        }
    }

    /// The value reaching the graph's output node.
    static func output(of graph: ComputationalGraph) -> Double {
        graph.edges.first { graph.nodes[$0.to].kind == .output }?.forward?.scalar ?? .nan
    }
}
