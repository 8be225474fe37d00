import BackpropCore
import BackpropTraining

extension GraphLayout {
    /// The grid's rows down: each row's centre line, with room above it for the forward labels (and
    /// above those the side nodes) and below it for the gradients; half a node at least either way.
    struct Rows {
        /// Room above and below each row's centre line.
        var upper: [Double]
        var lower: [Double]
        /// The centre line of each row.
        var y: [Double] = []
        /// Below the last row and the gap after it.
        var end = 44.0

        init(_ cells: [Int: GraphGrid.Cell], _ measured: MeasuredGraph) {
            let rowCount = (cells.values.map(\.row).max() ?? 0) + 1
            var above = [Double](repeating: 0, count: rowCount), below = above, sideHeight = above, half = above
            for (node, cell) in cells {
                half[cell.row] = Swift.max(half[cell.row], measured.shapes[node]!.height / 2)
                let stack = measured.sideStack(node).height
                if stack > 0 { sideHeight[cell.row] = Swift.max(sideHeight[cell.row], stack + GraphLayout.sideLink) }
            }
            for (i, edge) in measured.labelledEdges {
                let row = GraphGrid.slot(edge, cells).row
                let label = measured.edgeLabels[i]!
                above[row] = Swift.max(above[row], Double(label.forward.count) * GraphLayout.labelLine + 6)
                below[row] = Swift.max(below[row], Double(label.backward.count) * GraphLayout.labelLine + 6)
            }
            upper = zip(half, above).map { Swift.max($0, $1) }
            lower = zip(half, below).map { Swift.max($0, $1) }
            for r in 0..<rowCount {
                end += sideHeight[r] + upper[r]
                y.append(end)
                end += lower[r] + GraphLayout.rowGap
            }
        }
    }
}
