import Foundation

/// Printing as NumPy's `str(array)` does: `[[1.  2.5]\n [3.  4. ]]`, `[ True False]`, `[1 2 3]`;
/// at most 8 fractional digits; scientific notation for very large or small magnitudes; tensors of
/// more than 1000 elements summarised with `...` (3 items each side).
extension Tensor: CustomStringConvertible {
    public var description: String {
        let summarize = count > 1000
        let cells = formattedCells(summarize: summarize)
        if rank == 0 { return cells.first ?? "" }
        var position = 0
        return render(axis: 0, summarize: summarize, cells: cells, position: &position)
    }

    /// Indices shown along an axis (nil marks the `...`).
    private func shownIndices(_ n: Int, summarize: Bool) -> [Int?] {
        if summarize && n > 6 { return [0, 1, 2, nil, n - 3, n - 2, n - 1] }
        return (0..<n).map { $0 }
    }

    /// Element offsets in the order they are printed.
    private func shownOffsets(summarize: Bool) -> [Int] {
        var result: [Int] = []
        func walk(_ axis: Int, _ base: Int) {
            if axis == rank { result.append(base); return }
            let stride = shape[(axis + 1)...].reduce(1, *)
            for i in shownIndices(shape[axis], summarize: summarize) {
                if let i { walk(axis + 1, base + i * stride) }
            }
        }
        walk(0, 0)
        return result
    }

    private func formattedCells(summarize: Bool) -> [String] {
        let values = shownOffsets(summarize: summarize).map { scalars[$0] }
        if let doubles = values as? [Double] { return formatFloats(doubles) }
        if let floats = values as? [Float] { return formatFloats(floats.map(Double.init)) }
        let raw = values.map { value -> String in
            if let b = value as? Bool { return b ? "True" : "False" }
            return "\(value)"
        }
        let width = raw.map(\.count).max() ?? 0
        return raw.map { String(repeating: " ", count: width - $0.count) + $0 }
    }

    private func render(axis: Int, summarize: Bool, cells: [String], position: inout Int) -> String {
        let n = shape[axis]
        var parts: [String] = []
        for i in shownIndices(n, summarize: summarize) {
            guard i != nil else { parts.append("..."); continue }
            if axis == rank - 1 {
                parts.append(cells[position])
                position += 1
            } else {
                parts.append(render(axis: axis + 1, summarize: summarize, cells: cells, position: &position))
            }
        }
        let separator = axis == rank - 1
            ? " "
            : String(repeating: "\n", count: rank - axis - 1) + String(repeating: " ", count: axis + 1)
        return "[" + parts.joined(separator: separator) + "]"
    }
}

/// NumPy-style cells for floating-point values, padded to a common width.
private func formatFloats(_ values: [Double]) -> [String] {
    let finite = values.filter { $0.isFinite }
    let magnitudes = finite.map { Swift.abs($0) }.filter { $0 != 0 }
    let largest = magnitudes.max() ?? 0, smallest = magnitudes.min() ?? 0
    let scientific = largest >= 1e8 || (smallest > 0 && smallest < 1e-4)
    func special(_ v: Double) -> String { v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }

    if scientific {
        // Fewest mantissa digits (≤ 8) that show every value as precisely as 8 digits would.
        let digits = finite.map { v -> Int in
            let target = Double(String(format: "%.8e", v))
            return (0...8).first { Double(String(format: "%.\($0)e", v)) == target } ?? 8
        }.max() ?? 0
        let cells = values.map { $0.isFinite ? String(format: "%.\(digits)e", $0) : special($0) }
        let width = cells.map(\.count).max() ?? 0
        return cells.map { String(repeating: " ", count: width - $0.count) + $0 }
    }

    // Positional: integer part right-aligned, fraction left-aligned and padded with spaces.
    let split: [(String, String)] = values.map { v in
        guard v.isFinite else { return (special(v), "") }
        var text = String(format: "%.8f", v)
        while text.hasSuffix("0") { text.removeLast() }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var intPart = String(parts[0])
        if intPart == "-0" && v == 0 && v.sign == .plus { intPart = "0" }
        return (intPart + ".", parts.count > 1 ? String(parts[1]) : "")
    }
    let intWidth = split.map(\.0.count).max() ?? 0
    let fracWidth = split.map(\.1.count).max() ?? 0
    return split.map { intPart, frac in
        String(repeating: " ", count: intWidth - intPart.count) + intPart
            + frac + String(repeating: " ", count: fracWidth - frac.count)
    }
}
