import BackpropCore
import BackpropTraining
import Foundation

/// Where `GraphSVG` draws everything, computed from text widths (`TextMetrics`) so that nothing
/// overlaps: nodes on a grid of columns (left to right) and rows; each edge runs right from its source,
/// along its source's row, with the forward value above it and the gradient below it in the gap after
/// the source's column (every gap is as wide as its widest label); an edge to another row turns at the
/// target's centre. Parameters (and a loss layer's targets) sit above the layer they feed. A long chain
/// wraps onto further rows, each row entered from the left.
struct GraphLayout {
    struct Box: Equatable {
        var x, y, width, height: Double
        var maxX: Double { x + width }
        var maxY: Double { y + height }
        var midX: Double { x + width / 2 }
        var midY: Double { y + height / 2 }

        func intersects(_ other: Box) -> Bool {
            x < other.maxX && other.x < maxX && y < other.maxY && other.y < maxY
        }

        func contains(_ px: Double, _ py: Double) -> Bool {
            px > x && px < maxX && py > y && py < maxY
        }
    }

    struct TextLine {
        var text: String
        var x: Double
        var baseline: Double
        var size: Double
        var color: String
        var bold = false
    }

    /// Lines of text and the box they fill.
    struct Label {
        var lines: [TextLine]
        var box: Box
    }

    struct PlacedNode {
        var index: Int
        var box: Box
        /// Drawn above the layer it feeds (a parameter, or a loss layer's targets).
        var isSide: Bool
        var label: Label
    }

    struct PlacedEdge {
        var index: Int
        /// The nodes it joins (indices in the graph's `nodes`).
        var from: Int, to: Int
        var points: [(x: Double, y: Double)]
        /// The short link from a side node to its layer (its gradient is written in the side node).
        var isSideLink: Bool
        var forward: Label?
        var backward: Label?
    }

    static let forwardColor = "#000000"
    static let gradientColor = "#d62728"
    static let labelSize = 12.0, labelLine = 15.0
    static let margin = 20.0, rowGap = 30.0, sideLink = 22.0, sideGap = 8.0

    var nodes: [PlacedNode] = []
    var edges: [PlacedEdge] = []
    var texts: [Label] = []   // title, legend, notes
    var width = 0.0, height = 0.0

    /// The layout of `graph`, wrapping an automatically placed chain at about `maxWidth`.
    init(_ graph: ComputationalGraph, maxWidth: Double = 1500) {
        let grid = GraphGrid(graph)
        let m = GraphLayout.self
        // Sizes of the nodes' texts and boxes.
        var sizes: [Int: (width: Double, height: Double, lines: [(String, Double, String, Bool)])] = [:]
        for (index, node) in graph.nodes.enumerated() {
            var lines: [(String, Double, String, Bool)] = [(node.label, node.kind == .operation ? 16 : 14, m.forwardColor, node.kind != .operation)]
            lines += node.details.map { ($0, 11, "#333333", false) }
            if grid.host[index] != nil, let edge = graph.edges.first(where: { $0.from == index }) {
                lines += GraphLabels.backwardLines(edge).map { ($0, 11, m.gradientColor, false) }
            }
            let textWidth = lines.map { TextMetrics.width($0.0, size: $0.1, bold: $0.3) }.max() ?? 0
            let textHeight = lines.reduce(0) { $0 + $1.1 + 4 }
            switch node.kind {
            case .operation:
                let d = Swift.max(38, textWidth + 16, textHeight + 14)
                sizes[index] = (d, d, lines)
            case .layer, .parameter:
                sizes[index] = (Swift.max(56, textWidth + 20), textHeight + 14, lines)
            case .input, .output:
                sizes[index] = (textWidth + 6, textHeight + 6, lines)
            }
        }
        // Edge labels, and the slot (gap, row) each sits in.
        var forwardText: [Int: [String]] = [:], backwardText: [Int: [String]] = [:]
        for (i, edge) in graph.edges.enumerated() where grid.host[edge.from] == nil {
            forwardText[i] = GraphLabels.forwardLines(edge)
            var back = GraphLabels.backwardLines(edge)
            if !back.isEmpty { back[0] = "← " + back[0] }
            backwardText[i] = back
        }
        func labelWidth(_ i: Int) -> Double {
            ((forwardText[i] ?? []) + (backwardText[i] ?? [])).map { TextMetrics.width($0, size: m.labelSize) }.max() ?? 0
        }
        func sideStack(_ host: Int) -> (width: Double, height: Double) {
            let sides = grid.sides[host] ?? []
            guard !sides.isEmpty else { return (0, 0) }
            return (sides.reduce(0) { $0 + sizes[$1]!.width } + m.sideGap * Double(sides.count - 1),
                    sides.map { sizes[$0]!.height }.max()!)
        }

        // Column and gap widths for a placement; wrap a long chain at the widest K columns that fit.
        func measure(_ cells: [Int: GraphGrid.Cell]) -> (columns: [Double], gaps: [Double], pre: Double) {
            let columnCount = (cells.values.map(\.column).max() ?? 0) + 1
            var gaps = [Double](repeating: 44, count: columnCount), pre = 0.0
            for (i, edge) in graph.edges.enumerated() where grid.host[edge.from] == nil {
                let slot = GraphGrid.slot(edge, cells)
                let w = labelWidth(i) + 40
                if slot.gap < 0 { pre = Swift.max(pre, w) } else { gaps[slot.gap] = Swift.max(gaps[slot.gap], w) }
            }
            var columns = [Double](repeating: 0, count: columnCount)
            for (node, cell) in cells { columns[cell.column] = Swift.max(columns[cell.column], sizes[node]!.width) }
            for (node, cell) in cells {
                let c = cell.column
                let left = c == 0 ? (pre > 0 ? pre : .infinity) : gaps[c - 1]
                let right = c == columnCount - 1 ? Double.infinity : gaps[c]
                columns[c] = Swift.max(columns[c], sideStack(node).width - Swift.min(left, right))
            }
            return (columns, gaps, pre)
        }
        var cells = grid.cells
        var metrics = measure(cells)
        if grid.isChain, metrics.columns.count > 3 {
            let total = metrics.columns.reduce(0, +) + metrics.gaps.dropLast().reduce(0, +)
            if total > maxWidth {
                for k in stride(from: metrics.columns.count - 1, through: 2, by: -1) {
                    let wrapped = grid.wrapped(every: k)
                    let candidate = measure(wrapped)
                    let width = candidate.pre + candidate.columns.reduce(0, +) + candidate.gaps.dropLast().reduce(0, +)
                    cells = wrapped
                    metrics = candidate
                    if width <= maxWidth { break }
                }
            }
        }
        let (columns, gaps, pre) = metrics
        let x0 = m.margin + pre
        var columnX: [Double] = []
        var x = x0
        for c in columns.indices {
            columnX.append(x)
            x += columns[c] + gaps[c]
        }

        // Rows: room above for labels (and side nodes), below for labels.
        let rowCount = (cells.values.map(\.row).max() ?? 0) + 1
        var above = [Double](repeating: 0, count: rowCount), below = above, sideHeight = above, half = above
        for (node, cell) in cells {
            half[cell.row] = Swift.max(half[cell.row], sizes[node]!.height / 2)
            let stack = sideStack(node).height
            if stack > 0 { sideHeight[cell.row] = Swift.max(sideHeight[cell.row], stack + m.sideLink) }
        }
        for (i, edge) in graph.edges.enumerated() where grid.host[edge.from] == nil {
            let row = GraphGrid.slot(edge, cells).row
            above[row] = Swift.max(above[row], Double(forwardText[i]!.count) * m.labelLine + 6)
            below[row] = Swift.max(below[row], Double(backwardText[i]!.count) * m.labelLine + 6)
        }
        let upper = zip(half, above).map { Swift.max($0, $1) }
        let lower = zip(half, below).map { Swift.max($0, $1) }
        var rowY: [Double] = []
        var y = 44.0
        for r in 0..<rowCount {
            y += sideHeight[r] + upper[r]
            rowY.append(y)
            y += lower[r] + m.rowGap
        }

        // Nodes.
        var boxes: [Int: Box] = [:]
        for (node, cell) in cells {
            let s = sizes[node]!
            boxes[node] = Box(x: columnX[cell.column] + (columns[cell.column] - s.width) / 2, y: rowY[cell.row] - s.height / 2,
                              width: s.width, height: s.height)
        }
        for (host, sides) in grid.sides {
            guard let hostBox = boxes[host], let cell = cells[host] else { continue }
            var sx = hostBox.midX - sideStack(host).width / 2
            let bottom = rowY[cell.row] - upper[cell.row] - m.sideLink
            for side in sides {
                let s = sizes[side]!
                boxes[side] = Box(x: sx, y: bottom - s.height, width: s.width, height: s.height)
                sx += s.width + m.sideGap
            }
        }
        for index in graph.nodes.indices {
            guard let box = boxes[index] else { continue }
            var lines: [TextLine] = []
            var baseline = box.midY - sizes[index]!.lines.reduce(0) { $0 + $1.1 + 4 } / 2
            for (text, size, color, bold) in sizes[index]!.lines {
                baseline += size + 4
                lines.append(TextLine(text: text, x: box.midX, baseline: baseline - 4 - size * 0.12, size: size, color: color, bold: bold))
            }
            nodes.append(PlacedNode(index: index, box: box, isSide: grid.host[index] != nil, label: Label(lines: lines, box: box)))
        }

        // Edges.
        var entries: [Int: Int] = [:]   // inputs entering each node from above or below, so far
        for (i, edge) in graph.edges.enumerated() {
            guard let s = boxes[edge.from], let t = boxes[edge.to] else { continue }
            if grid.host[edge.from] != nil {
                let endX = Swift.min(Swift.max(s.midX, t.x + 8), t.maxX - 8)
                edges.append(PlacedEdge(index: i, from: edge.from, to: edge.to, points: [(s.midX, s.maxY), (endX, t.y)], isSideLink: true))
                continue
            }
            let (from, to) = (cells[edge.from]!, cells[edge.to]!)
            let slot = GraphGrid.slot(edge, cells)
            var points: [(x: Double, y: Double)]
            let labelY: Double, gapStart: Double, gapEnd: Double
            if slot.gap < 0 {
                let gutter = rowY[from.row] + lower[from.row] + m.rowGap / 2
                let xIn = x0 - pre + 8
                points = [(s.maxX, s.midY), (s.maxX + 14, s.midY), (s.maxX + 14, gutter), (xIn, gutter), (xIn, t.midY), (t.x, t.midY)]
                (labelY, gapStart, gapEnd) = (t.midY, x0 - pre, x0)
            } else {
                (labelY, gapStart) = (s.midY, columnX[from.column] + columns[from.column])
                gapEnd = gapStart + gaps[slot.gap]
                if from.row == to.row {
                    points = [(s.maxX, s.midY), (t.x, t.midY)]
                } else if cells.contains(where: { $0.key != edge.from && $0.value.row == from.row
                                                  && $0.value.column > from.column && $0.value.column <= to.column }) {
                    // A node stands in the way on the source's row: turn at the end of the gap before the
                    // target and enter it from the left, a little off centre towards the source.
                    let vx = columnX[to.column] - 12
                    let ty = t.midY + (to.row < from.row ? 9 : -9)
                    var endX = t.x
                    if graph.nodes[edge.to].kind == .operation {
                        let r = t.width / 2
                        endX = t.midX - (r * r - 81).squareRoot()
                    }
                    points = [(s.maxX, s.midY), (vx, s.midY), (vx, ty), (endX, ty)]
                } else {
                    let k = entries[edge.to, default: 0]
                    entries[edge.to] = k + 1
                    let dx = Double(k) * 10
                    let entryX = t.midX + dx
                    var endY = to.row < from.row ? t.maxY : t.y
                    if graph.nodes[edge.to].kind == .operation {
                        let r = t.width / 2
                        endY = t.midY + (to.row < from.row ? 1 : -1) * (r * r - dx * dx).squareRoot()
                    }
                    points = [(s.maxX, s.midY), (entryX, s.midY), (entryX, endY)]
                }
            }
            let centre = (gapStart + gapEnd) / 2 - 4
            func label(_ texts: [String], color: String, top: Double) -> Label? {
                guard !texts.isEmpty else { return nil }
                let w = texts.map { TextMetrics.width($0, size: m.labelSize) }.max()!
                let lines = texts.enumerated().map { k, text in
                    TextLine(text: text, x: centre, baseline: top + Double(k) * m.labelLine + 11.5, size: m.labelSize, color: color)
                }
                return Label(lines: lines, box: Box(x: centre - w / 2, y: top, width: w, height: Double(texts.count) * m.labelLine))
            }
            let forward = forwardText[i]!, backward = backwardText[i]!
            edges.append(PlacedEdge(index: i, from: edge.from, to: edge.to, points: points, isSideLink: false,
                                    forward: label(forward, color: m.forwardColor, top: labelY - 4 - Double(forward.count) * m.labelLine),
                                    backward: label(backward, color: m.gradientColor, top: labelY + 4)))
        }

        // Title above, legend and notes below, then everything moved right of the margin.
        var bottom = y - m.rowGap + 16
        func textBlock(_ lines: [String], size: Double, top: Double, bold: Bool = false, color: String = "#000000") -> Label {
            let w = lines.map { TextMetrics.width($0, size: size, bold: bold) }.max() ?? 0
            let tl = lines.enumerated().map { k, text in
                TextLine(text: text, x: m.margin + w / 2, baseline: top + Double(k) * (size + 5) + size * 0.9, size: size, color: color, bold: bold)
            }
            return Label(lines: tl, box: Box(x: m.margin, y: top, width: w, height: Double(lines.count) * (size + 5)))
        }
        texts.append(textBlock([graph.title], size: 16, top: 10, bold: true))
        let footer = textBlock([GraphLabels.legend(for: graph)] + graph.notes, size: 12.5, top: bottom, color: "#333333")
        texts.append(footer)
        bottom = footer.box.maxY
        let allX = nodes.map(\.box.x) + edges.flatMap { $0.points.map(\.x) }
        let shift = Swift.max(0, m.margin - (allX.min() ?? m.margin))
        if shift > 0 { move(by: shift) }
        let rightmost = (nodes.map(\.box.maxX) + edges.flatMap { e in e.points.map(\.x) + [e.forward?.box.maxX, e.backward?.box.maxX].compactMap { $0 } }
                         + texts.map(\.box.maxX)).max() ?? 0
        width = (rightmost + m.margin).rounded(.up)
        height = (bottom + m.margin).rounded(.up)
    }

    /// Moves the graph (not the title and notes) right by `dx`.
    private mutating func move(by dx: Double) {
        func moved(_ label: Label) -> Label {
            var label = label
            label.box.x += dx
            for k in label.lines.indices { label.lines[k].x += dx }
            return label
        }
        for k in nodes.indices {
            nodes[k].box.x += dx
            nodes[k].label = moved(nodes[k].label)
        }
        for k in edges.indices {
            edges[k].points = edges[k].points.map { ($0.x + dx, $0.y) }
            edges[k].forward = edges[k].forward.map(moved)
            edges[k].backward = edges[k].backward.map(moved)
        }
    }
}
