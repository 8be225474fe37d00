import BackpropCore
import BackpropTraining
import Foundation

/// The text written along an edge of a `ComputationalGraph`, shared by the SVG, DOT and text renderers
/// so that all three say the same: above the edge the forward value, below it the gradient.
public enum GraphLabels {
    /// A number with up to `digits` significant digits and no trailing zeros: 220, 2.2, 110 (for
    /// 110.00000000000001), 0.622459, 1.5e-05 as 1.5e-5.
    public static func number(_ value: Double, digits: Int = 6) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if value == 0 { return "0" }
        var text = String(format: "%.\(digits)g", value)
        var exponent = ""
        if let e = text.firstIndex(where: { $0 == "e" }) {
            exponent = String(text[e...])
            text = String(text[..<e])
        }
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        if !exponent.isEmpty {
            // e-05 → e-5, e+07 → e7
            let sign = exponent.dropFirst().first == "-" ? "-" : ""
            let digits = exponent.drop { !$0.isNumber }.drop { $0 == "0" }
            exponent = "e" + sign + (digits.isEmpty ? "0" : String(digits))
        }
        return text + exponent
    }

    /// An integer with thousands separators: 39,200.
    public static func count(_ value: Int) -> String {
        let digits = String(Swift.abs(value))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// The lines above an edge: the forward value ("220"), or the tensor's name and shape and, when data
    /// went through, its mean and standard deviation. Empty when nothing went forward.
    public static func forwardLines(_ edge: GraphEdge) -> [String] {
        switch edge.forward {
        case nil: return []
        case .scalar(let value)?: return [edge.name.map { "\($0) = " + number(value) } ?? number(value)]
        case .tensor(let summary)?:
            var lines = [(edge.name.map { "\($0) " } ?? "") + summary.shapeText]
            if let mean = summary.mean, let std = summary.standardDeviation {
                lines.append("mean \(number(mean, digits: 3)), std \(number(std, digits: 3))")
            }
            return lines
        }
    }

    /// The lines below an edge: the gradient ("2.2"), a tensor gradient's norm ("‖∂L/∂W1‖ 0.0123"), or
    /// its shape when no data went through ("∂L/∂X (2, 2)"). Empty when no gradient came back.
    public static func backwardLines(_ edge: GraphEdge) -> [String] {
        switch edge.backward {
        case nil: return []
        case .scalar(let value)?: return [number(value)]
        case .tensor(let summary)?:
            if let norm = summary.norm {
                return [(edge.name.map { "‖∂L/∂\(parenthesized($0))‖ " } ?? "‖grad‖ ") + number(norm, digits: 3)]
            }
            return [(edge.name.map { "∂L/∂\(parenthesized($0)) " } ?? "") + summary.shapeText]
        }
    }

    /// A name, in parentheses when it is more than one symbol: W1, (X·W).
    static func parenthesized(_ name: String) -> String {
        name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } ? name : "(\(name))"
    }

    /// The caption explaining the labels of the picture of `graph`.
    public static func legend(for graph: ComputationalGraph) -> String {
        graph.edges.contains { $0.backward != nil }
            ? "above each edge: the value going forward · below, in red: the gradient coming back"
            : "above each edge: what goes forward (nothing was run backward)"
    }
}
