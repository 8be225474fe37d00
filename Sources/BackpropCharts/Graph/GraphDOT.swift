import BackpropCore
import BackpropTraining

/// A `ComputationalGraph` in Graphviz's DOT language (the format DeZero's `plot_dot_graph` writes),
/// left to right: each edge labelled with its forward value and, under it in red, its gradient.
/// Render it with `dot -Tsvg graph.dot -o graph.svg` (or -Tpng).
public enum GraphDOT {
    /// The gradients' colour, as in `GraphSVG`.
    static let gradientColor = "#d62728"

    /// The DOT text, ending in a newline.
    public static func render(_ graph: ComputationalGraph) -> String {
        var out = "digraph computational_graph {\n"
        out += "  rankdir=LR;\n"
        var caption = [escape(graph.title)] + graph.notes.map(escape) + [escape(graph.edges.contains { $0.backward != nil }
            ? "on each edge: the value going forward, and under it in red the gradient coming back"
            : "on each edge: what goes forward (nothing was run backward)")]
        caption[0] = "<B>\(caption[0])</B>"
        let lineBreak = "<BR ALIGN=\"LEFT\"/>"
        out += "  graph [fontname=\"DejaVu Sans\", fontsize=12, labelloc=t, labeljust=l, "
            + "label=<\(caption.joined(separator: lineBreak))\(lineBreak)>];\n"
        out += "  node [fontname=\"DejaVu Sans\", fontsize=12];\n"
        out += "  edge [fontname=\"DejaVu Sans\", fontsize=10];\n"
        for (index, node) in graph.nodes.enumerated() {
            let lines = [escape(node.label)] + node.details.map(escape)
            let shape: String
            switch node.kind {
            case .input, .output: shape = "shape=plaintext"
            case .operation: shape = "shape=circle"
            case .layer: shape = "shape=box, style=rounded"
            case .parameter: shape = "shape=box, style=\"rounded,dashed\""
            }
            out += "  n\(index) [\(shape), label=<\(lines.joined(separator: "<BR/>"))>];\n"
        }
        for edge in graph.edges {
            var lines = GraphLabels.forwardLines(edge).map(escape)
            lines += GraphLabels.backwardLines(edge).map { "<FONT COLOR=\"\(gradientColor)\">\(escape($0))</FONT>" }
            let label = lines.isEmpty ? "" : " [label=<\(lines.joined(separator: "<BR/>"))>]"
            out += "  n\(edge.from) -> n\(edge.to)\(label);\n"
        }
        return out + "}\n"
    }

    /// Writes `render(graph)` to `path` atomically (a temporary file renamed into place).
    public static func write(_ graph: ComputationalGraph, to path: String) throws {
        try writeAtomically(Array(render(graph).utf8), to: path)
    }

    /// Text safe inside a Graphviz HTML-like label: XML's escaping, the one `SVGDocument` uses
    /// (Graphviz reads `&apos;` and `&quot;` in HTML-like labels as XML does).
    static func escape(_ text: String) -> String { SVGDocument.escape(text) }
}
