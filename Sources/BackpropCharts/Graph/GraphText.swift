import BackpropCore
import BackpropTraining

/// A `ComputationalGraph` as plain text, one edge a line with its forward value and its gradient, in
/// the order the edges were recorded (what `backprop graph` prints):
///
///     buy-apple: §5.4.1, figure 5-16
///     edge              forward  backward
///     apple → ×         100      2.2
///     apple_num → ×     2        110
///     …
public enum GraphText {
    /// The text, ending in a newline.
    public static func render(_ graph: ComputationalGraph) -> String {
        var rows: [(String, String, String)] = [("edge", "forward", "backward")]
        for edge in graph.edges {
            let name = "\(graph.nodes[edge.from].label) → \(graph.nodes[edge.to].label)"
            let forward = GraphLabels.forwardLines(edge).joined(separator: ", ")
            let backward = GraphLabels.backwardLines(edge).joined(separator: ", ")
            rows.append((name, forward.isEmpty ? "-" : forward, backward.isEmpty ? "-" : backward))
        }
        let nameWidth = rows.map(\.0.count).max() ?? 0
        let forwardWidth = rows.map(\.1.count).max() ?? 0
        var out = graph.title + "\n"
        for (name, forward, backward) in rows {
            out += pad(name, nameWidth) + "  " + pad(forward, forwardWidth) + "  " + backward + "\n"
        }
        for note in graph.notes { out += note + "\n" }
        return out
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: Swift.max(0, width - text.count))
    }
}
