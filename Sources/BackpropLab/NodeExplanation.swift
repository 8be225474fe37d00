import Backprop

/// What the lab says when the reader clicks a node: the node's local rule (§5.3–§5.6) and the
/// arithmetic that ran, with the numbers on its edges — `dout · y = 1.1 · 200 = 220`. Only what has run
/// is written: the backward lines appear once the node's backward step has run.
struct NodeExplanation: Encodable {
    var node: Int
    var label: String
    var kind: String
    /// The local rule, e.g. "z = x · y: ∂z/∂x = y, ∂z/∂y = x (MulLayer, §5.4.1)".
    var rule: String
    /// The forward arithmetic, empty until the node ran forward.
    var forward: [String]
    /// The backward arithmetic, empty until the node ran backward.
    var backward: [String]

    init(node index: Int, in graph: ComputationalGraph, ranForward: Bool, ranBackward: Bool) {
        let node = graph.nodes[index]
        self.node = index
        label = node.label
        kind = node.kind.rawValue
        let inputs = graph.inputs(of: index)
        let output = graph.edges.first { $0.from == index }
        let x = inputs.map { $0.forward?.scalar }, dx = inputs.map { $0.backward?.scalar }
        let out = output?.forward?.scalar, dout = output?.backward?.scalar
        let n = { (v: Double?) in v.map { GraphLabels.number($0) } ?? "?" }
        let scalar = inputs.allSatisfy { $0.forward?.scalar != nil }
        rule = Self.rule(node, scalar: scalar)
        forward = []
        backward = []
        guard Self.isComputing(node.kind) else {
            forward = output?.forward.map { ["\(node.label) = \(Self.text($0))"] } ?? []
            return
        }
        if scalar, ranForward {
            forward = [Self.forwardArithmetic(node.label, x: x.map(n), out: n(out))]
        } else if ranForward {
            forward = inputs.map { "in: \($0.name ?? graph.nodes[$0.from].label) \($0.forward.map(Self.text) ?? "?")" }
                + (output?.forward.map { ["out: \(Self.text($0))"] } ?? [])
        }
        guard ranBackward else { return }
        if scalar {
            backward = Self.backwardArithmetic(node.label, x: x.map(n), dx: dx.map(n), out: n(out), dout: n(dout))
        } else {
            backward = (output?.backward.map { ["∂L/∂out: \(Self.text($0))"] } ?? [])
                + inputs.map { "∂L/∂\($0.name ?? graph.nodes[$0.from].label): \($0.backward.map(Self.text) ?? "not computed")" }
        }
    }

    static func isComputing(_ kind: GraphNode.Kind) -> Bool { kind == .operation || kind == .layer }

    /// A tensor edge's shape and statistics, or a number.
    static func text(_ value: EdgeValue) -> String {
        switch value {
        case .scalar(let v): return GraphLabels.number(v)
        case .tensor(let t):
            var parts = [t.shapeText]
            if let mean = t.mean, let std = t.standardDeviation {
                parts.append("mean \(GraphLabels.number(mean, digits: 4)) std \(GraphLabels.number(std, digits: 4))")
            }
            if let norm = t.norm { parts.append("norm \(GraphLabels.number(norm, digits: 4))") }
            return parts.joined(separator: " ")
        }
    }

    private static func rule(_ node: GraphNode, scalar: Bool) -> String {
        switch (node.label, scalar) {
        case ("×", true): return "z = x · y; backward swaps the inputs: ∂L/∂x = dout · y, ∂L/∂y = dout · x (MulLayer, §5.4.1)"
        case ("+", true): return "z = x + y; backward passes dout on unchanged: ∂L/∂x = ∂L/∂y = dout · 1 (AddLayer, §5.4.2)"
        case ("exp", _): return "y = exp(x); ∂y/∂x = exp(x) = y, so ∂L/∂x = dout · y (§5.5.2, step 3)"
        case ("/", _): return "y = 1/x; ∂y/∂x = −1/x² = −y², so ∂L/∂x = dout · (−y²) (§5.5.2, step 1)"
        case ("relu", _): return "y = x if x > 0 else 0; ∂L/∂x = dout where x > 0, else 0 (Relu, §5.5.1)"
        case ("dot", _): return "Y = X · W; ∂L/∂X = ∂L/∂Y · Wᵀ, ∂L/∂W = Xᵀ · ∂L/∂Y (§5.6.1)"
        case ("+", false): return "Y = X·W + B, B broadcast over the batch; ∂L/∂B = ∂L/∂Y summed over axis 0 (§5.6.2)"
        default:
            switch node.kind {
            case .input: return "an input: its value enters the graph"
            case .parameter: return "a parameter: its gradient is what the optimizer uses"
            case .output: return "the output; backward starts here with ∂L/∂L = 1"
            case .layer, .operation: return "\(node.label): its forward and backward are the library layer's (§5.7)"
            }
        }
    }

    private static func forwardArithmetic(_ label: String, x: [String], out: String) -> String {
        switch label {
        case "×" where x.count == 2: return "forward: x · y = \(x[0]) · \(x[1]) = \(out)"
        case "+" where x.count == 2: return "forward: x + y = \(x[0]) + \(x[1]) = \(out)"
        case "exp": return "forward: exp(\(x.first ?? "?")) = \(out)"
        case "/": return "forward: 1 / \(x.first ?? "?") = \(out)"
        case "relu": return "forward: max(0, \(x.first ?? "?")) = \(out)"
        default: return "forward: \(label)(\(x.joined(separator: ", "))) = \(out)"
        }
    }

    private static func backwardArithmetic(_ label: String, x: [String], dx: [String], out: String, dout: String) -> [String] {
        switch label {
        case "×" where x.count == 2:
            return ["∂L/∂x = dout · y = \(dout) · \(x[1]) = \(dx[0])", "∂L/∂y = dout · x = \(dout) · \(x[0]) = \(dx[1])"]
        case "+" where x.count == 2:
            return ["∂L/∂x = dout · 1 = \(dx[0])", "∂L/∂y = dout · 1 = \(dx[1])"]
        case "exp": return ["∂L/∂x = dout · exp(x) = \(dout) · \(out) = \(dx.first ?? "?")"]
        case "/": return ["∂L/∂x = dout · (−y²) = \(dout) · (−\(out)²) = \(dx.first ?? "?")"]
        case "relu":
            let passes = (Double(x.first ?? "") ?? 0) > 0
            return [passes ? "x > 0: ∂L/∂x = dout = \(dx.first ?? "?")" : "x ≤ 0: ∂L/∂x = 0 (= \(dx.first ?? "?"))"]
        default: return zip(x.indices, dx).map { "∂L/∂x\($0.0 + 1) = \($0.1)" }
        }
    }
}
