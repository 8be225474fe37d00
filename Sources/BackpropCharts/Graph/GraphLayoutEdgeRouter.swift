import BackpropCore
import BackpropTraining

extension GraphLayout {
    /// The last step of a layout: each edge's path between the placed boxes, and its labels in the gap
    /// it runs through.
    struct EdgeRouter {
        typealias Point = (x: Double, y: Double)

        /// A path and the gap its labels are centred in, on either side of `labelY`.
        struct Route {
            var points: [Point]
            var labelY: Double
            var gapStart: Double
            var gapEnd: Double
        }

        let measured: MeasuredGraph
        let cells: [Int: GraphGrid.Cell]
        let columns: Columns
        let rows: Rows
        let boxes: [Int: Box]
        /// Inputs entering each node from above or below, so far.
        var entries: [Int: Int] = [:]

        /// Edge `i`, or nil when one of its nodes is not placed.
        mutating func route(_ i: Int, _ edge: GraphEdge) -> PlacedEdge? {
            guard let s = boxes[edge.from], let t = boxes[edge.to] else { return nil }
            if measured.grid.host[edge.from] != nil {
                let endX = Swift.min(Swift.max(s.midX, t.x + 8), t.maxX - 8)
                return PlacedEdge(index: i, from: edge.from, to: edge.to, points: [(s.midX, s.maxY), (endX, t.y)], isSideLink: true)
            }
            let route = path(edge, s, t)
            let centre = (route.gapStart + route.gapEnd) / 2 - 4
            let text = measured.edgeLabels[i]!
            let forwardTop = route.labelY - 4 - Double(text.forward.count) * GraphLayout.labelLine
            return PlacedEdge(index: i, from: edge.from, to: edge.to, points: route.points, isSideLink: false,
                              forward: Self.label(text.forward, color: GraphLayout.forwardColor, centre: centre, top: forwardTop),
                              backward: Self.label(text.backward, color: GraphLayout.gradientColor, centre: centre,
                                                   top: route.labelY + 4))
        }

        /// The path of an edge between main nodes, from box `s` to box `t`.
        private mutating func path(_ edge: GraphEdge, _ s: Box, _ t: Box) -> Route {
            let (from, to) = (cells[edge.from]!, cells[edge.to]!)
            let slot = GraphGrid.slot(edge, cells)
            if slot.gap < 0 { return wrapping(from, s, t) }
            let gapStart = columns.x[from.column] + columns.widths[from.column]
            var route = Route(points: [], labelY: s.midY, gapStart: gapStart, gapEnd: gapStart + columns.gaps[slot.gap])
            if from.row == to.row {
                route.points = [(s.maxX, s.midY), (t.x, t.midY)]
            } else if isBlocked(edge, from, to) {
                route.points = detour(edge, from, to, s, t)
            } else {
                route.points = turning(edge, from, to, s, t)
            }
            return route
        }

        /// An edge onto the start of the next row: down the gutter below its source's row, back to the
        /// left, and into its target from the left, its labels in the gap before column 0.
        private func wrapping(_ from: GraphGrid.Cell, _ s: Box, _ t: Box) -> Route {
            let gutter = rows.y[from.row] + rows.lower[from.row] + GraphLayout.rowGap / 2
            let xIn = columns.x0 - columns.pre + 8
            let points = [(s.maxX, s.midY), (s.maxX + 14, s.midY), (s.maxX + 14, gutter), (xIn, gutter), (xIn, t.midY), (t.x, t.midY)]
            return Route(points: points, labelY: t.midY, gapStart: columns.x0 - columns.pre, gapEnd: columns.x0)
        }

        /// Whether a node stands on the source's row between the edge's source and its target's column.
        private func isBlocked(_ edge: GraphEdge, _ from: GraphGrid.Cell, _ to: GraphGrid.Cell) -> Bool {
            cells.contains(where: { $0.key != edge.from && $0.value.row == from.row
                                    && $0.value.column > from.column && $0.value.column <= to.column })
        }

        /// Past a node in the way on the source's row: turn at the end of the gap before the target and
        /// enter it from the left, a little off centre towards the source.
        private func detour(_ edge: GraphEdge, _ from: GraphGrid.Cell, _ to: GraphGrid.Cell, _ s: Box, _ t: Box) -> [Point] {
            let vx = columns.x[to.column] - 12
            let ty = t.midY + (to.row < from.row ? 9 : -9)
            var endX = t.x
            if measured.graph.nodes[edge.to].kind == .operation {
                let r = t.width / 2
                endX = t.midX - (r * r - 81).squareRoot()
            }
            return [(s.maxX, s.midY), (vx, s.midY), (vx, ty), (endX, ty)]
        }

        /// Along the source's row to above or below the target, then into it; each further input that
        /// enters the target this way does so 10 further right.
        private mutating func turning(_ edge: GraphEdge, _ from: GraphGrid.Cell, _ to: GraphGrid.Cell,
                                      _ s: Box, _ t: Box) -> [Point] {
            let k = entries[edge.to, default: 0]
            entries[edge.to] = k + 1
            let dx = Double(k) * 10
            let entryX = t.midX + dx
            var endY = to.row < from.row ? t.maxY : t.y
            if measured.graph.nodes[edge.to].kind == .operation {
                let r = t.width / 2
                endY = t.midY + (to.row < from.row ? 1 : -1) * (r * r - dx * dx).squareRoot()
            }
            return [(s.maxX, s.midY), (entryX, s.midY), (entryX, endY)]
        }

        /// Lines centred on `centre` one under another from `top`, or nil when there are none.
        private static func label(_ texts: [String], color: String, centre: Double, top: Double) -> Label? {
            guard !texts.isEmpty else { return nil }
            let w = texts.map { TextMetrics.width($0, size: GraphLayout.labelSize) }.max()!
            let lines = texts.enumerated().map { k, text in
                TextLine(text: text, x: centre, baseline: top + Double(k) * GraphLayout.labelLine + 11.5, size: GraphLayout.labelSize,
                         color: color)
            }
            return Label(lines: lines, box: Box(x: centre - w / 2, y: top, width: w, height: Double(texts.count) * GraphLayout.labelLine))
        }
    }
}
