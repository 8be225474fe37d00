import BackpropCore
import BackpropTraining

extension GraphLayout {
    /// A node's lines of text (its label, details, and for a side node its gradient) and the size of
    /// the box that holds them: a circle for an operation, a box for a layer or parameter, bare text
    /// for an input or output.
    struct NodeShape {
        /// One line before it is placed: its text, font size, colour and weight.
        struct Line {
            var text: String
            var size: Double
            var color: String
            var bold: Bool
        }

        var width: Double
        var height: Double
        var lines: [Line]

        /// The lines' height, each its font size and 4 more.
        var textHeight: Double { lines.reduce(0) { $0 + $1.size + 4 } }

        init(_ node: GraphNode, at index: Int, in graph: ComputationalGraph, grid: GraphGrid) {
            let isOperation = node.kind == .operation
            lines = [Line(text: node.label, size: isOperation ? 16 : 14, color: GraphLayout.forwardColor, bold: !isOperation)]
            lines += node.details.map { Line(text: $0, size: 11, color: "#333333", bold: false) }
            if grid.host[index] != nil, let edge = graph.edges.first(where: { $0.from == index }) {
                lines += GraphLabels.backwardLines(edge).map { Line(text: $0, size: 11, color: GraphLayout.gradientColor, bold: false) }
            }
            let textWidth = lines.map { TextMetrics.width($0.text, size: $0.size, bold: $0.bold) }.max() ?? 0
            let textHeight = lines.reduce(0) { $0 + $1.size + 4 }
            switch node.kind {
            case .operation:
                let d = Swift.max(38, textWidth + 16, textHeight + 14)
                (width, height) = (d, d)
            case .layer, .parameter:
                (width, height) = (Swift.max(56, textWidth + 20), textHeight + 14)
            case .input, .output:
                (width, height) = (textWidth + 6, textHeight + 6)
            }
        }
    }
}
