import BackpropCore
import BackpropTraining

extension GraphLayout {
    /// The grid's columns across: each column as wide as its widest node (or a side stack wider than
    /// the gaps beside it), each gap after a column as wide as the widest label in it (44 at least), and
    /// `pre`, the gap before column 0 that holds the labels of edges wrapping onto a new row.
    struct Columns {
        var widths: [Double]
        var gaps: [Double]
        var pre: Double

        /// The left edge of column 0.
        var x0: Double { GraphLayout.margin + pre }

        /// The left edge of each column.
        var x: [Double] = []

        /// Column and gap widths for `cells`.
        init(_ cells: [Int: GraphGrid.Cell], _ measured: MeasuredGraph) {
            let columnCount = (cells.values.map(\.column).max() ?? 0) + 1
            gaps = [Double](repeating: 44, count: columnCount)
            pre = 0.0
            for (i, edge) in measured.labelledEdges {
                let slot = GraphGrid.slot(edge, cells)
                let w = measured.edgeLabels[i]!.width + 40
                if slot.gap < 0 { pre = Swift.max(pre, w) } else { gaps[slot.gap] = Swift.max(gaps[slot.gap], w) }
            }
            widths = [Double](repeating: 0, count: columnCount)
            for (node, cell) in cells { widths[cell.column] = Swift.max(widths[cell.column], measured.shapes[node]!.width) }
            for (node, cell) in cells {
                let c = cell.column
                let left = c == 0 ? (pre > 0 ? pre : .infinity) : gaps[c - 1]
                let right = c == columnCount - 1 ? Double.infinity : gaps[c]
                widths[c] = Swift.max(widths[c], measured.sideStack(node).width - Swift.min(left, right))
            }
            var left = x0
            for c in widths.indices {
                x.append(left)
                left += widths[c] + gaps[c]
            }
        }

        /// The grid's cells and their columns; a chain wider than `maxWidth` wraps at the widest number
        /// of columns (2 at least) that fits.
        static func placement(of measured: MeasuredGraph, maxWidth: Double) -> (cells: [Int: GraphGrid.Cell], columns: Columns) {
            var cells = measured.grid.cells
            var columns = Columns(cells, measured)
            guard measured.grid.isChain, columns.widths.count > 3 else { return (cells, columns) }
            let total = columns.widths.reduce(0, +) + columns.gaps.dropLast().reduce(0, +)
            guard total > maxWidth else { return (cells, columns) }
            for k in stride(from: columns.widths.count - 1, through: 2, by: -1) {
                let wrapped = measured.grid.wrapped(every: k)
                let candidate = Columns(wrapped, measured)
                let width = candidate.pre + candidate.widths.reduce(0, +) + candidate.gaps.dropLast().reduce(0, +)
                cells = wrapped
                columns = candidate
                if width <= maxWidth { break }
            }
            return (cells, columns)
        }
    }
}
