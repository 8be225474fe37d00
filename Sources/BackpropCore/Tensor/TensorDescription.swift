import Foundation

/// Printing as NumPy's `str(array)` does: `[[1.  2.5]\n [3.  4. ]]`, `[ True False]`, `[1 2 3]`;
/// at most 8 fractional digits; scientific notation for very large or small magnitudes; tensors of
/// more than 1000 elements summarised with `...` (3 items each side).
extension Tensor: CustomStringConvertible {
    public var description: String {
        if count == 0 { return "[]" }
        if rank == 0 { return zeroDimensional(scalars[0]) }
        let summarize = count > 1000
        let cells = formattedCells(summarize: summarize)
        var position = 0
        return render(axis: 0, summarize: summarize, cells: cells, position: &position, column: 0)
    }

    /// A 0-d tensor prints as NumPy prints a scalar: `2.0`, `0.1`, `nan`, `True`, `3`.
    private func zeroDimensional(_ value: Scalar) -> String {
        if let d = value as? Double { return d.isFinite ? "\(d)" : special(d) }
        if let f = value as? Float { return f.isFinite ? "\(f)" : special(Double(f)) }
        if let b = value as? Bool { return b ? "True" : "False" }
        return "\(value)"
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
        if let doubles = values as? [Double] {
            return formatFloats(doubles, shortest: { doubles[$0].description },
                                roundTrips: { i, text in Double(text) == doubles[i] })
        }
        if let floats = values as? [Float] {
            return formatFloats(floats.map(Double.init), shortest: { floats[$0].description },
                                roundTrips: { i, text in Float(text) == floats[i] })
        }
        let raw = values.map { value -> String in
            if let b = value as? Bool { return b ? "True" : "False" }
            return "\(value)"
        }
        let width = raw.map(\.count).max() ?? 0
        return raw.map { String(repeating: " ", count: width - $0.count) + $0 }
    }

    /// Nested brackets as NumPy prints them; innermost rows wrap at 75 columns.
    private func render(axis: Int, summarize: Bool, cells: [String], position: inout Int, column: Int) -> String {
        let n = shape[axis]
        var parts: [String] = []
        if axis == rank - 1 {
            // Innermost row: words separated by one space, wrapped before column 75; the last word
            // must also leave room for the closing brackets.
            let indent = String(repeating: " ", count: column + 1)
            var text = "["
            var lineLength = column + 1
            let shown = shownIndices(n, summarize: summarize)
            for (k, i) in shown.enumerated() {
                let word: String
                if i == nil { word = "..." } else { word = cells[position]; position += 1 }
                let isLast = k == shown.count - 1
                let needed = word.count + (k == 0 ? 0 : 1) + (isLast ? rank : 0)
                if k > 0 && lineLength + needed > 75 {
                    text += "\n" + indent
                    lineLength = indent.count
                } else if k > 0 {
                    text += " "
                    lineLength += 1
                }
                text += word
                lineLength += word.count
            }
            return text + "]"
        }
        for i in shownIndices(n, summarize: summarize) {
            guard i != nil else { parts.append("..."); continue }
            parts.append(render(axis: axis + 1, summarize: summarize, cells: cells, position: &position, column: column + 1))
        }
        let separator = String(repeating: "\n", count: rank - axis - 1) + String(repeating: " ", count: axis + 1)
        return "[" + parts.joined(separator: separator) + "]"
    }
}

private func special(_ v: Double) -> String { v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }

/// NumPy-style cells for floating-point values (its default `maxprec` mode, precision 8), padded
/// to a common width. `shortest(i)` is the shortest round-trip text of value i in its own precision;
/// `roundTrips(i, text)` says whether `text` reads back as value i.
private func formatFloats(_ values: [Double], shortest: (Int) -> String,
                          roundTrips: (Int, String) -> Bool) -> [String] {
    let magnitudes = values.filter { $0.isFinite && $0 != 0 }.map { Swift.abs($0) }
    let largest = magnitudes.max() ?? 0, smallest = magnitudes.min() ?? 0
    let scientific = largest >= 1e8 || (smallest > 0 && smallest < 1e-4) || (smallest > 0 && largest / smallest > 1e3)
    var cells: [String]
    if scientific {
        // The fewest mantissa digits (≤ 8) that show every value exactly; all values get that many.
        let digits = values.indices.filter { values[$0].isFinite }.map { i in
            (0...8).first { roundTrips(i, String(format: "%.\($0)e", values[i])) } ?? 8
        }.max() ?? 0
        cells = values.map { $0.isFinite ? String(format: "%#.\(digits)e", $0) : special($0) }
        let width = cells.map(\.count).max() ?? 0
        return cells.map { String(repeating: " ", count: width - $0.count) + $0 }
    }
    // Positional: integer part right-aligned, fraction left-aligned and padded with spaces.
    let split: [(String, String)?] = values.indices.map { i in
        let v = values[i]
        guard v.isFinite else { return nil }
        var text = shortest(i)
        if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) - 1 > 8 || text.contains("e") {
            text = String(format: "%.8f", v)
        } else if text.contains("e") {
            text = String(format: "%.8f", v)
        }
        if !text.contains(".") { text += "." }
        while text.hasSuffix("0") && text.contains(".") { text.removeLast() }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(parts[0]) + ".", parts.count > 1 ? String(parts[1]) : "")
    }
    let intWidth = split.compactMap { $0?.0.count }.max() ?? 0
    let fracWidth = split.compactMap { $0?.1.count }.max() ?? 0
    cells = values.indices.map { i in
        guard let (intPart, frac) = split[i] else { return special(values[i]) }
        return String(repeating: " ", count: intWidth - intPart.count) + intPart
            + frac + String(repeating: " ", count: fracWidth - frac.count)
    }
    let width = cells.map(\.count).max() ?? 0
    return cells.map { String(repeating: " ", count: width - $0.count) + $0 }
}
