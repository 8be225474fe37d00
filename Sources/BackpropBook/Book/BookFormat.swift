import BackpropCharts
import BackpropCore
import BackpropTraining
import Foundation

/// Numbers printed the way the book's Python prints them, for `BookReport.lines`.
public enum BookFormat {
    /// A float as Python's `repr`: the shortest text that reads back as the same Double
    /// ("0.1999999999990898", "6.0", "1e-10").
    public static func python(_ value: Double) -> String {
        "\(value)"
    }

    /// A NumPy array as NumPy prints it, without its padding: at most 8 decimals, each element's
    /// trailing zeros dropped ("[6., 8.]", "[0.5, 0.25]", "[-2.99999994, 3.99999992]"); in scientific
    /// notation the mantissas share their digits ("[-6.11110793e-10, 8.14814391e-10]").
    /// Scientific notation when NumPy would use it: an element ≥ 1e8, a non-zero one < 1e-4, or a
    /// ratio of more than 1000 between the largest and smallest non-zero magnitude.
    public static func numpy(_ values: [Double]) -> String {
        guard !values.isEmpty else { return "[]" }
        let magnitudes = values.filter { $0.isFinite && $0 != 0 }.map(Swift.abs)
        let largest = magnitudes.max() ?? 0, smallest = magnitudes.min() ?? 0
        let scientific = largest >= 1e8 || (smallest > 0 && smallest < 1e-4) || (smallest > 0 && largest / smallest > 1e3)
        if values.contains(where: { !$0.isFinite }) { return "[" + values.map { "\($0)" }.joined(separator: ", ") + "]" }
        var texts = values.map { String(format: scientific ? "%.8e" : "%.8f", $0) }
        func mantissa(_ t: String) -> Substring { t.split(separator: "e", maxSplits: 1)[0] }
        func dropLastDigit(_ t: String) -> String {
            let parts = t.split(separator: "e", maxSplits: 1).map(String.init)
            return String(parts[0].dropLast()) + (parts.count > 1 ? "e" + parts[1] : "")
        }
        if scientific {
            // The trailing zeros every mantissa has: NumPy gives them all the same digits.
            while texts.allSatisfy({ mantissa($0).hasSuffix("0") && !mantissa($0).hasSuffix(".0") }) {
                texts = texts.map(dropLastDigit)
            }
            if texts.allSatisfy({ mantissa($0).hasSuffix(".0") }) { texts = texts.map(dropLastDigit) }
        } else {
            // Each element's own trailing zeros ("6.00000000" → "6.", "0.50000000" → "0.5").
            texts = texts.map { t in
                var t = t
                while t.hasSuffix("0") { t.removeLast() }
                return t
            }
        }
        return "[" + texts.joined(separator: ", ") + "]"
    }

    /// A duration in seconds with three significant digits and a unit: "812 µs", "12.3 ms", "4.56 s".
    public static func duration(_ seconds: Double) -> String {
        if seconds < 1e-3 { return String(format: "%.3g µs", seconds * 1e6) }
        if seconds < 1 { return String(format: "%.3g ms", seconds * 1e3) }
        return String(format: "%.3g s", seconds)
    }
}
