import BackpropCore
import BackpropTraining
import Foundation

/// Draws a `ComputationalGraph` as a standalone SVG in the manner of the book's figures 5-16 to 5-30:
/// left to right, operations as circles and layers as boxes, the forward value above each edge and the
/// gradient below it in red (after a ←, the direction it travels). Parameters sit above their layer
/// with their shape, number of values and gradient norm. Placement is `GraphLayout`'s, from estimated
/// text widths, so no two texts overlap; like the training plots it needs no external files.
public enum GraphSVG {
    /// The arrow head at the end of every edge.
    private static let arrowMarker = "<marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
        + "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#444444\"/></marker>"

    /// The SVG document (UTF-8 text starting with `<svg`).
    public static func render(_ graph: ComputationalGraph) -> String {
        document(graph).text
    }

    /// The drawing of `graph` as an `SVGDocument`, titled with the graph's title.
    public static func document(_ graph: ComputationalGraph) -> SVGDocument {
        document(GraphLayout(graph), graph)
    }

    /// The drawing of `graph` laid out whole, but showing only the values, gradients and notes `reveal`
    /// names, with its highlighted node drawn in blue. Each node is a `<g class="node" data-node="i">`.
    public static func render(_ graph: ComputationalGraph, reveal: GraphReveal) -> String {
        document(GraphLayout(graph), graph, reveal: reveal).text
    }

    /// Writes `render(graph)` to `path` atomically (a temporary file renamed into place).
    public static func write(_ graph: ComputationalGraph, to path: String) throws {
        try document(graph).write(to: path)
    }

    static func document(_ layout: GraphLayout, _ graph: ComputationalGraph, reveal: GraphReveal? = nil) -> SVGDocument {
        var out = "<g class=\"edges\" fill=\"none\" stroke=\"#444444\" stroke-width=\"1.4\">\n"
        for edge in layout.edges {
            let points = edge.points.map { "\(f($0.x)),\(f($0.y))" }.joined(separator: " ")
            let dash = edge.isSideLink ? " stroke-dasharray=\"4 3\"" : ""
            out += "<polyline points=\"\(points)\"\(dash) marker-end=\"url(#arrow)\"/>\n"
        }
        out += "</g>\n<g class=\"nodes\">\n"
        for node in layout.nodes {
            let b = node.box
            let stroke = reveal?.highlightedNode == node.index ? "#1f77b4\" stroke-width=\"3" : "#222222\" stroke-width=\"1.5"
            out += "<g class=\"node\" data-node=\"\(node.index)\">\n"
            switch graph.nodes[node.index].kind {
            case .operation:
                out += "<circle cx=\"\(f(b.midX))\" cy=\"\(f(b.midY))\" r=\"\(f(b.width / 2))\" "
                    + "fill=\"#ffffff\" stroke=\"\(stroke)\"/>\n"
            case .layer:
                out += "<rect x=\"\(f(b.x))\" y=\"\(f(b.y))\" width=\"\(f(b.width))\" height=\"\(f(b.height))\" rx=\"6\" "
                out += "fill=\"#eef3fa\" stroke=\"\(stroke)\"/>\n"
            case .parameter:
                out += "<rect x=\"\(f(b.x))\" y=\"\(f(b.y))\" width=\"\(f(b.width))\" height=\"\(f(b.height))\" rx=\"4\" "
                out += "fill=\"#fff8e1\" stroke=\"#9c7b16\" stroke-width=\"1.2\" stroke-dasharray=\"4 2\"/>\n"
            case .input, .output:
                if node.isSide {
                    out += "<rect x=\"\(f(b.x))\" y=\"\(f(b.y))\" width=\"\(f(b.width))\" height=\"\(f(b.height))\" rx=\"4\" "
                    out += "fill=\"#f3f3f3\" stroke=\"#888888\" stroke-width=\"1\"/>\n"
                }
            }
            out += text(node.label) + "</g>\n"
        }
        out += "</g>\n<g class=\"labels\">\n"
        for edge in layout.edges {
            if let label = edge.forward, reveal?.forwardEdges.contains(edge.index) ?? true { out += text(label) }
            if let label = edge.backward, reveal?.backwardEdges.contains(edge.index) ?? true { out += text(label) }
        }
        out += "</g>\n"
        // The title, then the legend and notes in one block: without the notes only the legend's line.
        for (k, label) in layout.texts.enumerated() {
            if k > 0, reveal?.notes == false, let first = label.lines.first {
                out += text(GraphLayout.Label(lines: [first], box: label.box), anchorStart: true)
            } else {
                out += text(label, anchorStart: true)
            }
        }
        return SVGDocument(width: layout.width, height: layout.height, title: graph.title, defs: arrowMarker, body: out)
    }

    private static func text(_ label: GraphLayout.Label, anchorStart: Bool = false) -> String {
        var out = ""
        for line in label.lines {
            let x = anchorStart ? label.box.x : line.x
            out += "<text x=\"\(f(x))\" y=\"\(f(line.baseline))\" font-size=\"\(f(line.size))\" fill=\"\(line.color)\""
            out += anchorStart ? "" : " text-anchor=\"middle\""
            out += line.bold ? " font-weight=\"bold\"" : ""
            out += ">\(SVGDocument.escape(line.text))</text>\n"
        }
        return out
    }

    private static func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
